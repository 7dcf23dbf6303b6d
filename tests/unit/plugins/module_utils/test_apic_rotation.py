# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The API Connect rotation policy and helpers, without a server."""

from __future__ import annotations

import pytest

from ansible_collections.apiops.credentials.plugins.module_utils._apic import age_days, api_base, auth_problem, credential_rows, url_ids
from ansible_collections.apiops.credentials.plugins.module_utils._apic_rotation import (
    audit_findings,
    check_policy,
    generated_pair,
    plan_rollback,
    plan_rotation,
    secret_to_prove,
    summarize,
)
from ansible_collections.apiops.credentials.plugins.plugin_utils._apic_catalog_rotation import replace_record, work_of
from ansible_collections.apiops.credentials.plugins.plugin_utils._report import markdown, report

NOW = 1_800_000_000.0
DAY = 86400


def row(app, name, age, client_id=None, corg="corg"):
    return {"consumer_org": corg, "owner_email": "owner@example.com", "app": app, "name": name, "title": name.title(),
            "client_id": client_id or "%s-%s" % (app, name), "created_at": "x", "age_days": age,
            "path": "/apps/o/c/%s/%s/credentials/%s" % (corg, app, name)}


def actions(rows, entries=None, notify=False):
    return {item["key"]: item["action"] for item in plan_rotation(rows, 90, 100, entries or {}, notify=notify)}


def test_every_branch_of_the_policy():
    rows = [row("fresh", "a", 10), row("expired", "a", 95), row("two", "a", 120), row("two", "a_new", 25),
            row("one", "a", 130), row("present", "a", 93), row("present", "a_new", 2), row("young", "a", 105),
            row("young", "a_new", 3), row("edge", "a", 90), row("edge2", "a", 100)]
    assert actions(rows) == {
        "corg/fresh/a": "none", "corg/expired/a": "create_new", "corg/two/a": "retire_old", "corg/two/a_new": "none",
        "corg/one/a": "blocked", "corg/present/a": "none", "corg/present/a_new": "none",
        # past deletion, but the new credential has not had the grace period yet: the consumer keeps the old one
        "corg/young/a": "none", "corg/young/a_new": "none",
        "corg/edge/a": "create_new", "corg/edge2/a": "blocked",
    }


def test_a_new_credential_from_an_earlier_run_is_verified_and_announced_once():
    rows = [row("app", "a", 95), row("app", "a_new", 1, client_id="new-id")]
    pending = {"corg/app/a": {"new_credential": "a_new", "client_id": "new-id", "client_secret": "s", "state": "created"}}
    assert actions(rows, pending) == {"corg/app/a": "verify_new", "corg/app/a_new": "none"}
    verified = {"corg/app/a": dict(pending["corg/app/a"], state="verified", verified_at="t")}
    assert actions(rows, verified, notify=True)["corg/app/a"] == "verify_new"  # not announced yet
    assert actions(rows, verified, notify=False)["corg/app/a"] == "none"
    announced = {"corg/app/a": dict(verified["corg/app/a"], notified_at="t")}
    assert actions(rows, announced, notify=True)["corg/app/a"] == "none"
    # someone else's a_new (another client id) is left alone
    assert actions(rows, {"corg/app/a": dict(pending["corg/app/a"], client_id="other")})["corg/app/a"] == "none"


def test_an_interrupted_retirement_is_finished():
    rows = [row("app", "a_new", 12, client_id="new-id")]
    entries = {"corg/app/a": {"state": "retiring", "client_id": "new-id", "new_credential": "a_new"}}
    items = plan_rotation(rows, 90, 100, entries)
    assert [(i["key"], i["action"]) for i in items] == [("corg/app/a", "finish_retire")]
    # without the sink's word, a credential named x_new is just a credential
    assert actions(rows) == {"corg/app/a_new": "none"}


def test_a_new_journal_record_replaces_the_last_rotation_s_fields():
    last = {"client_id": "old-id", "client_secret": "old", "state": "active", "rotated_at": "t", "notified_at": "t",
            "updated_at": "t"}
    changes = replace_record(last, {"client_id": "new-id", "client_secret": "new", "state": "pending"})
    assert changes == {"client_id": "new-id", "client_secret": "new", "state": "pending", "rotated_at": None, "notified_at": None}
    assert len(generated_pair()[0]) == 32 and generated_pair() != generated_pair()


@pytest.mark.parametrize("expiry, deletion, problem", [(90, 100, None), (0, 10, "at least 1"), (90, 90, "greater than")])
def test_policy_check(expiry, deletion, problem):
    found = check_policy(expiry, deletion)
    assert (found is None) if problem is None else (problem in found)


def test_report_and_markdown_hold_no_secret():
    items = plan_rotation([row("app", "a|b", 95)], 90, 100, {})
    entries = {"corg/app/a|b": {"client_secret": "S3cret-in-the-sink-only"}}
    works = [work_of("o/c", item) for item in items]
    for work in works:
        work.action, work.reason, work.result, work.overlap = work.spec["action"], work.spec["reason"], "planned", "second_credential"
    data = report("apic", works, {"org": "o", "catalog": "c", "check_mode": True, "expiry_days": 90, "deletion_days": 100,
                                  "actions": summarize(items)})
    text = markdown(data)
    assert data["credentials"][0]["overlap"] == "second credential" and data["credentials"][0]["location"] == "corg/app"
    assert entries["corg/app/a|b"]["client_secret"] not in text + str(data)
    assert "| corg | owner@example.com | app | a\\|b | 95 | create new |" in text
    assert "dry run" in text


def test_rows_are_joined_by_the_ids_in_the_urls():
    base = "https://h/api"
    corgs = [{"id": "C1", "name": "corg", "owner": {"email": "o@example.com", "username": "o"}}]
    apps = [{"id": "A1", "name": "app", "title": "App"}]
    creds = [{"name": "cred", "client_id": "x", "created_at": "2026-01-01T00:00:00.000Z",
              "url": base + "/apps/O1/K1/C1/A1/credentials/R1"}]
    rows = credential_rows(corgs, apps, creds, NOW)
    assert rows[0]["consumer_org"] == "corg" and rows[0]["owner_email"] == "o@example.com" and rows[0]["app"] == "app"
    assert rows[0]["path"] == "/apps/O1/K1/C1/A1/credentials/R1"
    assert url_ids(base + "/apps/O1/K1/C1/A1", "apps") == ["O1", "K1", "C1", "A1"]


def test_small_helpers():
    assert age_days("2026-01-01T00:00:00.000Z", 1767225600.0 + 95 * DAY + 3600) == 95
    assert api_base("https://platform.example.com") == "https://platform.example.com/api"
    assert api_base("https://platform.example.com/mgmt/api/") == "https://platform.example.com/mgmt/api"
    assert "not both" in auth_problem({"apic_api_key": "k", "apic_username": "u"})
    assert "no API Connect login" in auth_problem({"apic_username": "u"})
    assert auth_problem({"apic_api_key": "k"}) is None


def test_the_audit_names_age_orphans_and_unfinished_runs_and_what_to_prove():
    rows = [row("a", "k", 95), row("a", "k_new", 3, client_id="hand-made"), row("b", "k", 10), row("c", "k", 20)]
    entries = {"corg/c/k": {"state": "active", "client_id": "c-k", "client_secret": "s"}, "corg/b/k": {"state": "retiring"}}
    items = {item["key"]: item for item in plan_rotation(rows, 90, 100, entries)}
    found = {key: audit_findings(item, entries.get(key) or {}) for key, item in items.items()}
    assert any(f.startswith("orphan: k_new") for f in found["corg/a/k"]), "a <name>_new no sink knows"
    assert found["corg/b/k"][0].startswith("unfinished") and found["corg/c/k"] == []
    assert secret_to_prove(items["corg/c/k"], entries["corg/c/k"]) == (items["corg/c/k"]["path"], "c-k", "s")
    assert secret_to_prove(items["corg/b/k"], entries["corg/b/k"]) is None
    assert audit_findings(dict(items["corg/c/k"], action="create_new", reason="expired"), {}) == ["overdue: expired"]


def test_a_roll_back_re_creates_only_what_the_sink_can_and_says_why_not():
    rows = [row("a", "k", 5, client_id="new-a"), row("b", "k", 5, client_id="new-b"), row("c", "k", 5, client_id="new-c"),
            row("d", "k", 5, client_id="new-d"), row("d", "k_previous", 1, client_id="old-d"), row("e", "k", 5)]
    entries = {"corg/a/k": {"state": "active", "retired_client_id": "old-a", "retired_client_secret": "s"},
               "corg/b/k": {"state": "active", "retired_client_id": "old-b"},
               "corg/c/k": {"state": "verified", "retired_client_id": "old-c", "new_credential": "k_new"},
               "corg/d/k": {"state": "active", "retired_client_id": "old-d", "retired_client_secret": "s"}}
    items = {item["key"]: item for item in plan_rollback(rows, entries)}
    assert items["corg/a/k"]["action"] == "restore_previous" and items["corg/a/k"]["new_credential"] == "k_previous"
    assert items["corg/b/k"]["action"] == "blocked" and "never held the secret" in items["corg/b/k"]["reason"]
    assert items["corg/c/k"]["action"] == "blocked" and "in progress" in items["corg/c/k"]["reason"]
    assert items["corg/d/k"]["action"] == "none", "the retired client id is back already"
    assert items["corg/e/k"]["action"] == "none" and items["corg/d/k_previous"]["action"] == "none"
