# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""playbooks/uaa_rotate.yml end to end: strategies, check-mode exactness, re-runs, crashes, leaks."""

from __future__ import annotations

import json
import os

import pytest

# The UAA role's scenarios: its logic is the engine's and the same on every ansible-core, so make test runs them on the
# newest leg; the UAA playbooks meet ansible-core 2.16 in the leak, change window, lease and AWX tests.
pytestmark = pytest.mark.newest_only

CLIENTS = [
    {"client_id": "billing-service"},
    {"client_id": "reports-service", "strategy": "dual", "current_secret": "rep0rts-S3cret-seed-3aa810"},
    {"client_id": "portal-web", "strategy": "grant_dance", "current_secret": "p0rtal-S3cret-seed-d41f06"},
]
ZONE_CLIENT = {"client_id": "zone-app", "identity_zone_subdomain": "zone1", "strategy": "dual",
               "current_secret": "z0neapp-S3cret-seed-c0ffee"}


def writes(workspace):
    return [r for r in workspace.control("requests", method="GET") if r["method"] != "GET" and not r["path"].endswith("/oauth/token")]


def client_state(workspace, client_id, zone="uaa"):
    return workspace.control("state", method="GET")["clients"][zone][client_id]


def test_all_strategies_rotate_check_mode_is_exact_and_rerun_is_unchanged(workspace):
    zone = dict(ZONE_CLIENT, identity_zone_url=workspace.emulator.url + "/zones/zone1")
    report = os.path.join(workspace.path, "report.json")
    workspace.inventory(CLIENTS + [zone], uaa_secret_rotation_report_path=report)
    workspace.control("requests", method="DELETE")

    dry = workspace.play("uaa_rotate.yml", check=True)
    assert dry.rc == 0, dry.output[-3000:]
    with open(report, encoding="utf-8") as handle:
        plan = json.load(handle)
    assert plan["schema"] == "apiops.credentials/report/1" and plan["check_mode"] is True
    assert [row["result"] for row in plan["credentials"]] == ["planned"] * 4
    assert os.path.exists(report[:-len(".json")] + ".md")
    assert writes(workspace) == [], "check mode wrote to UAA"
    assert not os.path.exists(workspace.sink_dir), "check mode wrote the sink"  # the report is the only file
    assert dry.recap("uaa-test")["changed"] > 0

    real = workspace.play("uaa_rotate.yml")
    assert real.rc == 0, real.output[-3000:]
    for client in CLIENTS + [zone]:
        record = workspace.record(client["client_id"], client.get("identity_zone_subdomain", "uaa"))
        assert record["state"] == "complete" and "pending_secret" not in record
        prefix = "/zones/zone1" if "identity_zone_subdomain" in client else ""
        assert workspace.token_works(client["client_id"], record["secret"], prefix)
        if record.get("previous_secret"):
            assert not workspace.token_works(client["client_id"], record["previous_secret"], prefix)
        state = client_state(workspace, client["client_id"], client.get("identity_zone_subdomain", "uaa"))
        assert state["secret_count"] == 1
    portal = client_state(workspace, "portal-web")
    assert portal["authorized_grant_types"] == ["authorization_code", "refresh_token"] and portal["authorities"] == ["uaa.none"]

    workspace.control("requests", method="DELETE")
    again = workspace.play("uaa_rotate.yml")
    assert again.rc == 0 and again.recap("uaa-test")["changed"] == 0
    assert writes(workspace) == []
    check_again = workspace.play("uaa_rotate.yml", check=True)
    assert check_again.recap("uaa-test")["changed"] == 0

    verify = workspace.play("uaa_verify.yml")
    assert verify.rc == 0 and verify.output.count("secret in the sink works") == 4


def test_dual_in_two_change_windows(workspace):
    workspace.inventory([CLIENTS[1]], uaa_secret_rotation_phase="add")
    first = workspace.play("uaa_rotate.yml")
    assert first.rc == 0, first.output[-3000:]
    record = workspace.record("reports-service")
    assert record["state"] == "added" and client_state(workspace, "reports-service")["secret_count"] == 2
    assert workspace.token_works("reports-service", record["secret"]) and workspace.token_works("reports-service", record["previous_secret"])
    assert workspace.play("uaa_rotate.yml").recap("uaa-test")["changed"] == 0

    workspace.inventory([CLIENTS[1]], uaa_secret_rotation_phase="retire")
    assert workspace.play("uaa_rotate.yml", check=True).recap("uaa-test")["changed"] > 0
    assert client_state(workspace, "reports-service")["secret_count"] == 2
    second = workspace.play("uaa_rotate.yml")
    assert second.rc == 0, second.output[-3000:]
    assert client_state(workspace, "reports-service")["secret_count"] == 1
    assert not workspace.token_works("reports-service", record["previous_secret"])
    assert workspace.play("uaa_rotate.yml").recap("uaa-test")["changed"] == 0


def test_grant_dance_on_uaa_before_v74_with_an_admin_user(workspace):
    workspace.control("config", {"version": "73.7.0"})
    workspace.inventory([{"client_id": "billing-service", "strategy": "grant_dance", "current_secret": "b1lling-S3cret-seed-91e2d7"}],
                        uaa_auth_client_id=None, uaa_auth_client_secret=None,
                        uaa_auth_username="admin-user", uaa_auth_password="us3r-Adm1n-Passw0rd-seed-5e1")
    run = workspace.play("uaa_rotate.yml")
    assert run.rc == 0, run.output[-3000:]
    record = workspace.record("billing-service")
    assert workspace.token_works("billing-service", record["secret"])
    state = client_state(workspace, "billing-service")
    assert state["authorities"] == ["billing.read", "billing.write"] and state["authorized_grant_types"] == ["client_credentials"]


def test_admin_strategy_with_a_user_token_on_old_uaa_fails_clearly(workspace):
    workspace.control("config", {"version": "73.7.0"})
    workspace.inventory([{"client_id": "billing-service"}], uaa_auth_client_id=None, uaa_auth_client_secret=None,
                        uaa_auth_username="admin-user", uaa_auth_password="us3r-Adm1n-Passw0rd-seed-5e1")
    run = workspace.play("uaa_rotate.yml")
    assert run.rc != 0
    assert "Only a client can change client secret" in run.output and "grant_dance" in run.output
    assert workspace.record("billing-service")["pending_secret"]


def test_crash_after_persist_resumes_with_the_same_secret(workspace):
    workspace.inventory([CLIENTS[0]])
    workspace.control("faults", {"method": "PUT", "path": "/secret$", "status": 503, "count": 50})
    crashed = workspace.play("uaa_rotate.yml", "-e", "uaa_retries=0")
    assert crashed.rc != 0
    pending = workspace.record("billing-service")["pending_secret"]
    assert workspace.token_works("billing-service", "b1lling-S3cret-seed-91e2d7")

    workspace.control("faults", method="DELETE")
    resumed = workspace.play("uaa_rotate.yml")
    assert resumed.rc == 0, resumed.output[-3000:]
    record = workspace.record("billing-service")
    assert record["secret"] == pending and "pending_secret" not in record
    assert workspace.token_works("billing-service", pending)
    assert not workspace.token_works("billing-service", "b1lling-S3cret-seed-91e2d7")


def test_grant_dance_failure_gives_the_grants_back_and_a_rerun_converges(workspace):
    workspace.inventory([CLIENTS[2]])
    workspace.control("faults", {"method": "PUT", "path": "/secret$", "status": 400,
                                 "body": {"error": "invalid_client", "error_description": "injected"}, "count": 1})
    failed = workspace.play("uaa_rotate.yml")
    assert failed.rc != 0 and "injected" in failed.output
    portal = client_state(workspace, "portal-web")
    assert portal["authorized_grant_types"] == ["authorization_code", "refresh_token"] and portal["authorities"] == ["uaa.none"]
    assert workspace.record("portal-web")["grant_dance"]["state"] == "given_back"

    rerun = workspace.play("uaa_rotate.yml")
    assert rerun.rc == 0, rerun.output[-3000:]
    assert workspace.token_works("portal-web", workspace.record("portal-web")["secret"])


def test_a_failing_client_does_not_stop_the_others(workspace):
    workspace.inventory([{"client_id": "no-such-client"}, CLIENTS[0]])
    run = workspace.play("uaa_rotate.yml")
    assert run.rc != 0
    assert "1 client(s) failed: no-such-client" in run.output
    assert workspace.record("billing-service")["state"] == "complete"


def test_rotate_before_rotates_once(workspace):
    workspace.inventory([CLIENTS[0]])
    assert workspace.play("uaa_rotate.yml").rc == 0
    first = workspace.record("billing-service")["secret"]
    workspace.inventory([CLIENTS[0]], uaa_secret_rotation_rotate_before="2999-01-01T00:00:00Z")
    assert workspace.play("uaa_rotate.yml").rc == 0
    assert workspace.record("billing-service")["secret"] != first
    workspace.inventory([CLIENTS[0]], uaa_secret_rotation_rotate_before="2000-01-01T00:00:00Z")
    assert workspace.play("uaa_rotate.yml").recap("uaa-test")["changed"] == 0


def test_reports_per_host_by_default_shared_when_the_path_is_shared_and_directories_made_in_check_mode(workspace):
    hosts = {}
    for name, client in (("uaa-a", "billing-service"), ("uaa-b", "reports-service")):
        hosts[name] = dict(uaa_url=workspace.emulator.url, uaa_auth_client_id="admin", uaa_auth_client_secret="adm1n-S3cret-seed-7f3a9c",
                           uaa_secret_rotation_sink_dir=workspace.sink_dir, uaa_secret_rotation_clients=[{"client_id": client}])
    workspace.write_inventory({"uaa_servers": {"hosts": hosts}})
    dry = workspace.play("uaa_rotate.yml", check=True)
    assert dry.rc == 0, dry.output[-3000:]
    reports = os.path.join(workspace.path, "reports", "uaa")  # APIOPS_REPORT_DIR of the workspace, made by the dry run
    for name, client in (("uaa-a", "billing-service"), ("uaa-b", "reports-service")):
        with open(os.path.join(reports, name + "-plan.json"), encoding="utf-8") as handle:
            rows = json.load(handle)["credentials"]
            assert [(row["target"], row["credential"], row["result"]) for row in rows] == [(name, client, "planned")]

    shared = os.path.join(workspace.path, "new", "dir", "all.json")
    for host in hosts.values():
        host["uaa_secret_rotation_report_path"] = shared
    workspace.write_inventory({"uaa_servers": {"hosts": hosts}})
    assert workspace.play("uaa_rotate.yml", check=True).rc == 0
    with open(shared, encoding="utf-8") as handle:
        assert sorted(row["target"] for row in json.load(handle)["credentials"]) == ["uaa-a", "uaa-b"]
    assert writes(workspace) == [], "check mode wrote to UAA"
