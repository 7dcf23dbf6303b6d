# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""playbooks/credential_audit.yml: read only, and it finds planted drift, orphans and unretired secrets on every platform."""

from __future__ import annotations

import json
import os
import socket

import requests

from tests.system.test_anypoint_rotation import BOT, SANDBOX
from tests.system.test_anypoint_rotation import inventory as anypoint_inventory
from tests.system.test_apic_rotation import apic_inventory
from tests.system.test_apic_rotation import writes as apic_writes
from tests.system.test_apic_v5_restore import ORIGINALS, v5_inventory
from tests.system.test_hashicorp_vault_sink import BILLING
from tests.system.test_leaks import assert_no_leak

ORG = "0a14e2fd-1cfe-4310-acbc-54bf93eb8420"
PLANTED = "planted-0utside-S3cret-value-4242"


def everywhere(workspace, uaa_clients, v5_rows, **uaa_vars):
    """One inventory with a UAA, an Anypoint organization and an API Connect v5 portal."""
    groups = {}
    for write in (lambda: workspace.inventory(uaa_clients, **uaa_vars),
                  lambda: anypoint_inventory(workspace, [{"environment": "Sandbox"}]),
                  lambda: v5_inventory(workspace, v5_rows)):
        write()
        with open(os.path.join(workspace.path, "inventory.json"), encoding="utf-8") as handle:
            groups.update(json.load(handle))
    for group in groups.values():
        for host in group["hosts"].values():  # the default report paths, <report dir>/<platform>/<host>-audit.json
            for name in [name for name in host if name.endswith("_report_path")]:
                del host[name]
    workspace.write_inventory(groups)


def audit_rows(workspace, platform, host):
    with open(os.path.join(workspace.path, "reports", platform, host + "-audit.json"), encoding="utf-8") as handle:
        return {row["credential"]: row for row in json.load(handle)["credentials"]}


def uaa_change(workspace, client_id, secret, mode):
    """What an operator does by hand: change a client's secret with the admin client."""
    url = workspace.emulators["uaa"].url
    token = requests.post(url + "/oauth/token", data={"grant_type": "client_credentials"}, timeout=5,
                          auth=("admin", "adm1n-S3cret-seed-7f3a9c")).json()["access_token"]
    answer = requests.put("%s/oauth/clients/%s/secret" % (url, client_id), json={"secret": secret, "changeMode": mode},
                          headers={"Authorization": "Bearer " + token}, timeout=5)
    assert answer.status_code == 200, answer.text


def anypoint_reset_by_hand(workspace):
    url = workspace.emulators["anypoint"].url
    token = requests.post(url + "/accounts/api/v2/oauth2/token", timeout=5,
                          json={"grant_type": "client_credentials", "client_id": BOT["anypoint_client_id"],
                                "client_secret": BOT["anypoint_client_secret"]}).json()["access_token"]
    answer = requests.patch("%s/accounts/api/organizations/%s/clients/%s?resetSecret=true" % (url, ORG, SANDBOX[0]),
                            headers={"Authorization": "Bearer " + token}, json={}, timeout=5)
    assert answer.status_code == 200, answer.text


def writes(workspace, platform):
    return [r for r in workspace.control("requests", method="GET", platform=platform)
            if r["method"] not in ("GET", "HEAD") and not r["path"].endswith(("/token", "/validate"))]  # checks, not writes


def sink_files(workspace):
    return {os.path.join(d, n): os.stat(os.path.join(d, n)).st_mtime_ns for d, _s, files in os.walk(workspace.sink_dir) for n in files}


def test_the_audit_reads_only_and_finds_what_was_planted(workspace):
    everywhere(workspace, [{"client_id": BILLING[0], "current_secret": BILLING[1]}, {"client_id": "reports-service"}], ORIGINALS[:1])
    for playbook in ("uaa_rotate.yml", "anypoint_rotate.yml", "apic_v5_restore.yml"):
        run = workspace.play(playbook)
        assert run.rc == 0, run.output[-3000:]

    clean = workspace.play("credential_audit.yml")
    assert clean.rc == 0, clean.output[-3000:]
    assert {row["result"] for row in audit_rows(workspace, "uaa", "uaa-test").values()} == {"compliant"}
    assert {row["result"] for row in audit_rows(workspace, "anypoint", "acme").values()} == {"compliant"}
    assert {row["result"] for row in audit_rows(workspace, "apic_v5", "v5-test").values()} == {"compliant"}

    # Planted: a UAA secret changed by hand (drift), the old secret of another added back (not retired), a client no
    # sink knows (orphan), an Anypoint secret reset by hand, and a v5 application never restored (orphan).
    uaa_change(workspace, "reports-service", PLANTED, "UPDATE")
    uaa_change(workspace, BILLING[0], BILLING[1], "ADD")
    anypoint_reset_by_hand(workspace)
    everywhere(workspace, [{"client_id": BILLING[0]}, {"client_id": "reports-service"}, {"client_id": "portal-web"}],
               [ORIGINALS[0], ORIGINALS[2]])
    before = {name: len(writes(workspace, name)) for name in ("uaa", "anypoint", "apic_v5")}
    files = sink_files(workspace)

    found = workspace.play("credential_audit.yml")
    assert found.rc != 0 and "have findings" in found.output, found.output[-3000:]
    assert {name: len(writes(workspace, name)) for name in before} == before, "the audit wrote to a platform"
    assert sink_files(workspace) == files, "the audit wrote to the sink"
    uaa = audit_rows(workspace, "uaa", "uaa-test")
    assert any(f.startswith("not retired") for f in uaa[BILLING[0]]["findings"]), uaa[BILLING[0]]
    assert any(f.startswith("drift") for f in uaa["reports-service"]["findings"]), uaa["reports-service"]
    assert any(f.startswith("orphan") for f in uaa["portal-web"]["findings"]), uaa["portal-web"]
    anypoint = list(audit_rows(workspace, "anypoint", "acme").values())[0]
    assert anypoint["result"] == "findings" and any(f.startswith("drift") for f in anypoint["findings"]), anypoint
    assert any(f.startswith("orphan: the platform holds a secret") for f in anypoint["findings"]), anypoint
    v5 = {name.split("/")[0]: row for name, row in audit_rows(workspace, "apic_v5", "v5-test").items()}
    assert v5["reports-app"]["result"] == "findings" and v5["orders-app"]["result"] == "compliant", v5
    with open(os.path.join(workspace.path, "reports", "uaa", "uaa-test-audit.md"), encoding="utf-8") as handle:
        assert handle.read().startswith("# Credential audit")

    overdue = workspace.play("credential_audit.yml", "-e", "uaa_secret_rotation_max_age_days=0")
    assert any(f.startswith("overdue") for f in audit_rows(workspace, "uaa", "uaa-test")[BILLING[0]]["findings"]), overdue.output[-2000:]
    assert_no_leak(workspace, extra={PLANTED})


def test_the_audit_of_an_api_connect_catalog_finds_orphans_age_and_drift(workspace):
    apic_inventory(workspace)
    report = os.path.join(workspace.path, "reports", "sandbox-audit.json")

    def rows():
        with open(report, encoding="utf-8") as handle:
            return {"%s/%s" % (row["location"], row["credential"]): row for row in json.load(handle)["credentials"]}

    first = workspace.play("credential_audit.yml")
    assert first.rc != 0 and "have findings" in first.output, first.output[-3000:]
    assert [entry for entry in apic_writes(workspace) if not entry["path"].endswith("/verify-client-secret")] == []
    assert not os.path.exists(workspace.sink_dir), "the audit wrote nothing, not even a lock"
    found = rows()
    orphans = [name for name, row in found.items() if any(f.startswith("orphan") for f in row["findings"])]
    assert any("retire-app" in name for name in orphans), found  # the seed has hand-made <name>_new credentials
    assert any(any(f.startswith("overdue") for f in row["findings"]) for row in found.values())

    rotated = workspace.play("apic_rotate.yml")
    assert rotated.rc == 0, rotated.output[-3000:]
    after = workspace.play("credential_audit.yml")
    # Left: the hand-made pending-app_new of the seed (its base is not due, so the rotation leaves it alone).
    assert [name for name, row in rows().items() if row["result"] != "compliant"] == ["TestCOrg/pending-app/credential-for-pending-app"], \
        after.output[-3000:]

    # Drift: the sink's secret of a new credential is not the platform's any more.
    path = os.path.join(workspace.sink_dir, "apic", "sandbox.vault")
    data = workspace.read_record(path)
    key = next(key for key, entry in data["credentials"].items() if entry.get("client_secret"))
    data["credentials"][key]["client_secret"] = "drifted-0utside-S3cret-value-4242"
    workspace.encrypt(os.path.relpath(path, workspace.path), json.dumps(data))
    drifted = workspace.play("credential_audit.yml")
    assert drifted.rc != 0, drifted.output[-3000:]
    assert [name for name, row in rows().items() if any(f.startswith("drift") for f in row["findings"])], rows()
    assert_no_leak(workspace)


def test_an_audit_that_cannot_reach_a_platform_says_unknown_and_fails(workspace):
    everywhere(workspace, [{"client_id": BILLING[0], "current_secret": BILLING[1]}], ORIGINALS[:1])
    for playbook in ("uaa_rotate.yml", "apic_v5_restore.yml"):
        assert workspace.play(playbook).rc == 0
    # Nothing listens where the platforms were: no answer may be read as "compliant".
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        nowhere = "http://127.0.0.1:%d" % probe.getsockname()[1]
    with open(os.path.join(workspace.path, "inventory.json"), encoding="utf-8") as handle:
        inventory = json.load(handle)
    inventory["uaa_servers"]["hosts"]["uaa-test"]["uaa_url"] = nowhere
    inventory["apic_v5_portals"]["hosts"]["v5-test"].update(apic_v5_url=nowhere, apic_v5_credential_restore_gateway_probe_url=None)
    inventory["apic_v5_portals"]["hosts"]["v5-test"] = {k: v for k, v in inventory["apic_v5_portals"]["hosts"]["v5-test"].items() if v is not None}
    for host in (inventory["uaa_servers"]["hosts"]["uaa-test"], inventory["apic_v5_portals"]["hosts"]["v5-test"]):
        host.update({name: 0 for name in ("uaa_retries", "apic_v5_retries")})
    workspace.write_inventory(inventory)
    unreachable = workspace.play("credential_audit.yml", "--limit", "uaa-test,v5-test,localhost")
    assert unreachable.rc != 0, unreachable.output[-3000:]
    for platform, host in (("uaa", "uaa-test"), ("apic_v5", "v5-test")):
        rows = audit_rows(workspace, platform, host).values()
        assert {row["result"] for row in rows} == {"unknown"}, rows
        assert all("not called compliant" in row["error"] for row in rows), rows
