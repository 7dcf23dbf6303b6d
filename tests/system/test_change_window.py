# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The change window binds: a dry run proves what the real run needs, and an approved plan is exactly what runs."""

from __future__ import annotations

import json
import os
import re

from tests.system.test_anypoint_rotation import TARGETS as ANYPOINT_TARGETS
from tests.system.test_anypoint_rotation import inventory as anypoint_inventory
from tests.system.test_anypoint_rotation import resets
from tests.system.test_audit import anypoint_reset_by_hand, uaa_change
from tests.system.test_uaa_rotation import writes

CLIENTS = [{"client_id": "billing-service", "current_secret": "b1lling-S3cret-seed-91e2d7"},
           {"client_id": "reports-service", "current_secret": "rep0rts-S3cret-seed-3aa810", "strategy": "dual"}]


def digest_of(run):
    match = re.search(r"digest ([0-9a-f]{32}) \(pass it as plan_digest", run.output)
    assert match, run.output[-3000:]
    return match.group(1)


def planned(workspace, **host_vars):
    """A dry run writing its plan to approved-plan.json; (the plan's path, the digest the dry run printed)."""
    plan = os.path.join(workspace.path, "approved-plan.json")
    workspace.inventory(CLIENTS, uaa_secret_rotation_report_path=plan, **host_vars)
    dry = workspace.play("uaa_rotate.yml", check=True)
    assert dry.rc == 0, dry.output[-3000:]
    return plan, digest_of(dry)


def test_the_dry_run_shows_the_plan_masked_and_its_digest(workspace):
    plan, digest = planned(workspace)
    output = workspace.outputs[-1]
    assert "billing-service: rotate, no rotation recorded in the sink; strategy admin, hard cut with a gap" in output
    assert "reports-service: rotate" in output and "strategy dual, two secrets at once" in output
    assert "secret ******** (rotate:" in output, "the masked diff is not shown with --diff"
    with open(plan, encoding="utf-8") as handle:
        rows = json.load(handle)["credentials"]
    assert all(row["fingerprint"].startswith("last modified") for row in rows), rows
    assert digest not in ("", None)


def test_an_approved_plan_pins_the_strategy_the_platform_and_its_own_content(workspace):
    plan, digest = planned(workspace)
    workspace.control("requests", method="DELETE")

    # The inventory changed after the approval: the plan said dual for reports-service.
    admin_now = [CLIENTS[0], dict(CLIENTS[1], strategy="admin")]
    workspace.inventory(admin_now, uaa_secret_rotation_plan_file=plan, uaa_secret_rotation_plan_digest=digest)
    refused = workspace.play("uaa_rotate.yml")
    assert refused.rc != 0 and "uaa/reports-service: strategy was dual in the plan, is admin now" in refused.output, refused.output[-3000:]
    # An option that changes behaviour is pinned too.
    workspace.inventory(CLIENTS, uaa_secret_rotation_plan_file=plan, uaa_secret_rotation_plan_digest=digest,
                        uaa_secret_rotation_min_overlap=3600)
    refused = workspace.play("uaa_rotate.yml")
    assert refused.rc != 0 and "option min_overlap was 0 in the plan, is 3600 now" in refused.output, refused.output[-3000:]

    # A hand-edited plan does not match the digest the approver saw.
    with open(plan, encoding="utf-8") as handle:
        edited = json.load(handle)
    edited["credentials"][1]["strategy"] = "admin"
    edited_path = os.path.join(workspace.path, "edited-plan.json")
    with open(edited_path, "w", encoding="utf-8") as handle:
        json.dump(edited, handle)
    workspace.inventory(admin_now, uaa_secret_rotation_plan_file=edited_path, uaa_secret_rotation_plan_digest=digest)
    refused = workspace.play("uaa_rotate.yml")
    assert refused.rc != 0 and "is not the one approved" in refused.output, refused.output[-3000:]

    # The platform changed after the approval: a secret set by hand.
    uaa_change(workspace, "billing-service", "b1lling-S3cret-seed-91e2d7", "UPDATE")
    workspace.control("requests", method="DELETE")
    workspace.inventory(CLIENTS, uaa_secret_rotation_plan_file=plan, uaa_secret_rotation_plan_digest=digest)
    refused = workspace.play("uaa_rotate.yml")
    assert refused.rc != 0 and "billing-service: the platform changed since the plan" in refused.output, refused.output[-3000:]
    assert writes(workspace) == [], "a run that differs from its plan wrote to UAA"

    # Approved again and carried out; the report names the plan it carried out.
    plan, digest = planned(workspace)
    report = os.path.join(workspace.path, "done.json")
    workspace.inventory(CLIENTS, uaa_secret_rotation_plan_file=plan, uaa_secret_rotation_plan_digest=digest,
                        uaa_secret_rotation_report_path=report)
    done = workspace.play("uaa_rotate.yml")
    assert done.rc == 0, done.output[-3000:]
    with open(report, encoding="utf-8") as handle:
        assert json.load(handle)["plan_digest"] == digest


def test_a_dual_rotation_the_platform_would_refuse_is_found_by_the_dry_run(workspace):
    workspace.inventory([CLIENTS[1]], uaa_secret_rotation_phase="add")
    assert workspace.play("uaa_rotate.yml").rc == 0  # phase add: both secrets work
    workspace.inventory([{"client_id": "reports-service", "strategy": "dual"}], uaa_secret_rotation_phase="all")
    assert workspace.play("uaa_rotate.yml").rc == 0  # retired: one secret again
    # The old secret is added back by hand: the client has two, and UAA refuses a third.
    uaa_change(workspace, "reports-service", CLIENTS[1]["current_secret"], "ADD")
    workspace.inventory([{"client_id": "reports-service", "strategy": "dual"}], uaa_secret_rotation_max_age_days=0)
    dry = workspace.play("uaa_rotate.yml", check=True)
    assert dry.rc != 0 and "UAA keeps at most two secrets per client" in dry.output, dry.output[-3000:]


def test_an_anypoint_plan_is_refused_after_someone_else_reset_the_secret(workspace):
    plan = os.path.join(workspace.path, "anypoint-plan.json")
    anypoint_inventory(workspace, ANYPOINT_TARGETS[:1], anypoint_secret_rotation_report_path=plan)
    dry = workspace.play("anypoint_rotate.yml", check=True)
    assert dry.rc == 0, dry.output[-3000:]
    digest = digest_of(dry)
    anypoint_reset_by_hand(workspace)
    anypoint_inventory(workspace, ANYPOINT_TARGETS[:1], anypoint_secret_rotation_plan_file=plan,
                       anypoint_secret_rotation_plan_digest=digest)
    before = len(resets(workspace))
    refused = workspace.play("anypoint_rotate.yml")
    assert refused.rc != 0 and "the platform changed since the plan (secret digest" in refused.output, refused.output[-3000:]
    assert len(resets(workspace)) == before


def test_an_awx_workflow_passes_the_plan_from_the_check_job_to_the_real_job(workspace):
    workspace.inventory(CLIENTS)
    check = workspace.job("uaa_rotate.yml", check=True)
    assert check.rc == 0, check.output[-3000:]
    stats = [event["event_data"].get("artifact_data") for event in check.events if event.get("event") == "playbook_on_stats"]
    artifacts = stats[0]
    assert set(artifacts) == {"apiops_plans", "apiops_plan_digests"} and "uaa/uaa-test" in artifacts["apiops_plans"], artifacts
    # The approval node passes the artifacts on as extra variables; the real job runs in a fresh pod, with no file.
    extra = os.path.join(workspace.path, "artifacts.json")
    with open(extra, "w", encoding="utf-8") as handle:
        json.dump(artifacts, handle)
    uaa_change(workspace, "billing-service", "b1lling-S3cret-seed-91e2d7", "UPDATE")  # a change after the approval
    refused = workspace.job("uaa_rotate.yml", "-e", "@" + extra)
    assert refused.rc != 0 and "the platform changed since the plan" in refused.output, refused.output[-3000:]
    again = workspace.job("uaa_rotate.yml", check=True)
    artifacts = [e["event_data"].get("artifact_data") for e in again.events if e.get("event") == "playbook_on_stats"][0]
    with open(extra, "w", encoding="utf-8") as handle:
        json.dump(artifacts, handle)
    done = workspace.job("uaa_rotate.yml", "-e", "@" + extra)
    assert done.rc == 0, done.output[-3000:]
    assert workspace.record("reports-service")["state"] == "complete"


def test_the_plan_marks_a_rotation_that_could_not_be_rolled_back_and_can_refuse_it(workspace):
    plan = os.path.join(workspace.path, "plan.json")
    workspace.inventory([{"client_id": "billing-service"}], uaa_secret_rotation_report_path=plan)  # no current_secret
    dry = workspace.play("uaa_rotate.yml", check=True)
    assert dry.rc == 0 and "cannot be rolled back: the secret in use now is not known" in dry.output, dry.output[-3000:]
    with open(plan, encoding="utf-8") as handle:
        assert json.load(handle)["credentials"][0]["rollback"].startswith("cannot be rolled back")
    workspace.inventory([{"client_id": "billing-service"}], uaa_secret_rotation_require_rollback=True)
    workspace.control("requests", method="DELETE")
    for check in (True, False):
        refused = workspace.play("uaa_rotate.yml", check=check)
        assert refused.rc != 0 and "require_rollback is set" in refused.output, refused.output[-3000:]
    assert writes(workspace) == []


def test_an_anypoint_dry_run_logs_in_and_finds_every_target(workspace):
    wrong = {"anypoint_client_id": "c0ffee00c0ffee00c0ffee00c0ffee01", "anypoint_client_secret": "not-the-bot-secret-000000000001"}
    for auth, targets, words in ((wrong, ANYPOINT_TARGETS[:1], "Anypoint"),
                                 (None, [{"environment": "Staging"}], "no environment Staging"),
                                 (None, [{"environment": "Sandbox", "business_group": "Nowhere"}], "no business group Nowhere")):
        anypoint_inventory(workspace, targets, auth=auth)
        workspace.control("requests", method="DELETE", platform="anypoint")
        dry = workspace.play("anypoint_rotate.yml", check=True)
        assert dry.rc != 0 and words in dry.output, dry.output[-3000:]
        assert workspace.control("requests", method="GET", platform="anypoint"), "the dry run sent no request"


def test_a_dry_run_finds_an_admin_token_that_may_not_change_secrets(workspace):
    # "writer" has clients.write, which lets it update clients but not another client's secret.
    workspace.inventory([CLIENTS[0]], uaa_auth_client_id="writer", uaa_auth_client_secret="wr1ter-S3cret-seed-0c9d44")
    workspace.control("requests", method="DELETE")
    for check in (True, False):
        run = workspace.play("uaa_rotate.yml", check=check)
        assert run.rc != 0 and "the admin token has none of the scopes UAA requires" in run.output, run.output[-3000:]
    assert writes(workspace) == []
