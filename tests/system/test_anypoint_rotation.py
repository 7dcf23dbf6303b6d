# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""playbooks/anypoint_rotate.yml and anypoint_rollback.yml end to end against the Anypoint emulator."""

from __future__ import annotations

import json
import os
import time

import pytest


# The collection's own logic, the same on every ansible-core: run on the newest leg (make test's oldest leg skips it).
pytestmark = pytest.mark.newest_only

BOT = {"anypoint_client_id": "c0ffee00c0ffee00c0ffee00c0ffee01", "anypoint_client_secret": "R0tat1onB0tSecretValue0000000001"}
ADMIN = {"anypoint_username": "org-admin", "anypoint_password": "0rg-Adm1n-Passw0rd-anypoint"}
TARGETS = [{"environment": "Sandbox"}, {"environment": "Sandbox", "business_group": "Payments"}]
SANDBOX = ("8f82828ca6c2405ba04bb85a596a18ff", "B0313ad5a6B44f7ebb4Bf482C49327e1")


def inventory(workspace, targets, auth=None, **host_vars):
    host = dict(anypoint_url=workspace.emulators["anypoint"].url, anypoint_secret_rotation_sink_dir=workspace.sink_dir,
                anypoint_secret_rotation_targets=targets, anypoint_retries=1,
                anypoint_secret_rotation_report_path=os.path.join(workspace.path, "anypoint-report.json"))
    host.update(auth or BOT)
    host.update(host_vars)
    workspace.write_inventory({"anypoint_orgs": {"hosts": {"acme": host}}})


def report(workspace):
    with open(os.path.join(workspace.path, "anypoint-report.json"), encoding="utf-8") as handle:
        return json.load(handle)["credentials"]


def record(workspace, group, kind, name):
    return workspace.record("%s-%s" % (kind, name), group, platform="anypoint", host="acme")


def mule_app_gets_in(workspace, client_id, secret):
    return workspace.control("token_for", {"client_id": client_id, "client_secret": secret}, platform="anypoint")["valid"]


def resets(workspace):
    return [r for r in workspace.control("requests", method="GET", platform="anypoint")
            if r["method"] == "PATCH" and r["query"].get("resetSecret") == ["true"] and r["status"] == 200]


def secret_writes(workspace):
    """Every PATCH of an environment client: a chosen secret set, or a reset."""
    return [r for r in workspace.control("requests", method="GET", platform="anypoint") if r["method"] == "PATCH" and "/clients/" in r["path"]]


def refuse_chosen_secrets(workspace):
    """A control plane that refuses a chosen environment secret: the engine falls back to the platform's reset."""
    workspace.control("config", {"allow_env_secret_set": False}, platform="anypoint")


def test_rotate_plan_apply_rerun_and_roll_back(workspace):
    inventory(workspace, TARGETS)
    plan = workspace.play("anypoint_rotate.yml", check=True)
    assert plan.rc == 0, plan.output[-3000:]
    assert [e["result"] for e in report(workspace)] == ["planned", "planned"] and resets(workspace) == []
    assert not os.path.exists(workspace.sink_dir)

    done = workspace.play("anypoint_rotate.yml")
    assert done.rc == 0, done.output[-3000:]
    entries = report(workspace)
    assert [e["result"] for e in entries] == ["rotated", "rotated"]
    assert "API Manager autodiscovery" in entries[0]["next"] and SANDBOX[0] in entries[0]["next"]
    sandbox = record(workspace, "root", "environment", "Sandbox")
    assert sandbox["previous_secret"] == SANDBOX[1] and mule_app_gets_in(workspace, SANDBOX[0], sandbox["secret"])
    assert not mule_app_gets_in(workspace, SANDBOX[0], SANDBOX[1])

    again = workspace.play("anypoint_rotate.yml")
    assert again.rc == 0 and again.recap("acme")["changed"] == 0
    assert len(secret_writes(workspace)) == 2 and resets(workspace) == [], "one chosen secret set per environment, no reset"

    back = workspace.play("anypoint_rollback.yml")
    assert back.rc == 0, back.output[-3000:]
    assert mule_app_gets_in(workspace, SANDBOX[0], SANDBOX[1])
    assert record(workspace, "root", "environment", "Sandbox")["state"] == "rolled_back"
    assert workspace.play("anypoint_rollback.yml").recap("acme")["changed"] == 0


def test_a_kill_after_the_set_leaves_the_working_secret_in_the_sink(workspace):
    inventory(workspace, TARGETS[:1])
    # The chosen secret is set; then the platform's validation of it fails: the run stops between the set and the end
    # of the rotation.
    workspace.control("faults", {"method": "POST", "path": "/clients/validate", "status": 500, "count": 20}, platform="anypoint")
    crashed = workspace.play("anypoint_rotate.yml")
    assert crashed.rc != 0
    pending = record(workspace, "root", "environment", "Sandbox")
    assert pending["state"] == "pending" and mule_app_gets_in(workspace, SANDBOX[0], pending["pending_secret"]), \
        "the platform's working secret is not in the sink"
    workspace.control("faults", method="DELETE", platform="anypoint")
    resumed = workspace.play("anypoint_rotate.yml")
    assert resumed.rc == 0, resumed.output[-3000:]
    final = record(workspace, "root", "environment", "Sandbox")
    assert final["state"] == "complete" and final["secret"] == pending["pending_secret"] and final["previous_secret"] == SANDBOX[1]
    assert len(secret_writes(workspace)) == 1 and resets(workspace) == [], "the secret was written twice"


def test_crash_after_the_reset_resumes_without_a_second_reset(workspace):
    inventory(workspace, TARGETS[:1])
    refuse_chosen_secrets(workspace)
    # The two refused forms of a chosen secret, then the reset lands; then the read of the new secret fails (the two
    # reads of the old one before it pass): the run stops between the reset and the sink.
    workspace.control("faults", {"method": "GET", "path": "/clients/8f8", "status": 500, "count": 20, "skip": 2}, platform="anypoint")
    crashed = workspace.play("anypoint_rotate.yml")
    assert crashed.rc != 0
    assert record(workspace, "root", "environment", "Sandbox")["state"] == "rotating"
    workspace.control("faults", method="DELETE", platform="anypoint")
    resumed = workspace.play("anypoint_rotate.yml")
    assert resumed.rc == 0, resumed.output[-3000:]
    final = record(workspace, "root", "environment", "Sandbox")
    assert final["state"] == "complete" and final["previous_secret"] == SANDBOX[1]
    assert mule_app_gets_in(workspace, SANDBOX[0], final["secret"])
    assert len([r for r in workspace.control("requests", method="GET", platform="anypoint")
                if r["method"] == "PATCH" and r["query"].get("resetSecret") == ["true"]]) == 1


def test_environment_administrator_and_unknown_environment_are_reported(workspace):
    inventory(workspace, TARGETS + [{"environment": "Staging"}],
              auth={"anypoint_username": "env-admin", "anypoint_password": "3nv-Adm1n-Passw0rd-anypoint"})
    run = workspace.play("anypoint_rotate.yml")
    assert run.rc != 0 and "3 target(s) failed" in run.output
    errors = [e["error"] for e in report(workspace)]
    assert "Environment Administrator is not enough" in errors[0]
    assert "no environment Staging" in errors[2]


def test_connected_app_with_an_org_admin_and_token_revocation(workspace):
    inventory(workspace, [{"connected_app": "c0ffee00c0ffee00c0ffee00c0ffee03"}], auth=ADMIN, anypoint_secret_rotation_revoke_tokens=True)
    run = workspace.play("anypoint_rotate.yml")
    assert run.rc == 0, run.output[-3000:]
    assert report(workspace)[0]["next"].startswith("Update every system that authenticates as connected app")
    assert record(workspace, "root", "connected_app", "c0ffee00c0ffee00c0ffee00c0ffee03")["previous_secret"] == "B1ll1ngIntegrationSecret00000003"


def test_roll_back_on_a_platform_that_refuses_explicit_secrets(workspace):
    inventory(workspace, TARGETS[:1])
    assert workspace.play("anypoint_rotate.yml").rc == 0
    workspace.control("config", {"allow_env_secret_set": False}, platform="anypoint")
    run = workspace.play("anypoint_rollback.yml")
    assert run.rc != 0 and "does not accept an explicit secret" in run.output
    assert record(workspace, "root", "environment", "Sandbox")["state"] == "complete"


def test_a_reset_applied_after_its_answer_was_lost_is_taken_up_never_sent_twice(workspace):
    inventory(workspace, TARGETS[:1], anypoint_request_timeout=1)
    refuse_chosen_secrets(workspace)
    # The reset is answered after the client gave up, and applied then (3 s later): the finding that made the sink
    # hold a secret the platform no longer had.
    workspace.control("faults", {"method": "PATCH", "path": "/clients/8f8", "delay": 3, "after": True, "count": 1, "skip": 2},
                      platform="anypoint")
    first = workspace.play("anypoint_rotate.yml")
    assert first.rc != 0 and "it was not reset again" in first.output
    assert record(workspace, "root", "environment", "Sandbox")["state"] == "rotating"
    time.sleep(3)  # the late reset lands
    second = workspace.play("anypoint_rotate.yml")
    assert second.rc == 0, second.output[-3000:]
    final = record(workspace, "root", "environment", "Sandbox")
    assert final["state"] == "complete" and final["previous_secret"] == SANDBOX[1]
    assert mule_app_gets_in(workspace, SANDBOX[0], final["secret"]) and not mule_app_gets_in(workspace, SANDBOX[0], SANDBOX[1])
    patches = [r for r in workspace.control("requests", method="GET", platform="anypoint")
               if r["method"] == "PATCH" and r["query"].get("resetSecret") == ["true"]]
    assert len(patches) == 1, "a reset was sent twice"
    assert workspace.play("anypoint_rotate.yml").recap("acme")["changed"] == 0


def test_rotation_proves_under_either_validate_answer(workspace):
    # Whether clients/validate answers a wrong secret with 401 or 400 is UNCONFIRMED: the old secret must count as
    # rejected and the new one as accepted under both.
    workspace.control("config", {"validate_mismatch_status": 400}, platform="anypoint")
    inventory(workspace, TARGETS[:1])
    run = workspace.play("anypoint_rotate.yml")
    assert run.rc == 0, run.output[-3000:]
    row = report(workspace)[0]
    assert row["result"] == "rotated" and "proved the old secret rejected" in row["steps"]
