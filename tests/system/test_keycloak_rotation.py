# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""playbooks/keycloak_rotate.yml end to end against the Keycloak emulator."""

from __future__ import annotations

import json
import os
import time

import pytest
import requests

# The collection's own logic, the same on every ansible-core: run on the newest leg (make test's oldest leg skips it).
pytestmark = pytest.mark.newest_only

ROTATOR = {"keycloak_auth_client_id": "rotator", "keycloak_auth_client_secret": "r0tator-S3cret-keycloak-seed-51c2a9"}
ADMIN = {"keycloak_auth_username": "admin", "keycloak_auth_password": "Adm1n-Passw0rd-keycloak-seed-4c1"}
ROTATING_ROTATOR = {"keycloak_auth_client_id": "rotator", "keycloak_auth_client_secret": "r0tator-S3cret-rotating-seed-06dd4e"}
ORDERS = ("orders-api", "0rders-S3cret-keycloak-seed-9b04f1")
BILLING = ("billing-api", "b1lling-S3cret-keycloak-seed-2f6c88")
PAYMENTS = ("payments-api", "paym3nts-S3cret-rotating-seed-b7a2c0")
ORDERS_UUID = "0b5d9a3e-51c2-4d0e-8a57-2e7f0c1a0003"


def inventory(workspace, clients, realm="apps", auth=None, **host_vars):
    host = dict(keycloak_url=workspace.emulators["keycloak"].url, keycloak_realm=realm, keycloak_retries=0,
                keycloak_secret_rotation_sink_dir=workspace.sink_dir, keycloak_secret_rotation_clients=clients,
                keycloak_secret_rotation_report_path=os.path.join(workspace.path, "keycloak-report.json"))
    host.update(auth or ROTATOR)
    host.update(host_vars)
    workspace.write_inventory({"keycloak_realms": {"hosts": {"sso": host}}})


def report(workspace):
    with open(os.path.join(workspace.path, "keycloak-report.json"), encoding="utf-8") as handle:
        return json.load(handle)["credentials"]


def record(workspace, client_id, realm="apps"):
    return workspace.record(client_id, realm, platform="keycloak", host="sso")


def token_works(workspace, client_id, secret, realm="apps"):
    response = requests.post("%s/realms/%s/protocol/openid-connect/token" % (workspace.emulators["keycloak"].url, realm),
                             data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}, timeout=5)
    return response.status_code == 200


def writes(workspace):
    return [r for r in workspace.control("requests", method="GET", platform="keycloak") if r["method"] in ("POST", "PUT", "DELETE")
            and "/admin/" in r["path"]]


def test_dry_run_rotate_and_rerun(workspace):
    inventory(workspace, [{"client_id": ORDERS[0]}, {"client_id": BILLING[0]}])
    plan = workspace.play("keycloak_rotate.yml", check=True)
    assert plan.rc == 0, plan.output[-3000:]
    assert [row["result"] for row in report(workspace)] == ["planned", "planned"]
    assert writes(workspace) == [] and not os.path.exists(workspace.sink_dir), "the dry run wrote something"

    done = workspace.play("keycloak_rotate.yml")
    assert done.rc == 0, done.output[-3000:]
    rows = report(workspace)
    assert [row["result"] for row in rows] == ["rotated", "rotated"] and rows[0]["overlap"] == "hard cut with a gap"
    assert "proved the old secret rejected" in rows[0]["steps"]
    for client_id, old in (ORDERS, BILLING):
        kept = record(workspace, client_id)
        assert kept["state"] == "complete" and kept["previous_secret"] == old
        assert token_works(workspace, client_id, kept["secret"]) and not token_works(workspace, client_id, old)
    assert len(writes(workspace)) == 2, "one regeneration per client"

    again = workspace.play("keycloak_rotate.yml")
    assert again.rc == 0 and again.recap("sso")["changed"] == 0, again.output[-3000:]
    assert len(writes(workspace)) == 2


def test_an_admin_user_of_master_rotates_through_admin_cli(workspace):
    inventory(workspace, [{"client_id": ORDERS[0]}], auth=ADMIN)
    run = workspace.play("keycloak_rotate.yml")
    assert run.rc == 0, run.output[-3000:]
    assert token_works(workspace, ORDERS[0], record(workspace, ORDERS[0])["secret"])


def test_a_regeneration_whose_answer_was_lost_is_not_sent_again_and_converges(workspace):
    inventory(workspace, [{"client_id": ORDERS[0]}], keycloak_request_timeout=2)
    # Keycloak regenerates the secret, and the answer is lost (a 502 after the write).
    workspace.control("faults", {"method": "POST", "path": "/client-secret$", "status": 502, "after": True, "count": 1},
                      platform="keycloak")
    first = workspace.play("keycloak_rotate.yml")
    assert first.rc == 0, first.output[-3000:]
    row = report(workspace)[0]
    assert row["result"] == "rotated" and "the reset landed after its answer was lost" in row["steps"]
    kept = record(workspace, ORDERS[0])
    assert kept["previous_secret"] == ORDERS[1] and token_works(workspace, ORDERS[0], kept["secret"])
    assert len(writes(workspace)) == 1, "the regeneration was sent twice"
    assert workspace.play("keycloak_rotate.yml").recap("sso")["changed"] == 0


def test_a_regeneration_that_lands_after_the_run_gave_up_is_taken_up(workspace):
    inventory(workspace, [{"client_id": ORDERS[0]}], keycloak_request_timeout=1)
    # The answer comes after the client gave up, and the regeneration is applied then (4 s later).
    workspace.control("faults", {"method": "POST", "path": "/client-secret$", "delay": 4, "after": True, "count": 1},
                      platform="keycloak")
    first = workspace.play("keycloak_rotate.yml")
    assert first.rc != 0 and "it was not reset again" in first.output, first.output[-3000:]
    assert record(workspace, ORDERS[0])["state"] == "rotating"
    time.sleep(3)  # the late regeneration lands
    second = workspace.play("keycloak_rotate.yml")
    assert second.rc == 0, second.output[-3000:]
    kept = record(workspace, ORDERS[0])
    assert kept["state"] == "complete" and kept["previous_secret"] == ORDERS[1]
    assert token_works(workspace, ORDERS[0], kept["secret"]) and not token_works(workspace, ORDERS[0], ORDERS[1])
    assert len(writes(workspace)) == 1, "the regeneration was sent twice"


def test_a_rotation_policy_realm_overlaps_two_secrets_then_retires(workspace):
    inventory(workspace, [{"client_id": PAYMENTS[0]}], realm="rotating", auth=ROTATING_ROTATOR, keycloak_secret_rotation_phase="add")
    added = workspace.play("keycloak_rotate.yml")
    assert added.rc == 0, added.output[-3000:]
    row = report(workspace)[0]
    assert row["result"] == "added" and row["overlap"] == "two secrets at once"
    kept = record(workspace, PAYMENTS[0], "rotating")
    assert kept["state"] == "added" and kept["previous_secret"] == PAYMENTS[1]
    assert token_works(workspace, PAYMENTS[0], kept["secret"], "rotating") and token_works(workspace, PAYMENTS[0], PAYMENTS[1], "rotating")

    inventory(workspace, [{"client_id": PAYMENTS[0]}], realm="rotating", auth=ROTATING_ROTATOR, keycloak_secret_rotation_phase="retire")
    retired = workspace.play("keycloak_rotate.yml")
    assert retired.rc == 0, retired.output[-3000:]
    assert report(workspace)[0]["result"] == "retired"
    assert record(workspace, PAYMENTS[0], "rotating")["state"] == "complete"
    assert not token_works(workspace, PAYMENTS[0], PAYMENTS[1], "rotating")
    assert token_works(workspace, PAYMENTS[0], kept["secret"], "rotating")
    assert [r["method"] for r in writes(workspace)] == ["POST", "DELETE"]


def test_clients_whose_secret_cannot_be_proven_fail_before_any_write(workspace):
    workspace.control("state", {"realms": [
        {"realm": "apps", "clients": [
            {"clientId": "rotator", "secret": ROTATOR["keycloak_auth_client_secret"], "serviceAccountsEnabled": True,
             "serviceAccountRoles": {"realm-management": ["manage-clients"]}},
            {"clientId": "web-login", "secret": "w3b-L0gin-S3cret-keycloak-test-1a2b"},
            {"clientId": "web-portal", "publicClient": True}]}]}, platform="keycloak")
    inventory(workspace, [{"client_id": "web-login"}, {"client_id": "web-portal"}, {"client_id": "nobody"}])
    run = workspace.play("keycloak_rotate.yml")
    assert run.rc != 0
    errors = [row["error"] for row in report(workspace)]
    assert "has no service account" in errors[0] and "nothing was changed" in errors[0]
    assert "public" in errors[1] and "lists no client nobody" in errors[2]
    assert writes(workspace) == []
