# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""anypoint_client_secret and its info module through main(), over real HTTP to the Anypoint emulator."""

from __future__ import annotations

import json

import pytest

from ansible_collections.apiops.credentials.plugins.module_utils._anypoint import plan_rotate, rate_limit_wait
from ansible_collections.apiops.credentials.plugins.modules import anypoint_client_secret as secret_module
from ansible_collections.apiops.credentials.plugins.modules import anypoint_client_secret_info as info_module
from tests.unit.conftest import control, run_module

BOT = dict(anypoint_client_id="c0ffee00c0ffee00c0ffee00c0ffee01", anypoint_client_secret="R0tat1onB0tSecretValue0000000001")
ADMIN = dict(anypoint_username="org-admin", anypoint_password="0rg-Adm1n-Passw0rd-anypoint")
SANDBOX_ID, SANDBOX_SECRET = "8f82828ca6c2405ba04bb85a596a18ff", "B0313ad5a6B44f7ebb4Bf482C49327e1"


def args(server, auth=None, **kwargs):
    base = dict(anypoint_url=server.url, retries=2)
    base.update(auth or BOT)
    base.update(kwargs)
    return base


def mule_app_gets_in(server, client_id, secret):
    return control(server, "token_for", {"client_id": client_id, "client_secret": secret})["valid"]


def writes(server):
    return [r for r in control(server, "requests", method="GET") if r["method"] == "PATCH"]


def test_plan_rotate_is_a_compare_and_swap():
    assert plan_rotate("a", "a", False)[0] and not plan_rotate("b", "a", False)[0] and plan_rotate("b", None, True)[0]


def test_rate_limit_wait_from_reset_header():
    assert rate_limit_wait({"X-RateLimit-Reset": "105"}, now=100) == 5
    assert rate_limit_wait({}, now=100) is None


def test_rotate_once_with_the_guard(anypoint, capsys):
    task = args(anypoint, environment="Sandbox", expected_secret=SANDBOX_SECRET)
    planned = run_module(secret_module.main, task, capsys, check_mode=True, diff=True)
    assert planned["changed"] and "secret" not in planned and writes(anypoint) == []
    assert planned["diff"]["after"]["client_secret"] == "******** (new)"
    done = run_module(secret_module.main, task, capsys)
    assert done["changed"] and done["secret_valid"] and done["client_id"] == SANDBOX_ID
    assert mule_app_gets_in(anypoint, SANDBOX_ID, done["secret"]) and not mule_app_gets_in(anypoint, SANDBOX_ID, SANDBOX_SECRET)
    again = run_module(secret_module.main, task, capsys)
    assert not again["changed"] and "rotated already" in again["reason"]
    assert SANDBOX_SECRET not in json.dumps([planned, done, again])


def test_rotate_needs_the_guard_or_force(anypoint, capsys):
    result = run_module(secret_module.main, args(anypoint, environment="Sandbox"), capsys)
    assert result["failed"] and "expected_secret" in result["msg"] and "force=true" in result["msg"]
    forced = run_module(secret_module.main, args(anypoint, environment="Sandbox", force=True), capsys)
    assert forced["changed"]


# Which request sets an environment secret is not settled by any source (emulator switch env_secret_set_form).
SET_FORMS = pytest.mark.parametrize("form", ["documented", "query", "either"])


@SET_FORMS
def test_roll_back_puts_the_old_secret_back_once(anypoint, capsys, form):
    control(anypoint, "config", {"env_secret_set_form": form})
    rotated = run_module(secret_module.main, args(anypoint, environment="Sandbox", force=True), capsys)
    task = args(anypoint, environment="Sandbox", state="set", secret=SANDBOX_SECRET)
    assert run_module(secret_module.main, task, capsys, check_mode=True)["changed"]
    assert mule_app_gets_in(anypoint, SANDBOX_ID, rotated["secret"])
    control(anypoint, "requests", method="DELETE")
    done = run_module(secret_module.main, task, capsys)
    assert done["changed"] and done["secret_valid"] and mule_app_gets_in(anypoint, SANDBOX_ID, SANDBOX_SECRET)
    patches = [r for r in control(anypoint, "requests", method="GET") if r["method"] == "PATCH"]
    # seed 000's form first (no query parameter), ?resetSecret=false only where the platform refused it
    assert [p["query"] for p in patches] == [{}] + ([{"resetSecret": ["false"]}] if form == "query" else [])
    assert patches[0]["path"].endswith("/clients/" + SANDBOX_ID)
    assert not run_module(secret_module.main, task, capsys)["changed"]


@SET_FORMS
def test_a_platform_that_refuses_explicit_secrets(anypoint, capsys, form):
    control(anypoint, "config", {"allow_env_secret_set": False, "env_secret_set_form": form})
    result = run_module(secret_module.main, args(anypoint, environment="Sandbox", state="set", secret="Some0therSecretValue000000000000"), capsys)
    assert result["failed"] and "does not accept an explicit secret" in result["msg"] and "rotate instead" in result["msg"]
    assert mule_app_gets_in(anypoint, SANDBOX_ID, SANDBOX_SECRET)


@pytest.mark.parametrize("mismatch", [401, 400])
def test_verify(anypoint, capsys, mismatch):
    control(anypoint, "config", {"validate_mismatch_status": mismatch})
    good = run_module(secret_module.main, args(anypoint, environment="Sandbox", state="verify", secret=SANDBOX_SECRET), capsys)
    bad = run_module(secret_module.main, args(anypoint, environment="Sandbox", state="verify", secret="nope-nope-nope"), capsys)
    assert good["secret_valid"] and not bad["secret_valid"] and not good["changed"]


def test_environment_administrator_is_refused_with_the_reason(anypoint, capsys):
    auth = dict(anypoint_username="env-admin", anypoint_password="3nv-Adm1n-Passw0rd-anypoint")
    result = run_module(secret_module.main, args(anypoint, auth, environment="Sandbox", force=True), capsys, check_mode=True)
    assert result["failed"] and "HTTP 403" in result["msg"] and "Environment Administrator is not enough" in result["msg"]
    reader = dict(anypoint_client_id="c0ffee00c0ffee00c0ffee00c0ffee02", anypoint_client_secret="Read0nlyB0tSecretValue0000000002")
    assert "admin:orgclients" in run_module(secret_module.main, args(anypoint, reader, environment="Sandbox", force=True), capsys)["msg"]


def test_unknown_environment_and_business_group(anypoint, capsys):
    env = run_module(secret_module.main, args(anypoint, environment="Staging", force=True), capsys)
    assert env["failed"] and env["msg"] == "No environment Staging in business group Acme Corp (its environments: Production, Sandbox)."
    group = run_module(secret_module.main, args(anypoint, environment="Sandbox", business_group="Nope", force=True), capsys)
    assert group["failed"] and group["msg"] == "No business group Nope under organization Acme Corp."


def test_business_group_by_name_and_user_login(anypoint, capsys):
    result = run_module(secret_module.main, args(anypoint, ADMIN, business_group="Payments", environment="Sandbox",
                                                 expected_secret="E7f8A9b0C1d2E3f4A5b6C7d8E9f0A1b2"), capsys)
    assert result["changed"] and result["client_id"] == "11aa22bb33cc44dd55ee66ff77889900" and result["business_group"] == "Payments"


def test_wrong_connected_app_secret(anypoint, capsys):
    result = run_module(secret_module.main, args(anypoint, dict(BOT, anypoint_client_secret="wrong-wrong-wrong"), environment="Sandbox",
                                                 force=True), capsys)
    assert result["failed"] and "HTTP 401" in result["msg"] and "anypoint_client_secret" in result["msg"]
    # an account of another control plane is refused the same way: the message names the region options
    assert "anypoint_region" in result["msg"] and "anypoint_url" in result["msg"] and anypoint.url in result["msg"]


def test_connected_app_rotate_set_verify_and_revoke(anypoint, capsys):
    task = args(anypoint, ADMIN, connected_app="c0ffee00c0ffee00c0ffee00c0ffee03", expected_secret="B1ll1ngIntegrationSecret00000003",
                revoke_tokens=True)
    done = run_module(secret_module.main, task, capsys)
    assert done["changed"] and done["secret_valid"] and done["connected_app"]["client_name"] == "billing-integration"
    assert not run_module(secret_module.main, task, capsys)["changed"]
    back = run_module(secret_module.main, args(anypoint, ADMIN, connected_app="c0ffee00c0ffee00c0ffee00c0ffee03", state="set",
                                               secret="B1ll1ngIntegrationSecret00000003"), capsys)
    assert back["changed"] and back["secret_valid"]
    refused = run_module(secret_module.main, dict(task, **BOT), capsys)
    assert refused["failed"] and "HTTP 403" in refused["msg"]


def test_a_429_storm_is_ridden_out(anypoint, capsys):
    control(anypoint, "rate_limit", {"count": 2, "retry_after": 0})
    result = run_module(secret_module.main, args(anypoint, environment="Sandbox", expected_secret=SANDBOX_SECRET, retries=3), capsys)
    assert result["changed"] and mule_app_gets_in(anypoint, SANDBOX_ID, result["secret"])
    assert len([r for r in writes(anypoint) if r["status"] == 200]) == 1


def test_a_reset_answered_503_is_not_sent_again(anypoint, capsys):
    # A 5xx may come from a platform that applies the reset later; a second reset would then be lost under the first.
    control(anypoint, "faults", {"method": "PATCH", "path": "/clients/", "status": 503, "count": 1})
    result = run_module(secret_module.main, args(anypoint, environment="Sandbox", expected_secret=SANDBOX_SECRET, retries=3), capsys)
    assert result["failed"] and "it was not sent again" in result["msg"] and result["maybe_applied"]
    assert len(writes(anypoint)) == 1


def test_503_storm_that_does_not_end_fails_clearly(anypoint, capsys):
    control(anypoint, "rate_limit", {"count": 50, "retry_after": 0, "status": 503})
    result = run_module(secret_module.main, args(anypoint, environment="Sandbox", force=True, retries=2), capsys)
    assert result["failed"] and "HTTP 503" in result["msg"] and "Gave up after 3 attempts" in result["msg"]


def test_lost_reset_answer_is_not_reset_again(anypoint, capsys):
    control(anypoint, "faults", {"method": "PATCH", "path": "/clients/", "drop": True, "after": True, "count": 1})
    result = run_module(secret_module.main, args(anypoint, environment="Sandbox", expected_secret=SANDBOX_SECRET), capsys)
    assert result["changed"] and mule_app_gets_in(anypoint, SANDBOX_ID, result["secret"])
    assert len(writes(anypoint)) == 1


def test_info_lists_environments_and_reads_a_secret(anypoint, capsys):
    listing = run_module(info_module.main, args(anypoint, business_group="Payments"), capsys)
    assert [e["name"] for e in listing["environments"]] == ["Payments-Prod", "Sandbox"]
    one = run_module(info_module.main, args(anypoint, environment="Production", include_secret=True), capsys)
    assert one["secret"] == "C5e6F7a8B9c0D1e2F3a4B5c6D7e8F9a0" and one["environment"]["is_production"]


def test_a_connected_app_cannot_manage_a_connected_app_and_is_told_who_can(anypoint, capsys):
    refused = run_module(secret_module.main, args(anypoint, BOT, connected_app="c0ffee00c0ffee00c0ffee00c0ffee03", force=True), capsys)
    assert refused["failed"] and refused["status"] == 403
    assert "Organization Administrator user" in refused["msg"] and "anypoint_token" in refused["msg"]
    assert "environment client secrets" not in refused["msg"]
