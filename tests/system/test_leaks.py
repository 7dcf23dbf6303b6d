# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The leak check, where AWX looks: every playbook through ansible-runner at verbosity 0 and 4, in check mode and
for real, with failing steps too. No secret any emulator ever knew, no secret the sink holds and no secret of the
inventory may appear in stdout, in a job event, in an artifact or in any file written outside the sink."""

from __future__ import annotations

import json
import os
import re

import pytest

from ansible.errors import AnsibleError

from tests.system.test_anypoint_rotation import ADMIN, TARGETS
from tests.system.test_anypoint_rotation import inventory as anypoint_inventory
from tests.system.test_apic_rotation import apic_inventory
from tests.system.test_apic_v5_restore import ORIGINALS, v5_inventory
from tests.system.test_keycloak_rotation import ADMIN as KEYCLOAK_ADMIN
from tests.system.test_keycloak_rotation import BILLING, ORDERS
from tests.system.test_keycloak_rotation import inventory as keycloak_inventory
from tests.system.test_uaa_rotation import CLIENTS, ZONE_CLIENT

SINK_SUFFIX = ".vault"


def secret_fields(record):
    """Every value under a key that names a secret, at any depth (the engine's sink keeps a record per credential)."""
    if isinstance(record, dict):
        for key, value in record.items():
            if "secret" in key and isinstance(value, str) and value:
                yield value
            else:
                yield from secret_fields(value)
    elif isinstance(record, list):
        for value in record:
            yield from secret_fields(value)


def sink_secrets(workspace):
    found = set()
    for directory, _dirs, files in os.walk(workspace.sink_dir):
        for name in files:
            if name.endswith(SINK_SUFFIX):
                try:
                    found.update(secret_fields(workspace.read_record(os.path.join(directory, name))))
                except (AnsibleError, ValueError):
                    continue  # a sink a test corrupted on purpose holds no secret
    return found


INPUTS = ("inventory.json", "vault-password", "backup.yml", "deliver.yml")  # what the test hands the playbooks, secrets included on purpose


def files_outside_the_sink(root):
    """Every file the playbooks wrote, except the vault-encrypted sink records and the inputs: what the test handed
    them, and the files AWX writes for a credential's file injectors (``runner/<job>/env/``, as AWX does)."""
    for directory, _dirs, files in os.walk(root):
        injected = os.path.basename(directory) == "env" and os.path.basename(os.path.dirname(os.path.dirname(directory))) == "runner"
        for name in files:
            if not name.endswith(SINK_SUFFIX) and not (directory == root and name in INPUTS) and not injected:
                yield os.path.join(directory, name)


def assert_no_leak(workspace, extra=()):
    """No secret a sink, an input or any emulator (``extra``: other stores) ever held is in any output or file."""
    secrets = sink_secrets(workspace) | workspace.inventory_secrets | set(extra)
    for platform in workspace.emulators:
        secrets |= set(workspace.control("secrets", method="GET", platform=platform))
    secrets = {s for s in secrets if len(s) >= 8}
    assert len(secrets) > 10
    assert workspace.outputs
    for index, output in enumerate(workspace.outputs):
        leaked = sorted(s[:6] + "..." for s in secrets if s in output)
        assert not leaked, "output %d (stdout, job event or artifact) holds secrets starting with %s: %s" % (
            index, leaked, output[:300])
    # Pipelining: no module file (which would hold the module's arguments, secrets included) is put on disk.
    assert not [o for o in workspace.outputs if re.search(r"PUT .*AnsiballZ_", o)], "a module file was written to disk"
    for path in files_outside_the_sink(workspace.path):
        with open(path, "rb") as handle:
            content = handle.read().decode("utf-8", "replace")
        leaked = sorted(s[:6] + "..." for s in secrets if s in content)
        assert not leaked, "%s holds secrets starting with %s" % (path, leaked)


def ok(run):
    assert run.rc == 0, run.output[-3000:]
    return run


def fails(run):
    assert run.rc != 0, run.output[-3000:]
    return run


# -vvvv prints everything a lower verbosity prints, and more (results, module arguments): make test runs it on both
# ansible-core legs; make chaos (APIOPS_CHAOS=full) runs the default verbosity too.
VERBOSITIES = [0, 4] if os.environ.get("APIOPS_CHAOS") == "full" else [4]
VERBOSITY = pytest.mark.parametrize("verbosity", VERBOSITIES, ids=["v%d" % level if level < 2 else "v" * level for level in VERBOSITIES])


@VERBOSITY
def test_uaa_playbooks_leak_nothing(workspace, verbosity):
    zone = dict(ZONE_CLIENT, identity_zone_url=workspace.emulator.url + "/zones/zone1")
    workspace.inventory(CLIENTS + [zone], uaa_secret_rotation_report_path=os.path.join(workspace.path, "report.json"))
    ok(workspace.job("uaa_rotate.yml", check=True, verbosity=verbosity))
    ok(workspace.job("uaa_rotate.yml", "--diff", verbosity=verbosity))
    ok(workspace.job("uaa_rotate.yml", verbosity=verbosity))
    ok(workspace.job("uaa_verify.yml", verbosity=verbosity))
    ok(workspace.job("uaa_verify.yml", check=True, verbosity=verbosity))
    # failures: a sink secret that no longer authenticates, a wrong admin secret, a secret change refused mid-way
    workspace.control("faults", {"method": "POST", "path": "/oauth/token$", "status": 401, "count": 1,
                                 "body": {"error": "unauthorized", "error_description": "Bad credentials"}})
    fails(workspace.job("uaa_verify.yml", verbosity=verbosity))
    workspace.inventory(CLIENTS, uaa_auth_client_secret="Wr0ng-Adm1n-Secret-for-leak-test",
                        uaa_secret_rotation_rotate_before="2999-01-01T00:00:00Z")
    fails(workspace.job("uaa_rotate.yml", verbosity=verbosity))
    workspace.inventory(CLIENTS, uaa_secret_rotation_rotate_before="2999-01-01T00:00:00Z")
    workspace.control("faults", {"method": "PUT", "path": "/secret$", "status": 400, "count": 3,
                                 "body": {"error": "invalid_client", "error_description": "injected"}})
    fails(workspace.job("uaa_rotate.yml", "--diff", verbosity=verbosity))
    assert_no_leak(workspace)


@VERBOSITY
def test_apic_v5_playbooks_leak_nothing(workspace, verbosity):
    v5_inventory(workspace, ORIGINALS, apic_v5_backup_dir=os.path.join(workspace.path, "backup"))
    ok(workspace.job("apic_v5_backup.yml", verbosity=verbosity))
    ok(workspace.job("apic_v5_restore.yml", check=True, verbosity=verbosity))
    ok(workspace.job("apic_v5_restore.yml", "--diff", verbosity=verbosity))
    ok(workspace.job("apic_v5_restore.yml", verbosity=verbosity))
    v5_inventory(workspace, ORIGINALS, apic_v5_password="Wr0ng-0wner-Passw0rd-leak", apic_v5_credential_restore_owners={},
                 apic_v5_credential_restore_update_secret="always")
    fails(workspace.job("apic_v5_restore.yml", verbosity=verbosity))
    assert_no_leak(workspace)


@VERBOSITY
def test_anypoint_playbooks_leak_nothing(workspace, verbosity):
    targets = TARGETS + [{"connected_app": "c0ffee00c0ffee00c0ffee00c0ffee03"}]
    anypoint_inventory(workspace, targets, auth=ADMIN)
    ok(workspace.job("anypoint_rotate.yml", check=True, verbosity=verbosity))
    ok(workspace.job("anypoint_rotate.yml", "--diff", verbosity=verbosity))
    ok(workspace.job("anypoint_rotate.yml", verbosity=verbosity))
    ok(workspace.job("anypoint_rollback.yml", check=True, verbosity=verbosity))
    ok(workspace.job("anypoint_rollback.yml", "--diff", verbosity=verbosity))
    anypoint_inventory(workspace, targets, auth={"anypoint_username": "env-admin", "anypoint_password": "3nv-Adm1n-Passw0rd-anypoint"},
                       anypoint_secret_rotation_rotate_before="2999-01-01T00:00:00Z")
    fails(workspace.job("anypoint_rotate.yml", verbosity=verbosity))
    fails(workspace.job("anypoint_rollback.yml", verbosity=verbosity))
    assert_no_leak(workspace)


@VERBOSITY
def test_apic_playbook_leaks_nothing(workspace, verbosity):
    apic_inventory(workspace)
    ok(workspace.job("apic_rotate.yml", check=True, verbosity=verbosity))
    workspace.control("faults", {"method": "POST", "path": "verify-client-secret$", "status": 400, "count": 1,
                                 "body": {"status": 400, "message": ["injected"]}}, platform="apic")
    fails(workspace.job("apic_rotate.yml", "--diff", verbosity=verbosity))  # one verify fails
    ok(workspace.job("apic_rotate.yml", verbosity=verbosity))
    workspace.control("age", {"days": 11}, platform="apic")
    ok(workspace.job("apic_rotate.yml", verbosity=verbosity))
    apic_inventory(workspace, apic_password="Wr0ng-Passw0rd-apic-leak-test")
    fails(workspace.job("apic_rotate.yml", verbosity=verbosity))
    workspace.outputs.append(json.dumps(workspace.control("mail", method="GET", platform="apic")))
    assert_no_leak(workspace)


@VERBOSITY
def test_keycloak_playbook_leaks_nothing(workspace, verbosity):
    clients = [{"client_id": ORDERS[0]}, {"client_id": BILLING[0]}]
    keycloak_inventory(workspace, clients)
    ok(workspace.job("keycloak_rotate.yml", check=True, verbosity=verbosity))
    ok(workspace.job("keycloak_rotate.yml", "--diff", verbosity=verbosity))
    # failures: a wrong admin password, and a regeneration whose answer is lost after it landed
    keycloak_inventory(workspace, clients, auth=dict(KEYCLOAK_ADMIN, keycloak_auth_password="Wr0ng-Adm1n-Passw0rd-keycloak-leak"),
                       keycloak_secret_rotation_rotate_before="2999-01-01T00:00:00Z")
    fails(workspace.job("keycloak_rotate.yml", verbosity=verbosity))
    keycloak_inventory(workspace, clients + [{"client_id": "web-portal"}], auth=KEYCLOAK_ADMIN,
                       keycloak_secret_rotation_rotate_before="2999-01-01T00:00:00Z")
    workspace.control("faults", {"method": "POST", "path": "/client-secret$", "status": 502, "after": True, "count": 1},
                      platform="keycloak")
    fails(workspace.job("keycloak_rotate.yml", verbosity=verbosity))  # web-portal is public: it fails, the others rotate
    assert_no_leak(workspace)
