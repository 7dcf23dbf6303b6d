# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The API Connect v5 adapter of the engine over real HTTP to the v5 portal emulator."""

from __future__ import annotations

from ansible_collections.apiops.credentials.plugins.module_utils._apic_v5 import ApicV5Api, hash_secret
from ansible_collections.apiops.credentials.plugins.plugin_utils._apic_v5_rotation import ApicV5Adapter, describe
from ansible_collections.apiops.credentials.plugins.plugin_utils._engine import ApiContext, Work

ROWS = [{"org": "acme-dev", "app": "orders-app", "client_id": "0ec9010b-11d5-4459-8e9f-2695459c9ed5"},
        {"org": "acme-dev", "app": "billing-app", "client_id": "11111111-2222-3333-4444-555555555555"}]


def params(server):
    return dict(apic_v5_url=server.url, apic_v5_username="owner-acme", apic_v5_password="acme-0wner-Passw0rd-v5-11",
                apic_v5_context="myOrg.myCatalog", validate_certs=True, ca_path=None, request_timeout=5, retries=1)


def work(row):
    location, name, key = describe(row)
    return Work("v5-test", name, key, dict(row), location=location, strategy="restore")


def test_the_restore_decision_reads_the_app_after_the_lists_another_run_may_have_changed(apic_v5):
    adapter = ApicV5Adapter(params(apic_v5), warn=lambda message: None, rate_gate=None)
    orders, billing = work(ROWS[0]), work(ROWS[1])
    before = adapter.current_id(orders), adapter.current_id(billing)  # the org and app lists are read and kept
    assert ROWS[0]["client_id"] not in before

    # Another run restores orders-app while this one works on billing-app (it holds only billing-app's lock).
    other = ApicV5Api(ApiContext(params(apic_v5), lambda message: None))
    org = next(o for o in other.orgs() if o["name"] == "acme-dev")
    app = next(a for a in other.apps(org["id"]) if a["name"] == "orders-app")
    other.set_credential(org["id"], app["id"], None, ROWS[0]["client_id"], hash_secret("a-restored-secret-value-01"))

    # Once this run takes orders-app's lock, it must see that restore, or it would put the value in a second time.
    assert adapter.current_id(orders) == ROWS[0]["client_id"]
