# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures: real emulators on 127.0.0.1, and a runner for module main() with real arguments."""

from __future__ import annotations

import contextlib
import json

import pytest
import requests

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core before 2.19 reads the arguments from a module global
    from ansible.module_utils import basic

    @contextlib.contextmanager
    def patch_module_args(args):
        saved = basic._ANSIBLE_ARGS  # pylint: disable=protected-access
        basic._ANSIBLE_ARGS = json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode("utf-8")  # pylint: disable=protected-access
        try:
            yield
        finally:
            basic._ANSIBLE_ARGS = saved  # pylint: disable=protected-access

from tests.emulator_fixtures import emulator_fixtures, tls_files  # noqa: F401 pylint: disable=unused-import

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
