# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Anypoint and API Connect v5 with each remote sink as the journal: the playbook, a re-run, the roll back, an audit."""

from __future__ import annotations

import pytest
import requests

from tests.emulator_fixtures import AWS_KEYS, AWS_REGION, aws, aws_server, reset  # noqa: F401 pylint: disable=unused-import
from tests.system.test_anypoint_rotation import SANDBOX, mule_app_gets_in
from tests.system.test_apic_rotation import apic_inventory
from tests.system.test_anypoint_rotation import inventory as anypoint_inventory
from tests.system.test_apic_v5_restore import ORIGINALS, gateway_accepts, v5_inventory
from tests.system.test_apic_v5_restore import report as v5_report
from tests.system.test_aws_secrets_sink import every_value, labelled
from tests.system.test_hashicorp_vault_sink import ROOT_TOKEN, kv, vault_server  # noqa: F401 pylint: disable=unused-import
from tests.system.test_leaks import assert_no_leak

# The collection's own logic, the same on every ansible-core: run on the newest leg (make test's oldest leg skips it).
pytestmark = pytest.mark.newest_only


def sink_settings(kind, role, workspace, vault, aws_url):
    if kind == "hashicorp_vault":
        return {role + "_sink": kind, role + "_hashicorp_vault": {"url": vault.url, "token": ROOT_TOKEN}}
    workspace.env.update(AWS_ACCESS_KEY_ID=AWS_KEYS["aws_access_key_id"], AWS_SECRET_ACCESS_KEY=AWS_KEYS["aws_secret_access_key"],
                         AWS_REGION=AWS_REGION, AWS_ENDPOINT_URL_SECRETS_MANAGER=aws_url)
    return {role + "_sink": kind}


def read(kind, name, vault, aws_server_):
    """The record the sink holds as current for ``name`` (under apiops/)."""
    if kind == "hashicorp_vault":
        return (kv(vault, "apiops/" + name) or {}).get("data") or {}
    return labelled(aws_server_.client(), "apiops/" + name).get("AWSCURRENT") or {}


def everything_known(vault, aws_server_):
    values = set(requests.get(vault.url + "/_emulator/secrets", timeout=5).json())
    return values | every_value(aws_server_.client())


@pytest.mark.parametrize("kind", ["hashicorp_vault", "aws_secrets_manager"])
def test_anypoint_rotates_and_rolls_back_from_a_remote_sink(workspace, vault_server, aws, kind):  # pylint: disable=redefined-outer-name
    vault = reset(vault_server)
    anypoint_inventory(workspace, [{"environment": "Sandbox"}], **sink_settings(kind, "anypoint_secret_rotation", workspace, vault, aws.url))
    run = workspace.play("anypoint_rotate.yml")
    assert run.rc == 0, run.output[-3000:]
    record = read(kind, "anypoint/acme/root/environment-Sandbox", vault, aws)
    assert record["state"] == "complete" and record["previous_secret"] == SANDBOX[1]
    assert mule_app_gets_in(workspace, SANDBOX[0], record["secret"]) and not mule_app_gets_in(workspace, *SANDBOX)
    assert workspace.play("anypoint_rotate.yml").recap("acme")["changed"] == 0

    back = workspace.play("anypoint_rollback.yml")
    assert back.rc == 0, back.output[-3000:]
    rolled = read(kind, "anypoint/acme/root/environment-Sandbox", vault, aws)
    assert rolled["state"] == "rolled_back" and mule_app_gets_in(workspace, *SANDBOX)
    assert not mule_app_gets_in(workspace, SANDBOX[0], record["secret"])
    audit = workspace.play("credential_audit.yml")
    assert audit.rc == 0, audit.output[-3000:]
    assert_no_leak(workspace, extra=everything_known(vault, aws))


@pytest.mark.parametrize("kind", ["hashicorp_vault", "aws_secrets_manager"])
def test_api_connect_v5_restores_and_rolls_back_from_a_remote_sink(workspace, vault_server, aws, kind):  # pylint: disable=redefined-outer-name
    vault = reset(vault_server)
    settings = sink_settings(kind, "apic_v5_credential_restore", workspace, vault, aws.url)
    corrected = dict(ORIGINALS[0], client_secret="C0rrected-Orders-Secret-value-0101")
    v5_inventory(workspace, [ORIGINALS[0]], **settings)
    assert workspace.play("apic_v5_restore.yml").rc == 0
    v5_inventory(workspace, [corrected], apic_v5_credential_restore_update_secret="always", **settings)
    second = workspace.play("apic_v5_restore.yml")
    assert second.rc == 0 and v5_report(workspace)["orders-app"]["result"] == "restored", second.output[-3000:]
    record = read(kind, "apic_v5/v5-test/acme-dev/orders-app/default", vault, aws)
    assert record["secret"] == corrected["client_secret"] and record["previous_secret"] == ORIGINALS[0]["client_secret"]

    back = workspace.play("apic_v5_rollback.yml")
    assert back.rc == 0 and v5_report(workspace)["orders-app"]["result"] == "rolled back", back.output[-3000:]
    assert gateway_accepts(workspace, ORIGINALS[0]["client_id"], ORIGINALS[0]["client_secret"])
    assert not gateway_accepts(workspace, corrected["client_id"], corrected["client_secret"])
    assert workspace.play("apic_v5_rollback.yml").recap("v5-test")["changed"] == 0
    v5_inventory(workspace, [], apic_v5_credential_restore_source="sink", **settings)
    from_sink = workspace.play("apic_v5_restore.yml")  # what the remote sink recorded: nothing to change
    assert from_sink.rc == 0 and from_sink.recap("v5-test")["changed"] == 0, from_sink.output[-3000:]
    assert v5_report(workspace)["orders-app"]["result"] == "unchanged"
    assert_no_leak(workspace, extra=everything_known(vault, aws))


@pytest.mark.parametrize("kind", ["hashicorp_vault", "aws_secrets_manager"])
def test_an_api_connect_catalog_journals_in_a_remote_sink(workspace, vault_server, aws, kind):  # pylint: disable=redefined-outer-name
    vault = reset(vault_server)
    settings = sink_settings(kind, "apic_credential_rotation", workspace, vault, aws.url)
    # The delivery tasks of the other tests read the file sink; here the new credentials stay in the remote one.
    apic_inventory(workspace, apic_credential_rotation_delivery_tasks="", **settings)
    plan = workspace.play("apic_rotate.yml", check=True)
    assert plan.rc == 0, plan.output[-3000:]
    assert aws.client().list_secrets()["SecretList"] == [] and kv(vault, "apiops/apic/sandbox/catalog.lock") is None, \
        "a dry run writes nothing, not even a lock"
    run = workspace.play("apic_rotate.yml")
    assert run.rc == 0, run.output[-3000:]
    for corg, app in (("TestCOrg", "expired-app"), ("PartnerOrg", "partner-app")):
        entry = read(kind, "apic/sandbox/%s/%s/credential-for-%s" % (corg, app, app), vault, aws)
        assert entry["state"] == "verified", entry.get("state")
        check = workspace.control("check_credentials", {"client_id": entry["client_id"], "client_secret": entry["client_secret"]},
                                  platform="apic")
        assert check["valid"] and check["credential"].endswith("_new")
    again = workspace.play("apic_rotate.yml")
    assert again.rc == 0 and again.recap("sandbox")["changed"] == 0, again.output[-3000:]
    assert_no_leak(workspace, extra=everything_known(vault, aws))
