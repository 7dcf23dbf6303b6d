# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The leak check: no secret the emulators ever knew may appear in -vvvv output or in a file outside the sink."""

from __future__ import annotations

import json
import os

from tests.system.test_anypoint_rotation import ADMIN, TARGETS
from tests.system.test_anypoint_rotation import inventory as anypoint_inventory
from tests.system.test_apic_rotation import apic_inventory
from tests.system.test_apic_v5_restore import ORIGINALS, v5_inventory
from tests.system.test_uaa_rotation import CLIENTS, ZONE_CLIENT

SINK_SUFFIX = ".vault"


def sink_secrets(workspace):
    found = set()
    for directory, _dirs, files in os.walk(workspace.sink_dir):
        for name in files:
            if name.endswith(SINK_SUFFIX):
                record = workspace.read_record(os.path.join(directory, name))
                found.update(v for k, v in record.items() if "secret" in k and v)
    return found


INPUTS = ("inventory.json", "vault-password", "backup.yml", "deliver.yml")  # what the test hands the playbooks, secrets included on purpose


def files_outside_the_sink(root):
    """Every file the playbooks wrote, except the vault-encrypted sink records."""
    for directory, _dirs, files in os.walk(root):
        for name in files:
            if not name.endswith(SINK_SUFFIX) and not (directory == root and name in INPUTS):
                yield os.path.join(directory, name)


def assert_no_leak(workspace):
    secrets = sink_secrets(workspace)
    for platform in workspace.emulators:
        secrets |= set(workspace.control("secrets", method="GET", platform=platform))
    secrets = {s for s in secrets if len(s) >= 8}
    assert len(secrets) > 10
    for index, output in enumerate(workspace.outputs):
        leaked = sorted(s[:6] + "..." for s in secrets if s in output)
        assert not leaked, "run %d printed secrets starting with %s" % (index, leaked)
    for path in files_outside_the_sink(workspace.path):
        with open(path, "rb") as handle:
            content = handle.read().decode("utf-8", "replace")
        leaked = sorted(s[:6] + "..." for s in secrets if s in content)
        assert not leaked, "%s holds secrets starting with %s" % (path, leaked)


def test_uaa_playbooks_leak_nothing_at_vvvv(workspace):
    zone = dict(ZONE_CLIENT, identity_zone_url=workspace.emulator.url + "/zones/zone1")
    workspace.inventory(CLIENTS + [zone], uaa_secret_rotation_report_path=os.path.join(workspace.path, "report.json"))
    assert workspace.play("uaa_rotate.yml", "-vvvv", check=True).rc == 0
    assert workspace.play("uaa_rotate.yml", "-vvvv", "--diff").rc == 0
    assert workspace.play("uaa_rotate.yml", "-vvvv").rc == 0
    assert workspace.play("uaa_verify.yml", "-vvvv").rc == 0
    # failures: a wrong admin secret, and a client whose secret change is refused mid-way
    workspace.inventory(CLIENTS, uaa_auth_client_secret="Wr0ng-Adm1n-Secret-for-leak-test",
                        uaa_secret_rotation_rotate_before="2999-01-01T00:00:00Z")
    assert workspace.play("uaa_rotate.yml", "-vvvv").rc != 0
    workspace.inventory(CLIENTS, uaa_secret_rotation_rotate_before="2999-01-01T00:00:00Z")
    workspace.control("faults", {"method": "PUT", "path": "/secret$", "status": 400, "count": 3,
                                 "body": {"error": "invalid_client", "error_description": "injected"}})
    assert workspace.play("uaa_rotate.yml", "-vvvv", "--diff").rc != 0
    workspace.outputs.append(open(os.path.join(workspace.path, "report.json"), encoding="utf-8").read())
    assert_no_leak(workspace)


def test_apic_v5_playbooks_leak_nothing_at_vvvv(workspace):
    v5_inventory(workspace, ORIGINALS, apic_v5_backup_dir=os.path.join(workspace.path, "backup"))
    assert workspace.play("apic_v5_backup.yml", "-vvvv").rc == 0
    assert workspace.play("apic_v5_restore.yml", "-vvvv", check=True).rc == 0
    assert workspace.play("apic_v5_restore.yml", "-vvvv", "--diff").rc == 0
    assert workspace.play("apic_v5_restore.yml", "-vvvv").rc == 0
    v5_inventory(workspace, ORIGINALS, apic_v5_password="Wr0ng-0wner-Passw0rd-leak", apic_v5_credential_restore_owners={},
                 apic_v5_credential_restore_update_secret="always")
    assert workspace.play("apic_v5_restore.yml", "-vvvv").rc != 0
    assert_no_leak(workspace)


def test_anypoint_playbooks_leak_nothing_at_vvvv(workspace):
    targets = TARGETS + [{"connected_app": "c0ffee00c0ffee00c0ffee00c0ffee03"}]
    anypoint_inventory(workspace, targets, auth=ADMIN)
    assert workspace.play("anypoint_rotate.yml", "-vvvv", check=True).rc == 0
    assert workspace.play("anypoint_rotate.yml", "-vvvv", "--diff").rc == 0
    assert workspace.play("anypoint_rotate.yml", "-vvvv").rc == 0
    assert workspace.play("anypoint_rollback.yml", "-vvvv", "--diff").rc == 0
    anypoint_inventory(workspace, targets, auth={"anypoint_username": "env-admin", "anypoint_password": "3nv-Adm1n-Passw0rd-anypoint"},
                       anypoint_secret_rotation_rotate_before="2999-01-01T00:00:00Z")
    assert workspace.play("anypoint_rotate.yml", "-vvvv").rc != 0
    assert_no_leak(workspace)


def test_apic_playbook_leaks_nothing_at_vvvv(workspace):
    apic_inventory(workspace)
    assert workspace.play("apic_rotate.yml", "-vvvv", check=True).rc == 0
    workspace.control("faults", {"method": "POST", "path": "verify-client-secret$", "status": 400, "count": 1,
                                 "body": {"status": 400, "message": ["injected"]}}, platform="apic")
    assert workspace.play("apic_rotate.yml", "-vvvv", "--diff").rc != 0  # one verify fails
    assert workspace.play("apic_rotate.yml", "-vvvv").rc == 0
    workspace.control("age", {"days": 11}, platform="apic")
    assert workspace.play("apic_rotate.yml", "-vvvv").rc == 0
    apic_inventory(workspace, apic_password="Wr0ng-Passw0rd-apic-leak-test")
    assert workspace.play("apic_rotate.yml", "-vvvv").rc != 0
    workspace.outputs.append(json.dumps(workspace.control("mail", method="GET", platform="apic")))
    assert_no_leak(workspace)
