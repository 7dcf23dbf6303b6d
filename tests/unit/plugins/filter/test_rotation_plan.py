# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The rotation policy decided from a sink record."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.apiops.credentials.plugins.filter.rotation_plan import plan_rotation

NOW = "2026-11-23T12:00:00Z"


def action(record, **kwargs):
    return plan_rotation(record, now=NOW, **kwargs)["action"]


def test_first_run_rotates():
    assert action({}) == "rotate"


def test_pending_secret_resumes_a_crashed_run():
    assert action({"pending_secret": "x", "rotated_at": "2026-11-23T11:00:00Z"}) == "resume"


def test_a_recorded_server_side_reset_resumes():
    assert action({"state": "rotating", "secret": "old", "rotated_at": "2026-11-23T11:00:00Z"}) == "resume"


def test_recent_rotation_is_left_alone_and_old_one_rotates():
    assert action({"rotated_at": "2026-11-20T00:00:00Z"}, max_age_days=90) == "none"
    assert action({"rotated_at": "2026-08-01T00:00:00Z"}, max_age_days=90) == "rotate"
    assert action({"rotated_at": "2020-01-01T00:00:00Z"}, max_age_days=-1) == "none"


def test_rotate_before_is_a_compare_and_swap_guard():
    leak = "2026-11-23T10:00:00Z"
    assert action({"rotated_at": "2026-11-01T00:00:00Z"}, rotate_before=leak) == "rotate"
    assert action({"rotated_at": "2026-11-23T10:30:00Z"}, rotate_before=leak) == "none"


def test_dual_phases():
    added = {"state": "added", "rotated_at": "2026-11-23T11:00:00Z"}
    assert action(added, phase="all") == "retire"
    assert action(added, phase="retire") == "retire"
    assert action(added, phase="add") == "none"
    assert action({"rotated_at": "2026-11-23T11:00:00Z", "state": "complete"}, phase="retire") == "none"
    assert action({"pending_secret": "x"}, phase="retire") == "none"


def test_bad_input_is_a_clear_error():
    with pytest.raises(AnsibleFilterError, match="ISO-8601"):
        plan_rotation({"rotated_at": "yesterday"}, now=NOW)
    with pytest.raises(AnsibleFilterError, match="phase"):
        plan_rotation({}, phase="later")


def test_the_decision_carries_no_secret():
    decision = plan_rotation({"secret": "s3cr3t-value", "pending_secret": "n3w-value"}, now=NOW)
    assert "s3cr3t-value" not in str(decision) and "n3w-value" not in str(decision)
