# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Anypoint answers the sources leave open (the emulator's table): the modules work under each, or fail with a
message that names what to check."""

from __future__ import annotations

import pytest

from ansible_collections.apiops.credentials.plugins.modules import anypoint_client_secret as secret_module
from tests.unit.conftest import control, run_module
from tests.unit.plugins.modules.test_anypoint_client_secret import ADMIN, BOT, args

BILLING_APP, BILLING_SECRET = "c0ffee00c0ffee00c0ffee00c0ffee03", "B1ll1ngIntegrationSecret00000003"


@pytest.mark.parametrize("error_body", ["json", "text", "empty"])
def test_refusals_are_explained_whatever_the_error_body(anypoint, capsys, error_body):
    control(anypoint, "config", {"error_body": error_body})
    wrong = run_module(secret_module.main, args(anypoint, dict(ADMIN, anypoint_password="Wr0ng-Passw0rd"), environment="Sandbox",
                                                force=True), capsys)
    assert wrong["failed"] and "HTTP 401" in wrong["msg"] and "anypoint_password" in wrong["msg"], wrong
    env_admin = dict(anypoint_username="env-admin", anypoint_password="3nv-Adm1n-Passw0rd-anypoint")
    refused = run_module(secret_module.main, args(anypoint, env_admin, environment="Sandbox", force=True), capsys)
    assert refused["failed"] and "HTTP 403" in refused["msg"] and "Environment Administrator is not enough" in refused["msg"]
    assert "Wr0ng-Passw0rd" not in wrong["msg"]


@pytest.mark.parametrize("manager", ["user", "scoped"])
def test_a_connected_app_login_manages_connected_apps_where_the_platform_lets_it(anypoint, capsys, manager):
    control(anypoint, "config", {"connected_app_manager": manager})
    task = args(anypoint, BOT, connected_app=BILLING_APP, expected_secret=BILLING_SECRET)
    done = run_module(secret_module.main, task, capsys)
    if manager == "user":
        assert done["failed"] and done["status"] == 403 and "Organization Administrator user" in done["msg"], done
        done = run_module(secret_module.main, dict(task, **{k: None for k in BOT}, **ADMIN), capsys)
    assert done["changed"] and done["secret_valid"] and not done.get("failed"), done
    assert not run_module(secret_module.main, task if manager == "scoped" else dict(task, **{k: None for k in BOT}, **ADMIN),
                          capsys)["changed"]
