# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What every sink must do for the engine, written once and run against each sink's server."""

from __future__ import annotations

import socket
import subprocess

from ansible.errors import AnsibleActionFail

from ansible_collections.apiops.credentials.plugins.plugin_utils import _engine


class Memory(_engine.Adapter):
    """One credential ``a`` whose secrets live in memory: the engine's protocol without a platform."""

    platform = "memory"

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
