# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the apiops.credentials collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""A rotation protocol: the order of the steps for one credential, and the proofs every protocol shares.

The engine (``_engine.py``) runs one :class:`Protocol` per run; the adapter names which (``Adapter.protocol``,
the four are in ``_protocols.py``). Every protocol::

    repair    put back what an interrupted run left lent or half done (the journal says what)
    plan      pure: the journal (sink record) and the policy decide the action (``_plan.py``)
    act       journal first, then the platform's write, then its proof (the protocol's own steps)
    record    the journal says the new secret is current and which secret was before
    deliver   the sink is read back, and every further sink is given the secret and read back
    retire    the old secret goes, and its rejection is proven

A credential with nothing to do still ends with proof: the secret in the sink must authenticate, or the
credential fails (drift is never "no change"). Secrets live in the journal and in local variables of the worker
thread, never in a result, a report or an error message.
"""

from __future__ import annotations

import time

from ansible_collections.apiops.credentials.plugins.plugin_utils._adapter import StepError
from ansible_collections.apiops.credentials.plugins.plugin_utils._plan import (
    delivered_copy,
    hook_pending,
    now_iso,
    overlap_elapsed,
    plan_rotation,
    record_digest,
    secret_digest,
    secret_of,
)


class Protocol:
    """The steps every protocol shares; a protocol adds ``plan``, ``dry_run`` and ``carry_out``."""

    def __init__(self, engine):
        self.adapter = engine.adapter
        self.store = engine.store
        self.deliveries = engine.deliveries
        self.hook = engine.hook
        self.policy = engine.policy
        self.notices = engine.notices
        self.check_mode = engine.check_mode
        self.errors = engine.errors
        self.sleep = engine.sleep

    def run(self, work):
        """The protocol for one credential, its journal open and its leases held."""
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
            self.steps(work)
        if hooked and work.result == "unchanged":
            work.result = "delivered"
        if self.hook is not None:
            work.hook_due = hook_pending(work.journal.record)

    def _hook_outcome(self, work):
        """What the delivery hook did for this credential in the role's hook pass; True when it delivered."""
        if self.hook is None or self.check_mode:
            return False
        if work.key in self.hook.get("failed", ()):
            raise StepError("the delivery hook failed for this credential (its task above says why), so its consumers "
                            "do not have the sink's secret yet and no old secret was retired after that. Fix the hook "
                            "and re-run: it is called again")
        secret = secret_of(work.journal.record)
        if work.key not in self.hook.get("delivered", ()) or not secret:
            return False
        if work.journal.record.get("hook_delivered") != secret_digest(secret):
            work.journal.persist(hook_delivered=secret_digest(secret))
            work.steps.append("the delivery hook delivered the secret")
            return True
        return False

    def steps(self, work):
        adapter, policy = self.adapter, self.policy
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
        plan = self.plan(work)
        work.action, work.reason = plan["action"], plan["reason"]
        if work.action == "blocked":
            raise StepError(work.reason)
        if work.action == "none":
            self.nothing_to_do(work, repaired)
            return
        if self.check_mode:
            self.dry_run(work)
            work.result = "planned"
            work.next = "run without --check to carry out the plan"
            return
        self.carry_out(work)

    # -- what a protocol says
    def plan(self, work):
        """``{"action", "reason"}``: what the journal, the platform and the policy call for."""
        raise NotImplementedError

    def dry_run(self, work):
        """Read-only checks a dry run makes of a planned action (a wrong current secret fails the dry run too)."""

    def carry_out(self, work):
        raise NotImplementedError

    def nothing_to_do(self, work, repaired):
        """No action: prove the secret in the sink, and deliver it where a further sink lacks it."""
        self._prove_sink_secret(work)
        work.result = ("planned" if self.check_mode else "repaired") if repaired else "unchanged"
        if self._deliver(work, check=self.check_mode) and not repaired:
            work.result = "planned" if self.check_mode else "delivered"

    def audit_platform(self, work, found):
        """What an audit learns from the platform besides the secret's proof (a protocol adds to ``found``)."""

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
        self.audit_platform(work, found)
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
        if self.hook is not None and hook_pending(record):
            found.append("drift: the delivery hook was not given the sink's secret; run the rotation playbook")
        work.result = "findings" if found else "compliant"

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

    # -- the steps protocols share
    def _current(self, work):
        return work.journal.record.get("secret") or work.spec.get("current_secret") or None

    def _record(self, work, new, previous, **fields):
        """The journal says ``new`` is the secret; the sink, as read back from disk, must hold it (deliver)."""
        fields.setdefault("rotated_at", now_iso())
        # The owner's notice is due with the secret, in the same write: a run that dies before telling leaves the mark
        # for the next one. A new secret made without notices drops an older mark (that secret is no longer current).
        fields["notice_due"] = fields["rotated_at"] if self.notices else None
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
