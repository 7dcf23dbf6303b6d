# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The rotation engine without a platform: policy, journal order, resumption, report, the sink's group commit and locks.

The adapter here keeps a platform in memory; the HTTP side of every adapter is tested against the emulators.
"""

from __future__ import annotations

import contextlib

import json
import os
import socket
import subprocess
import threading
import time

import pytest

from ansible.errors import AnsibleActionFail

from ansible_collections.apiops.credentials.plugins.plugin_utils import _engine
from ansible_collections.apiops.credentials.plugins.plugin_utils._vault_sink import RecordFile, VaultSink, document
from tests.unit.plugins.plugin_utils.sink_checks import leases_expire_renew_and_break

NOW = "2026-11-23T12:00:00Z"


@pytest.fixture
def sink(tmp_path):
    password = tmp_path / "password"
    password.write_text("unit-test-vault-password\n")
    return VaultSink(None, str(password))


class Platform(_engine.Adapter):
    """Secrets per credential in memory; ``events`` records the order of writes and of journal states seen then."""

    platform = "memory"
    protocol = "local_secret"

    def __init__(self, store, separate=False, fail_apply=None):
        self.store = store
        self.secrets = {}
        self.events = []
        self.separate = separate
        self.fail_apply = fail_apply

    def overlap(self, work):
        return "two_secrets" if self.separate else "hard_cut"

    def separate_retire(self, work):
        return self.separate

    def new_secret(self, work):
        return "new-secret-for-%s" % work.credential

    def authenticates(self, work, secret):
        return secret in self.secrets.get(work.credential, [])

    def apply(self, work, new, current):
        self.events.append(("apply", work.credential, self.store.durable(work.key).get("pending_secret") == new))
        if self.fail_apply:
            raise _engine.StepError(self.fail_apply)
        self.secrets[work.credential] = ([current] if self.separate else []) + [new]

    def retire(self, work, new, old):
        self.events.append(("retire", work.credential))
        self.secrets[work.credential] = [new]


def engine_for(store, adapter, **policy):
    policy = dict({"max_age_days": 90, "rotate_before": "", "phase": "all", "min_overlap": 0}, **policy)
    return _engine.Engine(adapter, store, policy, concurrency=2, errors=(AnsibleActionFail,))


def works(names):
    return [_engine.Work("target", name, "zone/" + name, {"current_secret": "old-" + name}) for name in names]


# ---- policy (pure) ----------------------------------------------------------------------------------
def test_interrupted_states_resume_or_retire():
    assert _engine.plan_rotation({"state": "pending", "pending_secret": "x"}, now=NOW)["action"] == "resume"
    assert _engine.plan_rotation({"state": "retiring", "secret": "x", "rotated_at": NOW}, now=NOW)["action"] == "retire"


@pytest.mark.parametrize("options, words", [
    ({"max_age_days": -5}, "max_age_days must be -1"),
    ({"rotate_before": "yesterday"}, "rotate_before is not an ISO-8601 time"),
    ({"min_overlap": -1}, "min_overlap is a number of seconds"),
    ({"secret_length": 8}, "secret_length must be between 16 and 255"),
    ({"secret_chars": ["ab"]}, "secret_chars gives 2 distinct characters"),
])
def test_bad_policy_gets_one_message_naming_the_option(options, words):
    assert words in _engine.check_policy(**options)


def test_good_policy_passes():
    assert _engine.check_policy(90, "2026-11-30T09:00:00Z", 3600, 40, ["ascii_letters", "digits"]) is None


def test_overlap_counts_from_the_time_the_secret_was_added():
    record = {"added_at": "2026-11-23T11:00:00Z"}
    assert _engine.overlap_elapsed(record, 3600, now=NOW)
    assert not _engine.overlap_elapsed(record, 7200, now=NOW)


def test_generated_secrets_use_the_alphabet():
    secret = _engine.generate_secret(40, _engine.alphabet(["digits", "ascii_lowercase"]))
    assert len(secret) == 40 and secret.isalnum() and secret.lower() == secret


# ---- the protocol ---------------------------------------------------------------------------------
def test_a_hard_cut_is_journaled_before_it_is_applied_and_proven_after(sink, tmp_path):
    store = RecordFile(sink, str(tmp_path / "sink.vault"))
    platform = Platform(store)
    for name in ("a", "b", "c"):
        platform.secrets[name] = ["old-" + name]
    done = engine_for(store, platform).run(works(["a", "b", "c"]))
    assert [w.result for w in done] == ["rotated"] * 3
    assert all(event[2] for event in platform.events if event[0] == "apply"), "applied before the pending secret was on disk"
    record = RecordFile(sink, str(tmp_path / "sink.vault")).get("zone/a")
    assert record["state"] == "complete" and record["secret"] == "new-secret-for-a" and record["previous_secret"] == "old-a"
    assert "proved the old secret rejected" in done[0].steps


def test_with_notices_the_write_that_records_a_new_secret_marks_it_to_be_told(sink, tmp_path):
    """The mark goes in the same write as the secret: a run that dies before telling leaves it for the next run."""
    store = RecordFile(sink, str(tmp_path / "sink.vault"))
    platform = Platform(store)
    platform.secrets["a"] = ["old-a"]
    policy = {"max_age_days": 90, "rotate_before": "", "phase": "all", "min_overlap": 0}
    _engine.Engine(platform, store, policy, errors=(AnsibleActionFail,), notices=True).run(works(["a"]))
    record = RecordFile(sink, store.path).get("zone/a")
    assert record["secret"] == "new-secret-for-a" and record["notice_due"] == record["rotated_at"]
    platform.secrets["a"] = ["new-secret-for-a"]
    engine_for(store, platform, max_age_days=0).run(works(["a"]))  # a rotation without notices drops the old mark
    assert "notice_due" not in RecordFile(sink, store.path).get("zone/a")


def test_a_failed_apply_keeps_the_pending_secret_and_the_next_run_resumes_without_a_second_write(sink, tmp_path):
    path = str(tmp_path / "sink.vault")
    store = RecordFile(sink, path)
    platform = Platform(store, fail_apply="the platform said no")
    platform.secrets["a"] = ["old-a"]
    first = engine_for(store, platform).run(works(["a"]))[0]
    assert first.result == "failed" and first.error == "the platform said no"
    assert RecordFile(sink, path).get("zone/a")["pending_secret"] == "new-secret-for-a"

    # The platform applied it after all (a late answer): the next run sees that and does not write again.
    platform.secrets["a"] = ["new-secret-for-a"]
    store = RecordFile(sink, path)
    platform = Platform(store)
    platform.secrets["a"] = ["new-secret-for-a"]
    second = engine_for(store, platform).run(works(["a"]))[0]
    assert second.result == "rotated" and not platform.events
    assert "the new secret already works (an earlier request landed)" in second.steps


def test_two_secrets_wait_for_the_overlap_then_a_later_run_retires(sink, tmp_path):
    path = str(tmp_path / "sink.vault")
    store = RecordFile(sink, path)
    platform = Platform(store, separate=True)
    platform.secrets["a"] = ["old-a"]
    first = engine_for(store, platform, min_overlap=3600).run(works(["a"]))[0]
    assert first.result == "added" and "min_overlap" in first.next and len(platform.secrets["a"]) == 2
    record = RecordFile(sink, path).get("zone/a")
    record["added_at"] = "2000-01-01T00:00:00Z"  # an hour later
    store = RecordFile(sink, path)
    store.put("zone/a", record)
    platform.store = store
    second = engine_for(store, platform, min_overlap=3600).run(works(["a"]))[0]
    assert second.result == "retired" and platform.secrets["a"] == ["new-secret-for-a"]


def test_a_sink_secret_that_does_not_work_is_a_failure(sink, tmp_path):
    store = RecordFile(sink, str(tmp_path / "sink.vault"))
    store.put("zone/a", {"secret": "stale", "rotated_at": "2026-11-30T00:00:00Z", "state": "complete"})
    platform = Platform(store)
    platform.secrets["a"] = ["changed-by-hand"]
    work = engine_for(store, platform).run(works(["a"]))[0]
    assert work.result == "failed" and "rejected by the platform" in work.error


def test_max_failures_stops_starting_new_credentials(sink, tmp_path):
    store = RecordFile(sink, str(tmp_path / "sink.vault"))
    platform = Platform(store, fail_apply="no")
    engine = _engine.Engine(platform, store, {"max_age_days": 90, "phase": "all"}, concurrency=1, max_failures=2,
                            errors=(AnsibleActionFail,))
    engine.concurrency = 1  # one at a time, so the order is known
    results = [w.result for w in engine.run(works(["a", "b", "c", "d"]))]
    assert results == ["failed", "failed", "skipped", "skipped"]


class SlowPlatform(Platform):
    def apply(self, work, new, current):
        threading.Event().wait(0.05)
        super().apply(work, new, current)


class SlowerPlatform(Platform):
    def apply(self, work, new, current):
        threading.Event().wait(0.3)
        super().apply(work, new, current)


def test_a_time_budget_finishes_what_is_in_flight_and_starts_nothing_new(sink, tmp_path):
    store = RecordFile(sink, str(tmp_path / "sink.vault"), linger=0)
    engine = _engine.Engine(SlowerPlatform(store), store, {"max_age_days": 90, "phase": "all"}, concurrency=1,
                            time_budget=0.5, errors=(AnsibleActionFail,))
    engine.concurrency = 1  # one credential at a time (the engine keeps several in progress per HTTP slot)
    done = engine.run(works(["a", "b", "c", "d", "e"]))
    results = [work.result for work in done]
    assert results[:2] == ["rotated", "rotated"] and results[-1] == "skipped", results
    assert set(results) == {"rotated", "skipped"}, "the one in flight when the budget ran out was finished"
    assert "time_budget (0.5 s) was used up; a re-run does it" in done[-1].error


def test_a_long_run_prints_a_progress_line_without_secrets(sink, tmp_path):
    store = RecordFile(sink, str(tmp_path / "sink.vault"), linger=0)
    lines = []
    engine = _engine.Engine(SlowPlatform(store), store, {"max_age_days": 90, "phase": "all"}, concurrency=1,
                            progress=lines.append, progress_every=0.03, errors=(AnsibleActionFail,))
    engine.concurrency = 1
    engine.run(works(["a", "b", "c", "d"]))
    assert lines, "no progress line in a run of about 0.2 s at one line per 0.03 s"
    assert all(line.split(",")[0].endswith("/4 done") and " failed, " in line for line in lines), lines
    assert not any("secret" in line for line in lines)


class OwnPolicy(_engine.Adapter):
    """A platform that plans and acts itself (as API Connect v10 does), journaling before its write."""

    platform = "own"
    protocol = "age_policy"

    def __init__(self, store):
        self.store = store
        self.seen = []

    def overlap(self, work):
        return "second_credential"

    def plan(self, work):
        return {"action": work.spec["action"], "reason": "because"}

    def carry_out(self, work):
        work.journal.persist(state="pending")
        self.seen.append(self.store.durable(work.key).get("state"))  # on disk before the platform is touched
        work.journal.save(state="active")
        return "added"


def test_an_adapter_with_its_own_policy_keeps_the_engine_s_rules(sink, tmp_path):
    store = RecordFile(sink, str(tmp_path / "sink.vault"), linger=0)
    adapter = OwnPolicy(store)
    items = [_engine.Work("t", name, "k/" + name, {"action": action}) for name, action in
             (("a", "create_new"), ("b", "none"), ("c", "blocked"))]
    dry = _engine.Engine(adapter, store, {}, check_mode=True, errors=(AnsibleActionFail,)).run(items)
    assert [w.result for w in dry] == ["planned", "unchanged", "would fail"] and adapter.seen == [] and store.writes == 0
    items = [_engine.Work("t", w.credential, w.key, w.spec) for w in dry]
    done = _engine.Engine(adapter, store, {}, errors=(AnsibleActionFail,)).run(items)
    assert [w.result for w in done] == ["added", "unchanged", "failed"] and done[2].error == "because"
    assert adapter.seen == ["pending"] and store.durable("k/a")["state"] == "active"


def test_the_report_holds_no_secret(sink, tmp_path):
    store = RecordFile(sink, str(tmp_path / "sink.vault"))
    platform = Platform(store)
    platform.secrets["a"] = ["old-a"]
    done = engine_for(store, platform).run(works(["a"]))
    data = _engine.report("memory", done, {"run_id": "1", "check_mode": False})
    text = json.dumps(data) + _engine.markdown(data)
    assert "new-secret-for-a" not in text and "old-a" not in text
    assert data["summary"] == {"rotated": 1} and data["credentials"][0]["overlap"] == "hard cut with a gap"


def test_reports_of_one_run_merge_and_of_another_run_replace():
    row = {"target": "t1", "result": "rotated"}
    first = {"schema": _engine.SCHEMA, "run_id": "r1", "credentials": [row]}
    second = {"schema": _engine.SCHEMA, "run_id": "r1", "credentials": [dict(row, target="t2")]}
    assert [r["target"] for r in _engine.merge_reports(first, second)["credentials"]] == ["t1", "t2"]
    assert _engine.merge_reports(first, dict(second, run_id="r2")) == dict(second, run_id="r2")


# ---- the sink: group commit, other writers, failures, locks -------------------------------------------
def test_group_commit_writes_many_steps_at_once_and_loses_none(sink, tmp_path):
    store = RecordFile(sink, str(tmp_path / "sink.vault"), linger=0.05)
    threads = [threading.Thread(target=store.put, args=("k%02d" % n, {"secret": "s%02d" % n})) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store.writes < 40
    assert sorted(RecordFile(sink, store.path).records) == ["k%02d" % n for n in range(40)]


def test_the_file_is_the_json_of_its_records_though_each_record_is_encoded_once(sink, tmp_path):
    records = {"zone/b": {"secret": "s\u00e9cret \"quoted\"", "steps": ["a", 1, None]}, "zone/a": {"previous": {"x": 1.5}}}
    head = {"platform": "uaa", "target": "t", "z": [1]}
    texts = {key: json.dumps(record, sort_keys=True, separators=(",", ":")) for key, record in records.items()}
    assert document(head, texts, NOW) == json.dumps(dict(head, credentials=records, updated_at=NOW), sort_keys=True,
                                                    separators=(",", ":"))
    store = RecordFile(sink, str(tmp_path / "sink.vault"), head=head, linger=0)
    for key, record in records.items():
        store.put(key, record)
    store.put("zone/a", {"previous": {"x": 2}})
    assert sink.read(store.path) == dict(head, credentials=dict(records, **{"zone/a": {"previous": {"x": 2}}}),
                                         updated_at=sink.read(store.path)["updated_at"])


def test_a_write_that_does_not_read_back_is_refused_and_the_previous_version_kept(sink, tmp_path, monkeypatch):
    store = RecordFile(sink, str(tmp_path / "sink.vault"), linger=0)
    store.put("a", {"secret": "first"})
    monkeypatch.setattr(sink.vault, "decrypt", lambda text: b"{}")  # the disk gives back something else
    with pytest.raises(AnsibleActionFail, match="does not read back"):
        store.put("a", {"secret": "second"})
    monkeypatch.undo()
    assert sink.read(store.path)["credentials"] == {"a": {"secret": "first"}}
    assert [name for name in os.listdir(str(tmp_path)) if name.startswith(".sink")] == [], "a temporary file was left"


def test_two_runs_sharing_a_file_keep_each_others_records(sink, tmp_path):
    path = str(tmp_path / "sink.vault")
    one, two = RecordFile(sink, path), RecordFile(sink, path)
    one.put("a", {"secret": "1"})
    two.put("b", {"secret": "2"})
    one.put("c", {"secret": "3"})
    assert sorted(RecordFile(sink, path).records) == ["a", "b", "c"]


def test_a_run_that_waited_for_a_lock_starts_from_what_the_other_run_left(sink, tmp_path):
    """Found by the fault matrix: two runs at once rotated a credential twice, the second from a stale record."""
    path = str(tmp_path / "sink.vault")
    first, second = RecordFile(sink, path, linger=0), RecordFile(sink, path, linger=0)  # both read the file at start
    finished = {"secret": "new", "state": "complete", "rotated_at": _engine.now_iso()}
    first.put("zone/a", finished)
    assert second.get("zone/a") == {}  # its view from the start
    assert second.current("zone/a") == finished  # what it uses once it holds the lock
    platform = Platform(second)
    platform.secrets["a"] = ["new"]
    done = engine_for(second, platform).run(works(["a"]))
    assert (done[0].action, done[0].result) == ("none", "unchanged"), "the rotation the first run finished is not done again"
    assert platform.events == []


def test_a_write_that_fails_is_an_error_for_every_step_in_it(sink, tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    store = RecordFile(sink, str(blocker / "sink.vault"), linger=0)
    with pytest.raises(AnsibleActionFail, match="cannot write the sink"):
        store.put("a", {"secret": "x"})
    store.put("b", {"secret": "y"}, wait=False)
    with pytest.raises(AnsibleActionFail):
        store.flush("b")


class WatchedFile(RecordFile):
    """A journal that notes, at each write, which of the credentials it records as done still had their lock file."""

    def __init__(self, *args, fail_outcomes=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fail_outcomes = fail_outcomes
        self.locked_when_done = {}

    def _write(self, batch):
        for key, record in batch.items():
            if record.get("state") == "active":
                self.locked_when_done[key] = os.path.exists(self._lock_path(key) + ".lock")
        if self.fail_outcomes and any(record.get("state") == "active" for record in batch.values()):
            raise OSError(28, "No space left on device")
        super()._write(batch)


def test_a_lease_is_released_only_once_the_outcome_is_on_disk(sink, tmp_path):
    """The worker goes on to the next credential before its outcome's write, but the lease waits for that write."""
    store = WatchedFile(sink, str(tmp_path / "sink.vault"), linger=0.05)
    items = [_engine.Work("t", "c%02d" % n, "k/c%02d" % n, {"action": "create_new"}) for n in range(20)]
    done = _engine.Engine(OwnPolicy(store), store, {}, concurrency=2, errors=(AnsibleActionFail,)).run(items)
    assert [w.result for w in done] == ["added"] * 20
    assert store.locked_when_done == {"k/c%02d" % n: True for n in range(20)}, "a lease went before its outcome was on disk"
    assert all(RecordFile(sink, store.path).get(w.key)["state"] == "active" for w in done)
    assert not list((tmp_path / "sink.vault.locks").rglob("*.lock")), "every lease is released by the end of the run"


def test_an_outcome_the_sink_could_not_write_fails_its_credential(sink, tmp_path):
    store = WatchedFile(sink, str(tmp_path / "sink.vault"), linger=0, fail_outcomes=True)
    done = _engine.Engine(OwnPolicy(store), store, {}, errors=(AnsibleActionFail,)).run([_engine.Work("t", "a", "k/a", {"action": "create_new"})])
    assert done[0].result == "failed"
    assert "done on the platform, but the sink could not record it" in done[0].error and "No space left" in done[0].error
    assert RecordFile(sink, store.path).get("k/a")["state"] == "pending", "the step before stays on disk"
    assert not list((tmp_path / "sink.vault.locks").rglob("*.lock")), "the lease is released all the same"


def test_an_outcome_queued_without_a_waiter_is_written_within_the_linger(sink, tmp_path):
    """when_durable asks for the write itself: nobody else may ever wait on this file (a run's last credential, or a
    worker that goes on to wait for another run's lease), and the lease must not outlive its outcome's write."""
    store = RecordFile(sink, str(tmp_path / "sink.vault"), linger=0.05)
    store.put("k/a", {"state": "active"}, wait=False)
    written = threading.Event()
    store.when_durable("k/a", lambda problem: written.set())
    assert written.wait(5), "the outcome waited for another write to take it"
    assert RecordFile(sink, store.path).get("k/a")["state"] == "active"


def test_a_write_lingers_for_nobody_once_every_worker_waits(sink, tmp_path):
    """A run of one credential (a leaked secret rotated at once) must not wait the linger at each journaled step: the
    one worker that could add a change is the one waiting. With a linger of a minute, the put returns at once."""
    store = RecordFile(sink, str(tmp_path / "sink.vault"), linger=60)
    store.workers(2)
    first = threading.Thread(target=store.put, args=("k/a", {"state": "pending"}))
    first.start()
    first.join(0.5)
    assert first.is_alive(), "a write for one of two workers did not linger for the other"
    store.workers(1)  # the other one finished its credential
    first.join(10)
    assert not first.is_alive(), "the only worker left waited out the linger"
    assert RecordFile(sink, store.path).get("k/a")["state"] == "pending"


def test_an_idle_writer_told_of_a_worker_less_waits_out_its_idle_time(sink, tmp_path):
    """One writer thread serves the whole run (its allocations stay with it): news that asks for no write does not
    end it."""
    store = RecordFile(sink, str(tmp_path / "sink.vault"), linger=0)
    store.put("k/a", {"state": "pending"})
    writer = store._writer  # pylint: disable=protected-access
    store.workers(3)
    store.workers(2)
    time.sleep(0.2)
    assert writer is not None and writer.is_alive() and store._writer is writer  # pylint: disable=protected-access


def test_the_engine_tells_the_journal_how_many_credentials_are_in_progress(sink, tmp_path):
    told = []

    class Counted(RecordFile):
        def workers(self, count):
            told.append(count)
            super().workers(count)

    store = Counted(sink, str(tmp_path / "sink.vault"), linger=60)
    started = time.monotonic()
    engine_for(store, Platform(store)).run(works(["a", "b", "c"]))
    assert max(told) == 3 and told[-1] == 0  # all three at once (concurrency 2 keeps up to 8 in progress), then none
    assert time.monotonic() - started < 30, "a journaled step waited out the linger"


def test_two_runs_taking_the_same_credentials_in_opposite_order_both_finish(sink, tmp_path):
    """Each run's only worker finishes one credential and then waits for the other run's lease on the next: each
    lease must go once its outcome is written, not once the run writes again (that was a deadlock until lock_timeout)."""
    path = str(tmp_path / "sink.vault")
    stores = [RecordFile(sink, path, linger=0.05), RecordFile(sink, path, linger=0.05)]
    orders = (["a", "b"], ["b", "a"])
    results = [None, None]
    gate = threading.Barrier(2)

    class Slow(OwnPolicy):
        def carry_out(self, work):
            outcome = super().carry_out(work)
            if work.credential == orders[self.index][0]:
                gate.wait(5)  # both runs hold their first lease before either asks for its second
            return outcome

    def run(index):
        adapter = Slow(stores[index])
        adapter.index = index
        engine = _engine.Engine(adapter, stores[index], {}, concurrency=1, lock_timeout=10, errors=(AnsibleActionFail,))
        items = [_engine.Work("t", name, "k/" + name, {"action": "create_new"}) for name in orders[index]]
        results[index] = engine.run(items)

    threads = [threading.Thread(target=run, args=(index,)) for index in (0, 1)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert time.monotonic() - started < 5, "a run waited for the other's lease until lock_timeout"
    assert all(w.error is None or "lease" not in w.error for done in results for w in done), results


def test_a_live_lock_is_waited_for_and_a_dead_ones_taken_over(sink, tmp_path):
    store = RecordFile(sink, str(tmp_path / "sink.vault"))
    lock = tmp_path / "sink.vault.locks" / "zone" / "a.lock"
    lock.parent.mkdir(parents=True)
    lock.write_text("%d %s 2026-12-01T00:00:00Z" % (os.getpid(), socket.gethostname()))
    with store.lock("zone/a", timeout=0.3) as held:
        assert not held
    assert "process %d" % os.getpid() in store.lock_owner("zone/a")
    dead = subprocess.Popen(["true"])  # pylint: disable=consider-using-with
    dead.wait()
    lock.write_text("%d %s 2026-12-01T00:00:00Z" % (dead.pid, socket.gethostname()))
    with store.lock("zone/a", timeout=0.3) as held:
        assert held
    assert not lock.exists()


def test_plan_differences_name_what_changed():
    row = {"platform": "uaa", "target": "t", "location": "uaa", "credential": "a", "action": "rotate", "result": "planned",
           "digest": "d1"}
    plan = {"schema": _engine.SCHEMA, "check_mode": True, "credentials": [row, dict(row, credential="b")]}
    assert _engine.plan_differences(plan, [row, dict(row, credential="b")], "uaa", "t") == []
    changed = _engine.plan_differences(plan, [dict(row, digest="d2"), dict(row, credential="c")], "uaa", "t")
    assert changed == ["uaa/a: its sink record changed since the plan", "uaa/c is not in the plan",
                       "uaa/b is in the plan but not in this run"]
    assert "not a plan" in _engine.plan_differences(dict(plan, check_mode=False), [row], "uaa", "t")[0]
    assert _engine.plan_differences(plan, [row], "uaa", "other") == ["the plan has no uaa credentials of other"]


# ---- delivery: further sinks and the delivery hook -------------------------------------------------------
class FurtherSink:
    """A further sink in memory; ``refuse`` makes every write fail as a store's error does."""

    path = "further sink"
    journals = True

    def __init__(self, events, refuse=False):
        self.records = {}
        self.events = events
        self.refuse = refuse

    def current(self, key):
        return dict(self.records.get(key) or {})

    @staticmethod
    def holds(key, there, record):
        return there.get("secret") == record["secret"]

    def put(self, key, record, wait=True):
        if self.refuse:
            raise AnsibleActionFail("403 permission denied")
        self.events.append(("deliver", key))
        self.records[key] = dict(record)

    @contextlib.contextmanager
    def lock(self, key, timeout=60.0):
        self.events.append(("lock", key))
        yield True

    @staticmethod
    def lock_owner(key):
        return "nobody"


def test_a_further_sink_gets_the_proven_secret_before_the_old_one_is_retired(sink, tmp_path):
    store = RecordFile(sink, str(tmp_path / "sink.vault"))
    platform = Platform(store, separate=True)
    platform.secrets["a"] = ["old-a"]
    further = FurtherSink(platform.events, refuse=True)
    engine = _engine.Engine(platform, store, {"max_age_days": 90, "phase": "all"}, errors=(AnsibleActionFail,), deliveries=[further])
    failed = engine.run(works(["a"]))[0]
    assert failed.result == "failed" and "delivering it to further sink failed" in failed.error
    assert "new-secret-for-a" not in failed.error and platform.secrets["a"] == ["old-a", "new-secret-for-a"], "nothing retired"

    further.refuse = False
    store = RecordFile(sink, str(tmp_path / "sink.vault"))
    platform.store = store
    engine = _engine.Engine(platform, store, {"max_age_days": 90, "phase": "all"}, errors=(AnsibleActionFail,), deliveries=[further])
    done = engine.run(works(["a"]))[0]
    assert done.result == "retired" and platform.events[-2:] == [("deliver", "zone/a"), ("retire", "a")]
    copy = further.records["zone/a"]
    assert copy["secret"] == "new-secret-for-a" and not any(name.startswith("pending") for name in copy)

    further.records.clear()  # lost on the further sink's side: a run with nothing due delivers it again
    again = _engine.Engine(platform, RecordFile(sink, str(tmp_path / "sink.vault")), {"max_age_days": 90, "phase": "all"},
                           errors=(AnsibleActionFail,), deliveries=[further]).run(works(["a"]))[0]
    assert again.result == "delivered" and further.records["zone/a"]["secret"] == "new-secret-for-a"


def test_the_delivery_hook_holds_the_retirement_until_it_delivered(sink, tmp_path):
    path = str(tmp_path / "sink.vault")
    platform = Platform(RecordFile(sink, path), separate=True)
    platform.secrets.update(a=["old-a"], b=["old-b"])

    def run(names, **hook):
        store = RecordFile(sink, path)
        platform.store = store
        hook = dict({"delivered": set(), "failed": set()}, **hook)
        hook["second"] = bool(hook["delivered"] or hook["failed"])
        return _engine.Engine(platform, store, {"max_age_days": 90, "phase": "retire" if hook["second"] else "all"},
                              errors=(AnsibleActionFail,), hook=hook).run(works(names))

    first = run(["a", "b"])
    assert [w.result for w in first] == ["added", "added"] and all(w.hook_due for w in first)
    assert "delivery hook" in first[0].next and len(platform.secrets["a"]) == 2
    second = run(["a", "b"], delivered={"zone/a"}, failed={"zone/b"})
    assert second[0].result == "retired" and platform.secrets["a"] == ["new-secret-for-a"] and not second[0].hook_due
    assert second[1].result == "failed" and "delivery hook failed" in second[1].error
    assert platform.secrets["b"] == ["old-b", "new-secret-for-b"], "the old secret of b stays until the hook delivers"
    assert RecordFile(sink, path).get("zone/a")["hook_delivered"] == _engine.secret_digest("new-secret-for-a")
    third = run(["a", "b"])
    assert [w.hook_due for w in third] == [False, True] and third[0].result == "unchanged"


def test_a_hook_pass_over_a_hard_cut_only_notes_the_delivery(sink, tmp_path):
    path = str(tmp_path / "sink.vault")
    platform = Platform(RecordFile(sink, path))
    platform.secrets["a"] = ["old-a"]
    store = RecordFile(sink, path)
    platform.store = store
    first = _engine.Engine(platform, store, {"max_age_days": 90, "phase": "all"}, errors=(AnsibleActionFail,),
                           hook={"delivered": set(), "failed": set(), "second": False}).run(works(["a"]))[0]
    assert first.result == "rotated" and first.hook_due
    store = RecordFile(sink, path)
    platform.store = store
    second = _engine.Engine(platform, store, {"max_age_days": 90, "phase": "retire"}, errors=(AnsibleActionFail,),
                            hook={"delivered": {"zone/a"}, "failed": set(), "second": True}).run(works(["a"]))[0]
    assert second.result == "delivered" and not second.hook_due


def test_a_partial_report_replaces_only_its_own_rows():
    rows = [{"target": "t", "credential": c, "result": "added"} for c in ("a", "b")]
    first = {"schema": _engine.SCHEMA, "run_id": "r1", "credentials": rows}
    hook_pass = {"schema": _engine.SCHEMA, "run_id": "r1", "partial": True,
                 "credentials": [{"target": "t", "credential": "a", "result": "retired"}]}
    merged = _engine.merge_reports(first, hook_pass)
    assert [(r["credential"], r["result"]) for r in merged["credentials"]] == [("a", "rotated"), ("b", "added")]
    assert merged["summary"] == {"added": 1, "rotated": 1} and merged["partial"] is False
    delivered = dict(hook_pass, credentials=[{"target": "t", "credential": "b", "result": "delivered", "steps": ["hook"]}])
    assert _engine.merge_reports(first, delivered)["credentials"][1] == dict(rows[1], steps=["hook"])


def test_a_roll_back_by_restore_needs_the_value_an_earlier_restore_replaced():
    assert _engine.plan_rollback({"client_id": "x", "secret": "s"}, restores=True)["action"] == "blocked"
    assert _engine.plan_rollback({"client_id": "x", "previous_client_id": "w", "previous_hash": "h"}, restores=True)["action"] == "rollback"
    assert _engine.plan_rollback({"state": "rolled_back", "previous_client_id": "w"}, restores=True)["action"] == "none"
    assert _engine.plan_rollback({"operation": "rollback", "state": "pending"}, restores=True)["action"] == "rollback"


def test_leases_expire_renew_and_break_in_the_file_sink(sink, tmp_path, monkeypatch):
    lock = tmp_path / "sink.vault.locks" / "uaa" / "app.lock"
    lock.parent.mkdir(parents=True)
    store = RecordFile(sink, str(tmp_path / "sink.vault"))
    leases_expire_renew_and_break(store, RecordFile(sink, str(tmp_path / "sink.vault")), lock.write_text, monkeypatch)
