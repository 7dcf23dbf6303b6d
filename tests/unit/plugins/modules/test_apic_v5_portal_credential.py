# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""apic_v5_portal_credential and its info module through main(), over real HTTP to the v5 portal emulator."""

from __future__ import annotations

import json

import pytest

from ansible_collections.apiops.credentials.plugins.modules import apic_v5_portal_credential as credential
from ansible_collections.apiops.credentials.plugins.modules import apic_v5_portal_credential_info as info
from tests.unit.conftest import control, run_module

ORIGINAL_ID = "0ec9010b-11d5-4459-8e9f-2695459c9ed5"
ORIGINAL_SECRET = "jM2kG1eI5aF4aQ4qW1hH7wT4hK5sG3oB6sL2pV0rW8aR4rG8bT"


def args(server, **kwargs):
    base = dict(apic_v5_url=server.url, apic_v5_username="owner-acme", apic_v5_password="acme-0wner-Passw0rd-v5-11",
                apic_v5_context="myOrg.myCatalog", retries=1)
    base.update(kwargs)
    return base


def gateway_accepts(server, client_id, secret):
    return control(server, "check_credentials", {"client_id": client_id, "client_secret": secret})["valid"]


def writes(server):
    return [r for r in control(server, "requests", method="GET") if r["method"] != "GET"]


def test_restore_check_apply_idempotent(apic_v5, capsys):
    task = args(apic_v5, org="acme-dev", app="orders-app", client_id=ORIGINAL_ID, secret=ORIGINAL_SECRET)
    planned = run_module(credential.main, task, capsys, check_mode=True, diff=True)
    assert planned["changed"] and planned["reason"] == "client id differs"
    assert planned["diff"]["after"] == {"client_id": ORIGINAL_ID, "client_secret": "******** (new)"}
    assert writes(apic_v5) == []
    done = run_module(credential.main, task, capsys)
    assert done["changed"] and done["client_id"] == ORIGINAL_ID
    assert gateway_accepts(apic_v5, ORIGINAL_ID, ORIGINAL_SECRET)
    again = run_module(credential.main, task, capsys)
    assert not again["changed"] and "secret not compared" in again["reason"]
    always = run_module(credential.main, dict(task, update_secret="always"), capsys)
    assert always["changed"]
    assert ORIGINAL_SECRET not in json.dumps([planned, done, again, always])


def test_hashed_secret_and_a_named_credential(apic_v5, capsys):
    task = args(apic_v5, org="acme-dev", app="multi-app", credential_id="5cb59e420cf2ee801253c701",
                client_id="second-original-id", client_secret_hash="ZFGcgrXetduo6x41snstOV4HBITAej8gXODfGkJPaoE=")
    assert run_module(credential.main, task, capsys)["credential_id"] == "5cb59e420cf2ee801253c701"
    assert gateway_accepts(apic_v5, "second-original-id", ORIGINAL_SECRET)
    state = control(apic_v5, "state", method="GET")["myOrg.myCatalog"]["acme-dev"]["apps"]["multi-app"]["credentials"]
    assert state[0]["clientID"] == "a1b2c3d4-new3-4f00-8000-000000000003"


def test_failures_are_one_clear_message(apic_v5, capsys):
    wrong = run_module(credential.main, args(apic_v5, org="acme-dev", app="orders-app", client_id="x", secret="s-123456",
                                             apic_v5_password="not-the-password"), capsys)
    assert wrong["failed"] and "HTTP 401" in wrong["msg"] and "apic_v5_password" in wrong["msg"]
    outsider = run_module(credential.main, args(apic_v5, org="5cb59c800cf2ee801253c6ea", app="reports-app", client_id="x",
                                                secret="s-123456", apic_v5_username="owner-acme"), capsys)
    assert outsider["failed"] and "HTTP 403" in outsider["msg"] and "not a member" in outsider["msg"]
    unknown = run_module(credential.main, args(apic_v5, org="acme-dev", app="no-such-app", client_id="x", secret="s-123456"), capsys)
    assert unknown["failed"] and "no application named no-such-app in developer organization acme-dev" in unknown["msg"]
    duplicate = run_module(credential.main, args(apic_v5, org="acme-dev", app="orders-app", secret="s-123456",
                                                 client_id="a1b2c3d4-new2-4f00-8000-000000000002"), capsys)
    assert duplicate["failed"] and "HTTP 409" in duplicate["msg"] and "already" in duplicate["msg"]
    context = run_module(credential.main, args(apic_v5, org="acme-dev", app="orders-app", client_id="x", secret="s-123456",
                                               apic_v5_context="otherOrg.sandbox"), capsys)
    assert context["failed"] and "Unknown API Management context" in context["msg"]
    bad_hash = run_module(credential.main, args(apic_v5, org="acme-dev", app="orders-app", client_id="x", client_secret_hash="plain"), capsys)
    assert bad_hash["failed"] and "44 characters" in bad_hash["msg"]
    assert [w["status"] for w in writes(apic_v5)] == [409]  # only the duplicate reached the portal, and was refused


@pytest.mark.parametrize("reject", [False, True])
def test_a_plaintext_secret_breaks_the_app_or_is_refused_so_the_module_always_hashes(apic_v5, capsys, reject):
    """What the module protects against: the portal wants Base64(SHA-256); whether it refuses anything else (400)
    or stores it and breaks the app at the gateway is not settled, and the module is right either way."""
    import requests  # pylint: disable=import-outside-toplevel
    control(apic_v5, "config", {"reject_non_hash_secret": reject})
    response = requests.put(apic_v5.url + "/v1/portal/orgs/5cb59c800cf2ee801253c6e9/apps/5cb59e420cf2ee801253c6f3/credentials",
                            json={"clientID": "x", "clientSecret": ORIGINAL_SECRET}, auth=("owner-acme", "acme-0wner-Passw0rd-v5-11"),
                            headers={"X-IBM-APIManagement-Context": "myOrg.myCatalog"}, timeout=5)
    if reject:
        assert response.status_code == 400 and "SHA-256" in response.json()["message"]
    else:
        assert response.status_code == 200 and not gateway_accepts(apic_v5, "x", ORIGINAL_SECRET)
    task = args(apic_v5, org="acme-dev", app="orders-app", client_id=ORIGINAL_ID, secret=ORIGINAL_SECRET)
    assert run_module(credential.main, task, capsys)["changed"]
    assert gateway_accepts(apic_v5, ORIGINAL_ID, ORIGINAL_SECRET)


@pytest.mark.parametrize("position", ["first", "last"])
def test_the_default_credential_is_found_by_its_client_id_not_its_position(apic_v5, capsys, position):
    control(apic_v5, "config", {"default_credential_position": position})
    task = args(apic_v5, org="acme-dev", app="multi-app", client_id="default-original-id", secret=ORIGINAL_SECRET)
    done = run_module(credential.main, task, capsys)
    assert done["changed"] and done["credential_id"] == "5cb59e420cf2ee801253c700"
    state = control(apic_v5, "state", method="GET")["myOrg.myCatalog"]["acme-dev"]["apps"]["multi-app"]["credentials"]
    assert [c["clientID"] for c in state] == ["default-original-id", "a1b2c3d4-new4-4f00-8000-000000000004"]
    assert not run_module(credential.main, task, capsys)["changed"]
    # the backup rows name only the extra credential by id; the default one is the row without credential_id
    listed = run_module(info.main, args(apic_v5, org="acme-dev"), capsys)["credentials"]
    assert [c.get("credential_id") for c in listed if c["app"] == "multi-app"] == [None, "5cb59e420cf2ee801253c701"]


def test_reset_returns_the_new_secret_once(apic_v5, capsys):
    task = args(apic_v5, org="acme-dev", app="billing-app", state="reset")
    planned = run_module(credential.main, task, capsys, check_mode=True)
    assert planned["changed"] and "client_secret" not in planned and writes(apic_v5) == []
    done = run_module(credential.main, task, capsys)
    assert done["changed"] and len(done["client_secret"]) > 20
    assert gateway_accepts(apic_v5, done["client_id"], done["client_secret"])


def test_info_lists_orgs_apps_and_client_ids(apic_v5, capsys):
    result = run_module(info.main, args(apic_v5), capsys)
    assert [o["name"] for o in result["orgs"]] == ["acme-dev"]
    assert len(result["credentials"]) == 4 and result["credentials"][3]["credential_id"] == "5cb59e420cf2ee801253c701"
    assert "clientSecret" not in json.dumps(result) and "client_secret" not in json.dumps(result)
    one = run_module(info.main, args(apic_v5, org="acme-dev"), capsys)
    assert one["orgs"][0]["apps"][0]["name"] == "orders-app"
