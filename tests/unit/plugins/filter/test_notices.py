# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The webhook notice's payloads and the audit's Prometheus text, from registered results."""

from __future__ import annotations

import json
import re

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.apiops.credentials.plugins.filter.audit_metrics import FilterModule as MetricsFilters
from ansible_collections.apiops.credentials.plugins.filter.audit_metrics import audit_metrics
from ansible_collections.apiops.credentials.plugins.filter.notice_payload import FilterModule as NoticeFilters
from ansible_collections.apiops.credentials.plugins.filter.notice_payload import notice_payload
from ansible_collections.apiops.credentials.plugins.plugin_utils._platforms import PLATFORMS
from tests.exposition import ExpositionError, parse

# What a registered result may carry besides the notice's fields; none of it may leave (a stand-in for anything a
# later engine might add).
UNRELATED = "n0t-for-the-notice-7d1e"
FAILED_RUN = {
    "changed": True, "msg": "1 of 3 clients failed (failed 1, rotated 2): billing-service: UAA answered 503 <retry later> & gave up",
    "summary": {"rotated": 2, "failed": 1}, "run_id": "run-1", "requests": 12,
    "failures": [{"credential": "billing-service", "location": "uaa", "error": "UAA answered 503 <retry later> & gave up"}],
    "credentials": [{"credential": "billing-service", "digest": UNRELATED, "fingerprint": UNRELATED, "sink": UNRELATED}],
    "diff": {"before": UNRELATED}, "plan": {"credentials": [UNRELATED]}, "hook_deliveries": [{"key": UNRELATED}],
    "sink_file": UNRELATED, "client_secret": UNRELATED,
}
CLEAN_RUN = {"changed": False, "msg": "3 clients: unchanged 3", "summary": {"unchanged": 3}, "failures": [], "run_id": "run-2"}


def payload(result=None, **options):
    arguments = dict(platform="uaa", target="uaa-test", operation="rotate", report="/reports/uaa/uaa-test-report.json")
    arguments.update(options)
    return notice_payload(FAILED_RUN if result is None else result, **arguments)


def test_the_filters_are_registered():
    assert NoticeFilters().filters()["notice_payload"] is notice_payload
    assert MetricsFilters().filters()["audit_metrics"] is audit_metrics


@pytest.mark.parametrize("notice_format", ["json", "slack", "teams"])
def test_no_field_but_the_summary_leaves(notice_format):
    text = json.dumps(payload(notice_format=notice_format))
    assert UNRELATED not in text
    assert "billing-service" in text and "rotated" in text


def test_json_carries_the_summary_fields():
    body = payload(job={"awx_job_id": 42, "awx_job_template_name": "Rotate UAA", "unset": None})
    assert body["schema"] == "apiops.credentials/notice/1"
    assert (body["platform"], body["target"], body["operation"], body["outcome"]) == ("uaa", "uaa-test", "rotation", "failed")
    assert body["summary"] == {"rotated": 2, "failed": 1} and body["failed"] == 1 and body["changed"] is True
    assert body["failures"] == FAILED_RUN["failures"] and body["failures_omitted"] == 0
    assert body["report"] == "/reports/uaa/uaa-test-report.json" and body["run_id"] == "run-1"
    assert body["awx_job_id"] == 42 and "unset" not in body
    assert body["title"] == "Credential rotation on uaa-test (Cloud Foundry UAA): failed"


@pytest.mark.parametrize("result, operation, check_mode, outcome", [
    (CLEAN_RUN, "rotate", False, "succeeded"),
    (CLEAN_RUN, "rotate", True, "planned"),
    (FAILED_RUN, "rollback", False, "failed"),
    ({"failed": True, "msg": "Cannot read the catalog: HTTP 401"}, "rotate", False, "failed"),
    (CLEAN_RUN, "audit", False, "compliant"),
    (FAILED_RUN, "audit", False, "findings"),
    ({"failed": True, "msg": "cannot reach the sink"}, "audit", False, "failed"),
])
def test_outcome(result, operation, check_mode, outcome):
    assert payload(result, operation=operation, check_mode=check_mode)["outcome"] == outcome


def test_a_run_that_could_not_start_has_only_its_message():
    body = payload({"failed": True, "msg": "uaa_url is required"}, report="")
    assert body["summary"] == {} and body["failures"] == [] and body["report"] is None and body["msg"] == "uaa_url is required"


def test_a_long_list_of_failures_is_cut():
    many = dict(FAILED_RUN, failures=[{"credential": "app-%d" % n, "location": "acme/app", "error": "failed"} for n in range(80)])
    body = payload(many)
    assert body["failed"] == 80 and len(body["failures"]) == 50 and body["failures_omitted"] == 30
    slack = payload(many, notice_format="slack")
    assert slack["blocks"][-1]["text"]["text"].endswith("and 70 more (see the report)")


def test_slack_message():
    body = payload(notice_format="slack")
    assert body["text"].startswith("Credential rotation on uaa-test (Cloud Foundry UAA): failed. ")
    header, message, fields, failures = body["blocks"]
    assert header["type"] == "header" and header["text"]["type"] == "plain_text" and len(header["text"]["text"]) <= 150
    # mrkdwn gives <, > and & a meaning: escaped as Slack asks.
    assert "&lt;retry later&gt; &amp; gave up" in message["text"]["text"] and "<retry" not in message["text"]["text"]
    assert len(fields["fields"]) <= 10 and all(len(field["text"]) <= 2000 for field in fields["fields"])
    assert "*Platform*\nCloud Foundry UAA" in [field["text"] for field in fields["fields"]]
    assert failures["text"]["text"].startswith("*Failures*\n\u2022 uaa/billing-service: ")


def test_slack_limits_hold_for_long_text():
    long_run = dict(FAILED_RUN, msg="x" * 5000, failures=[{"credential": "c", "location": "l", "error": "e" * 2500}] * 12)
    body = payload(long_run, notice_format="slack", target="t" * 200)
    assert len(body["blocks"][0]["text"]["text"]) <= 150
    assert all(len(block["text"]["text"]) <= 3000 for block in body["blocks"] if block["type"] == "section" and "text" in block)
    assert len(body["text"]) <= 3000


def test_teams_adaptive_card_in_the_message_wrapper():
    body = payload(notice_format="teams", job={"awx_job_id": 7})
    assert body["type"] == "message" and len(body["attachments"]) == 1
    attachment = body["attachments"][0]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive" and attachment["contentUrl"] is None
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.2" and card["$schema"].endswith("adaptive-card.json")
    title, message, facts = card["body"][:3]
    assert title["text"] == "Credential rotation on uaa-test (Cloud Foundry UAA): failed" and title["color"] == "Attention"
    assert message["text"] == FAILED_RUN["msg"]
    assert {"title": "AWX job", "value": "7"} in facts["facts"] and all(isinstance(f["value"], str) for f in facts["facts"])
    assert card["body"][-1]["text"] == "uaa/billing-service: UAA answered 503 <retry later> & gave up"


def test_check_mode_is_in_the_title_and_never_for_an_audit():
    assert payload(CLEAN_RUN, check_mode=True)["title"] == "Credential rotation plan on uaa-test (Cloud Foundry UAA): planned"
    audit = payload(CLEAN_RUN, operation="audit", check_mode=True)
    assert audit["check_mode"] is False and audit["title"] == "Credential audit on uaa-test (Cloud Foundry UAA): compliant"


def test_bad_input_fails_clearly():
    with pytest.raises(AnsibleFilterError, match="format must be one of json, slack, teams"):
        payload(notice_format="mattermost")
    with pytest.raises(AnsibleFilterError, match="registered result"):
        notice_payload("not a result", "uaa", "t", "rotate")
    with pytest.raises(AnsibleFilterError, match="platform vms is not one of " + re.escape(", ".join(sorted(PLATFORMS)))):
        payload(platform="vms")


@pytest.mark.parametrize("name", sorted(PLATFORMS))
def test_the_notice_names_each_platform_by_its_row_s_title(name):
    body = payload(CLEAN_RUN, platform=name)
    assert body["title"] == "Credential rotation on uaa-test (%s): succeeded" % PLATFORMS[name].title


# ---- the audit's metrics ---------------------------------------------------------------------------------------
ROWS = [
    {"platform": "uaa", "target": "uaa-test", "location": "uaa", "credential": "billing-service", "result": "compliant",
     "age_days": 12, "findings": [], "digest": UNRELATED},
    {"platform": "uaa", "target": "uaa-test", "location": "zone\\1", "credential": 'say "hi"\nthere', "result": "findings",
     "age_days": None, "findings": ["orphan: no sink holds a secret", "overdue"]},
    {"platform": "uaa", "target": "uaa-test", "location": "uaa", "credential": "reports-service", "result": "unknown",
     "age_days": 400, "findings": []},
]


def test_metrics_are_valid_exposition_text_with_every_family():
    text = audit_metrics(ROWS, "uaa", "uaa-test", timestamp=1767225600.5)
    families = parse(text)
    assert UNRELATED not in text
    for name in ("apiops_audit_success", "apiops_audit_timestamp_seconds", "apiops_audit_credentials", "apiops_credential_age_days",
                 "apiops_credential_compliant", "apiops_credential_findings"):
        assert families[name]["type"] == "gauge" and families[name]["help"], name
    target = {"platform": "uaa", "target": "uaa-test"}
    assert families["apiops_audit_success"]["samples"] == [(target, 1.0)]
    assert families["apiops_audit_timestamp_seconds"]["samples"] == [(target, 1767225600.5)]
    assert sorted((labels["result"], value) for labels, value in families["apiops_audit_credentials"]["samples"]) == [
        ("compliant", 1.0), ("findings", 1.0), ("unknown", 1.0)]
    by_credential = {name: {labels["credential"]: value for labels, value in families[name]["samples"]}
                     for name in ("apiops_credential_age_days", "apiops_credential_compliant", "apiops_credential_findings")}
    odd = 'say "hi"\nthere'
    assert by_credential["apiops_credential_age_days"] == {"billing-service": 12.0, "reports-service": 400.0}  # no age: no sample
    assert by_credential["apiops_credential_compliant"] == {"billing-service": 1.0, odd: 0.0, "reports-service": 0.0}
    assert by_credential["apiops_credential_findings"] == {"billing-service": 0.0, odd: 2.0, "reports-service": 0.0}


def test_label_values_are_escaped():
    text = audit_metrics(ROWS[1:2], "uaa", "uaa-test", timestamp=0)
    assert 'location="zone\\\\1",credential="say \\"hi\\"\\nthere"' in text
    assert parse(text)["apiops_credential_findings"]["samples"][0][0]["location"] == "zone\\1"


def test_an_audit_that_could_not_run_says_so_and_nothing_else():
    families = parse(audit_metrics([], "apic", "acme/sandbox", success=False, timestamp=10))
    assert sorted(families) == ["apiops_audit_success", "apiops_audit_timestamp_seconds"]
    assert families["apiops_audit_success"]["samples"] == [({"platform": "apic", "target": "acme/sandbox"}, 0.0)]


def test_the_host_names_every_series_and_a_credential_counts_once():
    catalog_row = dict(ROWS[0], platform="apic", target="acme/sandbox", location="shop/web")
    families = parse(audit_metrics([catalog_row, catalog_row], "apic", "apic-prod", timestamp=1))
    samples = families["apiops_credential_compliant"]["samples"]
    assert samples == [({"platform": "apic", "target": "apic-prod", "location": "shop/web", "credential": "billing-service"}, 1.0)]


def test_metrics_input_errors():
    with pytest.raises(AnsibleFilterError, match="list of dicts"):
        audit_metrics("rows", "uaa", "t")
    with pytest.raises(AnsibleFilterError, match="platform and the target"):
        audit_metrics([], "", "t")
    with pytest.raises(AnsibleFilterError, match=r"platform \.\./vms is not one of " + re.escape(", ".join(sorted(PLATFORMS)))):
        audit_metrics([], "../vms", "t")


@pytest.mark.parametrize("text", [
    "# TYPE m gauge\nm 1",  # no final newline
    "m{a=\"x\\q\"} 1\n",  # an escape the format does not have
    "m{a=\"1\"} 1\nm{a=\"1\"} 2\n",  # a series twice
    "m 1\nn 1\nm 2\n",  # a family's samples apart
    "m 1\n# TYPE m gauge\n",  # TYPE after the samples
    "m one\n",
])
def test_the_reader_refuses_what_node_exporter_refuses(text):
    with pytest.raises(ExpositionError):
        parse(text)
