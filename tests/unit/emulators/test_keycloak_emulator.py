# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Keycloak emulator answers as Keycloak's source does: token endpoint, client admin, secret rotation."""

from __future__ import annotations

import re

import pytest
import requests

from tests.emulators.framework import Server
from tests.emulators.keycloak import KeycloakEmulator
from tests.emulators.launch import seed_of
from tests.unit.conftest import control

ROTATOR = ("rotator", "r0tator-S3cret-keycloak-seed-51c2a9")
AUDITOR = ("auditor", "aud1tor-S3cret-keycloak-seed-7d30e4")
ORDERS = ("orders-api", "0rders-S3cret-keycloak-seed-9b04f1")
BILLING = ("billing-api", "b1lling-S3cret-keycloak-seed-2f6c88")
ROTATING_ADMIN = ("rotator", "r0tator-S3cret-rotating-seed-06dd4e")
PAYMENTS = ("payments-api", "paym3nts-S3cret-rotating-seed-b7a2c0")
ORDERS_ID = "0b5d9a3e-51c2-4d0e-8a57-2e7f0c1a0003"
PORTAL_ID = "0b5d9a3e-51c2-4d0e-8a57-2e7f0c1a0006"
PAYMENTS_ID = "9e3f6b21-7a4c-4b8e-a0d2-5c1e7f2b0002"
BAD_CLIENT = "Invalid client or Invalid client credentials"
FORBIDDEN = {"error": "HTTP 403 Forbidden"}


@pytest.fixture(scope="module", name="keycloak_server")
def keycloak_server_fixture():
    with Server(KeycloakEmulator(seed_of("keycloak"))) as server:
        yield server


@pytest.fixture(name="keycloak")
def keycloak_fixture(keycloak_server):
    control(keycloak_server, "reset")
    return keycloak_server


def grant(server, realm="apps", auth=None, **form):
    form.setdefault("grant_type", "client_credentials")
    return requests.post("%s/realms/%s/protocol/openid-connect/token" % (server.url, realm), data=form, auth=auth, timeout=5)


def bearer(server, realm="apps", auth=ROTATOR):
    answer = grant(server, realm, auth)
    assert answer.status_code == 200, answer.text
    return {"Authorization": "Bearer " + answer.json()["access_token"]}


def admin(server, method, path, realm="apps", headers=None, **kwargs):
    return requests.request(method, "%s/admin/realms/%s/clients%s" % (server.url, realm, path), headers=headers, timeout=5, **kwargs)


def works(server, auth, realm="apps"):
    return grant(server, realm, auth).status_code == 200


# ---- token endpoint ------------------------------------------------------------------------------------
def test_client_credentials_by_basic_auth_and_by_form(keycloak):
    basic = grant(keycloak, auth=ORDERS)
    assert basic.status_code == 200 and basic.headers["Cache-Control"] == "no-store"
    body = basic.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 300 and body["refresh_expires_in"] == 0
    assert body["access_token"].count(".") == 2 and "refresh_token" not in body
    form = grant(keycloak, client_id=ORDERS[0], client_secret=ORDERS[1])
    assert form.status_code == 200
    assert grant(keycloak, auth=("orders-api", "wrong"), client_secret=ORDERS[1]).status_code == 200  # the form wins


def test_token_errors_have_keycloaks_codes(keycloak):
    wrong = grant(keycloak, auth=(ORDERS[0], "not-the-secret"))
    assert wrong.status_code == 401 and wrong.json() == {"error": "unauthorized_client", "error_description": BAD_CLIENT}
    assert grant(keycloak, client_id="orders-api").json()["error"] == "unauthorized_client"
    unknown = grant(keycloak, auth=("nobody", "x"))
    assert unknown.status_code == 401 and unknown.json() == {"error": "invalid_client", "error_description": BAD_CLIENT}
    missing = grant(keycloak)
    assert missing.status_code == 400 and missing.json()["error_description"] == "Missing client_id parameter"
    no_grant = grant(keycloak, auth=ORDERS, grant_type=None)
    assert no_grant.status_code == 400 and no_grant.json()["error_description"] == "Missing form parameter: grant_type"
    assert grant(keycloak, auth=ORDERS, grant_type="magic").json()["error"] == "unsupported_grant_type"
    public = grant(keycloak, client_id="web-portal")
    assert public.status_code == 401 and public.json()["error_description"] == "Public client not allowed to retrieve service account"
    assert grant(keycloak, auth=("legacy-api", "anything")).json()["error"] == "unauthorized_client"  # bearer-only: no secret
    assert grant(keycloak, "nowhere", ORDERS).json() == {"error": "Realm does not exist"}
    control(keycloak, "config", {"auth_error_wording": "legacy"})
    assert grant(keycloak, auth=(ORDERS[0], "x")).json()["error_description"] == "Invalid client secret"
    assert grant(keycloak, client_id="orders-api").json()["error_description"] == "Client secret not provided in request"


def test_password_grant_for_the_master_admin(keycloak):
    answer = grant(keycloak, "master", grant_type="password", client_id="admin-cli", username="admin",
                   password="Adm1n-Passw0rd-keycloak-seed-4c1")
    assert answer.status_code == 200 and answer.json()["expires_in"] == 60 and "refresh_token" in answer.json()
    bad = grant(keycloak, "master", grant_type="password", client_id="admin-cli", username="admin", password="nope")
    assert bad.status_code == 401 and bad.json() == {"error": "invalid_grant", "error_description": "Invalid user credentials"}
    direct = grant(keycloak, auth=ORDERS, grant_type="password", username="admin", password="x")
    assert direct.status_code == 400 and direct.json()["error_description"] == "Client not allowed for direct access grants"


# ---- admin authentication and roles ------------------------------------------------------------------------
def test_admin_answers_401_403_and_404(keycloak):
    none = admin(keycloak, "GET", "")
    assert none.status_code == 401 and none.json() == {"error": "HTTP 401 Unauthorized"} and none.headers["WWW-Authenticate"] == "Bearer"
    assert admin(keycloak, "GET", "", headers={"Authorization": "Bearer forged"}).status_code == 401
    no_role = bearer(keycloak, auth=ORDERS)
    assert admin(keycloak, "GET", "", headers=no_role).json() == FORBIDDEN
    assert admin(keycloak, "GET", "/nope", headers=no_role).status_code == 403  # no listing right: no 404 either
    rotator = bearer(keycloak)
    assert admin(keycloak, "GET", "", realm="rotating", headers=rotator).json() == FORBIDDEN  # another realm's token
    assert admin(keycloak, "GET", "", realm="nope", headers=rotator).json() == {"error": "Realm not found."}
    assert admin(keycloak, "GET", "/nope", headers=rotator).json() == {"error": "Could not find client"}
    viewer = bearer(keycloak, auth=AUDITOR)
    assert admin(keycloak, "POST", "/%s/client-secret" % ORDERS_ID, headers=viewer).status_code == 403
    control(keycloak, "clock", {"advance": 301})
    assert admin(keycloak, "GET", "", headers=rotator).status_code == 401  # expired by the emulator's clock
    control(keycloak, "config", {"forbidden_body": "legacy", "list_without_role": "empty"})
    assert admin(keycloak, "GET", "/" + ORDERS_ID, headers=bearer(keycloak, auth=ORDERS)).json() == {"error": "unknown_error"}
    listed = admin(keycloak, "GET", "", headers=bearer(keycloak, auth=ORDERS))
    assert listed.status_code == 200 and listed.json() == []


def test_master_admin_and_master_realm_roles_reach_other_realms(keycloak):
    token = grant(keycloak, "master", grant_type="password", client_id="admin-cli", username="admin",
                  password="Adm1n-Passw0rd-keycloak-seed-4c1").json()["access_token"]
    assert admin(keycloak, "GET", "", realm="rotating", headers={"Authorization": "Bearer " + token}).status_code == 200
    viewer = grant(keycloak, "master", grant_type="password", client_id="admin-cli", username="apps-viewer",
                   password="V1ewer-Passw0rd-keycloak-seed-8e2").json()["access_token"]
    headers = {"Authorization": "Bearer " + viewer}
    assert admin(keycloak, "GET", "", headers=headers).status_code == 200
    assert admin(keycloak, "GET", "", realm="rotating", headers=headers).json() == FORBIDDEN


# ---- clients --------------------------------------------------------------------------------------------------
def test_list_filters_and_pages(keycloak):
    headers = bearer(keycloak)
    everything = admin(keycloak, "GET", "", headers=headers).json()
    assert [c["clientId"] for c in everything] == sorted(c["clientId"] for c in everything) and len(everything) == 7
    exact = admin(keycloak, "GET", "", headers=headers, params={"clientId": "orders-api", "first": 5}).json()
    assert [c["id"] for c in exact] == [ORDERS_ID] and exact[0]["secret"] == ORDERS[1]
    assert admin(keycloak, "GET", "", headers=headers, params={"clientId": "orders"}).json() == []
    found = admin(keycloak, "GET", "", headers=headers, params={"clientId": "API", "search": "true", "first": 1, "max": 2}).json()
    assert [c["clientId"] for c in found] == ["legacy-api", "orders-api"]
    assert [c["clientId"] for c in admin(keycloak, "GET", "", headers=headers, params={"max": 2}).json()] == ["auditor", "billing-api"]


def test_get_masks_secrets_for_viewers_and_put_sets_the_secret(keycloak):
    viewer = bearer(keycloak, auth=AUDITOR)
    seen = admin(keycloak, "GET", "/" + ORDERS_ID, headers=viewer).json()
    assert seen["secret"] == "**********" and seen["access"] == {"view": True, "configure": False, "manage": False}
    assert admin(keycloak, "GET", "/%s/client-secret" % ORDERS_ID, headers=viewer).status_code == 403
    headers = bearer(keycloak)
    full = admin(keycloak, "GET", "/" + ORDERS_ID, headers=headers).json()
    assert full["secret"] == ORDERS[1] and full["clientId"] == "orders-api" and full["serviceAccountsEnabled"] is True
    put = admin(keycloak, "PUT", "/" + ORDERS_ID, headers=headers, json={"name": "Orders", "secret": "chosen-Secret-0001"})
    assert put.status_code == 204 and put.content == b""
    assert not works(keycloak, ORDERS) and works(keycloak, ("orders-api", "chosen-Secret-0001"))
    assert admin(keycloak, "GET", "/" + ORDERS_ID, headers=headers).json()["name"] == "Orders"
    assert "chosen-Secret-0001" in control(keycloak, "secrets", method="GET")
    clash = admin(keycloak, "PUT", "/" + ORDERS_ID, headers=headers, json={"clientId": "billing-api"})
    assert clash.status_code == 409 and clash.json() == {"errorMessage": "Client already exists"}
    control(keycloak, "config", {"secret_read_role": "view"})
    assert admin(keycloak, "GET", "/%s/client-secret" % ORDERS_ID, headers=viewer).json()["value"] == "chosen-Secret-0001"
    assert admin(keycloak, "GET", "/" + ORDERS_ID, headers=viewer).json()["secret"] == "chosen-Secret-0001"


def test_public_client_has_no_secret(keycloak):
    headers = bearer(keycloak)
    assert admin(keycloak, "GET", "/%s/client-secret" % PORTAL_ID, headers=headers).json() == {"type": "secret"}
    assert "secret" not in admin(keycloak, "GET", "/" + PORTAL_ID, headers=headers).json()
    control(keycloak, "config", {"null_fields": "null"})
    assert admin(keycloak, "GET", "/%s/client-secret" % PORTAL_ID, headers=headers).json() == {"type": "secret", "value": None}


# ---- regenerate and the rotation policy ----------------------------------------------------------------------------
def test_regenerate_without_the_policy_is_a_hard_cut(keycloak):
    headers = bearer(keycloak)
    new = admin(keycloak, "POST", "/%s/client-secret" % ORDERS_ID, headers=headers)
    assert new.status_code == 200 and new.json()["type"] == "secret"
    value = new.json()["value"]
    assert re.fullmatch(r"[A-Za-z0-9]{32}", value) and value in control(keycloak, "secrets", method="GET")
    assert not works(keycloak, ORDERS) and works(keycloak, ("orders-api", value))
    assert admin(keycloak, "GET", "/%s/client-secret" % ORDERS_ID, headers=headers).json() == {"type": "secret", "value": value}
    none = admin(keycloak, "GET", "/%s/client-secret/rotated" % ORDERS_ID, headers=headers)
    assert none.status_code == 404 and none.json() == {"error": "Client does not have a rotated secret"}
    assert admin(keycloak, "DELETE", "/%s/client-secret/rotated" % ORDERS_ID, headers=headers).status_code == 204
    control(keycloak, "config", {"secret_length": 48})
    assert len(admin(keycloak, "POST", "/%s/client-secret" % ORDERS_ID, headers=headers).json()["value"]) == 48


def test_regenerate_with_the_policy_keeps_the_old_secret_until_it_expires(keycloak):
    headers = bearer(keycloak, "rotating", ROTATING_ADMIN)
    now = int(control(keycloak, "clock", method="GET")["now"])
    value = admin(keycloak, "POST", "/%s/client-secret" % PAYMENTS_ID, realm="rotating", headers=headers).json()["value"]
    assert works(keycloak, PAYMENTS, "rotating") and works(keycloak, ("payments-api", value), "rotating")
    attributes = admin(keycloak, "GET", "/" + PAYMENTS_ID, realm="rotating", headers=headers).json()["attributes"]
    assert attributes["client.secret.rotated"] == PAYMENTS[1]
    assert int(attributes["client.secret.rotated.expiration.time"]) - now in (172800, 172801)
    assert int(attributes["client.secret.expiration.time"]) - int(attributes["client.secret.creation.time"]) == 2592000
    rotated = admin(keycloak, "GET", "/%s/client-secret/rotated" % PAYMENTS_ID, realm="rotating", headers=headers)
    assert rotated.json() == {"type": "secret", "value": PAYMENTS[1]}
    control(keycloak, "clock", {"advance": 172802})
    headers = bearer(keycloak, "rotating", ROTATING_ADMIN)
    assert not works(keycloak, PAYMENTS, "rotating") and works(keycloak, ("payments-api", value), "rotating")
    stale = admin(keycloak, "GET", "/%s/client-secret/rotated" % PAYMENTS_ID, realm="rotating", headers=headers)
    assert stale.json()["value"] == PAYMENTS[1]  # stored until removed, though it no longer authenticates


def test_delete_rotated_ends_the_old_secret_at_once(keycloak):
    headers = bearer(keycloak, "rotating", ROTATING_ADMIN)
    url = "/%s/client-secret" % PAYMENTS_ID
    admin(keycloak, "POST", url, realm="rotating", headers=headers)
    assert works(keycloak, PAYMENTS, "rotating")
    assert admin(keycloak, "DELETE", url + "/rotated", realm="rotating", headers=headers).status_code == 204
    assert not works(keycloak, PAYMENTS, "rotating")
    assert admin(keycloak, "GET", url + "/rotated", realm="rotating", headers=headers).status_code == 404


def test_expired_secret_stops_and_the_next_put_rotates_it(keycloak):
    headers = bearer(keycloak, "rotating", ROTATING_ADMIN)
    assert admin(keycloak, "PUT", "/" + PAYMENTS_ID, realm="rotating", headers=headers, json={}).status_code == 204
    assert "client.secret.expiration.time" in admin(keycloak, "GET", "/" + PAYMENTS_ID, realm="rotating", headers=headers).json()["attributes"]
    control(keycloak, "clock", {"advance": 2592001})
    assert not works(keycloak, PAYMENTS, "rotating")
    headers = bearer(keycloak, "rotating", ROTATING_ADMIN)  # its own secret has no expiration time yet
    admin(keycloak, "PUT", "/" + PAYMENTS_ID, realm="rotating", headers=headers, json={})
    new = admin(keycloak, "GET", "/%s/client-secret" % PAYMENTS_ID, realm="rotating", headers=headers).json()["value"]
    assert new != PAYMENTS[1] and works(keycloak, ("payments-api", new), "rotating") and works(keycloak, PAYMENTS, "rotating")


def test_policy_switches_and_a_zero_rotated_period(keycloak):
    headers = bearer(keycloak, "rotating", ROTATING_ADMIN)
    keycloak.emulator.realms["rotating"]["rotation"]["rotated-expiration-period"] = 0
    admin(keycloak, "POST", "/%s/client-secret" % PAYMENTS_ID, realm="rotating", headers=headers)
    assert not works(keycloak, PAYMENTS, "rotating")
    control(keycloak, "reset")
    control(keycloak, "config", {"rotation_feature": False})
    headers = bearer(keycloak, "rotating", ROTATING_ADMIN)
    admin(keycloak, "POST", "/%s/client-secret" % PAYMENTS_ID, realm="rotating", headers=headers)
    assert not works(keycloak, PAYMENTS, "rotating")


# ---- the framework's controls ------------------------------------------------------------------------------------
def test_tracking_sees_both_secrets_during_rotation(keycloak):
    control(keycloak, "track")
    headers = bearer(keycloak, "rotating", ROTATING_ADMIN)
    value = admin(keycloak, "POST", "/%s/client-secret" % PAYMENTS_ID, realm="rotating", headers=headers).json()["value"]
    timeline = control(keycloak, "track", method="GET")
    assert [(e["credential"], len(e["fingerprints"])) for e in timeline if e["after"] != "start"] == [("rotating/payments-api", 2)]
    assert control(keycloak, "track/verdict", {"known": [value]}) == {"gaps": [], "unrecoverable": [], "changes": 1}
    headers = bearer(keycloak)
    admin(keycloak, "POST", "/%s/client-secret" % ORDERS_ID, headers=headers)
    assert [u["credential"] for u in control(keycloak, "track/verdict", {"known": [value]})["unrecoverable"]] == ["apps/orders-api"]


def test_faults_rate_limit_and_request_log(keycloak):
    headers = bearer(keycloak)
    control(keycloak, "faults", {"method": "POST", "path": "/client-secret$", "after": True, "drop": True})
    with pytest.raises(requests.ConnectionError):
        admin(keycloak, "POST", "/%s/client-secret" % ORDERS_ID, headers=headers)
    assert not works(keycloak, ORDERS)  # applied, though the answer was lost
    control(keycloak, "rate_limit", {"count": 1, "retry_after": 2})
    limited = admin(keycloak, "GET", "", headers=headers)
    assert limited.status_code == 429 and limited.headers["Retry-After"] == "2"
    assert control(keycloak, "requests", method="GET")[-1]["status"] == 429
    missing = requests.get(keycloak.url + "/admin/realms/apps/nothing", headers=headers, timeout=5)
    assert missing.status_code == 404 and missing.json() == {"error": "Unable to find matching target resource method"}


def test_http_relative_path_switch(keycloak):
    control(keycloak, "config", {"http_relative_path": "/auth"})
    assert grant(keycloak, auth=ORDERS).status_code == 404
    assert requests.post(keycloak.url + "/auth/realms/apps/protocol/openid-connect/token", data={"grant_type": "client_credentials"},
                         auth=ORDERS, timeout=5).status_code == 200
