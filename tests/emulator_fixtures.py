# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""pytest fixtures for the emulators, made the same way for every platform (unit and system tests use them)."""

from __future__ import annotations

import subprocess

import pytest
import requests

from tests.emulators.launch import EMULATORS, serve


def reset(server):
    """Back to the emulator's seed: state, log, faults, latency, clock."""
    requests.post(server.url + "/_emulator/reset", timeout=5)
    return server


def emulator_fixtures(name):
    """``<name>_server``: the emulator, started once per session; ``<name>``: the same, back at its seed for a test."""
    if name not in EMULATORS:
        raise ValueError("no emulator named %s" % name)

    @pytest.fixture(scope="session", name=name + "_server")
    def server():
        with serve(name) as running:
            yield running

    @pytest.fixture(name=name)
    def fresh(request):
        return reset(request.getfixturevalue(name + "_server"))

    return server, fresh


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
