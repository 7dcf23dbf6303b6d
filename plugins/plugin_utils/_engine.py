# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the apiops.credentials collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""The rotation engine: one safe protocol for every platform, run on the controller.

Per credential, under a lock held in the sink::

    repair    put back what an interrupted run left lent or half done (the journal says what)
    plan      pure: the journal (sink record) and the policy decide the action
    persist   the new secret is journaled as ``pending`` before the platform is touched
    apply     the adapter's write; a lost answer is settled by reading back, never by a blind repeat
    verify    the new secret authenticates (bounded wait for platforms that propagate)
    record    the journal says the new secret is current and which secret was before
    deliver   the sink is read back: it holds the secret that was just proven
    retire    the adapter removes the old secret (when that is a separate step)
    reject    the old secret is proven rejected
    complete  the journal says the rotation is complete

A credential with nothing to do still ends with proof: the secret in the sink
must authenticate, or the credential fails (drift is never "no change").

A platform whose policy is its own (API Connect v10: a second credential after
an age, the old one deleted after another) plans each credential and carries out
its steps in the adapter (``plan`` and ``carry_out``), under the same rules: the
journal is written before the platform is touched, every write is proven, and
the engine still holds the lock, runs the workers, stops cleanly and reports.

The adapter supplies the platform's primitives (see :class:`Adapter`); the
engine owns the order, the journal, the proofs, the lock, concurrency, clean
stops and the report. Secrets live in the journal and in local variables of the
worker thread, never in a result, a report or an error message.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import signal
import string
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

SCHEMA = "apiops.credentials/report/1"
PHASES = ("all", "add", "retire")
# How consumers live through the change, per adapter and strategy (the report's "overlap").
OVERLAP = {
    "two_secrets": "two secrets at once",
    "second_credential": "second credential",
    "settable": "settable value",
    "hard_cut": "hard cut with a gap",
}
RESULTS = ("planned", "unchanged", "would fail", "rotated", "added", "retired", "repaired", "delivered", "rolled back",
           "restored", "restored (unproven)", "failed", "skipped", "compliant", "findings", "unknown")
DONE = ("rotated", "added", "retired", "repaired", "delivered", "rolled back", "restored", "restored (unproven)")
IN_PROGRESS_PER_SLOT = 4
CHAR_SETS = {name: getattr(string, name) for name in
             ("ascii_letters", "ascii_lowercase", "ascii_uppercase", "digits", "hexdigits", "punctuation")}


class StepError(Exception):
    """A step that cannot go on, with a message for the operator (never a secret)."""


class SetRefused(StepError):
    """The platform refused a chosen secret before changing anything: the engine falls back to the platform's reset."""


class PolicyError(ValueError):
    """Bad policy input, with a message that names the option and the fix."""


def now_iso(epoch=None):
    stamp = datetime.now(timezone.utc) if epoch is None else datetime.fromtimestamp(epoch, timezone.utc)
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value, name):
    """An aware datetime from an ISO-8601 string (``Z`` allowed) or a datetime; None and "" stay None."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            raise PolicyError("%s is not an ISO-8601 time (%r); write it like 2026-11-30T09:00:00Z" % (name, value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def check_policy(max_age_days=None, rotate_before=None, min_overlap=0, secret_length=None, secret_chars=None):
    """Why the policy options cannot work, or None."""
    if max_age_days is not None and (isinstance(max_age_days, bool) or int(max_age_days) < -1):
        return "max_age_days must be -1 (never rotate by age), 0 (always) or a number of days, not %s" % max_age_days
    try:
        parse_time(rotate_before, "rotate_before")
    except PolicyError as error:
        return str(error)
    if min_overlap is not None and int(min_overlap) < 0:
        return "min_overlap is a number of seconds, 0 or more, not %s" % min_overlap
    if secret_length is not None and not 16 <= int(secret_length) <= 255:
        return "secret_length must be between 16 and 255 (platforms store at most 255 characters), not %s" % secret_length
    if secret_chars is not None:
        try:
            alphabet(secret_chars)
        except PolicyError as error:
            return str(error)
    return None


def alphabet(names):
    """The characters of generated secrets: named sets of the ``string`` module, or literal characters."""
    chars = "".join(CHAR_SETS.get(name, name) for name in names or ())
    chars = "".join(sorted(set(chars)))
    if len(chars) < 10:
        raise PolicyError("secret_chars gives %d distinct characters; use at least ascii_letters and digits" % len(chars))
    return chars


def generate_secret(length, chars):
    return "".join(secrets.choice(chars) for _position in range(length))


def plan_rotation(record, max_age_days=90, rotate_before=None, phase="all", now=None):
    """What the journal and the policy call for: ``{"action", "reason", "age_days"}``.

    Actions: ``resume`` (a pending secret is journaled but not proven in place),
    ``retire`` (the new secret is current; the old one still has to go, or its
    rejection is not proven yet), ``rotate`` or ``none``. ``rotate_before`` is a
    compare-and-swap guard: rotate only if the last rotation is older, so a
    re-run after an emergency rotation does not rotate again.
    """
    if phase not in PHASES:
        raise PolicyError("phase must be one of %s, not %s" % (", ".join(PHASES), phase))
    record = record or {}
    now = parse_time(now, "now") or datetime.now(timezone.utc)
    rotated_at = parse_time(record.get("rotated_at"), "rotated_at")
    age_days = (now - rotated_at).days if rotated_at else None
    if record.get("operation") == "rollback" and record.get("state") == "pending":
        return dict(action="blocked", reason="a roll back of this credential was interrupted: run the roll back playbook, "
                                             "which finishes it, before rotating again", age_days=age_days)
    if record.get("pending_secret") or record.get("state") in ("pending", "rotating"):
        # pending: a generated secret was persisted; rotating: the secret was recorded before a server-side reset
        # (Anypoint). Either way the last run stopped before it recorded the end.
        if phase == "retire":
            return dict(action="none", reason="a rotation is still in progress; run phase add or all first", age_days=age_days)
        return dict(action="resume", reason="a new secret was persisted but not yet proven in place", age_days=age_days)
    if record.get("state") == "added":
        if phase == "add":
            return dict(action="none", reason="new secret added; the old one is retired in phase retire", age_days=age_days)
        return dict(action="retire", reason="the old secret is still active next to the new one", age_days=age_days)
    if record.get("state") == "retiring":
        return dict(action="retire", reason="an interrupted run did not prove the old secret rejected", age_days=age_days)
    if phase == "retire":
        return dict(action="none", reason="no added secret waiting to be retired", age_days=age_days)
    if rotated_at is None:
        return dict(action="rotate", reason="no rotation recorded in the sink", age_days=None)
    age_days = (now - rotated_at).days  # known from here on (and to pylint)
    guard = parse_time(rotate_before, "rotate_before")
    if guard is not None and rotated_at < guard:
        return dict(action="rotate", reason="last rotation (%s) is older than rotate_before" % record["rotated_at"], age_days=age_days)
    if max_age_days is not None and int(max_age_days) >= 0 and age_days >= int(max_age_days):
        return dict(action="rotate", reason="secret is %d days old (max %d)" % (age_days, int(max_age_days)), age_days=age_days)
    return dict(action="none", reason="rotated %d days ago" % age_days, age_days=age_days)


def plan_rollback(record, restores=False, settable=True):
    """Roll back to the previous secret in the journal: ``{"action": "rollback" | "undo" | "finish" | "none" |
    "blocked", "reason"}``.

    ``restores``: the platform takes a client id and a secret together (API Connect v5), and the journal's previous
    value is the one an earlier restore put in place. ``settable``: a given value can be put in place (not so for a
    UAA grant dance, whose UAA lets only the client change its secret).
    """
    record = record or {}
    if record.get("operation") == "rollback" and record.get("state") == "pending":
        return dict(action="rollback", reason="an interrupted roll back is finished")
    if not restores and record.get("state") in ("pending", "rotating"):
        # A rotation stopped midway (a crash, a kill): its new secret may or may not be in place on the platform.
        if record.get("secret") and settable:
            return dict(action="undo", reason="a rotation was interrupted midway: the secret proven before it is put back")
        why = ("no secret from before it is known (it was not given as current_secret)" if settable else
               "this platform cannot be given a chosen secret for this credential")
        return dict(action="finish", reason="a rotation was interrupted midway, and %s: the rotation is finished instead, "
                                            "so the secret that works is the one in the sink" % why)
    if record.get("state") == "rolled_back":
        return dict(action="none", reason="already rolled back to the secret before the last %s" % ("restore" if restores else "rotation"))
    if restores:
        if not record.get("previous_client_id"):
            return dict(action="blocked", reason="the sink holds no value from before the last restore: the portal never "
                                                 "shows a secret, so only a value an earlier restore put in place can be put "
                                                 "back. Restore from a backup instead")
        return dict(action="rollback", reason="put back the client id and secret before the last restore")
    if not record.get("previous_secret") and record.get("rotated_at"):
        return dict(action="blocked", reason="the last rotation (%s) replaced a secret this collection was never given (no "
                                             "current_secret, or it no longer worked), so there is none to put back; rotate "
                                             "again instead if the new secret is the problem" % record["rotated_at"])
    if not record.get("previous_secret"):
        return dict(action="blocked", reason="the sink has no previous secret for this credential: it was never rotated "
                                             "by this collection, so there is nothing to roll back to")
    return dict(action="rollback", reason="put back the secret before the last rotation")


def plan_restore(record, current_id, desired_id, update_secret="on_change_of_client_id"):
    """Restore a known value (a backup): ``{"action": "restore" | "none", "reason"}`` from the journal and the platform."""
    record = record or {}
    if record.get("operation") == "restore" and record.get("state") == "pending":
        return dict(action="restore", reason="an interrupted restore is finished")
    if current_id != desired_id:
        return dict(action="restore", reason="the platform has client id %s, the backup %s" % (current_id, desired_id))
    if update_secret == "always":
        return dict(action="restore", reason="update_secret=always sends the secret again")
    return dict(action="none", reason="the client id already matches (the secret is not compared: the portal never shows it)")


def secret_digest(secret):
    """A short digest of a secret, to note in its own record what a delivery hook was given (it cannot be reversed)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()[:16]


def delivered_copy(record):
    """What a further sink is given: the record without the journal's unfinished steps."""
    copy = {name: value for name, value in record.items() if not name.startswith("pending") and name not in ("hook_delivered", "lease_note")}
    if copy.get("state") in ("pending", "rotating"):
        # Unfinished steps are the journal's own; a copy in that state would look like another run's rotation.
        copy.pop("state")
    return copy


def record_digest(record):
    """A short digest of a journal record (time stamps of the last write left out), for approved plans.

    It changes when anything the plan was made from changes in the sink; it cannot be turned back into the record.
    """
    # A lease taken over between the dry run and the approved run is not a change of the plan.
    material = json.dumps({k: v for k, v in (record or {}).items() if k not in ("updated_at", "lease_note")}, sort_keys=True)
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:16]


# What an approved plan pins per credential, and how a difference is named. The sink record and the platform's state
# are compared as digests: what they were made from is not in the plan.
BOUND_FIELDS = (("action", "action"), ("result", "expected result"), ("strategy", "strategy"), ("overlap", "overlap"),
                ("sink", "sink"), ("deliveries", "further sinks and hook"), ("digest", None), ("fingerprint", None))
BOUND_POLICY = ("operation", "phase", "max_age_days", "rotate_before", "min_overlap", "verify_only", "require_rollback")


def plan_rows(plan, platform, target):
    """The rows of ``plan`` for one platform and target, keyed by (location, credential)."""
    return {(row.get("location"), row.get("credential")): row for row in (plan or {}).get("credentials") or []
            if row.get("platform") == platform and row.get("target") == target}


def plan_digest(plan, platform, target):
    """The digest of what a plan binds for one target: each credential's pinned fields and the policy.

    The check run prints it; an approver passes on the one they saw, and the real run refuses a plan whose content
    gives another (a hand edit). Free text (reasons, steps, times) is left out, so the digest says what will be done.
    """
    rows = plan_rows(plan, platform, target)
    material = {"platform": platform, "target": target,
                "policy": {name: ((plan or {}).get("policy") or {}).get(name) for name in BOUND_POLICY},
                "credentials": [[list(key)] + [rows[key].get(field) for field, _words in BOUND_FIELDS] for key in sorted(rows, key=str)]}
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode("utf-8")).hexdigest()[:32]


def plan_differences(plan, rows, platform, target, policy=None):
    """What differs between an approved plan (a check-mode report) and the rows of a fresh check: [] when nothing.

    One line per difference, naming the credential and the field; ``policy`` (this run's) is compared with the plan's.
    """
    if not isinstance(plan, dict) or plan.get("schema") != SCHEMA or not plan.get("check_mode"):
        return ["the plan is not a plan written by a check-mode run of this collection"]
    approved = plan_rows(plan, platform, target)
    if not approved:
        return ["the plan has no %s credentials of %s" % (platform, target)]
    differences = ["option %s was %s in the plan, is %s now" % (name, (plan.get("policy") or {}).get(name), policy.get(name))
                   for name in BOUND_POLICY if policy is not None and (plan.get("policy") or {}).get(name) != policy.get(name)]
    seen = set()
    for row in rows:
        key = (row["location"], row["credential"])
        seen.add(key)
        name = "%s/%s" % key
        then = approved.get(key)
        if then is None:
            differences.append("%s is not in the plan" % name)
            continue
        for field, words in BOUND_FIELDS:
            if then.get(field) == row.get(field):
                continue
            if field == "digest":
                differences.append("%s: its sink record changed since the plan" % name)
            elif field == "fingerprint":
                differences.append("%s: the platform changed since the plan (%s, now %s)" % (name, then.get(field), row.get(field)))
            else:
                differences.append("%s: %s was %s in the plan, is %s now" % (name, words, then.get(field), row.get(field)))
    for key in sorted(set(approved) - seen, key=str):
        differences.append("%s/%s is in the plan but not in this run" % key)
    return differences


def overlap_elapsed(record, min_overlap, now=None):
    """Has the new secret been in place (both secrets working) for at least ``min_overlap`` seconds?"""
    added = parse_time(record.get("added_at"), "added_at")
    if added is None:
        return True
    now = parse_time(now, "now") or datetime.now(timezone.utc)
    return (now - added).total_seconds() >= int(min_overlap or 0)


class ApiContext:
    """What the module_utils clients expect of an AnsibleModule, for use on the controller."""

    def __init__(self, params, warn, rate_gate=None):
        self.params = params
        self.warn = warn
        self.rate_gate = rate_gate
        self.no_log_values = set()


class Journal:
    """The record of one credential in the sink.

    :meth:`persist` returns once the record is on disk: for what must be there
    before the platform is touched (a pending secret, grants about to be lent).
    :meth:`save` queues it for the next write of the sink (at the latest at the
    end of the run): for outcomes that a later run can rebuild from the record
    before it, because it resumes from there and reads the platform.
    """

    def __init__(self, store, key, fresh=False, guard=None):
        self.store = store
        self.key = key
        self.guard = guard  # raises when the run may no longer write for this credential (its lease was lost)
        # fresh: read from disk if another run wrote the file (the caller holds the credential's lock)
        self.record = store.current(key) if fresh else store.get(key)
        self.writes = 0

    def persist(self, **changes):
        self._put(changes, wait=True)

    def save(self, **changes):
        self._put(changes, wait=False)

    def _put(self, changes, wait):
        if self.guard:
            self.guard()
        record = dict(self.record)
        for name, value in changes.items():
            if value is None:
                record.pop(name, None)
            else:
                record[name] = value
        record["updated_at"] = now_iso()
        self.store.put(self.key, record, wait=wait)
        self.record = record
        self.writes += 1

    def delivered(self):
        """The record as the sink holds it on disk (read back after the last write)."""
        return self.store.durable(self.key)


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

    def row(self, platform):
        return {"platform": platform, "target": self.target, "location": self.location, "credential": self.credential,
                "strategy": self.strategy, "action": self.action, "reason": self.reason,
                "overlap": OVERLAP.get(self.overlap), "steps": list(self.steps), "result": self.result,
                "error": self.error, "sink": self.sink, "next": self.next, "digest": self.digest,
                "fingerprint": self.fingerprint, "deliveries": self.deliveries, "rollback": self.rollback,
                "findings": list(self.findings), "age_days": self.age_days}


class Adapter:
    """What a platform gives the engine. Methods get the :class:`Work`; secrets are arguments, never attributes.

    ``platform``                   short name used in reports and sink paths
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
    propagation_wait = 0.0  # seconds a platform may take before a changed secret is accepted / rejected
    generates = "locally"  # or "platform": apply() returns the secret the platform made (a reset)
    shows_secret = False  # True: read_secret() gives the platform's current secret (an audit compares it)
    restores = False  # True: a value is put back with restore() (client id and secret together), not with set()
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
        """Must the platform make this credential's new secret (a reset)? True where it refuses a chosen one."""
        return self.generates == "platform"

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

    # A policy of the platform's own: the adapter decides and acts (the journal, lock and report stay the engine's).
    def plan(self, work):
        """``{"action", "reason"}`` for the credential, or None when the engine's policy decides."""
        return None

    def carry_out(self, work):
        """Carry out ``work.action`` (never ``none`` or ``blocked``): journal first, prove each write; the result."""
        raise NotImplementedError


class Engine:
    """Runs the protocol for every :class:`Work`, ``concurrency`` at a time, and keeps the score."""

    def __init__(self, adapter, store, policy, check_mode=False, concurrency=8, max_failures=0, lock_timeout=60.0,
                 progress=None, progress_every=5.0, errors=(), sleep=time.sleep, deliveries=(), hook=None, time_budget=0):
        self.adapter = adapter
        self.store = store  # the journal and the sink: RecordFile, or a RemoteRecords store
        # Further sinks the proven secret is copied to (and read back from) before any retirement.
        self.deliveries = tuple(deliveries)
        # The delivery hook (a tasks file the role runs between two engine runs): None, or
        # {"delivered": keys the hook delivered, "failed": keys it failed for}, each for the second run.
        self.hook = hook
        self.policy = policy  # max_age_days, rotate_before, phase, min_overlap
        self.check_mode = check_mode
        # Credentials in progress at once. Requests in flight are bounded by the adapter's RateGate (``concurrency``);
        # more credentials than that keep the HTTP slots busy while others wait for the journal, whose writes are
        # then grouped (RecordFile): one vault write for many steps.
        self.concurrency = max(1, int(concurrency)) * IN_PROGRESS_PER_SLOT
        self.max_failures = int(max_failures or 0)
        self.lock_timeout = float(lock_timeout)
        # After this many seconds no new credential is started (0: no budget): a job ends on its own, reported,
        # before AWX's job timeout or a change window's end would kill it midway.
        self.time_budget = float(time_budget or 0)
        self._started = time.monotonic()
        self.progress = progress
        self.progress_every = progress_every
        self.errors = tuple(errors) + (StepError, PolicyError)  # expected failures: their text is the message
        self.sleep = sleep
        self.stop_reason = None
        self.failures = 0
        self.done = 0
        self.journal_writes = 0
        self._lock = threading.Lock()
        self._parent = os.getppid()

    # -- the run
    def run(self, works):
        previous = self._trap_signals()
        started = self._started = time.monotonic()
        ticker = threading.Event()
        reporter = threading.Thread(target=self._report_progress, args=(works, ticker, started), daemon=True)
        reporter.start()
        try:
            with ThreadPoolExecutor(max_workers=min(self.concurrency, max(1, len(works)))) as pool:
                list(pool.map(self._one, works))
        finally:
            ticker.set()
            self._restore_signals(previous)
            self._flush(works)
        return works

    def _settle(self, work, quiet=False):
        if self.check_mode:
            return
        try:
            self.store.flush(work.key)
        except self.errors as error:
            if quiet:
                return
            if work.result in DONE:
                raise StepError("done on the platform, but the sink could not record it (%s); the sink still holds the "
                                "step before (a pending secret is resumed), and a re-run records the outcome" % error)
            raise

    def _flush(self, works):
        """Write the outcomes still queued; if that fails, the sink holds each credential's step before, and says so."""
        try:
            self.store.flush()
        except self.errors as error:
            for work in works:
                if work.result in DONE:
                    work.result = "failed"
                    work.error = ("done on the platform, but the sink could not record it (%s); the sink still holds the "
                                  "pending secret, and a re-run records the outcome" % error)

    def _one(self, work):
        reason = self._should_stop()
        if reason:
            work.result, work.error = "skipped", "not started: %s; a re-run does it" % reason
            return work
        try:
            # A dry run writes nothing, not even a lock file.
            work.sink = "%s, key %s" % (self.store.path, work.key)
            with contextlib.nullcontext() if self.check_mode else self._locks(work):
                work.journal = Journal(self.store, work.key, fresh=not self.check_mode, guard=lambda: self._lease_held(work))
                notes = [step for step in work.steps if step.startswith("took over the lease")]
                if notes:
                    work.journal.persist(lease_note="%s: %s" % (now_iso(), "; ".join(notes)))
                try:
                    self._protocol(work)
                except BaseException:
                    self._settle(work, quiet=True)  # keep what was journaled; the first error is the one to tell
                    raise
                finally:
                    with self._lock:
                        self.journal_writes += work.journal.writes
                self._settle(work)  # the outcome is on disk before the lock is released
        except self.errors as error:
            work.result = self._failed_result()
            work.error = str(error)
        except Exception as error:  # pylint: disable=broad-exception-caught
            # One credential must not stop the others; the type names what broke, never a value (it may be a secret).
            work.result = self._failed_result()
            work.error = "unexpected error (%s); the journal in the sink says how far it got, and a re-run resumes" % type(error).__name__
        if work.result == "unknown":
            work.error = "could not be audited, so it is not called compliant: %s" % work.error
        with self._lock:
            self.done += 1
            if work.result in FAILING:
                self.failures += 1
        return work

    @contextlib.contextmanager
    def _locks(self, work):
        """The credential's lock in every sink this run writes (the journal's and each further one), taken in one
        order: a run whose journal is another sink (a team moving its sink) shares one of them, so the two runs take
        turns on the credential instead of rotating it each on its own."""
        with contextlib.ExitStack() as held:
            for store in sorted((self.store,) + self.deliveries, key=lambda each: each.path):
                lease = held.enter_context(store.lock(work.key, self.lock_timeout))
                if not lease:
                    raise StepError("another run holds the lease of this credential in %s (%s) and did not finish within "
                                    "%d s; nothing was done here, so it is not done twice: re-run once that run has ended, "
                                    "or once its lease expired (a run that died), or release it with the break_lease "
                                    "playbook" % (store.path, store.lock_owner(work.key), self.lock_timeout))
                work.leases.append(lease)
                if getattr(lease, "took_over", None):
                    work.steps.append("%s (in %s)" % (lease.took_over, store.path))
            yield

    @staticmethod
    def _lease_held(work):
        """Before each journal write (and so before each platform write that follows it): is every lease still ours?"""
        if any(getattr(lease, "lost", False) for lease in work.leases):
            raise StepError("the lease of this credential expired while this run was stopped, and another run took it "
                            "over: nothing more is done here, so nothing is done twice. The journal says how far each got")

    def _other_journals(self, work):
        """Take up what a run whose journal is one of this run's further sinks did to the credential meanwhile.

        A further sink holds copies without the journal's unfinished steps, so an unfinished rotation there is another
        run's, and is left to it. A newer rotation there whose secret works, where this journal's does not, is taken
        up: both sinks then hold the secret in place, and nothing is rotated twice.
        """
        record = work.journal.record
        for store in self.deliveries:
            if not store.journals:
                continue  # AWX: no run journals there
            other = store.current(work.key)
            if other.get("pending_secret") or other.get("state") in ("pending", "rotating"):
                raise StepError("%s journals an unfinished rotation of this credential (a run with that sink as its journal "
                                "stopped midway): re-run with sink set to it, which finishes it; nothing was done here" % store.path)
            newer = (other.get("rotated_at") or "") > (record.get("rotated_at") or "")
            if not other.get("secret") or other["secret"] == record.get("secret") or not newer or record.get("pending_secret"):
                continue
            if not self.adapter.authenticates(work, other["secret"]):
                continue
            if other.get("previous_secret") != record.get("secret") and self.adapter.authenticates(work, record.get("secret")):
                continue  # two working secrets, neither made from the other: nothing here says which is newer in use
            taken = {name: other.get(name) for name in ("secret", "previous_secret", "state", "strategy", "rotated_at",
                                                        "retired_at", "added_at")}
            if self.check_mode:  # the dry run plans from what the real run will hold, and writes nothing
                work.journal.record = {name: value for name, value in dict(record, **taken).items() if value is not None}
            else:
                work.journal.persist(**taken)
            work.steps.append("took up the newer rotation that a run journaling in %s made" % store.path)
            record = work.journal.record

    def _failed_result(self):
        """An audit that could not reach the platform or the sink knows nothing: "unknown", never "compliant"."""
        if self.policy.get("operation") == "audit":
            return "unknown"
        return "would fail" if self.check_mode else "failed"

    def _protocol(self, work):
        work.overlap = self.adapter.overlap(work)
        work.digest = record_digest(work.journal.record)
        work.before = {name: work.journal.record.get(name) for name in ("state", "rotated_at")}
        work.deliveries = ", ".join([store.path for store in self.deliveries] + (["the delivery hook"] if self.hook is not None else [])) or None
        if self.check_mode and self.policy.get("operation", "rotate") != "audit" and not self.policy.get("verify_only"):
            work.fingerprint = self.adapter.fingerprint(work) or "the platform shows nothing of this credential's state"
        hooked = self._hook_outcome(work)
        if self.hook and self.hook.get("second") and self.policy.get("operation", "rotate") != "rotate":
            # After a roll back or a restore nothing waits for the hook: it only had to be told.
            work.action, work.reason = "none", "the delivery hook was given the secret in the sink"
            work.result = "delivered" if hooked else "unchanged"
        else:
            self._protocol_steps(work)
        if hooked and work.result == "unchanged":
            work.result = "delivered"
        if self.hook is not None:
            secret = work.journal.record.get("secret")
            work.hook_due = bool(secret) and work.journal.record.get("hook_delivered") != secret_digest(secret)

    def _hook_outcome(self, work):
        """What the delivery hook did for this credential in the role's hook pass; True when it delivered."""
        if self.hook is None or self.check_mode:
            return False
        if work.key in self.hook.get("failed", ()):
            raise StepError("the delivery hook failed for this credential (its task above says why), so its consumers "
                            "do not have the sink's secret yet and no old secret was retired after that. Fix the hook "
                            "and re-run: it is called again")
        secret = work.journal.record.get("secret")
        if work.key not in self.hook.get("delivered", ()) or not secret:
            return False
        if work.journal.record.get("hook_delivered") != secret_digest(secret):
            work.journal.persist(hook_delivered=secret_digest(secret))
            work.steps.append("the delivery hook delivered the secret")
            return True
        return False

    def _protocol_steps(self, work):
        adapter, journal, policy = self.adapter, work.journal, self.policy
        repaired = adapter.repair(work, self.check_mode or policy.get("verify_only"))
        work.steps += repaired
        if policy.get("operation") != "audit":
            self._other_journals(work)
        if policy.get("verify_only"):
            if repaired:
                raise StepError("an interrupted run left work to finish (%s): run the rotation playbook" % "; ".join(repaired))
            work.action, work.reason = "none", "verify only: does the secret in the sink authenticate?"
            self._prove_sink_secret(work)
            behind = self._deliver(work, check=True)
            if behind:
                raise StepError("%s does not hold the sink's secret: run the rotation playbook, which delivers it" % ", ".join(behind))
            work.result = "unchanged"
            return
        if policy.get("operation") == "audit":
            self._audit(work)
            return
        own = adapter.plan(work)
        if own is not None:
            self._adapter_steps(work, own)
            return
        if policy.get("operation") == "restore":
            plan = plan_restore(journal.record, adapter.current_id(work), work.spec["client_id"], policy.get("update_secret"))
        elif policy.get("operation") == "rollback":
            plan = plan_rollback(journal.record, restores=adapter.restores, settable=adapter.settable(work))
        else:
            plan = plan_rotation(journal.record, policy.get("max_age_days"), policy.get("rotate_before"), policy.get("phase", "all"))
        work.action, work.reason = plan["action"], plan["reason"]

        if work.action == "blocked":
            raise StepError(work.reason)
        if work.action == "none" and policy.get("operation") == "restore":
            self._prove_restored(work, work.spec.get("client_secret"))
            work.result = "unchanged"
            return
        if work.action == "none":
            self._prove_sink_secret(work)
            work.result = ("planned" if self.check_mode else "repaired") if repaired else "unchanged"
            if self._deliver(work, check=self.check_mode) and not repaired:
                work.result = "planned" if self.check_mode else "delivered"
            return
        if self.check_mode:
            if work.action == "rotate":
                # read-only: a wrong current secret fails the dry run too
                self._rollback_possible(work, adapter.preflight(work, self._current(work)))
            work.result = "planned"
            work.next = "run without --check to carry out the plan"
            return
        if work.action == "undo":
            self._undo(work)
            return
        if work.action == "rollback":
            self._rollback(work)
            return
        if work.action == "restore":
            self._restore(work)
            return
        if work.action in ("rotate", "resume", "finish"):  # finish: an interrupted rotation, in a roll back run
            new, previous = self._new_secret_in_place(work)
            if adapter.separate_retire(work):
                self._record(work, new, previous, state="added", added_at=now_iso())
                if not self._may_retire(work):
                    return
                self._retire(work, new, previous)
            else:
                # The change replaced the old secret already (a hard cut): prove that, then one journal write
                # records the whole rotation. Until then the journal's pending secret is the one that works.
                self._prove_rejected(work, new, previous)
                self._record(work, new, previous, state="complete", retired_at=now_iso())
            work.result = "added" if work.journal.record.get("state") == "added" else "rotated"
            work.next = work.next or adapter.next_step(work)
            return
        # action retire: a rotation recorded earlier still has its old secret to retire or to prove rejected.
        record = journal.record
        new, old = record.get("secret"), record.get("previous_secret")
        if not adapter.authenticates(work, new):
            raise StepError("the secret in the sink does not authenticate, so the old secret is not retired (it may be "
                            "the only one that works). Find which secret consumers use before going on")
        self._deliver(work)  # an earlier run may have stopped at a further sink
        if adapter.separate_retire(work):
            if not self._may_retire(work):
                return
            if old is not None and not adapter.authenticates(work, old):
                old = None  # already gone (a retirement that landed late): nothing to retire, nothing to prove
                work.steps.append("the old secret was already rejected")
            self._retire(work, new, old)
        else:
            self._prove_rejected(work, new, old)
            journal.save(state="complete", retired_at=now_iso())
        work.result = "retired"

    def _audit(self, work):
        """Read-only: age against the policy, drift, secrets no sink knows, a previous secret that still works."""
        adapter, record, policy = self.adapter, work.journal.record, self.policy
        work.action, work.reason = "audit", "read only: age, drift, orphans, retirement"
        found = work.findings
        plan = plan_rotation(record, policy.get("max_age_days"), policy.get("rotate_before"))
        work.age_days = plan.get("age_days")
        secret = record.get("secret")
        if record.get("pending_secret") or record.get("state") in ("pending", "rotating", "retiring"):
            found.append("unfinished: an interrupted run left this credential %s; run the rotation playbook"
                         % record.get("state", "pending"))
        if not secret and record.get("client_secret_hash"):
            work.steps.append("only the secret's hash is known (a restore)")
        elif not secret:
            found.append("orphan: no sink holds a secret of this credential; rotate it so that one does")
        elif record.get("rotated_at") and plan["action"] == "rotate":
            found.append("overdue: %s" % plan["reason"])
        if adapter.restores and record.get("client_id"):
            # The portal never proves a secret, but it shows the client id: an audit that contacts it learns something.
            shown = adapter.current_id(work)
            if shown != record["client_id"]:
                found.append("drift: the platform shows client id %s, the sink %s (changed outside this collection)"
                             % (shown, record["client_id"]))
            else:
                work.steps.append("the platform shows the sink's client id")
        if secret and adapter.can_prove(work):
            if not adapter.authenticates(work, secret):
                found.append("drift: the platform rejects the secret in the sink (changed outside this collection)")
            else:
                work.steps.append("proved the secret in the sink")
        elif secret:
            work.steps.append("the sink's secret could not be proven here (no check is configured)")
        if secret and adapter.shows_secret:
            if adapter.read_secret(work) != secret:
                found.append("orphan: the platform holds a secret that no sink knows (changed outside this collection)")
        previous = record.get("previous_secret")
        if previous and record.get("state") in ("complete", "rolled_back") and adapter.can_prove(work) \
                and adapter.authenticates(work, previous):
            found.append("not retired: the secret before the last change still works; run the rotation playbook "
                         "(phase retire) or retire it by hand")
        found += ["drift: %s holds another secret than the sink" % path for path in self._deliver(work, check=True)]
        if self.hook is not None and secret and record.get("hook_delivered") != secret_digest(secret):
            found.append("drift: the delivery hook was not given the sink's secret; run the rotation playbook")
        work.result = "findings" if found else "compliant"

    def _adapter_steps(self, work, plan):
        """A platform policy of its own: the adapter's plan, a dry run that stops at it, or the adapter's steps."""
        work.action, work.reason = plan["action"], plan["reason"]
        if work.action == "blocked":
            raise StepError(work.reason)
        if work.action == "none":
            work.result = "unchanged"
            return
        if self.check_mode:
            work.result = "planned"
            work.next = "run without --check to carry out the plan"
            return
        work.result = self.adapter.carry_out(work)
        work.next = work.next or self.adapter.next_step(work)

    def _current(self, work):
        return work.journal.record.get("secret") or work.spec.get("current_secret") or None

    def _new_secret_in_place(self, work):
        """A chosen secret journaled before the platform is touched; the platform's reset where it refuses one."""
        record = work.journal.record
        if record.get("state") == "rotating" or (self.adapter.resets(work) and not record.get("pending_secret")):
            return self._platform_secret(work)
        try:
            return self._put_new_secret(work)
        except SetRefused as refused:
            # Nothing changed on the platform. Its reset is the fallback; the journal's pending secret goes with the
            # next journal write (the current secret, before the reset).
            work.steps.append("the platform refuses a chosen secret (%s), so it resets it instead" % refused)
            return self._platform_secret(work)

    def _rollback_possible(self, work, kept):
        """Note (in the plan) when the rotation could not be rolled back, and refuse it where the policy requires one."""
        if kept and self.adapter.settable(work):
            return kept
        work.rollback = ("cannot be rolled back: %s" % ("the secret in use now is not known to this collection (give "
                                                        "current_secret)" if not kept else "this platform takes no chosen "
                                                        "secret for this credential"))
        if self.policy.get("require_rollback"):
            raise StepError("%s, and require_rollback is set, so it is not rotated" % work.rollback)
        return kept

    def _put_new_secret(self, work):
        """persist, apply, verify; returns (new secret, previous secret worth keeping or None)."""
        adapter, journal = self.adapter, work.journal
        current = self._current(work)
        new = journal.record.get("pending_secret")
        if new is None:
            current = self._rollback_possible(work, adapter.preflight(work, current))  # before anything is written
            new = adapter.new_secret(work)
            journal.persist(pending_secret=new, secret=current, state="pending", strategy=work.strategy, started_at=now_iso())
            work.steps.append("persisted the new secret (pending)")
            self._apply(work, new, current)
        else:
            work.resumed = True
            work.steps.append("resumed with the pending secret from the sink")
            # A request that timed out may still have landed: look before writing again.
            if adapter.authenticates(work, new):
                work.steps.append("the new secret already works (an earlier request landed)")
            else:
                self._apply(work, new, current)
        if not self._wait_for(lambda: adapter.authenticates(work, new), True):
            raise StepError("the platform does not accept the new secret after the change; it stays pending in the sink "
                            "and a re-run tries again. The secret that worked before is still in the sink")
        work.steps.append("proved the new secret")
        return new, (current if current and current != new else None)

    def _apply(self, work, new, current):
        """The adapter's change, once: after a lost answer the new secret is watched for, never sent again blindly."""
        try:
            self.adapter.apply(work, new, current)
        except self.errors as error:
            if not getattr(error, "maybe_applied", False):
                raise
            if not self._wait_for(lambda: self.adapter.authenticates(work, new), True, self.adapter.late_apply_wait):
                raise StepError("the answer to the change was lost and the new secret does not work yet; it was not sent "
                                "again (the first request may still land). It stays pending in the sink, and a re-run "
                                "checks the platform first")
            work.steps.append("the change landed after its answer was lost")

    def _platform_secret(self, work):
        """journal the old secret, reset, journal the new one (it exists nowhere else), verify; (new, old)."""
        adapter, journal = self.adapter, work.journal
        record = journal.record
        live = adapter.read_secret(work)
        if record.get("state") == "rotating":
            work.resumed = True
            old = record.get("secret")
            if live != old:
                new = live  # the earlier run's reset landed (perhaps after its answer was lost): it is not repeated
                work.steps.append("the reset of an earlier run had landed; its secret was read back from the platform")
            else:
                new = self._reset(work, old)
        else:
            if record.get("secret") and record["secret"] != live:
                work.steps.append("the secret in the sink was not the platform's (changed outside); the platform's is kept as previous")
            old = live
            journal.persist(secret=old, pending_secret=None, state="rotating", strategy=work.strategy, started_at=now_iso())
            work.steps.append("journaled the current secret (rotating)")
            new = self._reset(work, old)
        journal.persist(secret=new, previous_secret=old, state="retiring", rotated_at=now_iso())
        work.steps.append("persisted the new secret")
        if not self._wait_for(lambda: adapter.authenticates(work, new), True):
            raise StepError("the platform made a new secret (it is in the sink) but does not accept it; check the client "
                            "on the platform, then re-run")
        work.steps.append("proved the new secret")
        return new, old

    def _reset(self, work, old):
        try:
            new = self.adapter.apply(work, None, old)
        except self.errors as error:
            if not getattr(error, "maybe_applied", False):
                raise
            # The answer was lost: the platform may apply it later. Watch for it; never reset again in this run.
            if not self._wait_for(lambda: self.adapter.read_secret(work) != old, True, self.adapter.late_apply_wait):
                raise StepError("the answer to the reset was lost and the platform still shows the old secret; it was "
                                "not reset again (the first reset may still land). A re-run reads the platform first")
            new = self.adapter.read_secret(work)
            work.steps.append("the reset landed after its answer was lost")
            return new
        work.steps.append("reset the secret (the platform made the new one)")
        return new

    def _undo(self, work):
        """Roll back a rotation that stopped midway: journal it as a roll back from the secret it was putting in place
        (the journal's pending one, or what the platform's reset made) to the last proven one, then carry that out."""
        record = work.journal.record
        inflight = record.get("pending_secret")
        if record.get("state") == "rotating":  # a platform reset: only the platform knows what it made, if it landed
            live = self.adapter.read_secret(work)
            inflight = live if live != record["secret"] else None
        if inflight and not self.adapter.authenticates(work, inflight):
            # Not in place. A write whose answer was lost may still land, but not after the platform's own time.
            started = parse_time(record.get("started_at"), "started_at")
            if started and (datetime.now(timezone.utc) - started).total_seconds() < max(self.adapter.late_apply_wait * 2, 1):
                raise StepError("the interrupted rotation started moments ago and its change may still land on the "
                                "platform: re-run the roll back in a minute; nothing was done here")
            inflight = None
        if not inflight:
            # The platform never took the interrupted rotation's secret: the journal drops it, nothing is sent.
            self._prove_sink_secret(work)
            work.journal.save(pending_secret=None, state="rolled_back", operation=None, rolled_back_at=now_iso())
            work.steps.append("the interrupted rotation had not changed the platform; its secret was dropped")
            work.result = "rolled back"
            return
        # The platform has the interrupted rotation's secret (proven): journal it as the one a roll back replaces.
        work.journal.persist(secret=inflight, pending_secret=record["secret"], state="pending", operation="rollback",
                             started_at=now_iso())
        work.steps.append("journaled the roll back of the interrupted rotation (pending)")
        self._rollback(work)

    def _rollback(self, work):
        """Put the previous secret back: a settable value, journaled and proven like any other secret."""
        adapter, journal = self.adapter, work.journal
        record = journal.record
        if adapter.restores:
            self._restore(work, {"client_id": record.get("previous_client_id"), "secret": record.get("previous_secret"),
                                 "hash": record.get("previous_hash")}, operation="rollback")
            return
        resumed = record.get("operation") == "rollback" and record.get("state") == "pending"
        target = record.get("pending_secret") if resumed else record.get("previous_secret")
        current = record.get("secret")
        if not resumed:
            journal.persist(pending_secret=target, state="pending", operation="rollback", started_at=now_iso())
            work.steps.append("journaled the roll back (pending)")
        if adapter.authenticates(work, target) and not (current and current != target and adapter.authenticates(work, current)):
            work.steps.append("the previous secret already works")
        else:
            try:
                kept = adapter.set(work, target)
            except StepError:
                if not resumed:  # refused before anything changed: the journal goes back to what it said
                    journal.save(pending_secret=None, state=record.get("state"), operation=None, started_at=record.get("started_at"))
                raise
            if kept != target:
                raise StepError("the platform did not keep the previous secret (it reads back another value): it cannot "
                                "be put back this way; rotate instead and deliver the new secret")
            work.steps.append("set the previous secret")
        if not self._wait_for(lambda: adapter.authenticates(work, target), True):
            raise StepError("the previous secret was set but does not authenticate; it stays pending in the sink")
        work.steps.append("proved the previous secret")
        if current and current != target:
            self._prove_rejected(work, target, current)
        # rotated_at stays the last rotation's: a roll back does not make the secret it puts back younger.
        self._record(work, target, current if current != target else None, state="rolled_back", operation=None,
                     rolled_back_at=now_iso(), rotated_at=work.journal.record.get("rotated_at"))
        work.result = "rolled back"
        work.next = adapter.next_step(work)

    def _restore(self, work, value=None, operation="restore"):
        """Put a known value back (a backup, or the one before the last restore): journal it, set it, read the id back,
        prove the secret where it can be. The value it replaces is kept as the previous one (a roll back puts it back)."""
        adapter, journal, spec = self.adapter, work.journal, work.spec
        record = journal.record
        if value is None:
            value = {"client_id": spec["client_id"], "secret": spec.get("client_secret"), "hash": spec.get("client_secret_hash")}
        if not (record.get("operation") == operation and record.get("state") == "pending"):
            journal.persist(pending_client_id=value["client_id"], pending_secret=value["secret"], pending_hash=value["hash"],
                            state="pending", operation=operation, started_at=now_iso())
            work.steps.append("journaled the %s (pending)" % ("roll back" if operation == "rollback" else "restore"))
        else:
            value = {"client_id": record["pending_client_id"], "secret": record.get("pending_secret"), "hash": record.get("pending_hash")}
            work.steps.append("resumed the %s journaled by an earlier run" % ("roll back" if operation == "rollback" else "restore"))
        if adapter.restore(work, value) != value["client_id"]:
            raise StepError("the platform answered with another client id than the backup's; it stays pending in the sink")
        work.steps.append("set the client id and secret; the client id reads back")
        proven = self._prove_restored(work, value["secret"])
        metadata = {key: spec.get(key) for key in ("org", "app", "credential_id", "owner", "description")}
        replaced = {}
        if record.get("client_id") and (record["client_id"], record.get("secret"), record.get("client_secret_hash")) != \
                (value["client_id"], value["secret"], value["hash"]):
            replaced = {"previous_client_id": record["client_id"], "previous_secret": record.get("secret"),
                        "previous_hash": record.get("client_secret_hash")}
        journal.save(client_id=value["client_id"], secret=value["secret"], client_secret_hash=value["hash"], pending_client_id=None,
                     pending_secret=None, pending_hash=None, operation=None, restored_at=now_iso(),
                     state="rolled_back" if operation == "rollback" else "restored", **dict(metadata, **replaced))
        self._deliver(work)
        if operation == "rollback":
            work.result = "rolled back"
            work.next = None if proven else adapter.next_step(work)
            return
        work.result = "restored" if proven else "restored (unproven)"
        if not proven:
            work.next = adapter.next_step(work)

    def _prove_restored(self, work, secret):
        """True when the restored secret was proven; False when the platform offers no way (said in the steps)."""
        if not secret or not self.adapter.can_prove(work):
            work.steps.append("the secret could not be proven (%s)" % ("only its hash is known" if not secret else
                                                                       "no check is configured"))
            return False
        if not self._wait_for(lambda: self.adapter.authenticates(work, secret), True):
            raise StepError("the credential has the backup's client id, but the gateway rejects the backup's secret: the "
                            "backup may be wrong, or the portal keeps the secret in another form than it was sent (a "
                            "portal that hashes what it receives needs secret_format=plaintext); check the row")
        work.steps.append("proved the secret at the gateway")
        return True

    def _record(self, work, new, previous, **fields):
        """The journal says ``new`` is the secret; the sink, as read back from disk, must hold it (deliver)."""
        fields.setdefault("rotated_at", now_iso())
        work.journal.save(secret=new, previous_secret=previous, pending_secret=None, **fields)
        # The hook point for further sinks and notices. The record saved above may still be queued; what is on disk
        # holds the new secret since the pending write (read back then), or since an earlier run recorded it.
        if new not in (work.journal.delivered().get("secret"), work.journal.delivered().get("pending_secret")):
            raise StepError("the sink does not read back the new secret; the platform has it, so the old one is kept. "
                            "Check the sink (%s) and re-run" % work.sink)
        work.steps.append("delivered to the sink")
        self._deliver(work)

    def _deliver(self, work, check=False):
        """Copy the journal's secret to every further sink that does not hold it, each read back; what was (or would be) written.

        It runs before any retirement, so a sink that fails stops the credential with its old secret still in place.
        """
        record = work.journal.record
        if not record.get("secret") or not self.deliveries:
            return []
        written = []
        for store in self.deliveries:
            try:
                there = store.current(work.key)
            except self.errors as error:
                raise self._undelivered(work, store, error)
            if store.holds(work.key, there, record):  # AWX shows no secret, only a digest of it
                continue
            if (there.get("rotated_at") or "") > (record.get("rotated_at") or "") and there.get("secret") \
                    and self.adapter.authenticates(work, there["secret"]):
                # Another run, whose journal that sink is, rotated later: its working secret is not overwritten.
                raise StepError("%s holds a newer rotation of this credential, made by a run that journals there, and its "
                                "secret works: it is not overwritten. Let one sink be the journal of both runs (see the "
                                "README on moving to another sink)" % store.path)
            if not check:
                try:
                    store.put(work.key, delivered_copy(record))  # written and read back, or an error
                except self.errors as error:
                    raise self._undelivered(work, store, error)
            written.append(store.path)
            if not check:
                work.steps.append("delivered to %s" % store.path)
        return written

    @staticmethod
    def _undelivered(work, store, error):
        return StepError("the new secret works and is in the sink (%s), but delivering it to %s failed (%s). No old secret "
                         "was retired after that; fix %s and re-run, which delivers it again" % (work.sink, store.path, error, store.path))

    def _may_retire(self, work):
        record, policy = work.journal.record, self.policy
        if self.hook is not None and record.get("hook_delivered") != secret_digest(record.get("secret") or ""):
            work.result = "added"
            work.next = "the delivery hook is given the new secret next; the old one is retired once the hook succeeded"
            return False
        if policy.get("phase") == "add":
            work.result = "added"
            work.next = "consumers switch to the new secret in the sink; then run with phase retire"
            return False
        if not overlap_elapsed(record, policy.get("min_overlap")):
            work.result = "added"
            work.next = ("both secrets work; the old one is retired by a run after %s s of overlap (min_overlap)"
                         % policy.get("min_overlap"))
            return False
        return True

    def _retire(self, work, new, old):
        """The separate retirement (after delivery): remove the old secret, prove it rejected, record."""
        if old is not None and work.resumed and not self.adapter.authenticates(work, old):
            old = None  # the earlier run retired it before its journal was written
            work.steps.append("the old secret was already rejected")
        if old is not None:
            self.adapter.retire(work, new, old)
            work.steps.append("retired the old secret")
        self._prove_rejected(work, new, old)
        work.journal.save(state="complete", retired_at=now_iso())
        work.next = work.next or "consumers read the new secret from the sink"

    def _prove_rejected(self, work, new, old):
        if not old:
            work.steps.append("the old secret is unknown, so its rejection could not be proven")
            return
        if not self._wait_for(lambda: self.adapter.authenticates(work, old), False):
            # The new secret works: record it whatever else is wrong, then say what is left.
            if work.journal.record.get("secret") != new:
                self._record(work, new, old, state="retiring")
            else:
                work.journal.save(state="retiring")
            raise StepError("the old secret is still accepted after its retirement; the new one is in the sink. "
                            "A re-run checks again")
        work.steps.append("proved the old secret rejected")

    def _prove_sink_secret(self, work):
        secret = work.journal.record.get("secret")
        if secret is None:
            if work.journal.record.get("state") == "added":
                return
            raise StepError("the sink holds no secret for this credential and no rotation is due; run once with "
                            "max_age_days=0 or rotate_before set to now so the sink learns one")
        if not self.adapter.authenticates(work, secret):
            raise StepError("the secret in the sink is rejected by the platform (it was changed outside this collection): "
                            "rotate it now with rotate_before set to the current time (strategy admin needs no old secret)")
        work.steps.append("proved the secret in the sink")

    def _wait_for(self, probe, expected, seconds=None):
        """Poll ``probe`` until it returns ``expected`` or ``seconds`` (the adapter's propagation wait) are over."""
        deadline = time.monotonic() + (self.adapter.propagation_wait if seconds is None else seconds)
        delay = 0.2
        while True:
            if probe() == expected:
                return True
            if time.monotonic() >= deadline:
                return False
            self.sleep(min(delay, max(0.0, deadline - time.monotonic())))
            delay = min(delay * 2, 2.0)

    # -- clean stops
    def _should_stop(self):
        if self.stop_reason:
            return self.stop_reason
        if os.getppid() != self._parent:
            # kill -9 of ansible-playbook leaves this worker running: finish what is in flight, start nothing new.
            self.stop_reason = "ansible-playbook has gone away"
        elif self.max_failures and self.failures >= self.max_failures:
            self.stop_reason = "max_failures (%d) reached" % self.max_failures
        elif self.time_budget and time.monotonic() - self._started >= self.time_budget:
            self.stop_reason = "the run's time_budget (%g s) was used up" % self.time_budget
        return self.stop_reason

    def _trap_signals(self):
        previous = {}

        def stop(signum, _frame):
            self.stop_reason = "stopped by %s" % signal.Signals(signum).name

        for signum in (signal.SIGTERM, signal.SIGINT):
            try:
                previous[signum] = signal.signal(signum, stop)
            except ValueError:  # not the main thread (a test calling run() from a thread)
                pass
        return previous

    @staticmethod
    def _restore_signals(previous):
        for signum, handler in previous.items():
            signal.signal(signum, handler)

    def _report_progress(self, works, ticker, started):
        while not ticker.wait(self.progress_every):
            if self.progress:
                self.progress("%d/%d done, %d failed, %.0f s" % (self.done, len(works), self.failures, time.monotonic() - started))


# ---- the report: plugins/plugin_utils/_report.py, re-exported for the engine's callers ---------------------
from ansible_collections.apiops.credentials.plugins.plugin_utils._report import (  # noqa: F401 pylint: disable=unused-import
    FAILING,
    continued,
    markdown,
    merge_reports,
    report,
)
