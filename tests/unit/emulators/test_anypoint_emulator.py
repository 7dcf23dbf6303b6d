# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Anypoint emulator keeps the contract where the collection's modules do not reach yet (profile, scopes)."""

from __future__ import annotations

import requests

from tests.unit.conftest import control

ORG = "0a14e2fd-1cfe-4310-acbc-54bf93eb8420"
BOT = ("c0ffee00c0ffee00c0ffee00c0ffee01", "R0tat1onB0tSecretValue0000000001")


def bearer(url, **login):
    if login:
        answer = requests.post(url + "/accounts/login", json=login, timeout=5)
    else:
        answer = requests.post(url + "/accounts/api/v2/oauth2/token", timeout=5,
                               data={"grant_type": "client_credentials", "client_id": BOT[0], "client_secret": BOT[1]})
    return {"Authorization": "Bearer " + answer.json()["access_token"]}


def test_profile_needs_a_user_token(anypoint):
    user = bearer(anypoint.url, username="org-admin", password="0rg-Adm1n-Passw0rd-anypoint")
    profile = requests.get(anypoint.url + "/accounts/api/profile", headers=user, timeout=5)
    assert profile.status_code == 200 and profile.json()["username"] == "org-admin"
    app = requests.get(anypoint.url + "/accounts/api/profile", headers=bearer(anypoint.url), timeout=5)
    assert app.status_code == 401 and app.json()["message"] == "Unauthorized. There is no user attached to the token"


def test_connected_app_scopes_are_read_and_replaced_apart_from_the_app(anypoint):
    user = bearer(anypoint.url, username="org-admin", password="0rg-Adm1n-Passw0rd-anypoint")
    url = "%s/accounts/api/organizations/%s/connectedApplications/c0ffee00c0ffee00c0ffee00c0ffee03/scopes" % (anypoint.url, ORG)
    before = requests.get(url, headers=user, timeout=5).json()
    assert before == {"data": [{"scope": "profile", "context_params": {}}], "total": 1}
    wanted = [{"scope": "read:orgenvironments", "context_params": {"org": ORG}}]
    assert requests.put(url, json={"scopes": wanted}, headers=user, timeout=5).status_code == 204
    assert requests.get(url, headers=user, timeout=5).json()["data"][0] == wanted[0]
    assert requests.get(url, headers=bearer(anypoint.url), timeout=5).status_code == 403  # a user's job, as the others


# ---- connected-app scopes as the Access Management spec has them (mulesoft-dx apis/access-management/api.yaml) --------
APP = "c0ffee00c0ffee00c0ffee00c0ffee03"
ENV = "7cc0463b-f7be-418d-8a64-84fbad13ab00"
SCOPE_PATHS = ("/accounts/api/connectedApplications/%s/scopes" % APP,
               "/accounts/api/organizations/%s/connectedApplications/%s/scopes" % (ORG, APP))


def scoped(name, **context):
    return {"scope": name, "context_params": dict({"org": ORG}, **context)}


def scopes_call(anypoint, method, body=None, path=0):
    user = bearer(anypoint.url, username="org-admin", password="0rg-Adm1n-Passw0rd-anypoint")
    return requests.request(method, anypoint.url + SCOPE_PATHS[path], json=body, headers=user, timeout=5)


def granted(anypoint):
    return [s for s in scopes_call(anypoint, "GET").json()["data"] if s["scope"] != "profile"]


def test_scopes_patch_adds_and_delete_removes_exact_matches_on_both_paths(anypoint):
    read, env_read = scoped("read:orgenvironments"), scoped("read:orgenvironments", envId=ENV)
    assert scopes_call(anypoint, "PATCH", {"scopes": [read, env_read]}, path=0).status_code == 204
    assert scopes_call(anypoint, "PATCH", {"scopes": [read]}, path=1).status_code == 204  # duplicates are ignored
    assert granted(anypoint) == [read, env_read]
    assert scopes_call(anypoint, "DELETE", {"scopes": [scoped("read:orgenvironments", envId="other")]}, path=1).status_code == 204
    assert granted(anypoint) == [read, env_read]  # no exact match, nothing removed
    assert scopes_call(anypoint, "DELETE", {"scopes": [env_read]}, path=0).status_code == 204
    assert granted(anypoint) == [read]
    assert scopes_call(anypoint, "PUT", {"scopes": [env_read]}, path=0).status_code == 204
    assert requests.get(anypoint.url + SCOPE_PATHS[1], params={"limit": 501}, timeout=5,
                        headers=bearer(anypoint.url, username="org-admin", password="0rg-Adm1n-Passw0rd-anypoint")).status_code == 400
    assert granted(anypoint) == [env_read]


def test_scope_bodies_are_checked_as_the_spec_says(anypoint):
    read = scoped("read:orgenvironments")
    for method, body in (("PUT", {"scopes": []}), ("PATCH", {"scopes": []}), ("DELETE", {"scopes": []}),
                         ("PUT", {"scopes": [{"scope": "read:orgenvironments"}]}), ("PUT", {"scopes": [read], "extra": 1}),
                         ("PUT", {"scopes": [read], "scopesToDelete": [read]}), ("PATCH", {"scopesToDelete": [read]}),
                         ("PUT", {"scopes": [scoped("read:orgenvironments", envId=ENV, extra="x")]}),
                         ("PUT", {"scopes": [{"scope": "", "context_params": {}}]})):
        answer = scopes_call(anypoint, method, body)
        assert answer.status_code == 400 and answer.json()["status"] == 400, (method, body)
    many = scoped("read:orgenvironments", envId=ENV, a="1", b="2", c="3", d="4", e="5")
    assert scopes_call(anypoint, "PATCH", {"scopes": [many]}).status_code == 204  # PATCH allows 7 context params
    assert granted(anypoint) == [many]


def test_switch_empty_scope_list_accept(anypoint):
    control(anypoint, "config", {"empty_scope_list": "accept"})
    read = scoped("read:orgenvironments")
    scopes_call(anypoint, "PUT", {"scopes": [read]})
    assert scopes_call(anypoint, "PATCH", {"scopes": []}).status_code == 204
    assert scopes_call(anypoint, "DELETE", {"scopes": []}).status_code == 204
    assert granted(anypoint) == [read]
    assert scopes_call(anypoint, "PUT", {"scopes": []}).status_code == 204
    assert scopes_call(anypoint, "GET").json() == {"data": [{"scope": "profile", "context_params": {}}], "total": 1}


def test_switch_patch_scopes_to_delete(anypoint):
    read, admin = scoped("read:orgenvironments"), scoped("admin:orgclients")
    scopes_call(anypoint, "PUT", {"scopes": [read]})
    assert scopes_call(anypoint, "PATCH", {"scopes": [admin], "scopesToDelete": [read]}).status_code == 204
    assert granted(anypoint) == [admin]
    control(anypoint, "config", {"patch_scopes_to_delete": "ignored"})
    assert scopes_call(anypoint, "PATCH", {"scopes": [read], "scopesToDelete": [admin]}).status_code == 204
    assert granted(anypoint) == [admin, read]
