# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Secret tracking: the emulators record every moment a credential had no working secret, or none that is known."""

from __future__ import annotations

import requests

from tests.unit.conftest import UAA_ADMIN, control
from tests.unit.emulators.test_anypoint_emulator import bearer

ORG = "0a14e2fd-1cfe-4310-acbc-54bf93eb8420"
SANDBOX = "8f82828ca6c2405ba04bb85a596a18ff"


def test_a_secret_nobody_knows_is_unrecoverable_until_it_is_known(anypoint):
    control(anypoint, "track")
    admin = bearer(anypoint.url, username="org-admin", password="0rg-Adm1n-Passw0rd-anypoint")
    answer = requests.patch("%s/accounts/api/organizations/%s/clients/%s?resetSecret=true" % (anypoint.url, ORG, SANDBOX),
                            headers=admin, json={}, timeout=5)
    assert answer.status_code == 200
    new = requests.get("%s/accounts/api/organizations/%s/clients/%s" % (anypoint.url, ORG, SANDBOX), headers=admin,
                       timeout=5).json()["client_secret"]
    verdict = control(anypoint, "track/verdict", {"known": []})
    assert verdict["gaps"] == [] and [lost["credential"] for lost in verdict["unrecoverable"]] == ["client-" + SANDBOX]
    assert "resetSecret" not in str(verdict) and new not in str(control(anypoint, "track", method="GET"))
    assert control(anypoint, "track/verdict", {"known": [new]})["unrecoverable"] == []


def test_a_client_left_without_a_secret_is_a_gap(uaa):
    control(uaa, "track")
    token = requests.post(uaa.url + "/oauth/token", data={"grant_type": "client_credentials"}, timeout=5,
                          auth=(UAA_ADMIN["uaa_auth_client_id"], UAA_ADMIN["uaa_auth_client_secret"])).json()["access_token"]
    changed = requests.put(uaa.url + "/oauth/clients/billing-service/secret", json={"clientId": "billing-service", "changeMode": "ADD",
                           "secret": "a-second-secret-0001"}, headers={"Authorization": "Bearer " + token}, timeout=5)
    assert changed.status_code == 200
    verdict = control(uaa, "track/verdict", {"known": ["b1lling-S3cret-seed-91e2d7"]})
    assert verdict["gaps"] == [] and verdict["unrecoverable"] == [] and verdict["changes"] == 1  # one known secret still works
    deleted = requests.delete(uaa.url + "/oauth/clients/billing-service", headers={"Authorization": "Bearer " + token}, timeout=5)
    assert deleted.status_code == 200
    verdict = control(uaa, "track/verdict", {"known": ["b1lling-S3cret-seed-91e2d7"]})
    assert [(gap["credential"], gap["after"]) for gap in verdict["gaps"]] == [("uaa/billing-service", "DELETE /oauth/clients/billing-service")]
