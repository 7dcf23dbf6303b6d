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


class AwsServer:
    """moto's server: AWS's APIs as an independent implementation (Secrets Manager here), on 127.0.0.1."""

    def __init__(self):
        import logging  # pylint: disable=import-outside-toplevel
        from moto.server import ThreadedMotoServer  # pylint: disable=import-outside-toplevel

        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # its access log is not ours to print
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.server.start()
        self.url = "http://%s:%d" % self.server.get_host_and_port()

    def reset(self):
        requests.post(self.url + "/moto-api/reset", timeout=5)
        return self

    def client(self):
        import boto3  # pylint: disable=import-outside-toplevel
        return boto3.client("secretsmanager", region_name=AWS_REGION, endpoint_url=self.url, **AWS_KEYS)


AWS_REGION = "eu-central-1"
AWS_KEYS = {"aws_access_key_id": "AKIAAPIOPSTESTING001", "aws_secret_access_key": "apiops-test-aws-secret-access-key-0001"}


@pytest.fixture(scope="session")
def aws_server():
    server = AwsServer()
    yield server
    server.server.stop()


@pytest.fixture
def aws(aws_server):
    return aws_server.reset()


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
