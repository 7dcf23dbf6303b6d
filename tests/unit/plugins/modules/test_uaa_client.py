# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""uaa_client and uaa_client_info through main(), over real HTTP to the UAA emulator."""

from __future__ import annotations

import json

import pytest
import requests

from ansible_collections.apiops.credentials.plugins.modules import uaa_client, uaa_client_info
from tests.unit.conftest import UAA_ADMIN, control, run_module

NEW = "Brand-New-Secret-0123456789abcdef"
BILLING_OLD = "b1lling-S3cret-seed-91e2d7"


def args(uaa, **kwargs):
    return dict(dict(UAA_ADMIN, uaa_url=uaa.url, retries=1), **kwargs)


def state(uaa, client_id, zone="uaa"):
    return control(uaa, "state", method="GET")["clients"][zone].get(client_id)


def writes(uaa):
    return [r for r in control(uaa, "requests", method="GET")
            if r["method"] != "GET" and r["path"] != "/oauth/token"]


def token_works(uaa, client_id, secret):
    response = requests.post(uaa.url + "/oauth/token", data={"grant_type": "client_credentials"},
                             auth=(client_id, secret), timeout=5)
    return response.status_code == 200


def test_create_check_apply_idempotent(uaa, capsys):
    task = args(uaa, client_id="inventory-service", authorized_grant_types=["client_credentials"],
                authorities=["inventory.read"], secret=NEW)
    predicted = run_module(uaa_client.main, task, capsys, check_mode=True, diff=True)
    assert predicted["changed"] and predicted["diff"]["before"] == {"state": "absent"}
    assert predicted["diff"]["after"]["secret"] == ["******** (new)"]
    assert state(uaa, "inventory-service") is None and writes(uaa) == []

    applied = run_module(uaa_client.main, task, capsys)
    assert applied["changed"] and applied["secret_action"] == "set_on_create" and applied["secret_verified"]
    assert applied["client"] == predicted["client"]
    assert token_works(uaa, "inventory-service", NEW)

    again = run_module(uaa_client.main, dict(task, authorities=["inventory.read", "inventory.read"]), capsys)
    assert not again["changed"] and again["secret_action"] == "none"
    assert NEW not in json.dumps([predicted, applied, again])


def test_update_lists_as_sets_and_diff_only_changed_keys(uaa, capsys):
    task = args(uaa, client_id="billing-service", authorities=["billing.read"])
    predicted = run_module(uaa_client.main, task, capsys, check_mode=True, diff=True)
    assert predicted["diff"] == {"before": {"authorities": ["billing.read", "billing.write"]},
                                 "after": {"authorities": ["billing.read"]}}
    assert writes(uaa) == []
    applied = run_module(uaa_client.main, task, capsys)
    assert applied["changed"] and applied["changed_fields"] == ["authorities"]
    assert state(uaa, "billing-service")["authorities"] == ["billing.read"]
    assert not run_module(uaa_client.main, task, capsys)["changed"]


def test_secret_that_already_works_is_not_set_again(uaa, capsys):
    result = run_module(uaa_client.main, args(uaa, client_id="billing-service", secret=BILLING_OLD), capsys)
    assert not result["changed"]
    assert not any(r["path"].endswith("/secret") for r in control(uaa, "requests", method="GET"))


def test_zero_downtime_add_then_delete_old(uaa, capsys):
    add = args(uaa, client_id="billing-service", secret=NEW, secret_mode="add")
    assert run_module(uaa_client.main, add, capsys, check_mode=True)["changed"]
    assert state(uaa, "billing-service")["secret_count"] == 1
    assert run_module(uaa_client.main, add, capsys)["secret_action"] == "add"
    assert token_works(uaa, "billing-service", NEW) and token_works(uaa, "billing-service", BILLING_OLD)
    assert not run_module(uaa_client.main, add, capsys)["changed"]

    retire = args(uaa, client_id="billing-service", secret=NEW, old_secret=BILLING_OLD, secret_mode="delete_old")
    assert run_module(uaa_client.main, retire, capsys, check_mode=True)["changed"]
    result = run_module(uaa_client.main, retire, capsys, diff=True)
    assert result["secret_action"] == "delete" and result["diff"]["after"]["secrets"] == ["********"]
    assert token_works(uaa, "billing-service", NEW) and not token_works(uaa, "billing-service", BILLING_OLD)
    assert not run_module(uaa_client.main, retire, capsys)["changed"]


def test_delete_old_is_refused_when_the_new_secret_does_not_work(uaa, capsys):
    result = run_module(uaa_client.main, args(uaa, client_id="billing-service", secret=NEW, old_secret=BILLING_OLD,
                                              secret_mode="delete_old"), capsys)
    assert result["failed"] and "does not authenticate" in result["msg"]
    assert token_works(uaa, "billing-service", BILLING_OLD)


def test_update_replaces_and_revokes_old_secret(uaa, capsys):
    task = args(uaa, client_id="billing-service", secret=NEW, old_secret=BILLING_OLD)
    result = run_module(uaa_client.main, task, capsys)
    assert result["secret_action"] == "update" and result["secret_verified"]
    assert not token_works(uaa, "billing-service", BILLING_OLD)
    assert not run_module(uaa_client.main, task, capsys)["changed"]


def test_self_service_change_with_old_secret(uaa, capsys):
    """A client with clients.secret changes its own secret; it cannot read clients, so only the secret is managed."""
    control(uaa, "state", method="GET")
    setup = args(uaa, client_id="reports-service", authorities=["reports.read", "clients.secret"])
    run_module(uaa_client.main, setup, capsys)
    task = dict(uaa_url=uaa.url, uaa_auth_client_id="reports-service", uaa_auth_client_secret="rep0rts-S3cret-seed-3aa810",
                client_id="reports-service", secret=NEW, old_secret="rep0rts-S3cret-seed-3aa810", retries=1)
    result = run_module(uaa_client.main, task, capsys)
    assert result["changed"] and result["secret_action"] == "update"
    assert result["client"] == {"client_id": "reports-service"}, result
    assert token_works(uaa, "reports-service", NEW)


def test_pre_v74_user_token_gets_a_clear_message(uaa, capsys):
    control(uaa, "config", {"version": "73.7.0"})
    task = dict(uaa_url=uaa.url, uaa_auth_username="admin-user", uaa_auth_password="us3r-Adm1n-Passw0rd-seed-5e1",
                client_id="billing-service", secret=NEW, retries=1)
    result = run_module(uaa_client.main, task, capsys)
    assert result["failed"]
    assert "Only a client can change client secret" in result["msg"] and "grant_dance" in result["msg"]
    assert "us3r-Adm1n-Passw0rd-seed-5e1" not in json.dumps(result)


def test_wrong_admin_secret_and_missing_scope(uaa, capsys):
    bad = run_module(uaa_client.main, dict(args(uaa, client_id="billing-service"), uaa_auth_client_secret="wrong-one-123456"), capsys)
    assert bad["failed"] and "HTTP 401 (invalid_client: Bad credentials)" in bad["msg"] and "uaa_auth_client_secret" in bad["msg"]
    weak = run_module(uaa_client.main, dict(uaa_url=uaa.url, uaa_auth_client_id="writer", uaa_auth_client_secret="wr1ter-S3cret-seed-0c9d44",
                                            client_id="billing-service", secret=NEW, retries=1), capsys)
    assert weak["failed"] and "HTTP 403" in weak["msg"] and "clients.admin" in weak["msg"]


def test_legacy_uaa_unauthorized_error_code(uaa, capsys):
    control(uaa, "config", {"version": "76.0.0"})
    bad = run_module(uaa_client.main, dict(args(uaa, client_id="x"), uaa_auth_client_secret="wrong-one-123456"), capsys)
    assert "unauthorized: Bad credentials" in bad["msg"]


def test_empty_secret_is_rejected_before_any_call(uaa, capsys):
    result = run_module(uaa_client.main, args(uaa, client_id="billing-service", secret=""), capsys)
    assert result["failed"] and "must not be empty" in result["msg"]
    assert control(uaa, "requests", method="GET") == []


def test_unreachable_uaa(capsys):
    result = run_module(uaa_client.main, dict(UAA_ADMIN, uaa_url="http://127.0.0.1:1", client_id="x", retries=1), capsys)
    assert result["failed"] and "cannot connect" in result["msg"] and "Traceback" not in json.dumps(result)


def test_delete_and_absent_idempotent(uaa, capsys):
    task = args(uaa, client_id="reports-service", state="absent")
    assert run_module(uaa_client.main, task, capsys, check_mode=True)["changed"]
    assert state(uaa, "reports-service") is not None
    assert run_module(uaa_client.main, task, capsys)["changed"]
    assert state(uaa, "reports-service") is None
    assert not run_module(uaa_client.main, task, capsys)["changed"]


def test_resource_ids_the_server_refuses_are_reported(uaa, capsys):
    result = run_module(uaa_client.main, args(uaa, client_id="billing-service", resource_ids=["billing"]), capsys)
    assert result["failed"] and "did not store resource_ids" in result["msg"]


def test_identity_zone_by_header_and_zone_url(uaa, capsys):
    zone = dict(identity_zone_subdomain="zone1", identity_zone_url=uaa.url + "/zones/zone1")
    task = args(uaa, client_id="zone-app", secret=NEW, **zone)
    assert run_module(uaa_client.main, task, capsys)["secret_action"] == "update"
    info = run_module(uaa_client_info.main, args(uaa, client_id="zone-app", verify_secret=NEW, **zone), capsys)
    assert info["exists"] and info["secret_valid"]
    zone_admin = dict(uaa_url=uaa.url, uaa_auth_client_id="zone-admin", uaa_auth_client_secret="z0neadm1n-S3cret-seed-77aa01",
                      uaa_auth_zone="target", retries=1, **zone)
    listed = run_module(uaa_client_info.main, zone_admin, capsys)
    assert sorted(c["client_id"] for c in listed["clients"]) == ["zone-admin", "zone-app"]


def test_lost_answer_of_secret_change_is_not_sent_twice(uaa, capsys):
    control(uaa, "faults", {"method": "PUT", "path": "/secret$", "drop": True, "after": True, "count": 1})
    result = run_module(uaa_client.main, args(uaa, client_id="billing-service", secret=NEW, retries=3), capsys)
    assert result["changed"] and result["secret_verified"]
    puts = [r for r in control(uaa, "requests", method="GET") if r["path"].endswith("/secret")]
    assert len(puts) == 1


def test_info_lists_every_client_page_by_page(uaa, capsys):
    result = run_module(uaa_client_info.main, args(uaa), capsys)
    assert len(result["clients"]) == 7 and not result["changed"]
    missing = run_module(uaa_client_info.main, args(uaa, client_id="nope"), capsys)
    assert missing["exists"] is False and missing["clients"] == []


@pytest.mark.parametrize("wording", ["plain", "with_type"])  # UAA before 77 may name the grant in its answer
def test_a_client_without_client_credentials_is_verified_by_its_grant_refusal(uaa, capsys, wording):
    control(uaa, "config", {"grant_type_wording": wording})
    grant = run_module(uaa_client_info.main, args(uaa, client_id="portal-web", verify_secret="p0rtal-S3cret-seed-d41f06",
                                                  skip_read=True), capsys)
    assert grant["secret_valid"] and "clients" in grant
    wrong = run_module(uaa_client_info.main, args(uaa, client_id="portal-web", verify_secret="not-the-secret", skip_read=True), capsys)
    assert wrong["secret_valid"] is False and not wrong.get("failed")


def test_an_add_is_never_sent_twice(uaa, capsys):
    # Dropped after UAA applied it: one read settles it.
    control(uaa, "faults", {"method": "PUT", "path": "/secret$", "drop": True, "after": True, "count": 1})
    landed = run_module(uaa_client.main, args(uaa, client_id="billing-service", secret=NEW, secret_mode="add", retries=3), capsys)
    assert landed["changed"] and not landed.get("failed")
    # Refused with a 503 (UAA may still apply it): not sent again, and the message says what to do.
    control(uaa, "faults", {"method": "PUT", "path": "/secret$", "status": 503, "count": 1})
    lost = run_module(uaa_client.main, args(uaa, client_id="reports-service", secret=NEW, secret_mode="add", retries=3), capsys)
    assert lost["failed"] and "the ADD was not sent again" in lost["msg"]
    puts = [r for r in control(uaa, "requests", method="GET") if r["path"].endswith("/secret")]
    assert len(puts) == 2
