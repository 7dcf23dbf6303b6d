# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The HashiCorp Vault emulator keeps the contract clients rely on: KV v2 versions, check-and-set, ACL policies, routes."""

from __future__ import annotations

import requests

from tests.emulator_fixtures import emulator_fixtures

vault_server, vault = emulator_fixtures("vault")
ROOT = {"X-Vault-Token": "hvs.apiops-test-root-token-00000001"}
NARROW = {"X-Vault-Token": "hvs.apiops-test-narrow-token-000002"}


def call(server, method, path, headers=None, **kwargs):
    return requests.request(method, server.url + "/v1/" + path, headers=headers or ROOT, timeout=5, **kwargs)


def test_versions_and_check_and_set(vault):
    first = call(vault, "POST", "secret/data/apiops/x", json={"data": {"secret": "one"}, "options": {"cas": 0}})
    assert first.status_code == 200 and first.json()["data"]["version"] == 1
    assert first.headers["Content-Type"] == "application/json"
    again = call(vault, "POST", "secret/data/apiops/x", json={"data": {"secret": "two"}, "options": {"cas": 0}})
    assert again.status_code == 400 and again.json() == {"errors": ["check-and-set parameter did not match the current version"]}
    odd = call(vault, "POST", "secret/data/apiops/x", json={"data": {"secret": "two"}, "options": {"cas": "one"}})
    assert odd.status_code == 400 and odd.json() == {"errors": ["error parsing check-and-set parameter"]}
    assert call(vault, "PUT", "secret/data/apiops/x", json={"data": {"secret": "two"}, "options": {"cas": "1"}}).status_code == 200
    assert call(vault, "GET", "secret/data/apiops/x").json()["data"]["data"] == {"secret": "two"}
    assert call(vault, "GET", "secret/data/apiops/x?version=1").json()["data"]["data"] == {"secret": "one"}
    assert call(vault, "GET", "secret/metadata/apiops/x").json()["data"]["current_version"] == 2
    assert call(vault, "GET", "secret/data/apiops/missing").json() == {"errors": []}
    assert call(vault, "POST", "kv-cas/data/y", json={"data": {"a": "b"}}).status_code == 400  # cas_required
    assert call(vault, "DELETE", "secret/metadata/apiops/x").status_code == 204
    assert call(vault, "GET", "secret/data/apiops/x").status_code == 404


def test_patch_delete_undelete_destroy_and_metadata(vault):
    call(vault, "POST", "secret/data/app", json={"data": {"a": "1", "b": "2"}})
    patch = call(vault, "PATCH", "secret/data/app", json={"data": {"b": None, "c": "3"}},
                 headers=dict(ROOT, **{"Content-Type": "application/merge-patch+json"}))
    assert patch.status_code == 200 and patch.json()["data"]["version"] == 2
    assert call(vault, "GET", "secret/data/app").json()["data"]["data"] == {"a": "1", "c": "3"}
    assert call(vault, "PATCH", "secret/data/app", json={"data": {"d": "4"}}).status_code == 415
    assert call(vault, "PATCH", "secret/data/none", json={"data": {"d": "4"}},
                headers=dict(ROOT, **{"Content-Type": "application/merge-patch+json"})).status_code == 404
    assert call(vault, "POST", "secret/delete/app", json={"versions": [2]}).status_code == 204
    deleted = call(vault, "GET", "secret/data/app")
    assert deleted.status_code == 404 and deleted.json()["data"]["metadata"]["deletion_time"]
    call(vault, "POST", "secret/undelete/app", json={"versions": [2]})
    assert call(vault, "GET", "secret/data/app").json()["data"]["data"]["c"] == "3"
    call(vault, "PUT", "secret/destroy/app", json={"versions": [1]})
    assert call(vault, "GET", "secret/data/app?version=1").json()["data"]["metadata"]["destroyed"] is True
    settings = {"max_versions": 2, "cas_required": True, "custom_metadata": {"owner": "team-b"}}
    assert call(vault, "POST", "secret/metadata/app", json=settings).status_code == 204
    meta = call(vault, "GET", "secret/metadata/app").json()["data"]
    assert (meta["max_versions"], meta["cas_required"], meta["custom_metadata"]) == (2, True, {"owner": "team-b"})
    assert call(vault, "POST", "secret/data/app", json={"data": {"a": "5"}}).status_code == 400, "the key requires cas now"
    assert call(vault, "GET", "secret/subkeys/app").json()["data"]["subkeys"] == {"a": None, "c": None}


def test_lists_by_verb_and_by_query(vault):
    for path in ("apiops/uaa/a", "apiops/uaa/b", "apiops/apic/c/d"):
        call(vault, "POST", "secret/data/" + path, json={"data": {"a": "b"}})
    expected = {"data": {"keys": ["apic/", "uaa/"]}}
    assert call(vault, "GET", "secret/metadata/apiops?list=true").json() == expected
    assert call(vault, "LIST", "secret/metadata/apiops/").json() == expected
    assert call(vault, "LIST", "secret/metadata/nothing").status_code == 404


def test_acl_policies_decide_by_capability_and_path(vault):
    assert call(vault, "GET", "secret/data/apiops/x", headers={"X-Vault-Token": "wrong"}).json() == {"errors": ["permission denied"]}
    assert call(vault, "POST", "secret/data/apiops/x", headers=NARROW, json={"data": {"a": "b"}}).status_code == 403
    assert call(vault, "POST", "secret/data/team-b/x", headers=NARROW, json={"data": {"a": "b"}}).status_code == 200
    assert call(vault, "DELETE", "secret/metadata/team-b/x", headers=NARROW).status_code == 204
    # create but not update: a new key may be written, an existing one not (Vault's existence check)
    rules = 'path "secret/data/drop/*" { capabilities = ["create"] }\npath "secret/data/drop/secret" { capabilities = ["deny"] }'
    assert call(vault, "PUT", "sys/policies/acl/drop-box", json={"policy": rules}).status_code == 204
    token = call(vault, "POST", "auth/token/create", json={"policies": ["drop-box"]}).json()["auth"]["client_token"]
    bearer = {"Authorization": "Bearer " + token}
    assert call(vault, "POST", "secret/data/drop/a", headers=bearer, json={"data": {"a": "b"}}).status_code == 200
    assert call(vault, "POST", "secret/data/drop/a", headers=bearer, json={"data": {"a": "c"}}).status_code == 403
    assert call(vault, "GET", "secret/data/drop/a", headers=bearer).status_code == 403
    assert call(vault, "POST", "secret/data/drop/secret", headers=bearer, json={"data": {"a": "c"}}).status_code == 403
    capabilities = call(vault, "POST", "sys/capabilities-self", headers=bearer,
                        json={"paths": ["secret/data/drop/x", "secret/data/drop/secret", "secret/metadata/drop/x"]}).json()
    assert capabilities["data"] == {"secret/data/drop/x": ["create"], "secret/data/drop/secret": ["deny"],
                                    "secret/metadata/drop/x": ["deny"]}
    assert call(vault, "GET", "auth/token/lookup-self", headers=bearer).json()["data"]["policies"] == ["default", "drop-box"]
    bad = call(vault, "PUT", "sys/policies/acl/bad", json={"policy": 'path "a/*" { capabilities = ["fly"] }'})
    assert bad.status_code == 400


def test_routes_mounts_health_and_namespaces(vault):
    unmounted = call(vault, "GET", "secrte/data/apiops/x")
    assert unmounted.status_code == 404 and unmounted.json() == {"errors": ['no handler for route "secrte/data/apiops/x". route entry not found.']}
    assert call(vault, "GET", "secrte/data/team-b/x", headers=NARROW).status_code == 403, "a token without rights: 403"
    mount = call(vault, "GET", "sys/internal/ui/mounts/secret", headers=NARROW).json()["data"]
    assert (mount["type"], mount["options"]["version"]) == ("kv", "2")
    assert call(vault, "GET", "sys/internal/ui/mounts/kv1").json()["data"]["options"]["version"] == "1"
    assert call(vault, "GET", "sys/internal/ui/mounts/kv-cas", headers=NARROW).status_code == 403
    assert call(vault, "GET", "sys/internal/ui/mounts/nothing").status_code == 403
    assert "secret/" in call(vault, "GET", "sys/mounts").json()["data"]
    assert call(vault, "GET", "sys/mounts", headers=NARROW).status_code == 403
    assert requests.get(vault.url + "/v1/sys/health", timeout=5).json()["sealed"] is False
    team = {"X-Vault-Token": "hvs.apiops-test-team-a-token-000003"}
    assert call(vault, "POST", "secret/data/x", headers=dict(team, **{"X-Vault-Namespace": "team-a"}), json={"data": {"a": "b"}}).status_code == 200
    assert call(vault, "GET", "team-a/secret/data/x", headers=team).json()["data"]["data"] == {"a": "b"}, "namespace as a path prefix"
    assert call(vault, "GET", "secret/data/x").status_code == 404  # another namespace, another store
    assert call(vault, "GET", "secret/data/x", headers=dict(team, **{"X-Vault-Namespace": "nope"})).status_code == 403


def test_approle_login_carries_its_policies(vault):
    approle = {"role_id": "3c9e6a31-apiops-rotation-role-0001", "secret_id": "8d7f2b10-apiops-rotation-secret-0001"}
    login = call(vault, "POST", "auth/approle/login", json=approle, headers={}).json()["auth"]
    assert login["token_policies"] == ["apiops-sink", "default"]
    token = {"X-Vault-Token": login["client_token"]}
    assert call(vault, "POST", "secret/data/apiops/z", headers=token, json={"data": {"a": "b"}}).status_code == 200
    assert call(vault, "DELETE", "secret/data/apiops/z", headers=token).status_code == 403, "the sink's policy deletes metadata only"
    assert call(vault, "POST", "secret/data/other/z", headers=token, json={"data": {"a": "b"}}).status_code == 403
    bad = call(vault, "POST", "auth/approle/login", json=dict(approle, secret_id="nope"), headers={})
    assert bad.status_code == 400 and bad.json() == {"errors": ["invalid role or secret ID"]}


def test_a_performance_standby_serves_stale_reads(vault):
    requests.post(vault.url + "/_emulator/config", json={"stale_reads": 1}, timeout=5)
    assert requests.get(vault.url + "/v1/sys/health", timeout=5).status_code == 473
    assert requests.get(vault.url + "/v1/sys/health?perfstandbyok=true", timeout=5).status_code == 200
    call(vault, "POST", "secret/data/s", json={"data": {"v": "1"}})
    assert call(vault, "GET", "secret/data/s").status_code == 404, "the standby has not seen the first version yet"
    assert call(vault, "GET", "secret/data/s").json()["data"]["data"] == {"v": "1"}
    call(vault, "POST", "secret/data/s", json={"data": {"v": "2"}})
    assert call(vault, "GET", "secret/data/s?version=2").status_code == 404
    assert call(vault, "GET", "secret/data/s?version=2").json()["data"]["data"] == {"v": "2"}
    call(vault, "POST", "secret/data/s", json={"data": {"v": "3"}, "options": {"cas": 2}})
    assert call(vault, "GET", "secret/metadata/s").json()["data"]["current_version"] == 2
    assert call(vault, "GET", "secret/metadata/s").json()["data"]["current_version"] == 3
