# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The UAA emulator keeps the contract (shared/contracts/uaa.md) that the other tests rely on."""

from __future__ import annotations

import requests

from tests.unit.conftest import control

ADMIN = ("admin", "adm1n-S3cret-seed-7f3a9c")


def token(uaa, auth=ADMIN):
    response = requests.post(uaa.url + "/oauth/token", data={"grant_type": "client_credentials"}, auth=auth, timeout=5)
    assert response.status_code == 200, response.text
    return {"Authorization": "Bearer " + response.json()["access_token"]}


def test_put_merges_lists_and_never_stores_a_secret(uaa):
    headers = token(uaa)
    body = {"client_id": "billing-service", "authorities": [], "client_secret": "ignored-by-put-123", "name": "Renamed"}
    response = requests.put(uaa.url + "/oauth/clients/billing-service", json=body, headers=headers, timeout=5)
    assert response.status_code == 200
    assert response.json()["authorities"] == ["billing.read", "billing.write"] and response.json()["name"] == "Renamed"
    assert requests.post(uaa.url + "/oauth/token", data={"grant_type": "client_credentials"},
                         auth=("billing-service", "ignored-by-put-123"), timeout=5).status_code == 401


def test_unknown_client_is_404_with_an_empty_body(uaa):
    response = requests.get(uaa.url + "/oauth/clients/nope", headers=token(uaa), timeout=5)
    assert response.status_code == 404 and response.content == b""


def test_create_fills_defaults_and_duplicate_is_409(uaa):
    headers = token(uaa)
    body = {"client_id": "c1", "authorized_grant_types": ["password"], "client_secret": "c1-secret-value"}
    created = requests.post(uaa.url + "/oauth/clients", json=body, headers=headers, timeout=5)
    assert created.status_code == 201
    assert created.json()["scope"] == ["uaa.none"] and created.json()["resource_ids"] == ["none"]
    assert created.json()["authorized_grant_types"] == ["password", "refresh_token"]
    again = requests.post(uaa.url + "/oauth/clients", json=body, headers=headers, timeout=5)
    assert again.status_code == 409 and again.json()["error_description"] == "Client already exists: c1"


def test_secret_add_delete_limits_and_messages(uaa):
    headers = token(uaa)
    url = uaa.url + "/oauth/clients/reports-service/secret"
    delete_one = requests.put(url, json={"changeMode": "DELETE"}, headers=headers, timeout=5)
    assert delete_one.json()["error_description"] == "client secret is either empty or client has only one secret."
    assert requests.put(url, json={"secret": "second-secret-1", "changeMode": "ADD"}, headers=headers, timeout=5).json() == {
        "status": "ok", "message": "Secret is added"}
    third = requests.put(url, json={"secret": "third-secret-1", "changeMode": "ADD"}, headers=headers, timeout=5)
    assert third.status_code == 400
    assert third.json()["error_description"] == "client secret is either empty or client already has two secrets."


def test_update_revokes_tokens_add_does_not(uaa):
    client_token = token(uaa, ("reports-service", "rep0rts-S3cret-seed-3aa810"))
    admin = token(uaa)
    url = uaa.url + "/oauth/clients/reports-service/secret"
    requests.put(url, json={"secret": "added-secret-1", "changeMode": "ADD"}, headers=admin, timeout=5)
    assert requests.get(uaa.url + "/oauth/clients/reports-service/meta", headers=client_token, timeout=5).status_code == 200
    requests.put(url, json={"secret": "replaced-secret-1"}, headers=admin, timeout=5)
    revoked = requests.get(uaa.url + "/oauth/clients/reports-service/meta", headers=client_token, timeout=5)
    assert revoked.status_code == 401 and revoked.json()["error_description"] == "revocable signature mismatch"


def test_non_admin_rules_for_secret_change(uaa):
    headers = token(uaa, ("writer", "wr1ter-S3cret-seed-0c9d44"))
    refused = requests.put(uaa.url + "/oauth/clients/billing-service/secret", json={"secret": "x-123456789"}, headers=headers, timeout=5)
    assert refused.status_code == 403 and refused.json()["error"] == "insufficient_scope"


def test_secret_policy_messages(uaa):
    uaa.emulator.zones["uaa"]["client_secret_policy"].update(minLength=20, requireDigit=1)
    response = requests.put(uaa.url + "/oauth/clients/billing-service/secret", json={"secret": "short"},
                            headers=token(uaa), timeout=5)
    assert response.json()["error_description"] == (
        "Client Secret must be at least 20 characters in length. Client Secret must contain at least 1 digit characters.")


def test_zone_switch_drops_clients_secret_and_needs_an_admin_scope(uaa):
    headers = dict(token(uaa, ("writer", "wr1ter-S3cret-seed-0c9d44")), **{"X-Identity-Zone-Id": "zone1"})
    response = requests.get(uaa.url + "/oauth/clients", headers=headers, timeout=5)
    assert response.status_code == 403


def test_list_pages_and_filters(uaa):
    headers = token(uaa)
    page = requests.get(uaa.url + "/oauth/clients", params={"count": 2, "startIndex": 3}, headers=headers, timeout=5).json()
    assert page["startIndex"] == 3 and len(page["resources"]) == 2 and page["totalResults"] == 7
    found = requests.get(uaa.url + "/oauth/clients", params={"filter": 'client_id eq "cf"'}, headers=headers, timeout=5).json()
    assert [c["client_id"] for c in found["resources"]] == ["cf"]


def test_request_log_and_secret_ledger(uaa):
    requests.get(uaa.url + "/login", timeout=5)
    assert control(uaa, "requests", method="GET")[-1]["path"] == "/login"
    assert "adm1n-S3cret-seed-7f3a9c" in control(uaa, "secrets", method="GET")
