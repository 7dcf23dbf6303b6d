# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""hvac, HashiCorp's Python client, unmodified, against the Vault emulator: what the sink does, and the ACL."""

from __future__ import annotations

import pytest

from tests.emulator_fixtures import emulator_fixtures

hvac = pytest.importorskip("hvac")
vault_server, vault = emulator_fixtures("vault")
ROOT = "hvs.apiops-test-root-token-00000001"
SINK_POLICY = 'path "secret/data/apiops/*" { capabilities = ["create", "read", "update"] }\n' \
              'path "secret/metadata/apiops/*" { capabilities = ["read", "list", "delete"] }\n'


def client(server, token=ROOT, namespace=None):
    return hvac.Client(url=server.url, token=token, namespace=namespace, timeout=5)


@pytest.mark.filterwarnings("ignore:The raise_on_deleted_version parameter:DeprecationWarning")  # inside hvac's own patch()
def test_kv_v2_as_the_sink_uses_it(vault):
    kv = client(vault).secrets.kv.v2
    assert kv.create_or_update_secret("apiops/uaa/t/app", {"state": "pending"}, cas=0)["data"]["version"] == 1
    with pytest.raises(hvac.exceptions.InvalidRequest, match="check-and-set parameter did not match"):
        kv.create_or_update_secret("apiops/uaa/t/app", {"state": "lost"}, cas=0)
    assert kv.create_or_update_secret("apiops/uaa/t/app", {"state": "complete"}, cas=1)["data"]["version"] == 2
    assert kv.read_secret_version("apiops/uaa/t/app", version=1, raise_on_deleted_version=True)["data"]["data"] == {"state": "pending"}
    assert kv.read_secret_version("apiops/uaa/t/app", raise_on_deleted_version=True)["data"]["metadata"]["version"] == 2
    kv.patch("apiops/uaa/t/app", {"note": "patched"})  # hvac's patch: a read, then a cas write
    assert kv.read_secret_metadata("apiops/uaa/t/app")["data"]["current_version"] == 3
    kv.create_or_update_secret("apiops/uaa/t/app.lock", {"owner": "1 host now"}, cas=0)
    assert kv.list_secrets("apiops/uaa/t")["data"]["keys"] == ["app", "app.lock"]
    kv.delete_metadata_and_all_versions("apiops/uaa/t/app.lock")
    assert kv.list_secrets("apiops/uaa/t")["data"]["keys"] == ["app"]
    kv.delete_latest_version_of_secret("apiops/uaa/t/app")
    deleted = kv.read_secret_version("apiops/uaa/t/app", raise_on_deleted_version=False)
    assert deleted["data"]["metadata"]["deletion_time"] and deleted["data"]["metadata"]["version"] == 3
    kv.undelete_secret_versions("apiops/uaa/t/app", [3])
    assert kv.read_secret_version("apiops/uaa/t/app", raise_on_deleted_version=True)["data"]["data"]["note"] == "patched"
    kv.update_metadata("apiops/uaa/t/app", max_versions=5, custom_metadata={"team": "b"})
    assert kv.read_secret_metadata("apiops/uaa/t/app")["data"]["custom_metadata"] == {"team": "b"}
    with pytest.raises(hvac.exceptions.InvalidPath, match="no handler for route"):
        kv.read_secret_version("x", mount_point="secrte", raise_on_deleted_version=True)


def test_tokens_approle_capabilities_and_acl(vault):
    root = client(vault)
    root.sys.create_or_update_acl_policy("apiops-sink-copy", SINK_POLICY)
    assert "apiops-sink-copy" in root.sys.list_acl_policies()["data"]["keys"]
    token = root.auth.token.create(policies=["apiops-sink-copy"])["auth"]["client_token"]
    sink = client(vault, token)
    assert sink.is_authenticated() and sink.auth.token.lookup_self()["data"]["policies"] == ["apiops-sink-copy", "default"]
    granted = sink.sys.get_capabilities(["secret/data/apiops/x", "secret/metadata/apiops/x", "secret/data/other"])
    assert granted["secret/data/apiops/x"] == ["create", "read", "update"] and granted["secret/data/other"] == ["deny"]
    sink.secrets.kv.v2.create_or_update_secret("apiops/x", {"a": "b"}, cas=0)
    with pytest.raises(hvac.exceptions.Forbidden):
        sink.secrets.kv.v2.create_or_update_secret("other/x", {"a": "b"})
    with pytest.raises(hvac.exceptions.Forbidden):
        sink.secrets.kv.v2.delete_latest_version_of_secret("apiops/x")  # no delete on data/
    assert root.sys.read_health_status(method="GET")["initialized"] is True

    approle = client(vault, token=None)
    approle.auth.approle.login(role_id="3c9e6a31-apiops-rotation-role-0001", secret_id="8d7f2b10-apiops-rotation-secret-0001")
    assert approle.is_authenticated() and "apiops-sink" in approle.auth.token.lookup_self()["data"]["policies"]
    assert approle.secrets.kv.v2.read_secret_version("apiops/x", raise_on_deleted_version=True)["data"]["data"] == {"a": "b"}
    mount = approle.adapter.get("/v1/sys/internal/ui/mounts/secret")["data"]
    assert (mount["type"], mount["options"]["version"]) == ("kv", "2")


def test_namespaces(vault):
    team = client(vault, "hvs.apiops-test-team-a-token-000003", namespace="team-a")
    team.secrets.kv.v2.create_or_update_secret("rotation/x", {"a": "b"})
    assert team.secrets.kv.v2.read_secret_version("rotation/x", raise_on_deleted_version=True)["data"]["data"] == {"a": "b"}
    with pytest.raises(hvac.exceptions.InvalidPath):  # the root namespace has its own store
        client(vault).secrets.kv.v2.read_secret_version("rotation/x", raise_on_deleted_version=True)
    by_path = client(vault, "hvs.apiops-test-team-a-token-000003")
    assert by_path.secrets.kv.v2.read_secret_version("rotation/x", mount_point="team-a/secret",
                                                     raise_on_deleted_version=True)["data"]["data"] == {"a": "b"}
    with pytest.raises(hvac.exceptions.Forbidden):
        client(vault, "hvs.apiops-test-team-a-token-000003").secrets.kv.v2.read_secret_version("rotation/x", raise_on_deleted_version=True)
