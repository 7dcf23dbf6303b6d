# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""API Connect v5 portal answers the sources leave open (the emulator's table): the modules work under each, or
fail with a message that names what to check."""

from __future__ import annotations

import json

import pytest

from ansible_collections.apiops.credentials.plugins.modules import apic_v5_portal_credential as credential
from tests.unit.conftest import control, run_module
from tests.unit.plugins.modules.test_apic_v5_portal_credential import ORIGINAL_ID, ORIGINAL_SECRET, args, gateway_accepts


def probe(server):
    return server.url + "/gateway/myOrg/myCatalog/ping"


@pytest.mark.parametrize("error_body", ["json", "text"])
def test_failures_name_the_problem_whatever_the_error_body(apic_v5, capsys, error_body):
    control(apic_v5, "config", {"error_body": error_body})
    wrong = run_module(credential.main, args(apic_v5, org="acme-dev", app="orders-app", client_id="x", secret="s-123456",
                                             apic_v5_password="not-the-password"), capsys)
    assert wrong["failed"] and "HTTP 401" in wrong["msg"] and "apic_v5_password" in wrong["msg"]
    duplicate = run_module(credential.main, args(apic_v5, org="acme-dev", app="orders-app", secret="s-123456",
                                                 client_id="a1b2c3d4-new2-4f00-8000-000000000002"), capsys)
    assert duplicate["failed"] and "HTTP 409" in duplicate["msg"] and "already uses this client id" in duplicate["msg"]
    assert "s-123456" not in json.dumps([wrong, duplicate])


@pytest.mark.parametrize("status", [404, 400])
def test_an_unknown_context_names_the_option(apic_v5, capsys, status):
    control(apic_v5, "config", {"unknown_context_status": status})
    context = run_module(credential.main, args(apic_v5, org="acme-dev", app="orders-app", client_id="x", secret="s-123456",
                                               apic_v5_context="otherOrg.sandbox"), capsys)
    assert context["failed"] and "HTTP %d" % status in context["msg"] and "apic_v5_context" in context["msg"], context


@pytest.mark.parametrize("status", [409, 400])
def test_a_client_id_taken_in_the_catalog_is_refused_and_nothing_changes(apic_v5, capsys, status):
    control(apic_v5, "config", {"duplicate_client_id_status": status})
    before = control(apic_v5, "state", method="GET")
    duplicate = run_module(credential.main, args(apic_v5, org="acme-dev", app="orders-app", secret="s-123456",
                                                 client_id="a1b2c3d4-new2-4f00-8000-000000000002"), capsys)
    assert duplicate["failed"] and "HTTP %d" % status in duplicate["msg"] and "already exists" in duplicate["msg"], duplicate
    assert control(apic_v5, "state", method="GET") == before


@pytest.mark.parametrize("default_put_secret", ["hash", "plaintext"])
def test_the_gateway_proves_the_secret_or_names_secret_format(apic_v5, capsys, default_put_secret):
    """Seed 004 sends the hash to the default-credential PUT; a portal that hashes what it gets would break the app."""
    control(apic_v5, "config", {"default_put_secret": default_put_secret})
    task = args(apic_v5, org="acme-dev", app="orders-app", client_id=ORIGINAL_ID, secret=ORIGINAL_SECRET,
                gateway_probe_url=probe(apic_v5))
    done = run_module(credential.main, task, capsys)
    if default_put_secret == "hash":
        assert done["changed"] and done["secret_proven"] and not done.get("failed"), done
    else:
        assert done["failed"] and done["secret_proven"] is False and "secret_format=plaintext" in done["msg"], done
        assert not gateway_accepts(apic_v5, ORIGINAL_ID, ORIGINAL_SECRET)
        # The message's advice works: the same task with secret_format=plaintext, sent again.
        done = run_module(credential.main, dict(task, secret_format="plaintext", update_secret="always"), capsys)
        assert done["changed"] and done["secret_proven"] and not done.get("failed"), done
    assert gateway_accepts(apic_v5, ORIGINAL_ID, ORIGINAL_SECRET)
    again = run_module(credential.main, dict(task, secret_format=default_put_secret), capsys)
    assert not again["changed"] and again["secret_proven"], "a run with nothing to do still proves the secret"
    assert ORIGINAL_SECRET not in json.dumps([done, again])


def test_a_probe_url_that_is_not_an_api_of_the_app_is_named(apic_v5, capsys):
    task = args(apic_v5, org="acme-dev", app="orders-app", client_id=ORIGINAL_ID, secret=ORIGINAL_SECRET,
                gateway_probe_url=apic_v5.url + "/no/such/api")
    done = run_module(credential.main, task, capsys)
    assert done["failed"] and "gateway_probe_url answered 404" in done["msg"], done
    no_scheme = run_module(credential.main, dict(task, gateway_probe_url="gw.example.com/ping"), capsys)
    assert no_scheme["failed"] and "no http:// or https:// scheme" in no_scheme["msg"]
    hashed_only = {key: value for key, value in task.items() if key != "secret"}
    plaintext_hash = run_module(credential.main, dict(hashed_only, secret_format="plaintext",
                                                      client_secret_hash="ZFGcgrXetduo6x41snstOV4HBITAej8gXODfGkJPaoE="), capsys)
    assert plaintext_hash["failed"] and "needs the plaintext secret" in plaintext_hash["msg"]


def test_a_reset_secret_is_proven_at_the_gateway(apic_v5, capsys):
    done = run_module(credential.main, args(apic_v5, org="acme-dev", app="billing-app", state="reset",
                                            gateway_probe_url=probe(apic_v5)), capsys)
    assert done["changed"] and done["secret_proven"], done
