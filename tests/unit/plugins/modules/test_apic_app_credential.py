# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""apic_app_credential and apic_app_credential_info against the API Connect v10 emulator, over HTTP."""

from __future__ import annotations

from ansible_collections.apiops.credentials.plugins.modules import apic_app_credential, apic_app_credential_info
from tests.unit.conftest import APIC_LOGIN, control, run_module

SECRET = "Unit-Test-S3cret-for-apic-v10-01"


def args(server, **extra):
    base = dict(APIC_LOGIN, apic_url=server.url, retries=2)
    base.update(extra)
    return base


def writes(server):
    return [r for r in control(server, "requests", method="GET") if r["method"] != "GET" and r["path"] != "/api/token"]


def test_create_check_mode_then_real_then_idempotent(apic, capsys):
    wanted = args(apic, consumer_org="TestCOrg", app="fresh-app", name="second", client_secret=SECRET)
    planned = run_module(apic_app_credential.main, wanted, capsys, check_mode=True, diff=True)
    assert planned["changed"] and writes(apic) == []
    assert SECRET not in str(planned)
    created = run_module(apic_app_credential.main, wanted, capsys)
    assert created["changed"] and created["credential"]["name"] == "second" and "client_secret" not in created
    again = run_module(apic_app_credential.main, wanted, capsys)
    assert not again["changed"]
    assert len(writes(apic)) == 1


def test_the_last_credential_is_kept_unless_forced(apic, capsys):
    wanted = args(apic, consumer_org="TestCOrg", app="fresh-app", name="credential-for-fresh-app", state="absent")
    refused = run_module(apic_app_credential.main, wanted, capsys)
    assert refused["failed"] and "last credential of application fresh-app" in refused["msg"]
    forced = run_module(apic_app_credential.main, dict(wanted, force=True), capsys)
    assert forced["changed"]


def test_a_429_storm_is_waited_out(apic, capsys):
    control(apic, "rate_limit", {"count": 2, "retry_after": 0})
    listed = run_module(apic_app_credential_info.main, args(apic), capsys)
    assert listed["count"] == 9 and not listed.get("failed")


def test_platform_generated_secret_is_returned_once_and_verifies(apic, capsys):
    created = run_module(apic_app_credential.main, args(apic, consumer_org="PartnerOrg", app="partner-app", name="generated"), capsys)
    assert len(created["client_secret"]) == 32
    wanted = args(apic, consumer_org="PartnerOrg", app="partner-app", name="generated", state="verify",
                  client_secret=created["client_secret"])
    check = run_module(apic_app_credential.main, wanted, capsys)
    assert check["secret_valid"] and not check["changed"]


def test_login_problems_are_explained(apic, capsys):
    missing = run_module(apic_app_credential_info.main, args(apic, apic_password=None), capsys)
    assert missing["failed"] and "apic_api_key" in missing["msg"]
    wrong = run_module(apic_app_credential_info.main, args(apic, apic_password="Wr0ng"), capsys)
    assert wrong["failed"] and "HTTP 401" in wrong["msg"] and "Wr0ng" not in wrong["msg"]
