# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""playbooks/apic_v5_restore.yml and apic_v5_backup.yml end to end against the v5 portal emulator."""

from __future__ import annotations

import json
import os

import pytest
import requests
import yaml


# The collection's own logic, the same on every ansible-core: run on the newest leg (make test's oldest leg skips it).
pytestmark = pytest.mark.newest_only

ORIGINALS = [
    {"org": "acme-dev", "app": "orders-app", "client_id": "0ec9010b-11d5-4459-8e9f-2695459c9ed5",
     "client_secret": "jM2kG1eI5aF4aQ4qW1hH7wT4hK5sG3oB6sL2pV0rW8aR4rG8bT", "description": "The original ClientSecret"},
    {"org": "acme-dev", "app": "billing-app", "client_id": "11111111-2222-3333-4444-555555555555",
     "client_secret_hash": "yJ1lDtNdZbfGa8ie3rT7vB3ymBupq8j4NWkYkjZs0bo="},
    {"org": "globex-dev", "app": "reports-app", "client_id": "99999999-2222-3333-4444-555555555555",
     "client_secret": "Orig1nal-Reports-Secret-value-77"},
]
OWNERS = {"globex-dev": {"username": "owner-globex", "password": "gl0bex-0wner-Passw0rd-v5-22"}}


def v5_inventory(workspace, rows, **host_vars):
    backup = workspace.encrypt("backup.yml", yaml.safe_dump({"apic_v5_credentials": rows}))
    host = dict(apic_v5_url=workspace.emulators["apic_v5"].url, apic_v5_context="myOrg.myCatalog",
                apic_v5_username="owner-acme", apic_v5_password="acme-0wner-Passw0rd-v5-11",
                apic_v5_credential_restore_backup_file=backup, apic_v5_credential_restore_owners=OWNERS,
                apic_v5_credential_restore_report_path=os.path.join(workspace.path, "v5-report.json"),
                apic_v5_credential_restore_sink_dir=workspace.sink_dir,
                apic_v5_credential_restore_gateway_probe_url=workspace.emulators["apic_v5"].url + "/gateway/myOrg/myCatalog/ping")
    host.update(host_vars)
    workspace.write_inventory({"apic_v5_portals": {"hosts": {"v5-test": host}}})


def report(workspace):
    with open(os.path.join(workspace.path, "v5-report.json"), encoding="utf-8") as handle:
        return {row["credential"].split("/")[0]: row for row in json.load(handle)["credentials"]}


def gateway_accepts(workspace, client_id, secret):
    return workspace.control("check_credentials", {"client_id": client_id, "client_secret": secret}, platform="apic_v5")["valid"]


def portal_writes(workspace):
    return [r for r in workspace.control("requests", method="GET", platform="apic_v5") if r["method"] != "GET"]


def test_restore_plan_apply_rerun(workspace):
    v5_inventory(workspace, ORIGINALS)
    plan = workspace.play("apic_v5_restore.yml", check=True)
    assert plan.rc == 0, plan.output[-3000:]
    assert portal_writes(workspace) == []
    assert {app: entry["result"] for app, entry in report(workspace).items()} == {
        "orders-app": "planned", "billing-app": "planned", "reports-app": "planned"}

    done = workspace.play("apic_v5_restore.yml")
    assert done.rc == 0, done.output[-3000:]
    outcome = report(workspace)
    assert outcome["orders-app"]["result"] == "restored" and outcome["reports-app"]["result"] == "restored"
    assert "proved the secret at the gateway" in outcome["orders-app"]["steps"]
    # Only the hash of billing-app's secret is known: the gateway cannot be asked, so it is not called proven.
    assert outcome["billing-app"]["result"] == "restored (unproven)"
    assert gateway_accepts(workspace, ORIGINALS[0]["client_id"], ORIGINALS[0]["client_secret"])
    assert gateway_accepts(workspace, ORIGINALS[2]["client_id"], ORIGINALS[2]["client_secret"])

    again = workspace.play("apic_v5_restore.yml")
    assert again.rc == 0 and again.recap("v5-test")["changed"] == 0
    assert {entry["result"] for entry in report(workspace).values()} == {"unchanged"}


def test_bad_backup_rows_stop_everything_before_any_call(workspace):
    rows = [dict(ORIGINALS[0], client_secret=""), {"org": "acme-dev", "client_id": "x", "client_secret": "y-secret-1"},
            ORIGINALS[1], ORIGINALS[1]]
    v5_inventory(workspace, rows)
    run = workspace.play("apic_v5_restore.yml")
    assert run.rc != 0
    assert "row 1 (acme-dev/orders-app): the secret is missing" in run.output
    assert "row 2 (acme-dev/?): app is missing" in run.output
    assert "row 4 (acme-dev/billing-app): duplicate of row 3" in run.output
    assert workspace.control("requests", method="GET", platform="apic_v5") == []


def test_a_failing_application_does_not_stop_the_others(workspace):
    rows = [dict(ORIGINALS[0], app="gone-app"), ORIGINALS[1],
            dict(ORIGINALS[2], owner="nobody"), dict(ORIGINALS[0], org="acme-dev", app="multi-app", client_id=ORIGINALS[1]["client_id"])]
    v5_inventory(workspace, rows, apic_v5_credential_restore_owners={"nobody": {"username": "outsider", "password": "0uts1der-Passw0rd-v5-33"}})
    run = workspace.play("apic_v5_restore.yml")
    assert run.rc != 0 and "3 application(s) failed" in run.output
    outcome = report(workspace)
    # billing-app and multi-app ask for the same client id; they run at once, so either may come first: the other
    # gets the portal's 409 (only the hash of billing-app's secret is known, so it cannot be proven).
    first, second = sorted((outcome["billing-app"], outcome["multi-app"]), key=lambda row: row["result"] == "failed")
    assert first["result"] in ("restored", "restored (unproven)") and "HTTP 409" in second["error"]
    assert "no application named gone-app" in outcome["gone-app"]["error"]
    assert "that user outsider can see" in outcome["reports-app"]["error"]


def test_restore_from_the_sink(workspace):
    v5_inventory(workspace, ORIGINALS)
    assert workspace.play("apic_v5_restore.yml").rc == 0  # the sink learns the originals
    # The portal gives orders-app a new secret (as another reset would); the sink still has the original.
    server = workspace.emulators["apic_v5"].url
    apps = requests.get(server + "/v1/portal/orgs", auth=("owner-acme", "acme-0wner-Passw0rd-v5-11"), timeout=5,
                        headers={"X-IBM-APIManagement-Context": "myOrg.myCatalog"}).json()
    org = next(o for o in apps if o["name"] == "acme-dev")
    app = next(a for a in requests.get(server + "/v1/portal/orgs/%s/apps" % org["id"], auth=("owner-acme", "acme-0wner-Passw0rd-v5-11"),
                                       headers={"X-IBM-APIManagement-Context": "myOrg.myCatalog"}, timeout=5).json()
               if a["name"] == "orders-app")
    requests.put(server + "/v1/portal/orgs/%s/apps/%s/credentials/reset" % (org["id"], app["id"]), json={"clientSecret": True},
                 auth=("owner-acme", "acme-0wner-Passw0rd-v5-11"), headers={"X-IBM-APIManagement-Context": "myOrg.myCatalog"},
                 timeout=5).raise_for_status()
    assert not gateway_accepts(workspace, ORIGINALS[0]["client_id"], ORIGINALS[0]["client_secret"])
    v5_inventory(workspace, [], apic_v5_credential_restore_source="sink", apic_v5_credential_restore_update_secret="always")
    run = workspace.play("apic_v5_restore.yml")
    assert run.rc == 0, run.output[-3000:]
    assert report(workspace)["orders-app"]["result"] == "restored"
    assert gateway_accepts(workspace, ORIGINALS[0]["client_id"], ORIGINALS[0]["client_secret"])


def test_without_a_gateway_probe_a_restore_is_not_called_proven(workspace):
    v5_inventory(workspace, ORIGINALS[:1], apic_v5_credential_restore_gateway_probe_url="")
    run = workspace.play("apic_v5_restore.yml")
    assert run.rc == 0, run.output[-3000:]
    row = report(workspace)["orders-app"]
    assert row["result"] == "restored (unproven)" and "gateway_probe_url" in row["next"]


def test_backup_records_client_ids_and_no_secret(workspace):
    v5_inventory(workspace, ORIGINALS, apic_v5_backup_dir=os.path.join(workspace.path, "backup"))
    run = workspace.play("apic_v5_backup.yml")
    assert run.rc == 0, run.output[-3000:]
    with open(os.path.join(workspace.path, "backup", "v5-test.yml"), encoding="utf-8") as handle:
        rows = yaml.safe_load(handle)["apic_v5_credentials"]
    assert [(r["app"], r["client_secret"]) for r in rows][:2] == [("orders-app", ""), ("billing-app", "")]


def test_roll_back_puts_back_the_value_before_the_last_restore(workspace):
    corrected = dict(ORIGINALS[0], client_secret="C0rrected-Orders-Secret-value-0101")
    v5_inventory(workspace, [ORIGINALS[0], ORIGINALS[2]])
    assert workspace.play("apic_v5_restore.yml").rc == 0
    v5_inventory(workspace, [corrected, ORIGINALS[2]], apic_v5_credential_restore_update_secret="always")
    second = workspace.play("apic_v5_restore.yml")
    assert second.rc == 0, second.output[-3000:]
    assert gateway_accepts(workspace, corrected["client_id"], corrected["client_secret"])

    plan = workspace.play("apic_v5_rollback.yml", check=True)
    assert plan.rc != 0 and report(workspace)["orders-app"]["result"] == "planned", plan.output[-3000:]
    back = workspace.play("apic_v5_rollback.yml")
    rows = report(workspace)
    assert rows["orders-app"]["result"] == "rolled back", rows["orders-app"]
    assert back.rc != 0 and "no value from before the last restore" in rows["reports-app"]["error"], "reports-app was restored once"
    assert gateway_accepts(workspace, ORIGINALS[0]["client_id"], ORIGINALS[0]["client_secret"])
    assert not gateway_accepts(workspace, corrected["client_id"], corrected["client_secret"])
    record = workspace.read_record(os.path.join(workspace.sink_dir, "apic_v5", "v5-test.vault"))["credentials"]["acme-dev/orders-app/default"]
    assert record["state"] == "rolled_back" and record["previous_secret"] == corrected["client_secret"]

    v5_inventory(workspace, [corrected])
    again = workspace.play("apic_v5_rollback.yml")
    assert again.rc == 0 and again.recap("v5-test")["changed"] == 0, again.output[-3000:]
