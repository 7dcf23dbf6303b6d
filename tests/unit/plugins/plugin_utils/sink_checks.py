# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What every sink must do for the engine, written once and run against each sink's server."""

from __future__ import annotations

import socket
import subprocess
import time

from ansible.errors import AnsibleActionFail

from ansible_collections.apiops.credentials.plugins.plugin_utils import _engine


class Memory(_engine.Adapter):
    """One credential ``a`` whose secrets live in memory: the engine's protocol without a platform."""

    platform = "memory"
    protocol = "local_secret"

    def __init__(self):
        self.secrets = {"a": ["old"]}

    def overlap(self, work):
        return "hard_cut"

    def new_secret(self, work):
        return "new-secret-for-a"

    def authenticates(self, work, secret):
        return secret in self.secrets["a"]

    def apply(self, work, new, current):
        self.secrets["a"] = [new]


def rotate_once(store):
    """One rotation of ``zone/a`` through the engine on ``store``; the record it leaves."""
    works = [_engine.Work("t", "a", "zone/a", {"current_secret": "old"})]
    done = _engine.Engine(Memory(), store, {"max_age_days": 90, "phase": "all"}, errors=(AnsibleActionFail,)).run(works)
    assert done[0].result == "rotated", done[0].error
    record = store.current("zone/a")
    assert record["secret"] == "new-secret-for-a" and record["previous_secret"] == "old" and record["state"] == "complete"
    return record


def locks_hold_and_dead_ones_are_taken_over(store, other, plant_dead_lock):
    """``store`` and ``other`` share a target; ``plant_dead_lock(owner_line)`` writes the lock of ``uaa/app`` directly."""
    with store.lock("uaa/app", timeout=1) as held:
        assert held
        with other.lock("uaa/app", timeout=0.3) as second:
            assert not second, "a live lock is waited for"
        assert "process" in store.lock_owner("uaa/app")
    gone = subprocess.Popen(["true"])  # pylint: disable=consider-using-with
    gone.wait()  # a pid that no process has any more: a run killed with SIGKILL
    plant_dead_lock("%d %s 2026-01-01T00:00:00Z" % (gone.pid, socket.gethostname()))
    with store.lock("uaa/app", timeout=1) as taken:
        assert taken, "the lock of a process that is gone is taken over"


def keys_list_every_record_and_no_lock(store):
    """``keys()``: every record under the store's prefix, nested keys too, locks left out (source=sink, catalogs)."""
    assert store.keys() == []
    for key in ("corg/app/cred", "corg/app/other", "zone/a"):
        store.put(key, {"state": "active"})
    with store.lock("corg/app/cred", 5) as held:
        assert held and store.keys() == ["corg/app/cred", "corg/app/other", "zone/a"]


def leases_expire_renew_and_break(store, other, plant_lock, monkeypatch):
    """Leases across hosts (AWX pods): ``plant_lock(line)`` writes the lease of ``uaa/app`` as another run would."""
    monkeypatch.setenv("APIOPS_LEASE_SECONDS", "3")  # renewed every second
    now = time.time()
    live = "4242 awx-job-pod-7 %s %s 17" % (_iso(now - 10), _iso(now + 600))
    plant_lock(live)
    with store.lock("uaa/app", timeout=0.3, poll=0.05) as held:
        assert not held, "a live lease of another host is never taken"
    assert store.lock_owner("uaa/app") == "process 4242 on awx-job-pod-7, AWX job 17 since %s, expires %s" % (
        _iso(now - 10), _iso(now + 600))
    assert store.break_lease("uaa/app").startswith("process 4242 on awx-job-pod-7, AWX job 17")
    assert store.lock_owner("uaa/app") == "a run that has just ended", "broken and released"

    plant_lock("4242 awx-job-pod-7 %s" % _iso(now - 3600))  # an earlier release's line, an hour old
    with store.lock("uaa/app", timeout=2, poll=0.05) as taken:
        assert taken and "took over the lease of process 4242 on awx-job-pod-7" in taken.took_over
        assert "it expired at" in taken.took_over
        first = store.lock_owner("uaa/app")
        time.sleep(1.6)
        assert store.lock_owner("uaa/app") != first, "renewed while held"
        assert not taken.lost
        with other.lock("uaa/app", timeout=0.3, poll=0.05) as second:
            assert not second, "a renewed lease is live"
        other.break_lease("uaa/app")  # the operator breaks it while this run is stopped
        deadline = time.monotonic() + 8  # a store whose reads may lag waits a moment before it believes the lease gone
        while not taken.lost and time.monotonic() < deadline:
            time.sleep(0.1)
        assert taken.lost, "the next renewal finds the lease gone"
        guard = _engine.Journal(store, "uaa/app", guard=lambda: _engine.Engine._lease_held(_HoldsLeases(taken)))
        try:
            guard.persist(state="complete")
            raise AssertionError("a run whose lease was lost writes nothing more")
        except _engine.StepError as error:
            assert "another run took it over" in str(error)
    with store.lock("uaa/app", timeout=1, poll=0.05) as again:
        assert again and not again.took_over, "free once the run that lost it ended"


class _HoldsLeases:
    def __init__(self, lease):
        self.leases = [lease]


def _iso(epoch):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))
