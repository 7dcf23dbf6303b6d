# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""apic_app_credential and apic_app_credential_info against the API Connect v10 emulator, over HTTP."""

from __future__ import annotations

import json

import pytest

from ansible_collections.apiops.credentials.plugins.modules import apic_app_credential, apic_app_credential_info
from tests.unit.conftest import APIC_LOGIN, control, run_module

SECRET = "Unit-Test-S3cret-for-apic-v10-01"


def args(server, **extra):
    base = dict(APIC_LOGIN, apic_url=server.url, retries=2)
    base.update(extra)
    return base


def writes(server):
    """Requests that change something: not reads, logins or verify-client-secret checks."""
    return [r for r in control(server, "requests", method="GET") if r["method"] != "GET" and r["path"] != "/api/token"
            and not r["path"].endswith("/verify-client-secret")]


def test_create_check_mode_then_real_then_idempotent(apic, capsys):
    wanted = args(apic, consumer_org="TestCOrg", app="fresh-app", name="second", secret=SECRET)
    planned = run_module(apic_app_credential.main, wanted, capsys, check_mode=True, diff=True)
    assert planned["changed"] and writes(apic) == []
    assert SECRET not in str(planned)
    created = run_module(apic_app_credential.main, wanted, capsys)
    assert created["changed"] and created["credential"]["name"] == "second" and "client_secret" not in created
    assert created["secret_proven"]
    again = run_module(apic_app_credential.main, wanted, capsys)
    assert not again["changed"]
    assert len(writes(apic)) == 1


@pytest.mark.parametrize("delete_status", [200, 204])  # the platform's answer to DELETE is not documented
def test_the_last_credential_is_kept_unless_forced(apic, capsys, delete_status):
    control(apic, "config", {"delete_status": delete_status})
    wanted = args(apic, consumer_org="TestCOrg", app="fresh-app", name="credential-for-fresh-app", state="absent")
    refused = run_module(apic_app_credential.main, wanted, capsys)
    assert refused["failed"] and "last credential of application fresh-app" in refused["msg"]
    forced = run_module(apic_app_credential.main, dict(wanted, force=True), capsys)
    assert forced["changed"] and not forced.get("failed"), forced
    assert not run_module(apic_app_credential.main, dict(wanted, force=True), capsys)["changed"]


@pytest.mark.parametrize("mismatch_status", [400, 401])  # the platform's answer to a wrong secret is not documented
def test_verify_tells_a_wrong_secret_from_a_failing_login(apic, capsys, mismatch_status):
    control(apic, "config", {"verify_mismatch_status": mismatch_status})
    created = run_module(apic_app_credential.main, args(apic, consumer_org="PartnerOrg", app="partner-app", name="generated"), capsys)
    wanted = args(apic, consumer_org="PartnerOrg", app="partner-app", name="generated", state="verify")
    assert run_module(apic_app_credential.main, dict(wanted, secret=created["client_secret"]), capsys)["secret_valid"]
    wrong = run_module(apic_app_credential.main, dict(wanted, secret="Not-The-Secret-0000000000000000"), capsys)
    assert wrong["secret_valid"] is False and not wrong.get("failed"), wrong
    # Our token stops working mid-run and no new one is issued: the 401 to verify is not a verdict.
    control(apic, "faults", {"method": "POST", "path": "/api/token$", "status": 401, "count": 5, "skip": 1,
                             "body": {"status": 401, "message": ["Bad credentials"]}})
    control(apic, "faults", {"method": "POST", "path": "verify-client-secret$", "status": 401, "count": 5,
                             "body": {"status": 401, "message": ["token expired"]}})
    broken = run_module(apic_app_credential.main, dict(wanted, secret="Not-The-Secret-0000000000000000"), capsys)
    assert broken["failed"] and "401" in broken["msg"], broken  # a login that fails is an error, never "secret invalid"


def test_a_429_storm_is_waited_out(apic, capsys):
    control(apic, "rate_limit", {"count": 2, "retry_after": 0})
    listed = run_module(apic_app_credential_info.main, args(apic), capsys)
    assert listed["count"] == 9 and not listed.get("failed")


def test_platform_generated_secret_is_returned_once_and_verifies(apic, capsys):
    created = run_module(apic_app_credential.main, args(apic, consumer_org="PartnerOrg", app="partner-app", name="generated"), capsys)
    assert len(created["client_secret"]) == 32
    wanted = args(apic, consumer_org="PartnerOrg", app="partner-app", name="generated", state="verify",
                  secret=created["client_secret"])
    check = run_module(apic_app_credential.main, wanted, capsys)
    assert check["secret_valid"] and not check["changed"]


def test_login_problems_are_explained(apic, capsys):
    missing = run_module(apic_app_credential_info.main, args(apic, apic_password=None), capsys)
    assert missing["failed"] and "apic_api_key" in missing["msg"]
    wrong = run_module(apic_app_credential_info.main, args(apic, apic_password="Wr0ng"), capsys)
    assert wrong["failed"] and "HTTP 401" in wrong["msg"] and "Wr0ng" not in wrong["msg"]


# Whether a catalog changes a plaintext secret while hash_client_secret is off, and whether GET shows
# client_secret_hashed then, are not settled by the sources: every combination the emulator can answer.
@pytest.mark.parametrize("hashed_in_get", ["always", "only_when_hashing"])
@pytest.mark.parametrize("secret_change", ["always", "ignored_unless_hashing", "refused_unless_hashing"])
def test_changing_a_secret_is_proven_or_fails_naming_the_catalog_setting(apic, capsys, hashed_in_get, secret_change):
    control(apic, "config", {"hashed_in_get": hashed_in_get, "plaintext_secret_change": secret_change})
    wanted = args(apic, consumer_org="TestCOrg", app="fresh-app", name="second", secret=SECRET)
    created = run_module(apic_app_credential.main, wanted, capsys)
    assert created["changed"] and created["secret_proven"], created
    again = run_module(apic_app_credential.main, wanted, capsys, check_mode=True)
    assert not again["changed"], "the same secret must not be written again (check mode predicts exactly)"

    changed = dict(wanted, secret="Unit-Test-S3cret-for-apic-v10-02")
    planned = run_module(apic_app_credential.main, changed, capsys, check_mode=True)
    assert planned["changed"] and planned["changed_fields"] == ["client_secret"]
    control(apic, "requests", method="DELETE")
    done = run_module(apic_app_credential.main, changed, capsys)
    if secret_change == "always":
        assert done["changed"] and done["secret_proven"] and not done.get("failed"), done
        assert not run_module(apic_app_credential.main, changed, capsys)["changed"]
        assert writes(apic) and len(writes(apic)) == 1
    else:
        assert done["failed"] and "hash_client_secret" in done["msg"], done
        assert "Unit-Test-S3cret" not in done["msg"]
        # the old secret still works: nothing was lost
        still = run_module(apic_app_credential.main, dict(wanted, state="verify"), capsys)
        assert still["secret_valid"]


def catalog_hashing(server):
    return control(server, "state", method="GET")["acme"]["sandbox"]["settings"]["hash_client_secret"]


@pytest.mark.parametrize("hashed_in_get", ["always", "only_when_hashing"])
def test_the_catalog_wide_setting_is_journaled_and_put_back_after_a_run_that_died(apic, capsys, tmp_path, hashed_in_get):
    control(apic, "config", {"hashed_in_get": hashed_in_get})
    journal = str(tmp_path / "settings.json")
    restore = args(apic, consumer_org="TestCOrg", app="fresh-app", name="restored", client_id="restored-client-id-0001",
                   client_secret_hashed="ZFGcgrXetduo6x41snstOV4HBITAej8gXODfGkJPaoE=", allow_hashed_secret_setting=True,
                   setting_journal=journal)
    done = run_module(apic_app_credential.main, restore, capsys)
    assert done["changed"] and done["catalog_setting_switched"] and done["secret_proven"], done
    assert not catalog_hashing(apic) and json.load(open(journal, encoding="utf-8")) == {}
    again = run_module(apic_app_credential.main, restore, capsys)
    assert not again["changed"] and again["secret_compared"] is (hashed_in_get == "always"), again

    # A run dies after switching the setting on: here, switching it back is refused (400, not retried).
    control(apic, "faults", {"method": "PATCH", "path": "/settings$", "status": 400, "count": 1, "skip": 1,
                             "body": {"status": 400, "message": ["injected"]}})
    died = run_module(apic_app_credential.main, dict(restore, name="restored-2", client_id="restored-client-id-0002"), capsys)
    assert died["failed"] and catalog_hashing(apic), "the setting is left on, as after a killed run"
    assert json.load(open(journal, encoding="utf-8")), "and the journal says so"
    # Any later run of the module for that catalog puts it back first (check mode predicts it).
    verify = args(apic, consumer_org="TestCOrg", app="fresh-app", name="restored", state="verify", secret="x",
                  setting_journal=journal)
    control(apic, "requests", method="DELETE")
    assert run_module(apic_app_credential.main, verify, capsys, check_mode=True)["catalog_setting_restored"]
    assert catalog_hashing(apic) and writes(apic) == [] and json.load(open(journal, encoding="utf-8"))
    back = run_module(apic_app_credential.main, verify, capsys)
    assert back["catalog_setting_restored"] and back["changed"] and not catalog_hashing(apic)
    assert not run_module(apic_app_credential.main, verify, capsys)["catalog_setting_restored"]


def test_a_platform_made_secret_that_does_not_verify_is_not_success(apic, capsys):
    created = run_module(apic_app_credential.main, args(apic, consumer_org="PartnerOrg", app="partner-app", name="generated"), capsys)
    assert created["secret_proven"]
    control(apic, "faults", {"method": "POST", "path": "verify-client-secret$", "status": 400, "count": 1,
                             "body": {"status": 400, "message": ["injected mismatch"]}})
    reset = run_module(apic_app_credential.main, args(apic, consumer_org="PartnerOrg", app="partner-app", name="generated",
                                                      state="reset"), capsys)
    assert reset["failed"] and reset["secret_proven"] is False and "verify-client-secret rejects" in reset["msg"]
