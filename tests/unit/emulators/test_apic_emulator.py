# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The API Connect v10 emulator keeps the platform's contract, and the published sample script runs against it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import requests

from tests.bench.seed_script import for_emulator, seeds_dir
from tests.unit.conftest import APIC_LOGIN, control

# The token request body for the seed's provider user.
LOGIN = {"grant_type": "password", "realm": "provider/default-idp-2", **{key[5:]: APIC_LOGIN[key] for key in (
    "apic_username", "apic_password", "apic_client_id", "apic_client_secret")}}


def token(url, **changes):
    return requests.post(url + "/api/token", json=dict(LOGIN, **changes), timeout=5)


def get(url, path, bearer, **params):
    return requests.get(url + "/api" + path, headers={"Authorization": "Bearer " + bearer}, params=params, timeout=5)


def test_token_and_error_shape(apic):
    good = token(apic.url)
    assert good.status_code == 200 and good.json()["token_type"] == "Bearer" and good.json()["expires_in"] == 28800
    bad = token(apic.url, password="wrong")
    assert bad.status_code == 401 and bad.json()["status"] == 401 and isinstance(bad.json()["message"], list)


def test_lists_page_project_and_expand(apic):
    bearer = token(apic.url).json()["access_token"]
    corgs = get(apic.url, "/catalogs/acme/sandbox/consumer-orgs", bearer, fields="name,owner", expand="owner").json()
    assert corgs["total_results"] == 2 and corgs["results"][0] == {
        "name": "TestCOrg", "owner": corgs["results"][0]["owner"]} and corgs["results"][0]["owner"]["email"] == "corguser1@example.com"
    page = get(apic.url, "/catalogs/acme/sandbox/credentials", bearer, limit=4, offset=8).json()
    assert page["total_results"] == 9 and len(page["results"]) == 1
    cred = get(apic.url, "/catalogs/acme/sandbox/credentials", bearer, limit=1).json()["results"][0]
    assert "client_secret" not in cred and len(cred["client_secret_hashed"]) == 44
    assert cred["url"].startswith(apic.url + "/api/apps/") and "/credentials/" in cred["url"]
    by_id = requests.get(cred["url"], headers={"Authorization": "Bearer " + bearer}, timeout=5)
    assert by_id.json()["name"] == cred["name"]


def test_conflicts_and_hashed_secrets(apic):
    bearer = token(apic.url).json()["access_token"]
    headers = {"Authorization": "Bearer " + bearer}
    base = apic.url + "/api/apps/acme/sandbox/TestCOrg/fresh-app/credentials"
    dup = requests.post(base, json={"name": "credential-for-fresh-app"}, headers=headers, timeout=5)
    assert dup.status_code == 409
    dup_id = requests.post(base, json={"name": "x", "client_id": "2a1b3c4d5e6f7a8b9c0d1e2f3a4b5c6d"}, headers=headers, timeout=5)
    assert dup_id.status_code == 409 and "already exists in catalog" in dup_id.json()["message"][0]
    created = requests.post(base, json={"name": "y"}, headers=headers, timeout=5)
    assert created.status_code == 201 and len(created.json()["client_secret"]) == 32
    hashed = requests.patch(base + "/y", json={"client_secret_hashed": "xXi44i8ZbkOXutfgPcG+fw28IYlkY/OD6mPPsxEBeSE="},
                            headers=headers, timeout=5)
    assert hashed.status_code == 400
    verify = requests.post(base + "/y/verify-client-secret", json={"client_secret": "nope"}, headers=headers, timeout=5)
    assert verify.status_code == 400


@pytest.mark.skipif(not os.path.isdir(seeds_dir()), reason="the procedure write-ups (shared/seeds) are not here")
def test_the_published_sample_script_runs_unchanged_but_for_its_configuration(apic, tmp_path):
    source = for_emulator(apic.url, "acme", "sandbox", LOGIN["username"], LOGIN["password"], LOGIN["client_id"],
                          LOGIN["client_secret"], str(tmp_path))
    completed = subprocess.run([sys.executable, "-c", source], capture_output=True, text=True, check=False, timeout=60)
    assert completed.returncode == 0, completed.stdout + completed.stderr
    state = control(apic, "state", method="GET")["acme"]["sandbox"]["consumer_orgs"]
    assert sorted(state["TestCOrg"]["apps"]["expired-app"]["credentials"]) == ["credential-for-expired-app", "credential-for-expired-app_new"]
    assert sorted(state["TestCOrg"]["apps"]["retire-app"]["credentials"]) == ["credential-for-retire-app"]
    assert sorted(os.listdir(tmp_path)) == ["expired-app_credential-for-expired-app.json", "partner-app_credential-for-partner-app.json"]


def test_deleting_an_app_takes_its_credentials(apic):
    bearer = token(apic.url).json()["access_token"]
    before = get(apic.url, "/catalogs/acme/sandbox/credentials", bearer).json()["total_results"]
    app_creds = get(apic.url, "/apps/acme/sandbox/TestCOrg/fresh-app/credentials", bearer).json()["total_results"]
    gone = requests.delete(apic.url + "/api/apps/acme/sandbox/TestCOrg/fresh-app", headers={"Authorization": "Bearer " + bearer},
                           timeout=5)
    assert gone.status_code == 200 and gone.json()["name"] == "fresh-app"
    assert get(apic.url, "/apps/acme/sandbox/TestCOrg/fresh-app", bearer).status_code == 404
    assert get(apic.url, "/catalogs/acme/sandbox/credentials", bearer).json()["total_results"] == before - app_creds
