# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The plan in words, as an approver reads it in the job log."""

from __future__ import annotations

from ansible_collections.apiops.credentials.plugins.plugin_utils import _engine
from ansible_collections.apiops.credentials.plugins.plugin_utils._rotation_action import plan_lines


def test_a_credential_that_failed_before_planning_says_so_and_why():
    planned = _engine.Work("uaa-prod", "billing", "uaa/billing", {}, location="uaa", strategy="dual")
    planned.action, planned.reason, planned.overlap, planned.result = "rotate", "older than 90 days", "dual", "planned"
    failed = _engine.Work("uaa-prod", "orders", "uaa/orders", {}, location="uaa", strategy="dual")
    failed.result, failed.error = "would fail", "UAA did not answer the login"
    lines = plan_lines([planned, failed], "0123456789abcdef", "uaa-prod")
    assert lines[1].startswith("uaa/billing: rotate, older than 90 days; strategy dual")
    assert lines[2] == "uaa/orders: not planned; expected result would fail: UAA did not answer the login"
    assert "None" not in "\n".join(lines)
