# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""merge_reports: the reports of the slices of one job as one report; overlaps and skipped hosts named."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.apiops.credentials.plugins.filter.merge_reports import merge_reports
from ansible_collections.apiops.credentials.plugins.filter.report_markdown import report_markdown
from tests.unit.plugins.plugin_utils.test_report import data, row, run_meta, validator


def slice_report(number, target, credentials, result="rotated", started=0):
    run = dict(run_meta(awx_job_id=100 + number, awx_workflow_job_id=99), started="2026-03-01T09:3%d:00Z" % started)
    return data([row(name, result, target=target) for name in credentials], check_mode=False, run_id="run-%d" % number, run=run)


def test_slices_merge_into_one_report():
    first, second = slice_report(1, "uaa-a", ["billing", "orders"], started=2), slice_report(2, "uaa-b", ["billing"], "failed", started=1)
    merged = merge_reports([first, second, first], targets=["uaa-a", "uaa-b"])  # the first given twice: counted once
    assert [(r["target"], r["credential"]) for r in merged["credentials"]] == [("uaa-a", "billing"), ("uaa-a", "orders"), ("uaa-b", "billing")]
    assert merged["summary"] == {"rotated": 2, "failed": 1} and merged["failed"] == 1 and merged["merged"]["problems"] == []
    assert merged["run_id"] == "run-1 + run-2" and [s["awx_job_id"] for s in merged["merged"]["reports"]] == [101, 102]
    assert merged["run"]["awx_job_id"] is None and merged["run"]["awx_workflow_job_id"] == 99
    assert merged["run"]["started"] == "2026-03-01T09:31:00Z" and merged["operation"] == "rotation"
    assert not list(validator().iter_errors(merged))
    text = report_markdown(merged)
    assert "- Merged from: 2 reports: run run-1, 2 credentials, AWX job 101; run run-2, 1 credentials, AWX job 102\n" in text
    assert "- Problems: none\n" in text and "| uaa | uaa-b | uaa | billing |" in text


def test_an_overlap_and_a_skipped_host_are_problems():
    merged = merge_reports([slice_report(1, "uaa-a", ["billing"]), slice_report(2, "uaa-a", ["billing"])], targets=["uaa-a", "uaa-c"])
    assert merged["merged"]["problems"] == [
        "uaa/billing on uaa-a is in the reports of two runs (run-1 and run-2): the slices overlapped, so it may have been rotated twice",
        "uaa-c is in no report: its slice did not run, or failed before its report"]
    assert len(merged["credentials"]) == 2 and not list(validator().iter_errors(merged))


def test_reports_of_different_kinds_are_refused():
    plan = data([row("billing")], run_id="plan")
    with pytest.raises(AnsibleFilterError, match="item 2 is a rotation-plan report and item 1 a rotation report"):
        merge_reports([slice_report(1, "uaa-a", ["billing"]), plan])
    with pytest.raises(AnsibleFilterError, match="no report to merge"):
        merge_reports([])
