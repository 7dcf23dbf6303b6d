# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the apiops.credentials collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""The four rotation protocols an adapter can declare (``Adapter.protocol``), keyed in :data:`PROTOCOLS`.

``local_secret``    a secret made here is journaled (pending) before the platform is touched, set, proven, recorded;
                    the old one is retired (a second secret: after delivery and ``min_overlap``) or proven replaced
                    (a hard cut). Where the platform refuses a chosen secret, its reset is the fallback.
``platform_reset``  the platform makes the secret: the current one is journaled, the reset's answer is journaled at
                    once (it exists nowhere else), then proven; a lost answer is read back, never reset twice.
``known_value``     a given client id and secret (a backup) are journaled, set and read back, proven where the
                    platform can; the value replaced is kept, so a roll back puts it back.
``age_policy``      the adapter plans a policy of its own (a second credential after an age, the old one deleted
                    after another) and carries out each step, journaling first and proving each write.
"""

from __future__ import annotations

from datetime import datetime, timezone

from ansible_collections.apiops.credentials.plugins.plugin_utils._adapter import SetRefused, StepError
from ansible_collections.apiops.credentials.plugins.plugin_utils._plan import (
    now_iso,
    parse_time,
    plan_restore,
    plan_rollback,
    plan_rotation,
)
from ansible_collections.apiops.credentials.plugins.plugin_utils._protocol import Protocol


class SecretProtocol(Protocol):
    """A new secret in place of the old one: chosen here, or made by the platform (``resets``)."""

    def resets(self, work):
        """Does the platform make this credential's new secret?"""
        raise NotImplementedError

    def plan(self, work):
        record, policy = work.journal.record, self.policy
        if policy.get("operation") == "rollback":
            return plan_rollback(record, settable=self.adapter.settable(work))
        if policy.get("operation") == "restore":
            return {"action": "blocked", "reason": "this platform restores no known values: rotate it, or roll it back"}
        return plan_rotation(record, policy.get("max_age_days"), policy.get("rotate_before"), policy.get("phase", "all"))

    def dry_run(self, work):
        if work.action == "rotate":
            # read-only: a wrong current secret fails the dry run too
            self._rollback_possible(work, self.adapter.preflight(work, self._current(work)))

    def carry_out(self, work):
        adapter, journal = self.adapter, work.journal
        if work.action == "undo":
            self._undo(work)
            return
        if work.action == "rollback":
            self._rollback(work)
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

    def _new_secret_in_place(self, work):
        """A chosen secret journaled before the platform is touched; the platform's reset where it refuses one."""
        record = work.journal.record
        if record.get("state") == "rotating" or (self.resets(work) and not record.get("pending_secret")):
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


class LocalSecret(SecretProtocol):
    def resets(self, work):
        return self.adapter.resets(work)  # a platform that refuses a chosen secret for this credential


class PlatformReset(SecretProtocol):
    def resets(self, work):
        return True


class KnownValue(Protocol):
    """Put a known client id and secret back (a backup); the platform shows the id, never the secret."""

    def plan(self, work):
        record, policy = work.journal.record, self.policy
        if policy.get("operation") == "rollback":
            return plan_rollback(record, restores=True)
        if policy.get("operation") != "restore":
            return {"action": "blocked", "reason": "this platform takes known values only: restore them, or roll back"}
        return plan_restore(record, self.adapter.current_id(work), work.spec["client_id"], policy.get("update_secret"))

    def nothing_to_do(self, work, repaired):
        if self.policy.get("operation") == "restore":
            self._prove_restored(work, work.spec.get("client_secret"))
            work.result = "unchanged"
            return
        super().nothing_to_do(work, repaired)

    def carry_out(self, work):
        if work.action == "rollback":
            record = work.journal.record
            self._restore(work, {"client_id": record.get("previous_client_id"), "secret": record.get("previous_secret"),
                                 "hash": record.get("previous_hash")}, operation="rollback")
            return
        self._restore(work)

    def audit_platform(self, work, found):
        record = work.journal.record
        if record.get("client_id"):
            # The portal never proves a secret, but it shows the client id: an audit that contacts it learns something.
            shown = self.adapter.current_id(work)
            if shown != record["client_id"]:
                found.append("drift: the platform shows client id %s, the sink %s (changed outside this collection)"
                             % (shown, record["client_id"]))
            else:
                work.steps.append("the platform shows the sink's client id")

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
        try:
            answered = adapter.restore(work, value)
        except self.errors as error:
            if not getattr(error, "maybe_applied", False):
                raise
            # The portal may have taken it: look for it there, never send it again (the first request may still land).
            if not self._wait_for(lambda: adapter.landed(work, value), True, adapter.late_apply_wait):
                raise StepError("the answer to the restore was lost and the portal does not show it yet; it was not sent "
                                "again (the first request may still land). It stays pending in the sink, and a re-run "
                                "checks the platform first")
            answered = value["client_id"]
            work.steps.append("the restore landed after its answer was lost")
        if answered != value["client_id"]:
            raise StepError("the platform answered with another client id than the backup's; it stays pending in the sink")
        work.steps.append("set the client id and secret; the client id reads back")
        proven = self._prove_restored(work, value["secret"])
        metadata = {key: spec.get(key) for key in ("org", "app", "credential_id", "owner", "description")}
        replaced = {}
        if record.get("client_id") and (record["client_id"], record.get("secret"), record.get("client_secret_hash")) != \
                (value["client_id"], value["secret"], value["hash"]):
            replaced = {"previous_client_id": record["client_id"], "previous_secret": record.get("secret"),
                        "previous_hash": record.get("client_secret_hash")}
        restored_at = now_iso()
        journal.save(client_id=value["client_id"], secret=value["secret"], client_secret_hash=value["hash"], pending_client_id=None,
                     pending_secret=None, pending_hash=None, operation=None, restored_at=restored_at,
                     notice_due=restored_at if self.notices and operation != "rollback" else None,
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


class AgePolicy(Protocol):
    """A policy of the platform's own: the adapter plans and acts; the journal, lease and report stay the engine's."""

    def plan(self, work):
        return self.adapter.plan(work)

    def nothing_to_do(self, work, repaired):
        work.result = "unchanged"

    def carry_out(self, work):
        work.result = self.adapter.carry_out(work)
        work.next = work.next or self.adapter.next_step(work)

    def _audit(self, work):
        """Read only: the adapter's findings on the policy's ages, orphans and unfinished runs, and its proof."""
        plan = self.plan(work)
        work.action, work.reason = plan["action"], plan["reason"]
        work.findings += self.adapter.audit(work)
        work.result = "findings" if work.findings else "compliant"


PROTOCOLS = {"local_secret": LocalSecret, "platform_reset": PlatformReset, "known_value": KnownValue, "age_policy": AgePolicy}
