# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""API Connect v10 answers the sources leave open (the emulator's table): the modules work under each, or fail
with a message that names what to check."""

from __future__ import annotations

import pytest
import requests

from ansible_collections.apiops.credentials.plugins.modules import apic_app_credential, apic_app_credential_info
from tests.unit.conftest import APIC_LOGIN, control, run_module

HASH_OF_RESTORED = "ZFGcgrXetduo6x41snstOV4HBITAej8gXODfGkJPaoE="


def args(server, **extra):
    return dict(APIC_LOGIN, apic_url=server.url, retries=2, **extra)


@pytest.mark.parametrize("default_limit, max_limit", [(None, 1000), (3, 1000), (None, 2), (3, 2)])
def test_every_credential_is_listed_whatever_the_page_size(apic, capsys, default_limit, max_limit):
    control(apic, "config", {"default_limit": default_limit, "max_limit": max_limit})
    listed = run_module(apic_app_credential_info.main, args(apic), capsys)
    assert listed["count"] == 9 and not listed.get("failed"), listed
    assert len({(c["consumer_org"], c["app"], c["name"]) for c in listed["credentials"]}) == 9


@pytest.mark.parametrize("reset_status", [200, 201])
@pytest.mark.parametrize("verify_status", [200, 204])
def test_reset_and_verify_work_with_any_2xx(apic, capsys, reset_status, verify_status):
    control(apic, "config", {"reset_status": reset_status, "verify_status": verify_status})
    where = args(apic, consumer_org="PartnerOrg", app="partner-app", name="generated")
    assert run_module(apic_app_credential.main, where, capsys)["secret_proven"]
    reset = run_module(apic_app_credential.main, dict(where, state="reset"), capsys)
    assert reset["changed"] and reset["secret_proven"] and not reset.get("failed"), reset
    check = run_module(apic_app_credential.main, dict(where, state="verify", secret=reset["client_secret"]), capsys)
    assert check["secret_valid"] is True


@pytest.mark.parametrize("status", [409, 400])
def test_a_client_id_taken_in_the_catalog_is_named(apic, capsys, status):
    control(apic, "config", {"duplicate_client_id_status": status})
    taken = run_module(apic_app_credential_info.main, args(apic), capsys)["credentials"][0]["client_id"]
    clash = run_module(apic_app_credential.main, args(apic, consumer_org="TestCOrg", app="fresh-app", name="clash",
                                                      client_id=taken, secret="Unit-Test-S3cret-for-apic-v10-09"), capsys)
    assert clash["failed"] and "already exists in catalog" in clash["msg"], clash
    assert "Unit-Test-S3cret" not in clash["msg"]


@pytest.mark.parametrize("answer", ["refused", "accepted"])
def test_a_hashed_secret_is_restored_whether_or_not_the_catalog_needs_its_setting(apic, capsys, answer):
    control(apic, "config", {"hashed_secret_unless_hashing": answer})
    restore = args(apic, consumer_org="TestCOrg", app="fresh-app", name="restored", client_id="restored-client-id-0001",
                   client_secret_hashed=HASH_OF_RESTORED)
    first = run_module(apic_app_credential.main, restore, capsys)
    if answer == "refused":
        assert first["failed"] and "allow_hashed_secret_setting" in first["msg"], first
        first = run_module(apic_app_credential.main, dict(restore, allow_hashed_secret_setting=True), capsys)
        assert first["catalog_setting_switched"]
    assert first["changed"] and first["secret_proven"] and not first.get("failed"), first
    assert not run_module(apic_app_credential.main, restore, capsys)["changed"]


@pytest.mark.parametrize("name_from_title", ["lowercase", "keep_case"])
def test_the_name_the_platform_gives_an_app_s_first_credential_is_used_as_listed(apic, capsys, name_from_title):
    control(apic, "config", {"name_from_title": name_from_title})
    login = requests.post(apic.url + "/api/token", timeout=5, json=dict(
        grant_type="password", username=APIC_LOGIN["apic_username"], password=APIC_LOGIN["apic_password"], realm="provider/default-idp-2",
        client_id=APIC_LOGIN["apic_client_id"], client_secret=APIC_LOGIN["apic_client_secret"])).json()
    made = requests.post(apic.url + "/api/consumer-orgs/acme/sandbox/TestCOrg/apps", timeout=5, json={"name": "titled-app"},
                         headers={"Authorization": "Bearer " + login["access_token"]})
    assert made.status_code == 201
    listed = run_module(apic_app_credential_info.main, args(apic, consumer_org="TestCOrg", app="titled-app"), capsys)
    name = listed["credentials"][0]["name"]
    assert name == ("credential-for-titled-app" if name_from_title == "lowercase" else "Credential-for-titled-app")
    reset = run_module(apic_app_credential.main, args(apic, consumer_org="TestCOrg", app="titled-app", name=name, state="reset"), capsys)
    assert reset["changed"] and reset["secret_proven"], reset
