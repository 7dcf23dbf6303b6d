# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Anypoint emulator keeps the contract where the collection's modules do not reach yet (profile, scopes)."""

from __future__ import annotations

import requests

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
