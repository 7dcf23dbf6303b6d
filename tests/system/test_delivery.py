# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Delivery before retirement: further sinks (deliver_to) and a delivery hook of the user's, through the playbooks."""

from __future__ import annotations

import json
import os
import shutil
from datetime import datetime, timezone

import requests

from tests.emulator_fixtures import AWS_KEYS, AWS_REGION, aws, aws_server, reset  # noqa: F401 pylint: disable=unused-import
from tests.system.test_anypoint_rotation import inventory as anypoint_inventory
from tests.system.test_anypoint_rotation import SANDBOX, mule_app_gets_in, report
from tests.system.test_apic_rotation import apic_inventory
from tests.system.test_apic_v5_restore import ORIGINALS, v5_inventory
from tests.system.test_apic_v5_restore import report as v5_report
from tests.system.test_aws_secrets_sink import labelled
from tests.system.test_uaa_rotation import writes
from tests.system.test_hashicorp_vault_sink import BILLING, ROOT_TOKEN, kv, no_secret_leaked, vault_server  # noqa: F401 pylint: disable=unused-import

HOOK = os.path.join(os.path.dirname(__file__), "files", "hook_to_kv.yml")


def now():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_uaa_dual_delivers_to_vault_and_the_hook_before_it_retires(workspace, vault_server):  # pylint: disable=redefined-outer-name
    vault = reset(vault_server)
    settings = dict(uaa_secret_rotation_strategy="dual", uaa_secret_rotation_deliver_to=["hashicorp_vault"],
                    uaa_secret_rotation_hashicorp_vault={"url": vault.url, "token": ROOT_TOKEN},
                    uaa_secret_rotation_hook_tasks=HOOK, hook_kv_url=vault.url, hook_kv_token=ROOT_TOKEN)
    workspace.inventory([{"client_id": BILLING[0], "current_secret": BILLING[1]}], **settings)
    plan = workspace.play("uaa_rotate.yml", check=True)
    assert plan.rc == 0, plan.output[-3000:]
    assert kv(vault, "apiops/uaa/uaa-test/uaa/billing-service") is None and kv(vault, "consumers/uaa/billing-service") is None

    run = workspace.play("uaa_rotate.yml")
    assert run.rc == 0, run.output[-3000:]
    record = workspace.record(BILLING[0])
    new = record["secret"]
    assert record["state"] == "complete" and record["previous_secret"] == BILLING[1]
    assert kv(vault, "apiops/uaa/uaa-test/uaa/billing-service")["data"]["secret"] == new, "the further sink has it"
    assert kv(vault, "consumers/uaa/billing-service")["data"]["secret"] == new, "the hook delivered it"
    assert workspace.token_works(BILLING[0], new) and not workspace.token_works(*BILLING), "retired after both"
    again = workspace.play("uaa_rotate.yml")
    assert again.rc == 0 and again.recap("uaa-test")["changed"] == 0, again.output[-3000:]

    # The hook fails: the new secret works and is in both sinks, the old one is kept, and the run says so.
    workspace.inventory([{"client_id": BILLING[0]}], uaa_secret_rotation_rotate_before=now(), hook_fail=True, **settings)
    broken = workspace.play("uaa_rotate.yml")
    assert broken.rc != 0 and "delivery hook failed" in broken.output, broken.output[-3000:]
    newer = workspace.record(BILLING[0])["secret"]
    assert newer != new and workspace.record(BILLING[0])["state"] == "added"
    assert workspace.token_works(BILLING[0], newer) and workspace.token_works(BILLING[0], new), "both still work"
    assert kv(vault, "consumers/uaa/billing-service")["data"]["secret"] == new, "the consumers still have the old one"

    # Mended: the hook is called again, then the old secret is retired; a further run changes nothing.
    workspace.inventory([{"client_id": BILLING[0]}], **settings)
    mended = workspace.play("uaa_rotate.yml")
    assert mended.rc == 0, mended.output[-3000:]
    assert kv(vault, "consumers/uaa/billing-service")["data"]["secret"] == newer
    assert workspace.token_works(BILLING[0], newer) and not workspace.token_works(BILLING[0], new)
    assert workspace.record(BILLING[0])["state"] == "complete"
    quiet = workspace.play("uaa_rotate.yml")
    assert quiet.rc == 0 and quiet.recap("uaa-test")["changed"] == 0, quiet.output[-3000:]
    no_secret_leaked(workspace, vault)


def test_the_hook_in_phase_add_keeps_both_secrets_until_phase_retire(workspace, vault_server):  # pylint: disable=redefined-outer-name
    vault = reset(vault_server)
    settings = dict(uaa_secret_rotation_strategy="dual", uaa_secret_rotation_hook_tasks=HOOK, hook_kv_url=vault.url, hook_kv_token=ROOT_TOKEN)
    workspace.inventory([{"client_id": BILLING[0], "current_secret": BILLING[1]}], uaa_secret_rotation_phase="add", **settings)
    added = workspace.play("uaa_rotate.yml")
    assert added.rc == 0, added.output[-3000:]
    new = workspace.record(BILLING[0])["secret"]
    assert kv(vault, "consumers/uaa/billing-service")["data"]["secret"] == new, "the hook delivered it"
    assert workspace.record(BILLING[0])["state"] == "added" and workspace.token_works(*BILLING), "phase add retires nothing"
    assert workspace.play("uaa_rotate.yml").recap("uaa-test")["changed"] == 0, "delivered once"

    workspace.inventory([{"client_id": BILLING[0]}], uaa_secret_rotation_phase="retire", **settings)
    retired = workspace.play("uaa_rotate.yml")
    assert retired.rc == 0, retired.output[-3000:]
    assert workspace.record(BILLING[0])["state"] == "complete"
    assert workspace.token_works(BILLING[0], new) and not workspace.token_works(*BILLING)
    no_secret_leaked(workspace, vault)


def test_a_further_sink_that_fails_keeps_the_old_secret_and_a_rerun_delivers(workspace, vault_server):  # pylint: disable=redefined-outer-name
    vault = reset(vault_server)
    settings = dict(uaa_secret_rotation_strategy="dual", uaa_secret_rotation_deliver_to=["hashicorp_vault"])
    # A token Vault refuses is found before UAA is touched.
    workspace.inventory([{"client_id": BILLING[0], "current_secret": BILLING[1]}],
                        uaa_secret_rotation_hashicorp_vault={"url": vault.url, "token": "hvs.not-a-token-000000"}, **settings)
    workspace.control("requests", method="DELETE")
    refused = workspace.play("uaa_rotate.yml")
    assert refused.rc != 0 and "HashiCorp Vault refused access" in refused.output, refused.output[-3000:]
    assert writes(workspace) == [] and workspace.token_works(*BILLING)

    # Vault fails only when the secret is delivered: the new secret works, the old one is kept.
    workspace.inventory([{"client_id": BILLING[0], "current_secret": BILLING[1]}],
                        uaa_secret_rotation_hashicorp_vault={"url": vault.url, "token": ROOT_TOKEN}, uaa_retries=0, **settings)
    requests.post(vault.url + "/_emulator/faults", json={"method": "POST", "path": "/v1/secret/data/apiops/.*service$", "status": 500, "count": 50}, timeout=5)
    refused = workspace.play("uaa_rotate.yml")
    requests.delete(vault.url + "/_emulator/faults", timeout=5)
    assert refused.rc != 0 and "delivering it to HashiCorp Vault" in refused.output, refused.output[-3000:]
    record = workspace.record(BILLING[0])
    assert record["state"] == "added" and workspace.token_works(*BILLING), "the old secret is not retired"
    assert workspace.token_works(BILLING[0], record["secret"])

    workspace.inventory([{"client_id": BILLING[0]}], uaa_secret_rotation_hashicorp_vault={"url": vault.url, "token": ROOT_TOKEN},
                        **settings)
    mended = workspace.play("uaa_rotate.yml")
    assert mended.rc == 0, mended.output[-3000:]
    assert kv(vault, "apiops/uaa/uaa-test/uaa/billing-service")["data"]["secret"] == record["secret"]
    assert not workspace.token_works(*BILLING)
    no_secret_leaked(workspace, vault)


def test_anypoint_delivers_to_aws_and_the_hook(workspace, vault_server, aws):  # pylint: disable=redefined-outer-name
    vault = reset(vault_server)
    workspace.env.update(AWS_ACCESS_KEY_ID=AWS_KEYS["aws_access_key_id"], AWS_SECRET_ACCESS_KEY=AWS_KEYS["aws_secret_access_key"],
                         AWS_REGION=AWS_REGION, AWS_ENDPOINT_URL_SECRETS_MANAGER=aws.url)
    anypoint_inventory(workspace, [{"environment": "Sandbox"}],
                       anypoint_secret_rotation_deliver_to=["aws_secrets_manager"],
                       anypoint_secret_rotation_hook_tasks=HOOK, hook_kv_url=vault.url, hook_kv_token=ROOT_TOKEN)
    run = workspace.play("anypoint_rotate.yml")
    assert run.rc == 0, run.output[-3000:]
    names = [secret["Name"] for secret in aws.client().list_secrets()["SecretList"] if "/." not in secret["Name"]]  # no index, no lock
    assert len(names) == 1 and not names[0].endswith(".lock"), names
    current = labelled(aws.client(), names[0])["AWSCURRENT"]
    delivered = kv(vault, "consumers/anypoint/" + report(workspace)[0]["credential"])
    assert delivered is not None and delivered["data"]["secret"] == current["secret"], "the hook and AWS have the same secret"
    assert mule_app_gets_in(workspace, SANDBOX[0], current["secret"]) and not mule_app_gets_in(workspace, *SANDBOX)
    again = workspace.play("anypoint_rotate.yml")
    assert again.rc == 0 and again.recap("acme")["changed"] == 0, again.output[-3000:]
    no_secret_leaked(workspace, vault)


def test_a_hook_in_an_awx_job_leaves_no_secret_in_its_events(workspace, vault_server):  # pylint: disable=redefined-outer-name
    vault = reset(vault_server)
    workspace.inventory([{"client_id": BILLING[0], "current_secret": BILLING[1]}], uaa_secret_rotation_strategy="dual",
                        uaa_secret_rotation_hook_tasks=HOOK, hook_kv_url=vault.url, hook_kv_token=ROOT_TOKEN)
    run = workspace.job("uaa_rotate.yml", verbosity=3)
    assert run.rc == 0, run.output[-3000:]
    new = workspace.record(BILLING[0])["secret"]
    assert kv(vault, "consumers/uaa/billing-service")["data"]["secret"] == new and not workspace.token_works(*BILLING)
    known = {new, BILLING[1], ROOT_TOKEN} | set(requests.get(vault.url + "/_emulator/secrets", timeout=5).json())
    for text in [run.output] + [json.dumps(event) for event in run.events]:
        assert not [secret for secret in known if len(secret) >= 8 and secret in text], "a secret reached the job output"


def test_an_api_connect_v5_restore_goes_to_vault_and_the_hook(workspace, vault_server):  # pylint: disable=redefined-outer-name
    vault = reset(vault_server)
    v5_inventory(workspace, [ORIGINALS[0]], apic_v5_credential_restore_deliver_to=["hashicorp_vault"],
                 apic_v5_credential_restore_hashicorp_vault={"url": vault.url, "token": ROOT_TOKEN},
                 apic_v5_credential_restore_hook_tasks=HOOK, hook_kv_url=vault.url, hook_kv_token=ROOT_TOKEN)
    run = workspace.play("apic_v5_restore.yml")
    assert run.rc == 0, run.output[-3000:]
    row = v5_report(workspace)["orders-app"]
    assert row["result"] == "restored", row
    key = "apiops/apic_v5/v5-test/acme-dev/" + row["credential"]
    assert kv(vault, key)["data"]["secret"] == ORIGINALS[0]["client_secret"]
    assert kv(vault, "consumers/apic_v5/" + row["credential"])["data"]["secret"] == ORIGINALS[0]["client_secret"]
    again = workspace.play("apic_v5_restore.yml")
    assert again.rc == 0 and again.recap("v5-test")["changed"] == 0, again.output[-3000:]
    no_secret_leaked(workspace, vault)


def test_api_connect_v10_gives_each_new_credential_to_the_hook_and_retires_after(workspace, vault_server):  # pylint: disable=redefined-outer-name
    """The delivery hook is every platform's: a catalog's new credentials go to it one by one, and an old credential
    past deletion_days is deleted only once the hook was given its successor's secret."""
    vault = reset(vault_server)
    hooked = dict(apic_credential_rotation_hook_tasks=HOOK, hook_kv_url=vault.url, hook_kv_token=ROOT_TOKEN)
    keys = ("TestCOrg/expired-app/credential-for-expired-app", "PartnerOrg/partner-app/credential-for-partner-app")
    apic_inventory(workspace, hook_fail=True, **hooked)
    broken = workspace.play("apic_rotate.yml")
    assert broken.rc != 0 and "delivery hook failed" in broken.output, broken.output[-3000:]
    sink = os.path.join(workspace.sink_dir, "apic", "sandbox.vault")
    created = {key: workspace.read_record(sink)["credentials"][key] for key in keys}
    assert all(entry["state"] == "verified" and "hook_delivered" not in entry for entry in created.values()), created
    assert kv(vault, "consumers/apic/credential-for-expired-app") is None

    # Past deletion_days, with the hook still failing: the old credentials are kept, both old and new work.
    workspace.control("age", {"days": 11}, platform="apic")
    kept = workspace.play("apic_rotate.yml")
    assert kept.rc != 0, kept.output[-3000:]
    with open(os.path.join(workspace.path, "reports", "sandbox-report.json"), encoding="utf-8") as handle:
        rows = {row["credential"]: row for row in json.load(handle)["credentials"]}
    assert all(rows[key.rsplit("/", maxsplit=1)[-1]]["action"] == "none"
               and "has not been given the secret" in rows[key.rsplit("/", maxsplit=1)[-1]]["reason"] for key in keys), rows
    assert all(workspace.control("check_credentials", {"client_id": entry["client_id"], "client_secret": entry["client_secret"]},
                                 platform="apic")["valid"] for entry in created.values())

    # The hook mended: it is given each new credential's secret (the sink's), then a later run deletes the old ones.
    apic_inventory(workspace, **hooked)
    mended = workspace.play("apic_rotate.yml")
    assert mended.rc == 0, mended.output[-3000:]
    for key, entry in created.items():
        assert kv(vault, "consumers/apic/%s" % key.rsplit("/", maxsplit=1)[-1])["data"]["secret"] == entry["client_secret"]
        assert workspace.read_record(sink)["credentials"][key]["hook_delivered"]
    retired = workspace.play("apic_rotate.yml")
    assert retired.rc == 0 and "retire_old 2" in retired.output, retired.output[-3000:]
    no_secret_leaked(workspace, vault)


def test_a_hook_that_is_not_a_file_stops_before_anything_changes(workspace):
    workspace.inventory([{"client_id": BILLING[0], "current_secret": BILLING[1]}],
                        uaa_secret_rotation_hook_tasks="deliver-typo.yml")
    run = workspace.play("uaa_rotate.yml")
    assert run.rc != 0 and "uaa_secret_rotation_hook_tasks deliver-typo.yml is not a file" in run.output, run.output[-3000:]
    assert "Traceback" not in run.output and not os.path.exists(workspace.sink_dir)
    assert workspace.token_works(*BILLING)


def test_relative_hook_paths_are_found_in_the_project_of_an_awx_job(workspace, vault_server):  # pylint: disable=redefined-outer-name
    """The README's AWX layout: a project holds a two-line playbook that imports the collection's and the hook files.

    The imported plays' playbook_dir is inside the installed collection; the job runs in the project's directory
    (ansible-runner's working directory), as the playbooks here run in the workspace."""
    vault = reset(vault_server)
    os.makedirs(os.path.join(workspace.path, "hooks"))
    shutil.copy(HOOK, os.path.join(workspace.path, "hooks", "deliver.yml"))
    for platform in ("uaa", "apic"):
        with open(os.path.join(workspace.path, platform + ".yml"), "w", encoding="utf-8") as handle:
            handle.write("---\n- name: Rotate\n  ansible.builtin.import_playbook: apiops.credentials.%s_rotate\n" % platform)

    workspace.inventory([{"client_id": BILLING[0], "current_secret": BILLING[1]}], uaa_secret_rotation_hook_tasks="hooks/deliver.yml",
                        hook_kv_url=vault.url, hook_kv_token=ROOT_TOKEN)
    run = workspace.play(os.path.join(workspace.path, "uaa.yml"))
    assert run.rc == 0, run.output[-3000:]
    assert kv(vault, "consumers/uaa/billing-service")["data"]["secret"] == workspace.record(BILLING[0])["secret"], "the hook delivered it"

    apic_inventory(workspace, apic_credential_rotation_delivery_tasks="deliver.yml")  # written next to the inventory
    run = workspace.play(os.path.join(workspace.path, "apic.yml"))
    assert run.rc == 0, run.output[-3000:]
    with open(os.path.join(workspace.path, "delivered.json"), encoding="utf-8") as handle:
        assert json.load(handle), "the delivery tasks ran"
    no_secret_leaked(workspace, vault)
