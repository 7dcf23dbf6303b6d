# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""ca_path per platform: each platform's own environment variable, then the shared APIOPS_CA_PATH (deprecated)."""

from __future__ import annotations

import pytest

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.apiops.credentials.plugins.module_utils._common import CONNECTION_ARGSPEC
from ansible_collections.apiops.credentials.plugins.module_utils._http import HttpClient
from ansible_collections.apiops.credentials.plugins.module_utils._uaa import UAA_AUTH_ARGSPEC
from ansible_collections.apiops.credentials.plugins.plugin_utils._platforms import PLATFORMS as ROWS
from tests.emulators.framework import Server
from tests.emulators.uaa import UaaEmulator

# Each platform row's login options, by the CA variable its ca_path reads first.
PLATFORMS = {"APIOPS_%s_CA_PATH" % name.upper(): row.auth_argspec for name, row in ROWS.items()}


def ca_path(auth_argspec):
    """ca_path as a module or an action plugin of the platform resolves it (the login options are not checked)."""
    spec = {name: dict(option, required=False) for name, option in dict(CONNECTION_ARGSPEC, **auth_argspec).items()}
    return ArgumentSpecValidator(spec).validate({}).validated_parameters["ca_path"]


@pytest.fixture(name="no_ca_variables")
def fixture_no_ca_variables(monkeypatch):
    for variable in list(PLATFORMS) + ["APIOPS_CA_PATH"]:
        monkeypatch.delenv(variable, raising=False)
    return monkeypatch


@pytest.mark.parametrize("variable", sorted(PLATFORMS))
def test_each_platform_reads_its_own_ca_variable_before_the_shared_one(no_ca_variables, variable, tmp_path):
    for other in PLATFORMS:
        no_ca_variables.setenv(other, str(tmp_path / other))
    no_ca_variables.setenv("APIOPS_CA_PATH", str(tmp_path / "shared"))
    assert ca_path(PLATFORMS[variable]) == str(tmp_path / variable)
    no_ca_variables.delenv(variable)
    assert ca_path(PLATFORMS[variable]) == str(tmp_path / "shared")


def test_the_deprecated_shared_variable_still_verifies_a_platform(no_ca_variables, tls_files):
    ca_cert, cert, key = tls_files
    no_ca_variables.setenv("APIOPS_CA_PATH", ca_cert)
    with Server(UaaEmulator({}), certfile=cert, keyfile=key) as server:
        client = HttpClient(server.url, "UAA", timeout=5, ca_path=ca_path(UAA_AUTH_ARGSPEC))
        assert client.request("GET", "/login").status == 200
