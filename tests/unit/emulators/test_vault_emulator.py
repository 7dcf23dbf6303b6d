# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The HashiCorp Vault emulator keeps the KV v2 contract the sink relies on: versions, check-and-set, 403, AppRole."""

from __future__ import annotations

import requests

from tests.emulator_fixtures import emulator_fixtures

vault_server, vault = emulator_fixtures("vault")
ROOT = {"X-Vault-Token": "hvs.apiops-test-root-token-00000001"}


def call(server, method, path, headers=None, **kwargs):
    return requests.request(method, server.url + "/v1/" + path, headers=headers or ROOT, timeout=5, **kwargs)


def test_versions_and_check_and_set(vault):
    first = call(vault, "POST", "secret/data/apiops/x", json={"data": {"secret": "one"}, "options": {"cas": 0}})
    assert first.status_code == 200 and first.json()["data"]["version"] == 1
    again = call(vault, "POST", "secret/data/apiops/x", json={"data": {"secret": "two"}, "options": {"cas": 0}})
    assert again.status_code == 400 and again.json() == {"errors": ["check-and-set parameter did not match the current version"]}
    assert call(vault, "POST", "secret/data/apiops/x", json={"data": {"secret": "two"}, "options": {"cas": 1}}).status_code == 200
    assert call(vault, "GET", "secret/data/apiops/x").json()["data"]["data"] == {"secret": "two"}
    assert call(vault, "GET", "secret/data/apiops/x?version=1").json()["data"]["data"] == {"secret": "one"}
    assert call(vault, "GET", "secret/metadata/apiops/x").json()["data"]["current_version"] == 2
    assert call(vault, "GET", "secret/data/apiops/missing").status_code == 404
    assert call(vault, "POST", "kv-cas/data/y", json={"data": {"a": "b"}}).status_code == 400  # cas_required
    assert call(vault, "DELETE", "secret/metadata/apiops/x").status_code == 204
    assert call(vault, "GET", "secret/data/apiops/x").status_code == 404


def test_tokens_policies_namespaces_and_approle(vault):
    assert call(vault, "GET", "secret/data/apiops/x", headers={"X-Vault-Token": "wrong"}).status_code == 403
    narrow = {"X-Vault-Token": "hvs.apiops-test-narrow-token-000002"}
    assert call(vault, "POST", "secret/data/apiops/x", headers=narrow, json={"data": {"a": "b"}}).status_code == 403
    assert call(vault, "POST", "secret/data/team-b/x", headers=narrow, json={"data": {"a": "b"}}).status_code == 200
    team = {"X-Vault-Token": "hvs.apiops-test-team-a-token-000003", "X-Vault-Namespace": "team-a"}
    assert call(vault, "POST", "secret/data/x", headers=team, json={"data": {"a": "b"}}).status_code == 200
    assert call(vault, "GET", "secret/data/x").status_code == 404  # another namespace, another store
    approle = {"role_id": "3c9e6a31-apiops-rotation-role-0001", "secret_id": "8d7f2b10-apiops-rotation-secret-0001"}
    login = call(vault, "POST", "auth/approle/login", json=approle)
    token = {"X-Vault-Token": login.json()["auth"]["client_token"]}
    assert call(vault, "POST", "secret/data/apiops/z", headers=token, json={"data": {"a": "b"}}).status_code == 200
    bad = call(vault, "POST", "auth/approle/login", json={"role_id": "3c9e6a31-apiops-rotation-role-0001", "secret_id": "nope"})
    assert bad.status_code == 400
