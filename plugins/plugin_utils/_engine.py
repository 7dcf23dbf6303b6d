# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the apiops.credentials collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""The rotation engine's runtime: one safe protocol for every platform, run on the controller.

Per credential, in a worker of a bounded pool: the credential's lease in every sink the run writes, its journal
(the record in the sink), the protocol the adapter declared (``_protocols.py``), and its outcome on disk before the
lease is released. Around them: clean stops (SIGTERM, ``max_failures``, ``time_budget``, an ansible-playbook that
went away), progress lines, and the score the report is made from (``_report.py``).

The pure planning functions are in ``_plan.py``, the adapter interface in ``_adapter.py``, the steps in
``_protocol.py`` and ``_protocols.py``; the names callers used from here are re-exported below.
"""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.apiops.credentials.plugins.plugin_utils._adapter import (  # noqa: F401 pylint: disable=unused-import
    Adapter,
    ApiContext,
    SetRefused,
    StepError,
    Work,
)
from ansible_collections.apiops.credentials.plugins.plugin_utils._plan import (  # noqa: F401 pylint: disable=unused-import
    DONE,
    OVERLAP,
    PHASES,
    RESULTS,
    PolicyError,
    alphabet,
    check_policy,
    delivered_copy,
    generate_secret,
    now_iso,
    overlap_elapsed,
    parse_time,
    plan_differences,
    plan_digest,
    plan_restore,
    plan_rollback,
    plan_rotation,
    plan_rows,
    record_digest,
    secret_digest,
)
from ansible_collections.apiops.credentials.plugins.plugin_utils._protocols import PROTOCOLS
from ansible_collections.apiops.credentials.plugins.plugin_utils._report import (  # noqa: F401 pylint: disable=unused-import
    FAILING,
    SCHEMA,
    continued,
    markdown,
    merge_reports,
    report,
)

IN_PROGRESS_PER_SLOT = 4


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


class Engine:
    """Runs the protocol for every :class:`Work`, ``concurrency`` at a time, and keeps the score."""

    def __init__(self, adapter, store, policy, check_mode=False, concurrency=8, max_failures=0, lock_timeout=60.0,
                 progress=None, progress_every=5.0, errors=(), sleep=time.sleep, deliveries=(), hook=None, time_budget=0,
                 run_locked=False, notices=False):
        self.adapter = adapter
        self.store = store  # the journal and the sink: RecordFile, or a RemoteRecords store
        # The run holds one lock of the journal's sink over all its credentials (a catalog planned at once): every
        # other writer of these keys takes that lock first, so a lease per credential there would only cost time.
        self.run_locked = run_locked
        # Owners are told of new secrets after the run (smtp): the record that makes a secret current says so.
        self.notices = notices
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
        self._working = 0  # credentials in progress: the journal's writer lingers no longer once each of them waits
        self._releases = queue.SimpleQueue()  # (work, its leases, why its outcome is not on disk or None)
        self._parent = os.getppid()
        if adapter.protocol not in PROTOCOLS:
            raise ValueError("the %s adapter names no rotation protocol (protocol = one of %s)" % (adapter.platform, ", ".join(PROTOCOLS)))
        self.protocol = PROTOCOLS[adapter.protocol](self)  # the order of the steps for each credential

    # -- the run
    def run(self, works):
        previous = self._trap_signals()
        started = self._started = time.monotonic()
        ticker = threading.Event()
        reporter = threading.Thread(target=self._report_progress, args=(works, ticker, started), daemon=True)
        reporter.start()
        releaser = threading.Thread(target=self._release_durable, daemon=True)
        releaser.start()
        try:
            with ThreadPoolExecutor(max_workers=min(self.concurrency, max(1, len(works)))) as pool:
                list(pool.map(self._one, works))
        finally:
            ticker.set()
            self._restore_signals(previous)
            try:
                self._flush(works)  # the outcomes still queued are written: their leases go to the releaser
            finally:
                self._releases.put(None)
                releaser.join()
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
        self._workers(+1)
        try:
            return self._one_credential(work)
        finally:
            self._workers(-1)

    def _workers(self, change):
        tell = getattr(self.store, "workers", None)
        with self._lock:
            self._working += change
            if tell is not None:
                tell(self._working)

    def _one_credential(self, work):
        reason = self._should_stop()
        if reason:
            work.result, work.error = "skipped", "not started: %s; a re-run does it" % reason
            return work
        try:
            # A dry run writes nothing, not even a lock file.
            work.sink = "%s, key %s" % (self.store.path, work.key)
            with contextlib.ExitStack() as held:
                if not self.check_mode:
                    held.enter_context(self._locks(work))
                work.journal = Journal(self.store, work.key, fresh=not self.check_mode, guard=lambda: self._lease_held(work))
                notes = [step for step in work.steps if step.startswith("took over the lease")]
                if notes:
                    work.journal.persist(lease_note="%s: %s" % (now_iso(), "; ".join(notes)))
                try:
                    self.protocol.run(work)
                except BaseException:
                    self._settle(work, quiet=True)  # keep what was journaled; the first error is the one to tell
                    raise
                finally:
                    with self._lock:
                        self.journal_writes += work.journal.writes
                if self._release_later(work, held):
                    return work  # counted once its outcome is on disk
                self._settle(work)  # the outcome is on disk before the lock is released
        except self.errors as error:
            work.result = self._failed_result()
            work.error = str(error)
        except Exception as error:  # pylint: disable=broad-exception-caught
            # One credential must not stop the others; the type names what broke, never a value (it may be a secret).
            work.result = self._failed_result()
            work.error = "unexpected error (%s); the journal in the sink says how far it got, and a re-run resumes" % type(error).__name__
        self._count(work)
        return work

    def _count(self, work):
        if work.result == "unknown":
            work.error = "could not be audited, so it is not called compliant: %s" % work.error
        with self._lock:
            self.done += 1
            if work.result in FAILING:
                self.failures += 1

    def _release_later(self, work, held):
        """Hand the credential's leases to the write that puts its outcome on disk; True when it took them.

        The lease is released only after that write (as :meth:`_settle` would wait for it), but the worker starts on the
        next credential meanwhile instead of waiting for a write that other workers' steps fill. The release itself is
        done by the releaser thread (:meth:`_release_durable`), never in the writing thread.
        """
        when_durable = getattr(self.store, "when_durable", None)
        if self.check_mode or when_durable is None:
            return False
        leases = held.pop_all()
        when_durable(work.key, lambda problem: self._releases.put((work, leases, problem)))
        return True

    def _release_durable(self):
        """Release the leases of each credential whose outcome's write is over, and count it (failed if not written)."""
        while True:
            item = self._releases.get()
            if item is None:
                return
            work, leases, problem = item
            if problem is not None and work.result not in FAILING:  # failing: the run's last write (_flush) said why
                work.error = ("done on the platform, but the sink could not record it (%s); the sink still holds the step "
                              "before (a pending secret is resumed), and a re-run records the outcome" % problem
                              if work.result in DONE else problem)
                work.result = self._failed_result()
            try:
                leases.close()
            except self.errors as error:  # as a release in the worker would have failed it
                work.result, work.error = self._failed_result(), str(error)
            except Exception as error:  # pylint: disable=broad-exception-caught
                work.result = self._failed_result()
                work.error = "unexpected error (%s); the journal in the sink says how far it got, and a re-run resumes" % type(error).__name__
            self._count(work)

    @contextlib.contextmanager
    def _locks(self, work):
        """The credential's lock in every sink this run writes (the journal's and each further one), taken in one
        order: a run whose journal is another sink (a team moving its sink) shares one of them, so the two runs take
        turns on the credential instead of rotating it each on its own."""
        stores = self.deliveries if self.run_locked else (self.store,) + self.deliveries
        with contextlib.ExitStack() as held:
            for store in sorted(stores, key=lambda each: each.path):
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

    def _failed_result(self):
        """An audit that could not reach the platform or the sink knows nothing: "unknown", never "compliant"."""
        if self.policy.get("operation") == "audit":
            return "unknown"
        return "would fail" if self.check_mode else "failed"

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
