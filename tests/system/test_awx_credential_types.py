# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The AWX credential types of docs/awx/credential_types, applied as AWX applies them, against HTTPS emulators.

Each playbook runs through ansible-runner with nothing in the inventory but what the playbook works on: the URL,
login and CA come from the credential type's injectors. Three cases per type: a CA pasted into the credential; an
empty CA field with a trust store that knows the platform's CA (an execution environment with the company CA
installed); an empty CA field with a trust store that does not, which must fail with a message naming ca_path.
Then one job with the credentials of every platform, each platform signed by a CA of its own: the audit reaches all.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess

import pytest
import requests

from tests.emulators.awx_controller import AwxControllerEmulator
from tests.emulators.framework import Server
from tests.emulators.launch import EMULATORS, seed_of
from tests.system import awx
from tests.system.test_anypoint_rotation import BOT, SANDBOX
from tests.system.test_anypoint_rotation import inventory as anypoint_inventory
from tests.system.test_apic_rotation import apic_inventory
from tests.system.test_apic_v5_restore import ORIGINALS, v5_inventory
from tests.system.test_audit import audit_rows
from tests.system.test_hashicorp_vault_sink import BILLING

SYSTEM_TRUST = "/etc/ssl/certs/ca-certificates.crt"
AWX_ADMIN = "awx-apiops-admin-token-0000000001"  # a superuser of the AWX emulator's seed
AWX_BOT = "awx-apiops-rotation-token-0000000002"  # not a superuser

LOGINS = {
    "uaa": {"client_id": "admin", "client_secret": "adm1n-S3cret-seed-7f3a9c", "username": "", "password": ""},
    "apic": {"org": "acme", "catalog": "sandbox", "username": "apiops-admin", "password": "Pr0vider-Adm1n-Passw0rd-v10",
             "realm": "provider/default-idp-2", "api_key": "", "client_id": "599b7aef-8841-4ee2-88a0-84d49c4d6ff2",
             "client_secret": "0ea28423-e73b-47d4-b40e-ddb45c48bb0c"},
    "apic_v5": {"context": "myOrg.myCatalog", "username": "owner-acme", "password": "acme-0wner-Passw0rd-v5-11"},
    "anypoint": {"region": "us", "client_id": BOT["anypoint_client_id"], "client_secret": BOT["anypoint_client_secret"],
                 "username": "", "password": "", "organization_id": ""},
}
# What the inventory helpers of the other tests put in that a credential gives instead: the URL and the login.
CREDENTIAL_VARIABLES = ("_url", "_org", "_catalog", "_context", "_username", "_password", "_client_id", "_client_secret")


@pytest.fixture(name="https_server")
def fixture_https_server(request, tls_files):
    _ca, cert, key = tls_files
    with Server(EMULATORS[request.param](seed_of(request.param)), certfile=cert, keyfile=key) as server:
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


def certificate_authority(directory, name):
    """A CA of its own and a server certificate for 127.0.0.1 signed by it (EC keys: fast): (ca.pem, cert, key)."""
    os.makedirs(directory)
    ca_key, ca_cert, key, csr, cert, ext = (os.path.join(directory, name) for name in
                                            ("ca.key", "ca.pem", "server.key", "server.csr", "server.pem", "ext.cnf"))
    with open(ext, "w", encoding="utf-8") as handle:
        handle.write("basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n"
                     "subjectAltName=IP:127.0.0.1\nauthorityKeyIdentifier=keyid\nsubjectKeyIdentifier=hash\n")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    for command in (
        ["req", "-x509"] + ec + ["-keyout", ca_key, "-out", ca_cert, "-days", "2", "-subj", "/CN=apiops test CA " + name,
                                 "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
        ["req"] + ec + ["-keyout", key, "-out", csr, "-subj", "/CN=127.0.0.1"],
        ["x509", "-req", "-in", csr, "-CA", ca_cert, "-CAkey", ca_key, "-CAcreateserial", "-out", cert, "-days", "2", "-extfile", ext],
    ):
        subprocess.run(["openssl"] + command, check=True, capture_output=True)
    return ca_cert, cert, key


def https_emulator(platform, tls):
    _ca, cert, key = tls
    return Server(EMULATORS[platform](seed_of(platform)), certfile=cert, keyfile=key)


def every_platform_without_credentials(workspace, servers):
    """One inventory with a host per platform and none of what the credentials give (URL, login, CA)."""
    groups = {}
    for write in (lambda: workspace.inventory([{"client_id": BILLING[0]}]),
                  lambda: anypoint_inventory(workspace, [{"environment": "Sandbox"}]),
                  lambda: v5_inventory(workspace, ORIGINALS[:1]),
                  lambda: apic_inventory(workspace)):
        write()
        with open(os.path.join(workspace.path, "inventory.json"), encoding="utf-8") as handle:
            groups.update(json.load(handle))
    for group in groups.values():
        for host in group["hosts"].values():
            for name in [name for name in host if name.endswith(CREDENTIAL_VARIABLES) or name.endswith("_report_path")]:
                del host[name]
    groups["apic_v5_portals"]["hosts"]["v5-test"]["apic_v5_credential_restore_gateway_probe_url"] = \
        servers["apic_v5"].url + "/gateway/myOrg/myCatalog/ping"
    workspace.write_inventory(groups)
    # Sink records the audit checks with each platform: without one it asks the platform nothing.
    v5_record = {"secret": ORIGINALS[0]["client_secret"], "client_id": ORIGINALS[0]["client_id"]}
    for platform, host, key, record in (("uaa", "uaa-test", "uaa/" + BILLING[0], {"secret": BILLING[1]}),
                                        ("anypoint", "acme", "root/environment-Sandbox", {"secret": SANDBOX[1]}),
                                        ("apic_v5", "v5-test", "acme-dev/orders-app/default", v5_record)):
        os.makedirs(os.path.join(workspace.sink_dir, platform))
        workspace.encrypt(os.path.join("secrets", platform, host + ".vault"), json.dumps(
            {"credentials": {key: dict(record, state="complete", rotated_at="2026-01-01T00:00:00Z")}}))


def test_one_job_with_every_platform_credential_gives_each_platform_its_own_ca(workspace, tmp_path):
    cas = {platform: certificate_authority(str(tmp_path / ("tls-" + platform)), platform) for platform in LOGINS}
    with contextlib.ExitStack() as stack:
        servers = {platform: stack.enter_context(https_emulator(platform, cas[platform])) for platform in LOGINS}
        every_platform_without_credentials(workspace, servers)
        env = {}
        for platform, server in servers.items():
            with open(cas[platform][0], encoding="utf-8") as handle:
                inputs = dict(LOGINS[platform], ca_cert=handle.read(), **{"uaa_url" if platform == "uaa" else "url": server.url})
            env.update(awx.inject(awx.load_type(platform), inputs, os.path.join(workspace.path, "awx", platform)))
        # The deprecated shared variable, as an older credential type would set it: each platform's own CA wins.
        env["APIOPS_CA_PATH"] = cas["uaa"][0]
        run = workspace.job("credential_audit.yml", env=dict(env, REQUESTS_CA_BUNDLE=SYSTEM_TRUST, CURL_CA_BUNDLE=SYSTEM_TRUST))

        assert "TLS verification failed" not in run.output and "have findings" in run.output, run.output[-3000:]
        for platform, server in servers.items():
            log = requests.get(server.url + "/_emulator/requests", verify=cas[platform][0], timeout=5).json()
            assert log, "%s was never reached: %s" % (platform, run.output[-3000:])
    rows = [row for platform, host in (("uaa", "uaa-test"), ("anypoint", "acme"), ("apic_v5", "v5-test"))
            for row in audit_rows(workspace, platform, host).values()]
    with open(os.path.join(workspace.path, "reports", "sandbox-audit.json"), encoding="utf-8") as handle:
        rows += json.load(handle)["credentials"]
    assert rows and not [row for row in rows if row["result"] == "unknown"], rows


def test_the_registration_playbook_creates_updates_and_leaves_alone_through_awxs_api(workspace, tmp_path):
    """awx_register_credential_types with ansible.builtin.uri only: the injector templates reach AWX unrendered."""
    with Server(AwxControllerEmulator(seed_of("awx_controller"))) as server:
        files = sorted(name for name in os.listdir(awx.TYPES) if name.endswith(".yml"))
        wanted = {awx.load_type(name[:-4])["name"]: awx.load_type(name[:-4]) for name in files}
        workspace.write_inventory({})
        workspace.env.update(CONTROLLER_HOST=server.url, CONTROLLER_OAUTH_TOKEN=AWX_ADMIN)

        def writes():
            return [entry for entry in requests.get(server.url + "/_emulator/requests", timeout=5).json() if entry["method"] != "GET"]

        def types():
            return {kind["name"]: kind for kind in requests.get(server.url + "/_emulator/state", timeout=5).json()["credential_types"]}

        dry = workspace.play("awx_register_credential_types.yml", check=True)
        assert dry.rc == 0 and dry.recap("localhost")["changed"] > 0 and writes() == [], dry.output[-3000:]
        run = workspace.play("awx_register_credential_types.yml")
        assert run.rc == 0, run.output[-3000:]
        # The seed has "apiops UAA admin" as the file says: the other types are created, that one is left alone.
        assert sorted(entry["method"] for entry in writes()) == ["POST"] * (len(files) - 1)
        for name, kind in wanted.items():
            assert {key: types()[name][key] for key in ("kind", "inputs", "injectors")} == \
                {key: kind[key] for key in ("kind", "inputs", "injectors")}, name

        # A type whose injectors were changed in AWX is put back, and only it; a login that is no superuser's is refused.
        anypoint = types()["apiops Anypoint"]
        requests.patch("%s/api/v2/credential_types/%d/" % (server.url, anypoint["id"]), json={"injectors": {"env": {}}},
                       headers={"Authorization": "Bearer " + AWX_ADMIN}, timeout=5).raise_for_status()
        requests.delete(server.url + "/_emulator/requests", timeout=5)
        fixed = workspace.play("awx_register_credential_types.yml")
        assert fixed.rc == 0 and [entry["method"] for entry in writes()] == ["PATCH"], fixed.output[-3000:]
        assert fixed.recap("localhost")["changed"] == 1, "the types that match are left alone"
        assert types()[anypoint["name"]]["injectors"] == wanted[anypoint["name"]]["injectors"]
        requests.patch("%s/api/v2/credential_types/%d/" % (server.url, anypoint["id"]), json={"injectors": {"env": {}}},
                       headers={"Authorization": "Bearer " + AWX_ADMIN}, timeout=5).raise_for_status()
        workspace.env.update(CONTROLLER_OAUTH_TOKEN=AWX_BOT)
        refused = workspace.play("awx_register_credential_types.yml")
        assert refused.rc != 0 and "AWX answered 403 to the update of credential type" in refused.output, refused.output[-3000:]
        assert AWX_BOT not in refused.output and AWX_ADMIN not in "".join(workspace.outputs)
