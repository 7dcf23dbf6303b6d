# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The API Connect v10 client over HTTP to the emulator: token renewal, paging, discovery."""

from __future__ import annotations

import re
import threading

from ansible_collections.apiops.credentials.plugins.module_utils._apic import ApicApi
from tests.unit.conftest import APIC_LOGIN, control


def params(server, **extra):
    # What the argument spec would fill in, as the modules hand it to ApicApi.
    base = dict(APIC_LOGIN, apic_url=server.url, apic_realm="provider/default-idp-2", apic_api_key=None, validate_certs=True,
                ca_path=None, request_timeout=10, retries=2)
    base.update(extra)
    return base


def logins(server):
    return [r for r in control(server, "requests", method="GET") if r["path"] == "/api/token"]


def test_an_expired_token_is_fetched_again_once(apic):
    api = ApicApi(params(apic))
    assert len(api.consumer_orgs()) == 2
    control(apic, "clock", {"advance": 28801})  # past the 8-hour token lifetime
    assert len(api.consumer_orgs()) == 2
    assert len(logins(apic)) == 2


def test_pages_are_followed_to_total_results(apic):
    control(apic, "config", {"max_limit": 2})  # the platform caps the page: the client must follow total_results
    rows = ApicApi(params(apic)).discover()
    assert len(rows) == 9
    assert {row["owner_email"] for row in rows} == {"corguser1@example.com", "api-owner@partner.example.org"}
    pages = [r for r in control(apic, "requests", method="GET") if r["path"].endswith("/credentials")]
    assert len(pages) == 5
    assert len(logins(apic)) == 1, "the listings are read at once, after one login"


def test_threads_that_call_at_first_share_one_login(apic):
    api = ApicApi(params(apic))
    threads = [threading.Thread(target=api.consumer_orgs) for _number in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(logins(apic)) == 1


def test_discovery_of_one_consumer_org_and_one_app(apic):
    api = ApicApi(params(apic))
    assert {row["app"] for row in api.discover(consumer_org="PartnerOrg")} == {"partner-app", "mobile-app"}
    assert [row["name"] for row in api.discover(consumer_org="PartnerOrg", app="mobile-app")] == ["credential-for-mobile-app", "ios"]
    # A consumer org's credentials are read app by app: the catalog's paged list shifts while other hosts write to it.
    assert not [r for r in control(apic, "requests", method="GET") if re.match(r"^/api/catalogs/[^/]+/[^/]+/credentials", r["path"])]
