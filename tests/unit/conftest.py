# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures: real emulators on 127.0.0.1, and a runner for module main() with real arguments."""

from __future__ import annotations

import json
import subprocess

import pytest
import requests

from ansible.module_utils.testing import patch_module_args

from tests.emulator_fixtures import emulator_fixtures

UAA_ADMIN = {"uaa_auth_client_id": "admin", "uaa_auth_client_secret": "adm1n-S3cret-seed-7f3a9c"}
# A provider user and the toolkit credentials of the API Connect v10 seed.
APIC_LOGIN = {"apic_org": "acme", "apic_catalog": "sandbox", "apic_username": "apiops-admin",
              "apic_password": "Pr0vider-Adm1n-Passw0rd-v10", "apic_client_id": "599b7aef-8841-4ee2-88a0-84d49c4d6ff2",
              "apic_client_secret": "0ea28423-e73b-47d4-b40e-ddb45c48bb0c"}


uaa_server, uaa = emulator_fixtures("uaa")
apic_v5_server, apic_v5 = emulator_fixtures("apic_v5")
anypoint_server, anypoint = emulator_fixtures("anypoint")
apic_server, apic = emulator_fixtures("apic")


def control(server, what, body=None, method="POST"):
    response = requests.request(method, server.url + "/_emulator/" + what, json=body, timeout=5)
    response.raise_for_status()
    return response.json()


class ModuleExit(Exception):
    def __init__(self, result):
        super().__init__(result)
        self.result = result


def run_module(module_main, args, capsys, check_mode=False, diff=False):
    """Run a module's main() in-process with ``args``; return its JSON result (failed or not)."""
    args = dict(args, _ansible_check_mode=check_mode, _ansible_diff=diff, _ansible_remote_tmp="/tmp", _ansible_keep_remote_files=False)
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            module_main()
    out = capsys.readouterr().out
    result = json.loads(out)
    result.setdefault("warnings", [])
    return result


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory):
    """A private CA and a server certificate for 127.0.0.1 signed by it: (ca.pem, server cert, server key)."""
    directory = tmp_path_factory.mktemp("tls")
    ca_key, ca_cert = directory / "ca.key", directory / "ca.pem"
    key, csr, cert, ext = directory / "server.key", directory / "server.csr", directory / "server.pem", directory / "ext.cnf"
    ext.write_text("basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\n"
                   "extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1\n"
                   "authorityKeyIdentifier=keyid\nsubjectKeyIdentifier=hash\n")
    for command in (
        ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca_cert, "-days", "2", "-subj", "/CN=apiops test CA",
         "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
        ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=127.0.0.1"],
        ["x509", "-req", "-in", csr, "-CA", ca_cert, "-CAkey", ca_key, "-CAcreateserial", "-out", cert, "-days", "2", "-extfile", ext],
    ):
        subprocess.run(["openssl"] + [str(part) for part in command], check=True, capture_output=True)
    return str(ca_cert), str(cert), str(key)
