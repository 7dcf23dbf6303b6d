# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The HashiCorp Vault sink against the Vault emulator: the journal interface, check-and-set, locks, clear errors."""

from __future__ import annotations

import os
import re

import pytest
import requests

from ansible.errors import AnsibleActionFail

from ansible_collections.apiops.credentials.plugins.plugin_utils._hashicorp_vault import KvRecords, settings_problem
from tests.emulator_fixtures import emulator_fixtures
from tests.unit.plugins.plugin_utils.sink_checks import (
    keys_list_every_record_and_no_lock,
    leases_expire_renew_and_break,
    locks_hold_and_dead_ones_are_taken_over,
    rotate_once,
)

vault_server, vault = emulator_fixtures("vault")
TOKEN = "hvs.apiops-test-root-token-00000001"


def settings(server, **extra):
    base = {"url": server.url, "token": TOKEN, "role_id": None, "secret_id": None, "namespace": None, "mount": "secret",
            "path": "apiops/{platform}/{target}", "ca_path": None, "validate_certs": True}
    base.update(extra)
    return base


def test_the_journal_interface_writes_check_and_set_and_reads_back(vault):
    store = KvRecords(settings(vault), "uaa", "uaa-prod", retries=0)
    assert store.get("uaa/app") == {} and store.path == "HashiCorp Vault secret/apiops/uaa/uaa-prod"
    store.put("uaa/app", {"pending_secret": "S3cret-pending-0001", "state": "pending"})
    assert store.durable("uaa/app")["state"] == "pending"
    store.put("uaa/app", {"secret": "S3cret-pending-0001", "state": "complete"}, wait=False)
    assert store.get("uaa/app")["state"] == "complete" and store.durable("uaa/app")["state"] == "pending"
    store.flush("uaa/app")
    assert store.durable("uaa/app")["state"] == "complete" and store.writes == 2

    # another writer in between: nothing is overwritten, and the message says what to do
    other = KvRecords(settings(vault), "uaa", "uaa-prod", retries=0)
    other.put("uaa/app", dict(other.current("uaa/app"), note="changed elsewhere"))
    with pytest.raises(AnsibleActionFail, match="another writer changed secret/apiops/uaa/uaa-prod/uaa/app"):
        store.put("uaa/app", {"secret": "S3cret-lost-0002"})
    assert store.current("uaa/app")["note"] == "changed elsewhere"


def test_the_engine_runs_on_vault(vault):
    rotate_once(KvRecords(settings(vault), "memory", "t", retries=0))
    history = requests.get(vault.url + "/v1/secret/metadata/apiops/memory/t/zone/a", headers={"X-Vault-Token": TOKEN}, timeout=5)
    assert history.json()["data"]["current_version"] == 2  # pending, then the outcome


def test_a_live_lock_is_waited_for_and_a_dead_ones_taken_over(vault):
    locks_hold_and_dead_ones_are_taken_over(
        KvRecords(settings(vault), "uaa", "t", retries=0), KvRecords(settings(vault), "uaa", "t", retries=0),
        lambda owner: requests.post(vault.url + "/v1/secret/data/apiops/uaa/t/uaa/app.lock", headers={"X-Vault-Token": TOKEN},
                                    timeout=5, json={"data": {"owner": owner}, "options": {"cas": 0}}))


@pytest.mark.parametrize("changes, words", [
    ({"url": None}, "hashicorp_vault.url is not set (or VAULT_ADDR)"),
    ({"url": "vault.example.com"}, "no http:// or https:// scheme"),
    ({"token": None}, "give token (or VAULT_TOKEN), or role_id and secret_id"),
    ({"path": "apiops/{team}"}, "may use only {platform} and {target}"),
])
def test_bad_settings_get_one_message(vault, changes, words):
    assert words in settings_problem(settings(vault, **changes))


def test_refusals_name_the_fix_and_no_secret(vault):
    refused = KvRecords(settings(vault, token="hvs.wrong-token-0000"), "uaa", "t", retries=0)
    with pytest.raises(AnsibleActionFail, match="refused access to secret/apiops/uaa/t \\(403\\)") as caught:
        refused.get("uaa/app")
    assert "hvs.wrong" not in str(caught.value)
    approle = KvRecords(settings(vault, token=None, role_id="3c9e6a31-apiops-rotation-role-0001", secret_id="wrong-secret-id"),
                        "uaa", "t", retries=0)
    with pytest.raises(AnsibleActionFail, match="refused the AppRole login") as caught:
        approle.get("uaa/app")
    assert "wrong-secret-id" not in str(caught.value)
    namespace = KvRecords(settings(vault, namespace="no-such-team"), "uaa", "t", retries=0)
    with pytest.raises(AnsibleActionFail, match="hashicorp_vault.namespace"):
        namespace.get("uaa/app")


def test_keys_list_every_record_and_no_lock(vault):
    keys_list_every_record_and_no_lock(KvRecords(settings(vault), "apic", "sandbox", retries=0))


# ---- the minimum policy of the README, proven before any platform is touched ------------------------------------------
README = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "README.md")
DATA_ONLY = 'path "secret/data/apiops/*" {\n  capabilities = ["create", "read", "update", "delete", "list"]\n}\n'


def readme_policy():
    """The HCL block of the README's HashiCorp Vault section: the policy users are told to write."""
    with open(README, encoding="utf-8") as handle:
        text = handle.read()
    section = text[text.index("**HashiCorp Vault (KV version 2).**"):]
    return re.search(r"```hcl\n(.*?)```", section, re.S).group(1)


def token_with(server, policy):
    """A token carrying only ``policy`` (and Vault's default policy), made through Vault's own API."""
    requests.put(server.url + "/v1/sys/policies/acl/under-test", json={"policy": policy}, headers={"X-Vault-Token": TOKEN},
                 timeout=5).raise_for_status()
    created = requests.post(server.url + "/v1/auth/token/create", json={"policies": ["under-test"]}, headers={"X-Vault-Token": TOKEN},
                            timeout=5)
    return created.json()["auth"]["client_token"]


def changes(server):
    """Every request of the log that could change Vault (the capability query is a read sent as POST)."""
    return [(entry["method"], entry["path"]) for entry in requests.get(server.url + "/_emulator/requests", timeout=5).json()
            if entry["method"] not in ("GET", "LIST") and entry["path"] not in ("/v1/sys/capabilities-self", "/v1/auth/token/create")
            and not entry["path"].startswith("/v1/sys/policies/")]


def test_the_readme_policy_passes_preflight_and_a_whole_cycle(vault):
    token = token_with(vault, readme_policy())
    store = KvRecords(settings(vault, token=token), "apic", "sandbox", retries=0)
    store.preflight(["corg/app/cred", "zone/a"], write=True)
    store.preflight(["corg/app/cred"], write=False)
    keys_list_every_record_and_no_lock(store)  # writes, a lock held and released, listings
    rotate_once(KvRecords(settings(vault, token=token), "memory", "t", retries=0))


def test_a_data_only_policy_fails_preflight_naming_metadata_and_writes_nothing(vault):
    store = KvRecords(settings(vault, token=token_with(vault, DATA_ONLY)), "uaa", "uaa-prod", retries=0)
    with pytest.raises(AnsibleActionFail) as caught:
        store.preflight(["uaa/app", "uaa/other"], write=True)
    message = str(caught.value)
    assert "lacks list on secret/metadata/apiops/uaa/uaa-prod/ (and 4 more paths)" in message
    assert 'path "secret/metadata/apiops/uaa/uaa-prod/*" with read, list and delete' in message and "README" in message
    assert changes(vault) == [], "nothing was written"
    # Why it is checked first: without it, the lock could be taken but never released (its metadata cannot be deleted).
    with pytest.raises(AnsibleActionFail, match="refused access"):
        with store.lock("uaa/app", timeout=1):
            pass
    left = requests.get(vault.url + "/v1/secret/data/apiops/uaa/uaa-prod/uaa/app.lock", headers={"X-Vault-Token": TOKEN}, timeout=5)
    assert left.status_code == 200, "the stale lock the preflight prevents"
    dry = KvRecords(settings(vault, token=token_with(vault, DATA_ONLY)), "uaa", "t", retries=0)
    with pytest.raises(AnsibleActionFail, match=re.escape("lacks list on secret/metadata/apiops/uaa/t/ (and 1 more paths)")):
        dry.preflight(["uaa/app"], write=False)  # a dry run lists and reads metadata too


@pytest.mark.parametrize("mount, token, words", [
    # Vault answers sys/internal/ui/mounts for an unmounted path with 403, to any token, so mounts cannot be probed.
    ("secrte", TOKEN, "no mount hashicorp_vault.mount 'secrte' this token may use: nothing is mounted there"),
    ("secrte", None, "no mount hashicorp_vault.mount 'secrte' this token may use: nothing is mounted there"),
    ("kv1", TOKEN, "hashicorp_vault.mount 'kv1' is a kv secrets engine version 1, not KV version 2"),
])
def test_an_unmounted_or_old_mount_is_named(vault, mount, token, words):
    store = KvRecords(settings(vault, mount=mount, token=token or token_with(vault, readme_policy())), "uaa", "t", retries=0)
    with pytest.raises(AnsibleActionFail, match=re.escape(words)):
        store.preflight(["uaa/app"], write=True)
    assert changes(vault) == []


def test_no_handler_for_route_is_a_wrong_mount_never_no_record(vault):
    store = KvRecords(settings(vault, mount="secrte"), "uaa", "t", retries=0)
    for action in (lambda: store.get("uaa/app"), store.keys, lambda: store.put("uaa/app", {"state": "pending"})):
        with pytest.raises(AnsibleActionFail, match="no secrets engine mounted at hashicorp_vault.mount 'secrte'"):
            action()


def test_stale_standby_reads_wait_for_the_written_version(vault):
    requests.post(vault.url + "/_emulator/config", json={"stale_reads": 2}, timeout=5)
    store = KvRecords(settings(vault), "uaa", "t", retries=0)
    assert store.get("uaa/app") == {}
    store.put("uaa/app", {"state": "pending"})
    store.put("uaa/app", {"state": "complete"})
    assert store.durable("uaa/app") == {"state": "complete"} and store.versions["uaa/app"] == 2
    reads = [e for e in requests.get(vault.url + "/_emulator/requests", timeout=5).json() if e["method"] == "GET" and "/data/" in e["path"]]
    assert [e["query"].get("version") for e in reads[-3:]] == [["2"]] * 3 and [e["status"] for e in reads[-3:]] == [404, 404, 200]
    store.put("uaa/app", {"state": "rolled_back"})
    # a stale newest version right after the write is not taken as the record
    requests.post(vault.url + "/_emulator/config", json={"stale_reads": 2}, timeout=5)
    assert store.current("uaa/app") == {"state": "rolled_back"}
    requests.post(vault.url + "/_emulator/config", json={"stale_reads": 1000}, timeout=5)
    stuck = KvRecords(settings(vault), "uaa", "t", retries=0)
    stuck.stale_wait = 0.3
    stuck.get("uaa/app")  # reads the standby's version: this run knows of no newer one
    with pytest.raises(AnsibleActionFail, match="performance standby that has not caught up"):
        stuck.put("uaa/app", dict(stuck.current("uaa/app"), note="x"))


def fault(server, **spec):
    requests.post(server.url + "/_emulator/faults", json=dict({"method": "POST", "path": "^/v1/secret/data/"}, **spec), timeout=5)


def test_writes_applied_late_are_proven_by_version_never_assumed(vault):
    fault(vault, delay=0.6, count=20)  # every write: the answer comes after the client gave up, the write lands late
    store = KvRecords(settings(vault), "uaa", "t", timeout=0.3, retries=0, settle=2.0)
    with store.lock("uaa/app", timeout=5) as held:
        assert held
        store.put("uaa/app", {"state": "pending"})
    assert store.durable("uaa/app") == {"state": "pending"} and store.versions["uaa/app"] == 1
    assert [m for m, p in changes(vault) if p.endswith("/uaa/app")] == ["POST"], "settled by reading, not by sending again"

    requests.delete(vault.url + "/_emulator/faults", timeout=5)
    fault(vault, drop=True, count=20)  # the connection drops and the write never happens
    lost = KvRecords(settings(vault), "uaa", "t", timeout=0.3, retries=1, settle=0.3)
    lost.get("uaa/app")
    with pytest.raises(AnsibleActionFail, match="not proven written, so the run does not go on"):
        lost.put("uaa/app", {"state": "complete"})
    assert lost.durable("uaa/app") == {"state": "pending"} and lost.versions["uaa/app"] == 1, "nothing assumed"


def test_leases_expire_renew_and_break(vault, monkeypatch):
    leases_expire_renew_and_break(
        KvRecords(settings(vault), "uaa", "t", retries=0), KvRecords(settings(vault), "uaa", "t", retries=0),
        lambda owner: requests.post(vault.url + "/v1/secret/data/apiops/uaa/t/uaa/app.lock", headers={"X-Vault-Token": TOKEN},
                                    timeout=5, json={"data": {"owner": owner}, "options": {"cas": 0}}), monkeypatch)
