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


# ---- refresh tokens (contract 2.2; UaaTokenServices.createAccessToken, RefreshTokenCreator) ------------------------
CF = ("cf", "")
ADMIN_USER = {"username": "admin-user", "password": "us3r-Adm1n-Passw0rd-seed-5e1"}


def password_grant(uaa, auth=CF, **extra):
    return requests.post(uaa.url + "/oauth/token", data=dict(ADMIN_USER, grant_type="password", **extra), auth=auth, timeout=5)


def refresh(uaa, value, auth=CF, **extra):
    return requests.post(uaa.url + "/oauth/token", data=dict(grant_type="refresh_token", refresh_token=value, **extra),
                         auth=auth, timeout=5)


def test_password_grant_returns_an_opaque_refresh_token_when_the_client_has_the_grant(uaa):
    body = password_grant(uaa).json()
    assert list(body) == ["access_token", "token_type", "refresh_token", "expires_in", "scope", "jti"]
    assert len(body["refresh_token"]) == 34 and body["refresh_token"].endswith("-r")
    assert body["refresh_token"] in control(uaa, "secrets", method="GET")  # the leak check looks for it too
    uaa.emulator.clients["uaa"]["cf"]["authorized_grant_types"] = ["password"]  # UAA adds it on writes; bootstrap may not
    assert "refresh_token" not in password_grant(uaa).json()


def test_client_credentials_never_gets_a_refresh_token(uaa):
    body = {"client_id": "cc-refresh", "client_secret": "cc-refresh-secret-1", "authorities": ["uaa.none"],
            "authorized_grant_types": ["client_credentials", "refresh_token"]}
    assert requests.post(uaa.url + "/oauth/clients", json=body, headers=token(uaa), timeout=5).status_code == 201
    answer = requests.post(uaa.url + "/oauth/token", data={"grant_type": "client_credentials"},
                           auth=("cc-refresh", "cc-refresh-secret-1"), timeout=5).json()
    assert "access_token" in answer and "refresh_token" not in answer


def test_refresh_grant_keeps_the_refresh_token_and_may_narrow_the_scope(uaa):
    value = password_grant(uaa).json()["refresh_token"]
    renewed = refresh(uaa, value, scope="clients.read")
    assert renewed.status_code == 200 and renewed.json()["refresh_token"] == value and renewed.json()["scope"] == "clients.read"
    listed = requests.get(uaa.url + "/oauth/clients", headers={"Authorization": "Bearer " + renewed.json()["access_token"]}, timeout=5)
    assert listed.status_code == 200
    wider = refresh(uaa, value, scope="clients.read scim.write")
    assert wider.status_code == 400 and wider.json()["error"] == "invalid_scope"
    assert wider.json()["error_description"] == "Unable to narrow the scope of the client authentication to [clients.read, scim.write]."


def test_refresh_grant_errors(uaa):
    value = password_grant(uaa).json()["refresh_token"]
    unknown = refresh(uaa, "0" * 32 + "-r")
    assert unknown.status_code == 401 and unknown.json() == {
        "error": "invalid_token", "error_description": "The token expired, was revoked, or the token ID is incorrect."}
    access = refresh(uaa, password_grant(uaa).json()["access_token"])
    assert access.status_code == 401 and access.json()["error_description"] == "Invalid refresh token."
    other = refresh(uaa, value, auth=ADMIN)
    assert other.status_code == 401 and other.json()["error_description"] == "Unauthorized grant type"
    uaa.emulator.clients["uaa"]["portal-web"]["authorized_grant_types"].append("password")
    wrong = refresh(uaa, value, auth=("portal-web", "p0rtal-S3cret-seed-d41f06"))
    assert wrong.status_code == 400 and wrong.json() == {"error": "invalid_grant", "error_description": "Wrong client for this refresh token: cf"}
    control(uaa, "clock", {"advance": 2592000})
    expired = refresh(uaa, value)
    assert expired.status_code == 401 and expired.json()["error_description"].startswith("Invalid refresh token expired at ")


def test_a_secret_update_ends_refresh_tokens_an_add_does_not(uaa):
    value = password_grant(uaa).json()["refresh_token"]
    url = uaa.url + "/oauth/clients/cf/secret"
    requests.put(url, json={"secret": "cf-added-secret-1", "changeMode": "ADD"}, headers=token(uaa), timeout=5)
    assert refresh(uaa, value).status_code == 200
    requests.put(url, json={"secret": "cf-new-secret-1"}, headers=token(uaa), timeout=5)
    ended = refresh(uaa, value, auth=("cf", "cf-new-secret-1"))
    assert ended.status_code == 401 and ended.json()["error_description"] == "revocable signature mismatch"


def test_client_refresh_token_validity_wins_over_the_switch(uaa):
    control(uaa, "config", {"refresh_token_ttl": 100})
    short = password_grant(uaa).json()["refresh_token"]
    uaa.emulator.clients["uaa"]["cf"]["refresh_token_validity"] = 1000
    longer = password_grant(uaa).json()["refresh_token"]
    control(uaa, "clock", {"advance": 200})
    assert refresh(uaa, short).status_code == 401 and refresh(uaa, longer).status_code == 200


def test_switch_refresh_rotate(uaa):
    control(uaa, "config", {"refresh_rotate": True})
    value = password_grant(uaa).json()["refresh_token"]
    rotated = refresh(uaa, value).json()["refresh_token"]
    assert rotated != value and rotated.endswith("-r")
    assert refresh(uaa, value).status_code == 401 and refresh(uaa, rotated).status_code == 200


def test_switch_refresh_restrict_grant(uaa):
    before = password_grant(uaa).json()["refresh_token"]  # issued while the operator setting was off
    control(uaa, "config", {"refresh_restrict_grant": True})
    assert "refresh_token" not in password_grant(uaa).json()
    refused = refresh(uaa, before)
    assert refused.status_code == 403 and refused.json() == {"error": "insufficient_scope",
                                                             "error_description": "Expected scope uaa.offline_token is missing"}
    uaa.emulator.clients["uaa"]["cf"]["scope"].append("uaa.offline_token")
    uaa.emulator.users["uaa"]["admin-user"]["groups"].append("uaa.offline_token")
    offline = password_grant(uaa).json()
    assert "uaa.offline_token" in offline["scope"].split() and refresh(uaa, offline["refresh_token"]).status_code == 200
    assert "refresh_token" not in password_grant(uaa, scope="clients.read").json()
