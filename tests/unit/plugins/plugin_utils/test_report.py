# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The report: its file names (one set per run, never overwritten), titles, run metadata, HTML page and schema."""

from __future__ import annotations

import json
import os
import re
from html.parser import HTMLParser

import jsonschema
import pytest

from ansible.release import __version__ as ANSIBLE_VERSION

from ansible_collections.apiops.credentials.plugins.plugin_utils import _engine, _report
from ansible_collections.apiops.credentials.plugins.plugin_utils._report_file import write_reports
from ansible_collections.apiops.credentials.plugins.plugin_utils._vault_sink import RecordFile, VaultSink
from tests.unit.plugins.plugin_utils.test_engine import Platform, engine_for, works

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
STARTED = 1772357400.0  # 2026-03-01T09:30:00Z
RUN_ID = "0242ac11-0002-a3c6-3a1f-000000000012"  # ansible's task id: the controller's MAC address first


def run_meta(**task_vars):
    return _report.run_metadata(task_vars, STARTED, STARTED + 75)


def row(credential, result="planned", **fields):
    base = {"platform": "uaa", "target": "uaa-test", "location": "uaa", "credential": credential, "strategy": "admin",
            "action": "rotate", "reason": "never rotated by this collection", "overlap": "hard cut with a gap", "steps": [],
            "result": result, "error": None, "sink": "sink.vault", "next": None, "digest": "0123456789abcdef",
            "findings": [], "age_days": None}
    base.update(fields)
    return base


def data(rows, operation="rotate", check_mode=True, run_id=RUN_ID, audit=False, verify_only=False, **extra):
    """A report as the actions write it; ``operation`` is the task's option (rotate, rollback, restore)."""
    meta = {"run_id": run_id, "check_mode": check_mode, "partial": False, "audit": audit,
            "operation": _report.operation_of(operation, audit, verify_only),
            "policy": {"max_age_days": 90, "rotate_before": "", "min_overlap": 0, "verify_only": verify_only, "phase": "all",
                       "operation": operation},
            "run": run_meta()}
    meta.update(extra)
    return _report.summed(dict(meta, schema=_report.SCHEMA, generated_at="2026-03-01T09:31:15Z"), rows)


def validator():
    with open(os.path.join(ROOT, "docs", "schema", "report.schema.json"), encoding="utf-8") as handle:
        return jsonschema.Draft202012Validator(json.load(handle))


class Page(HTMLParser):
    """What a reader of the HTML page sees: its title, table rows, and anything that would run or load."""

    def __init__(self, text):
        super().__init__()
        self.title, self.rows, self.loads, self.scripts, self._where = "", [], [], 0, []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self._where.append(tag)
        self.scripts += tag == "script"
        self.loads += [value for name, value in attrs if name in ("src", "href", "action")]
        if tag == "tr" and "tbody" in self._where:
            self.rows.append([])
        elif tag == "td" and self.rows:
            self.rows[-1].append("")

    def handle_endtag(self, tag):
        if tag in self._where:
            del self._where[len(self._where) - 1 - self._where[::-1].index(tag):]

    def handle_data(self, data):  # pylint: disable=redefined-outer-name
        if self._where[-1:] == ["title"]:
            self.title += data
        elif self._where[-1:] == ["td"] and self.rows:
            self.rows[-1][-1] += data


# ---- names ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("given, operation, check_mode, audit, kind", [
    ("reports/uaa/uaa-test-plan.json", "rotate", True, False, "rotation-plan"),
    ("reports/uaa/uaa-test-report.json", "rotate", False, False, "rotation"),
    ("reports/uaa/uaa-test-plan.json", "rollback", True, False, "rollback-plan"),
    ("reports/uaa/uaa-test-report.json", "rollback", False, False, "rollback"),
    ("reports/apic_v5/portal-plan.json", "restore", True, False, "restore-plan"),
    ("reports/uaa/uaa-test-audit.json", "rotate", True, True, "audit"),
])
def test_each_run_has_its_own_name_by_operation_time_and_run(given, operation, check_mode, audit, kind):
    report = data([], operation, check_mode, audit=audit)
    host = os.path.basename(given).rsplit("-", 1)[0]
    expected = "%s/%s-%s-20260301T093000Z-%s.json" % (os.path.dirname(given), host, kind, _report.run_tag(RUN_ID))
    assert _report.run_path(given, report) == expected


def test_an_explicit_path_keeps_its_name_and_the_run_tag_is_not_the_controllers_mac():
    report = data([])
    assert _report.run_path("/change/CHG0042.json", report).startswith("/change/CHG0042-rotation-plan-20260301T093000Z-")
    assert _report.run_path("/change/approved-plan.json", report).startswith("/change/approved-rotation-plan-")
    assert _report.run_path("/change/plan.json", report).startswith("/change/plan-rotation-plan-")  # nothing left to name
    other_run = RUN_ID[:-1] + "3"  # the next task of the same controller: the same first 8 characters
    assert re.fullmatch("[0-9a-f]{8}", _report.run_tag(RUN_ID)) and _report.run_tag(RUN_ID) != _report.run_tag(other_run)
    assert _report.html_path("/r/a-plan.md") == "/r/a-plan.html"


def test_runs_never_overwrite_each_other_and_the_well_known_name_holds_the_latest(tmp_path):
    latest = str(tmp_path / "uaa" / "uaa-test-plan.json")
    first, own_first = write_reports(latest, latest[:-5] + ".md", data([row("billing")], run_id="run-one"))
    second, own_second = write_reports(latest, latest[:-5] + ".md", data([row("reports")], run_id="run-two"))
    assert own_first[0] != own_second[0] and [os.path.splitext(p)[1] for p in own_first] == [".json", ".md", ".html"]
    with open(own_first[0], encoding="utf-8") as handle:
        assert json.load(handle) == first
    with open(latest, encoding="utf-8") as handle:
        assert json.load(handle) == second
    names = sorted(os.listdir(str(tmp_path / "uaa")))
    assert len(names) == 9 and "uaa-test-plan.html" in names and not [n for n in names if n.endswith(".tmp")], names


def test_hosts_and_the_hook_pass_of_one_run_merge_into_its_one_file(tmp_path):
    shared = str(tmp_path / "all.json")
    write_reports(shared, None, data([row("billing", "added", target="uaa-a")], check_mode=False))
    later = data([row("reports", "rotated", target="uaa-b")], check_mode=False, run=_report.run_metadata({}, STARTED + 40, STARTED + 90))
    merged, own = write_reports(shared, None, later)
    assert [r["target"] for r in merged["credentials"]] == ["uaa-a", "uaa-b"]
    assert merged["run"]["started"] == "2026-03-01T09:30:00Z" and merged["run"]["ended"] == "2026-03-01T09:31:30Z"
    hook_pass = data([row("billing", "retired", target="uaa-a", steps=["retired the old secret"])], check_mode=False, partial=True)
    merged, own_again = write_reports(shared, None, hook_pass)
    assert own_again == own and merged["credentials"][0]["result"] == "rotated" and merged["summary"] == {"rotated": 2}
    assert sorted(os.listdir(str(tmp_path))) == ["all-rotation-20260301T093000Z-%s.json" % _report.run_tag(RUN_ID), "all.json"]


# ---- titles ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("operation, check_mode, audit, verify_only, heading", [
    ("rotate", True, False, False, "Credential rotation plan"),
    ("rotate", False, False, False, "Credential rotation report"),
    ("rollback", True, False, False, "Credential roll back plan"),
    ("rollback", False, False, False, "Credential roll back report"),
    ("restore", True, False, False, "Credential restore plan"),
    ("restore", False, False, False, "Credential restore report"),
    ("rotate", True, True, False, "Credential audit"),
    ("rotate", True, False, True, "Credential verification"),
])
def test_titled_by_operation(operation, check_mode, audit, verify_only, heading):
    report = data([row("billing")], operation, check_mode, audit=audit, verify_only=verify_only)
    assert _report.markdown(report).startswith("# %s\n" % heading)
    assert Page(_report.render_html(report)).title == heading


def test_the_api_connect_catalog_roll_back_is_titled_as_one():
    catalog_row = row("app-cred", "planned", platform="apic", location="TestCOrg/orders", consumer_org="TestCOrg",
                      owner_email="owner@example.com", app="orders", action="re-create the previous credential", age_days=95)
    report = data([catalog_row], operation="rollback", org="acme", catalog="sandbox", expiry_days=90, deletion_days=120)
    del report["policy"]
    text = _report.markdown(report)
    assert text.startswith("# Credential roll back plan: acme / sandbox\n")
    assert "| TestCOrg | owner@example.com | orders | app-cred | 95 | re-create the previous credential |" in text
    assert not list(validator().iter_errors(report))


# ---- run metadata ---------------------------------------------------------------------------------------
def test_run_metadata_outside_awx():
    meta = run_meta()
    with open(os.path.join(ROOT, "galaxy.yml"), encoding="utf-8") as handle:
        version = re.search(r"^version:\s*(\S+)", handle.read(), re.M).group(1)
    assert meta == {"user": _report.controller_user(), "collection_version": version, "ansible_core_version": ANSIBLE_VERSION,
                    "awx_job_id": None, "awx_job_template_name": None, "awx_launched_by": None, "awx_workflow_job_id": None,
                    "started": "2026-03-01T09:30:00Z", "ended": "2026-03-01T09:31:15Z", "plan_digest": None}


@pytest.mark.parametrize("prefix", ["awx", "tower"])
def test_run_metadata_in_an_awx_job(prefix):
    meta = run_meta(**{prefix + "_job_id": 4711, prefix + "_job_template_name": "Rotate UAA", prefix + "_user_name": "alice"})
    assert (meta["user"], meta["awx_job_id"], meta["awx_job_template_name"], meta["awx_launched_by"]) == ("alice", 4711, "Rotate UAA", "alice")
    text = _report.markdown(data([row("billing")], run=meta))
    assert "- By: alice\n" in text and "- AWX job: 4711 (template Rotate UAA), launched by alice\n" in text
    assert "- Versions: apiops.credentials %s, ansible-core %s\n" % (meta["collection_version"], ANSIBLE_VERSION) in text


def test_a_plans_digest_is_its_runs():
    report = _report.settled(data([row("billing")], plan_digest="d1gest"))
    assert report["run"]["plan_digest"] == "d1gest" and not list(validator().iter_errors(report))


# ---- the HTML page and the schema -----------------------------------------------------------------------
def test_the_html_page_is_self_contained_escaped_and_holds_no_secret(tmp_path):
    password = tmp_path / "password"
    password.write_text("unit-test-vault-password\n")
    store = RecordFile(VaultSink(None, str(password)), str(tmp_path / "sink.vault"))
    platform = Platform(store)
    names = ["a", "b", "<script>alert(1)</script>"]
    for name in names:
        platform.secrets[name] = ["old-" + name]
    meta = {"run_id": RUN_ID, "check_mode": False, "policy": {"operation": "rotate", "phase": "all"}, "partial": False,
            "audit": False, "run": run_meta(awx_job_template_name='<img src="https://example.invalid/x.png">')}
    report = _engine.report("uaa", engine_for(store, platform).run(works(names)), meta)
    report["credentials"] = [dict(r, platform="uaa", overlap=None) for r in report["credentials"]]  # the memory adapter's
    page_text = _report.render_html(report)
    page = Page(page_text)
    assert page.title == "Credential rotation report" and page.scripts == 0 and page.loads == []
    assert [cells[3] for cells in page.rows] == names and all(cells[7] == "rotated" for cells in page.rows)
    assert "new-secret-for-" not in page_text and "old-" not in page_text
    assert not list(validator().iter_errors(report))


def test_the_schema_is_valid_and_refuses_a_report_without_run_metadata():
    jsonschema.Draft202012Validator.check_schema(validator().schema)
    assert validator().schema["properties"]["schema"]["const"] == _report.SCHEMA == _engine.SCHEMA
    report = data([row("billing")])
    assert not list(validator().iter_errors(report))
    del report["run"]
    assert [error.message for error in validator().iter_errors(report)] == ["'run' is a required property"]
    assert list(validator().iter_errors(dict(data([row("billing")]), credentials=[row("b", secret="x")])))
