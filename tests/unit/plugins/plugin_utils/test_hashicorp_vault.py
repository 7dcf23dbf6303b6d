# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The HashiCorp Vault sink against the Vault emulator: the journal interface, check-and-set, locks, clear errors."""

from __future__ import annotations

import pytest
import requests

from ansible.errors import AnsibleActionFail

from ansible_collections.apiops.credentials.plugins.plugin_utils._hashicorp_vault import KvRecords, settings_problem
from tests.emulator_fixtures import emulator_fixtures
from tests.unit.plugins.plugin_utils.sink_checks import (
    keys_list_every_record_and_no_lock,
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
