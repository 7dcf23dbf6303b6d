# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the apiops.credentials collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""What a platform gives the rotation engine (:class:`Adapter`), and what the engine gives it back (:class:`Work`).

An adapter declares its protocol (``_protocols.PROTOCOLS``) and supplies the platform's primitives; the protocol
decides the order of the steps, and the engine runs them under the credential's lease.
"""

from __future__ import annotations

from ansible_collections.apiops.credentials.plugins.plugin_utils._plan import OVERLAP


class StepError(Exception):
    """A step that cannot go on, with a message for the operator (never a secret)."""


class SetRefused(StepError):
    """The platform refused a chosen secret before changing anything: the engine falls back to the platform's reset."""


class ApiContext:
    """What the module_utils clients expect of an AnsibleModule, for use on the controller."""

    def __init__(self, params, warn, rate_gate=None):
        self.params = params
        self.warn = warn
        self.rate_gate = rate_gate
        self.no_log_values = set()


class Work:
    """One credential: its input, its journal and what happened to it (what the report shows)."""

    def __init__(self, target, credential, key, spec, location=None, strategy=None):
        self.target = target
        self.credential = credential
        self.location = location
        self.strategy = strategy
        self.key = key  # of its record in the sink
        self.sink = None  # where that record is, in words (set by the engine)
        self.digest = None  # of the sink record the plan was made from
        self.fingerprint = None  # of the platform's state, as a dry run observed it (see Adapter.fingerprint)
        self.before = {}  # state and rotated_at of the record when the run found it (a masked diff shows them)
        self.rollback = None  # why the rotation planned could not be rolled back (None: it can)
        self.deliveries = None  # the further sinks and the hook the secret goes to, in words
        self.spec = spec  # the input entry; may hold a secret (current_secret), so it is never reported
        self.journal = None
        self.action = None
        self.reason = None
        self.overlap = None
        self.steps = []
        self.leases = []  # the leases this run holds on the credential, one per sink it writes
        self.resumed = False  # this run took up a pending secret of an earlier one
        self.result = None
        self.error = None
        self.next = None
        self.hook_due = False  # the delivery hook has not been given the sink's secret yet
        self.findings = []  # what an audit found, in words (no secret)
        self.age_days = None
        self.columns = {}  # the platform's own columns in the report (names and ages, never a secret)

    def row(self, platform):
        row = {"platform": platform, "target": self.target, "location": self.location, "credential": self.credential,
               "strategy": self.strategy, "action": self.action, "reason": self.reason,
               "overlap": OVERLAP.get(self.overlap), "steps": list(self.steps), "result": self.result,
               "error": self.error, "sink": self.sink, "next": self.next, "digest": self.digest,
               "fingerprint": self.fingerprint, "deliveries": self.deliveries, "rollback": self.rollback,
               "findings": list(self.findings), "age_days": self.age_days}
        row.update(self.columns)
        return row


class Adapter:
    """What a platform gives the engine. Methods get the :class:`Work`; secrets are arguments, never attributes.

    ``platform``                   short name used in reports and sink paths
    ``protocol``                   how a rotation goes, a key of ``_protocols.PROTOCOLS``: ``local_secret`` (a
                                   secret made here, journaled, then set), ``platform_reset`` (the platform makes
                                   it), ``known_value`` (a given client id and secret are put back), ``age_policy``
                                   (the adapter plans and carries out a policy of its own, e.g. a second credential)
    ``overlap(work)``              a key of OVERLAP
    ``separate_retire(work)``      True when the old secret stays valid after ``apply`` until ``retire``
    ``repair(work, check)``        put back what an interrupted run left behind; returns the steps done
    ``preflight(work, current)``   read-only checks before the first write; returns the current secret worth
                                   keeping as previous (None when unknown or not working); raises StepError
    ``apply(work, new, current)``  put ``new`` in place
    ``authenticates(work, secret)`` the platform's own check: True, False, or an ApiError
    ``retire(work, new, old)``     remove the old secret (only when ``separate_retire``)
    """

    platform = "platform"
    protocol = None  # every adapter says which (see above)
    propagation_wait = 0.0  # seconds a platform may take before a changed secret is accepted / rejected
    shows_secret = False  # True: read_secret() gives the platform's current secret (an audit compares it)
    late_apply_wait = 0.0  # seconds to watch for a write whose answer was lost (platform-made secrets)

    def overlap(self, work):
        raise NotImplementedError

    def separate_retire(self, work):
        return False

    def repair(self, work, check):
        return []

    def preflight(self, work, current):
        return current

    def apply(self, work, new, current):
        raise NotImplementedError

    def authenticates(self, work, secret):
        raise NotImplementedError

    def retire(self, work, new, old):
        raise NotImplementedError

    def new_secret(self, work):
        raise NotImplementedError

    def resets(self, work):
        """Must the platform make this credential's new secret (``local_secret``)? True where it refuses a chosen one."""
        return False

    def settable(self, work):
        """Can a chosen secret be put in place with ``set`` (roll back)?"""
        return True

    def read_secret(self, work):
        """The secret the platform holds now (platforms that show it)."""
        raise NotImplementedError

    def set(self, work, secret):
        """Set a given value (roll back); returns the value read back."""
        raise NotImplementedError

    def next_step(self, work):
        """What must be updated once the secret changed, in words (no secret)."""
        return None

    def fingerprint(self, work):
        """The platform's state of the credential as a short string without a secret (a dry run pins it in the plan,
        and the approved run refuses to go on when it changed), or None when the platform shows nothing of it."""
        return None

    # Restoring known values (operation restore): the platform shows an id, not the secret.
    def current_id(self, work):
        """The client id the platform shows for the credential now."""
        raise NotImplementedError

    def restore(self, work, value):
        """Put ``value`` ({client_id, secret, hash}) in place; returns the client id read back."""
        raise NotImplementedError

    def can_prove(self, work):
        """Can a restored secret be proven (a call the platform checks it with)?"""
        return True

    # Protocol age_policy: the adapter decides and acts (the journal, lease and report stay the engine's).
    def plan(self, work):
        """``{"action", "reason"}`` for the credential."""
        raise NotImplementedError

    def carry_out(self, work):
        """Carry out ``work.action`` (never ``none`` or ``blocked``): journal first, prove each write; the result."""
        raise NotImplementedError

    def audit(self, work):
        """Read only: what an audit finds for the credential, in words (no secret)."""
        raise NotImplementedError
