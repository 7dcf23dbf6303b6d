# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The rotation playbooks with HashiCorp Vault (KV v2) as the sink, against the Vault emulator."""

from __future__ import annotations

import json

import requests

from tests.emulator_fixtures import emulator_fixtures, reset
from tests.system.test_anypoint_rotation import inventory as anypoint_inventory
from tests.system.test_leaks import assert_no_leak

vault_server, _vault = emulator_fixtures("vault")
ROOT_TOKEN = "hvs.apiops-test-root-token-00000001"
APPROLE = {"VAULT_ROLE_ID": "3c9e6a31-apiops-rotation-role-0001", "VAULT_SECRET_ID": "8d7f2b10-apiops-rotation-secret-0001"}
BILLING = ("billing-service", "b1lling-S3cret-seed-91e2d7")


def kv(server, path, version=None, token=ROOT_TOKEN):
    answer = requests.get("%s/v1/secret/data/%s" % (server.url, path), headers={"X-Vault-Token": token}, timeout=5,
                          params={"version": version} if version else None)
    return answer.json()["data"] if answer.status_code == 200 else None


def vault_writes(server):
    return [entry for entry in requests.get(server.url + "/_emulator/requests", timeout=5).json()
            if entry["method"] != "GET" and not entry["path"].endswith(("/login", "/sys/capabilities-self"))]  # reads sent as POST


def no_secret_leaked(workspace, server):
    """No secret Vault or a platform ever held, nor an input (the Vault token, the AppRole), in an output or a file."""
    assert_no_leak(workspace, extra=set(requests.get(server.url + "/_emulator/secrets", timeout=5).json()) | set(APPROLE.values()))


def test_uaa_rotation_journals_and_delivers_to_vault(workspace, vault_server):
    vault = reset(vault_server)
    # The owners are told, and the notice's mark comes and goes in Vault's record as in the file sink's.
    workspace.inventory([{"client_id": BILLING[0], "current_secret": BILLING[1]}, {"client_id": "reports-service"}],
                        uaa_secret_rotation_sink="hashicorp_vault", uaa_secret_rotation_max_age_days=0,
                        uaa_secret_rotation_hashicorp_vault={"url": vault.url, "token": ROOT_TOKEN},
                        uaa_smtp={"host": "127.0.0.1", "port": workspace.smtp_port, "sender": "rotation@example.org"},
                        uaa_owner_email="platform-team@example.org")
    plan = workspace.play("uaa_rotate.yml", check=True)
    assert plan.rc == 0, plan.output[-3000:]
    assert vault_writes(vault) == [], "a dry run writes nothing, not even a lock"

    # reports-service has no secret anywhere yet: strategy admin rotates it without one
    run = workspace.play("uaa_rotate.yml")
    assert run.rc == 0, run.output[-3000:]
    record = kv(vault, "apiops/uaa/uaa-test/uaa/billing-service")
    assert record["data"]["state"] == "complete" and record["data"]["previous_secret"] == BILLING[1]
    assert workspace.token_works(BILLING[0], record["data"]["secret"]) and not workspace.token_works(*BILLING)
    assert record["metadata"]["version"] >= 2, "the journal wrote pending first, then the outcome"
    first = kv(vault, "apiops/uaa/uaa-test/uaa/billing-service", version=1)["data"]
    assert first["state"] == "pending" and first["pending_secret"] == record["data"]["secret"], \
        "the new secret was in Vault before UAA was touched"
    assert kv(vault, "apiops/uaa/uaa-test/uaa/billing-service.lock") is None, "the lock is gone after the run"
    mail = workspace.control("mail", method="GET", platform="apic")
    assert [m["to"] for m in mail] == [["platform-team@example.org"]], mail
    assert "billing-service" in mail[0]["body"] and "reports-service" in mail[0]["body"]
    assert record["data"]["notified_at"] and "notice_due" not in record["data"]

    # AppRole from the environment (as an AWX credential injects it); nothing is due, so nothing changes
    workspace.inventory([{"client_id": BILLING[0]}, {"client_id": "reports-service"}], uaa_secret_rotation_sink="hashicorp_vault",
                        uaa_secret_rotation_hashicorp_vault={"url": vault.url})
    workspace.env.update(APPROLE)
    again = workspace.play("uaa_rotate.yml")
    assert again.rc == 0 and again.recap("uaa-test")["changed"] == 0, again.output[-3000:]

    # Roll back from Vault: the secret before is back and recorded, the rotated one is rejected. (reports-service was
    # rotated without its old secret, so it has none to go back to.)
    workspace.inventory([{"client_id": BILLING[0]}], uaa_secret_rotation_sink="hashicorp_vault",
                        uaa_secret_rotation_hashicorp_vault={"url": vault.url})
    back = workspace.play("uaa_rollback.yml")
    assert back.rc == 0, back.output[-3000:]
    rolled = kv(vault, "apiops/uaa/uaa-test/uaa/billing-service")["data"]
    assert rolled["state"] == "rolled_back" and rolled["secret"] == BILLING[1]
    assert workspace.token_works(*BILLING) and not workspace.token_works(BILLING[0], record["data"]["secret"])
    no_secret_leaked(workspace, vault)


def test_a_refused_vault_stops_before_the_platform_is_touched(workspace, vault_server):
    vault = reset(vault_server)
    workspace.inventory([{"client_id": BILLING[0], "current_secret": BILLING[1]}], uaa_secret_rotation_sink="hashicorp_vault",
                        uaa_secret_rotation_hashicorp_vault={"url": vault.url, "token": "hvs.not-a-token-of-this-vault"})
    workspace.control("requests", method="DELETE")
    run = workspace.play("uaa_rotate.yml")
    assert run.rc != 0 and "HashiCorp Vault refused access" in run.output and "Traceback" not in run.output, run.output[-3000:]
    assert [e for e in workspace.control("requests", method="GET") if e["method"] == "PUT"] == [], "UAA was not changed"
    assert workspace.token_works(*BILLING)
    missing = workspace.inventory([{"client_id": BILLING[0]}], uaa_secret_rotation_sink="hashicorp_vault")
    assert missing
    no_url = workspace.play("uaa_rotate.yml")
    assert no_url.rc != 0 and "hashicorp_vault.url is not set (or VAULT_ADDR)" in no_url.output, no_url.output[-2000:]


def test_anypoint_rotation_with_vault_and_a_namespace(workspace, vault_server):
    vault = reset(vault_server)
    anypoint_inventory(workspace, [{"environment": "Sandbox"}], anypoint_secret_rotation_sink="hashicorp_vault",
                       anypoint_secret_rotation_hashicorp_vault={"url": vault.url, "token": "hvs.apiops-test-team-a-token-000003",
                                                                 "namespace": "team-a", "path": "rotation/{platform}/{target}"})
    run = workspace.play("anypoint_rotate.yml")
    assert run.rc == 0, run.output[-3000:]
    answer = requests.get(vault.url + "/v1/secret/data/rotation/anypoint/acme/root/environment-Sandbox", timeout=5,
                          headers={"X-Vault-Token": "hvs.apiops-test-team-a-token-000003", "X-Vault-Namespace": "team-a"})
    record = answer.json()["data"]["data"]
    valid = workspace.control("token_for", {"client_id": "8f82828ca6c2405ba04bb85a596a18ff", "client_secret": record["secret"]},
                              platform="anypoint")
    assert record["state"] == "complete" and valid["valid"], json.dumps({k: v for k, v in record.items() if "secret" not in k})
    again = workspace.play("anypoint_rotate.yml")
    assert again.rc == 0 and again.recap("acme")["changed"] == 0
    no_secret_leaked(workspace, vault)


def test_an_awx_job_with_the_vault_credential_type_and_an_approle(workspace, vault_server):
    vault = reset(vault_server)
    workspace.inventory([{"client_id": BILLING[0], "current_secret": BILLING[1]}], uaa_secret_rotation_sink="hashicorp_vault")
    inputs = {"url": vault.url, "token": "", "role_id": APPROLE["VAULT_ROLE_ID"], "secret_id": APPROLE["VAULT_SECRET_ID"],
              "vault_namespace": "", "ca_cert": ""}
    run = workspace.job("uaa_rotate.yml", verbosity=3, credential=("hashicorp_vault_sink", inputs))
    assert run.rc == 0, run.output[-3000:]
    record = kv(vault, "apiops/uaa/uaa-test/uaa/billing-service")["data"]
    assert record["state"] == "complete" and workspace.token_works(BILLING[0], record["secret"])
    # What AWX keeps of a job: its stdout and its events (runner's own artifacts hold the job's environment).
    known = {record["secret"], BILLING[1], APPROLE["VAULT_SECRET_ID"]} | set(requests.get(vault.url + "/_emulator/secrets", timeout=5).json())
    known = {secret for secret in known if len(secret) >= 8}
    for text in [run.output] + [json.dumps(event) for event in run.events]:
        assert not [secret for secret in known if secret in text], "a secret reached the job output"
