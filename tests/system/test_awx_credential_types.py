# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The AWX credential types of docs/awx/credential_types, applied as AWX applies them, against HTTPS emulators.

Each playbook runs through ansible-runner with nothing in the inventory but what the playbook works on: the URL,
login and CA come from the credential type's injectors. Three cases per type: a CA pasted into the credential; an
empty CA field with a trust store that knows the platform's CA (an execution environment with the company CA
installed); an empty CA field with a trust store that does not, which must fail with a message naming ca_path.
"""

from __future__ import annotations

import json
import os

import pytest

from tests.emulators.framework import Server, load_seed
from tests.emulators.launch import EMULATORS, SEEDS

SYSTEM_TRUST = "/etc/ssl/certs/ca-certificates.crt"

LOGINS = {
    "uaa": {"client_id": "admin", "client_secret": "adm1n-S3cret-seed-7f3a9c", "username": "", "password": ""},
    "apic": {"org": "acme", "catalog": "sandbox", "username": "apiops-admin", "password": "Pr0vider-Adm1n-Passw0rd-v10",
             "realm": "provider/default-idp-2", "api_key": "", "client_id": "599b7aef-8841-4ee2-88a0-84d49c4d6ff2",
             "client_secret": "0ea28423-e73b-47d4-b40e-ddb45c48bb0c"},
    "apic_v5": {"context": "myOrg.myCatalog", "username": "owner-acme", "password": "acme-0wner-Passw0rd-v5-11"},
}


@pytest.fixture(name="https_server")
def fixture_https_server(request, tls_files):
    _ca, cert, key = tls_files
    emulator_class, seed = EMULATORS[request.param]
    with Server(emulator_class(load_seed(os.path.join(SEEDS, seed))), certfile=cert, keyfile=key) as server:
        yield request.param, server


def inventory_and_playbook(workspace, platform):
    """What the job runs and an inventory with no URL, login or CA in it."""
    if platform == "uaa":
        host = {"uaa_secret_rotation_sink_dir": workspace.sink_dir,
                "uaa_secret_rotation_clients": [{"client_id": "billing-service"}]}
        return {"uaa_servers": {"hosts": {"uaa-awx": host}}}, "uaa_rotate.yml", []
    if platform == "apic":
        host = {"apic_credential_rotation_sink_dir": workspace.sink_dir}
        return {"apic_catalogs": {"hosts": {"sandbox": host}}}, "apic_rotate.yml", ["--check"]
    host = {"apic_v5_backup_dir": os.path.join(workspace.path, "backup")}
    return {"apic_v5_portals": {"hosts": {"v5-awx": host}}}, "apic_v5_backup.yml", []


@pytest.mark.parametrize("https_server", ["uaa", "apic", "apic_v5"], indirect=True)
@pytest.mark.parametrize("case", ["ca_in_credential", "empty_ca_trusted_by_the_system", "empty_ca_untrusted"])
def test_credential_type_with_and_without_a_ca(workspace, https_server, tls_files, case):
    platform, server = https_server
    ca_cert = tls_files[0]
    inventory, playbook, extra = inventory_and_playbook(workspace, platform)
    workspace.write_inventory(inventory)
    inputs = dict(LOGINS[platform], ca_cert="", **{"uaa_url" if platform == "uaa" else "url": server.url})
    trust = SYSTEM_TRUST
    if case == "ca_in_credential":
        with open(ca_cert, encoding="utf-8") as handle:
            inputs["ca_cert"] = handle.read()
    elif case == "empty_ca_trusted_by_the_system":
        trust = ca_cert
    run = workspace.job(playbook, *extra, credential=(platform, inputs), env={"REQUESTS_CA_BUNDLE": trust, "CURL_CA_BUNDLE": trust})

    secrets = [value for key, value in inputs.items() if key.endswith(("secret", "password")) and value]
    events = [json.dumps(event) for event in run.events]
    for text in [run.output] + events:
        assert not [s for s in secrets if s in text], "a credential secret reached the job output"
    assert "NO_CERTIFICATE_OR_CRL_FOUND" not in run.output
    if case == "empty_ca_untrusted":
        assert run.rc != 0, run.output[-3000:]
        assert "TLS verification failed" in run.output and "ca_path" in run.output, run.output[-3000:]
        return
    assert run.rc == 0, run.output[-3000:]
    if platform == "uaa":
        record = workspace.record("billing-service", host="uaa-awx")
        assert record["state"] == "complete" and record["secret"]
