# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bad input on every platform: one message that names the problem and the fix, no traceback, no secret, no write.

Each case changes one thing in a working inventory (or the files it points at) and runs the playbook for real.
What every platform shares (a URL without a scheme or unreachable, a misspelt variable, concurrency 0, an empty
list, a wrong login) is the contract suite's, row by row (tests/system/test_contract.py); these are each platform's own.
"""

from __future__ import annotations

import os

import pytest
import yaml

from tests.chaos.matrix import anypoint_setup, uaa_setup, v5_setup
from tests.system.test_anypoint_rotation import TARGETS as ANYPOINT_TARGETS
from tests.system.test_anypoint_rotation import inventory as anypoint_inventory
from tests.system.test_apic_rotation import apic_inventory
from tests.system.test_apic_v5_restore import ORIGINALS, v5_inventory
from tests.system.test_leaks import assert_no_leak


def uaa(clients=None, **changes):
    def setup(workspace):
        uaa_setup("admin", ["billing-service"])(workspace)
        if clients is not None or changes:
            base = [{"client_id": "billing-service"}] if clients is None else clients
            workspace.inventory(base, uaa_retries=0, uaa_request_timeout=2, **changes)
    return "uaa", "uaa_rotate.yml", setup


def uaa_sink(content):
    """A sink file that is there but wrong (corrupted, or another vault password)."""
    def setup(workspace):
        uaa_setup("admin", ["billing-service"])(workspace)
        os.makedirs(os.path.join(workspace.sink_dir, "uaa"))
        with open(os.path.join(workspace.sink_dir, "uaa", "uaa-test.vault"), "w", encoding="utf-8") as handle:
            handle.write(content)
    return "uaa", "uaa_rotate.yml", setup


def anypoint(targets=None, **changes):
    def setup(workspace):
        anypoint_setup()(workspace)
        if targets is not None or changes:
            anypoint_inventory(workspace, ANYPOINT_TARGETS if targets is None else targets, anypoint_retries=0, **changes)
    return "anypoint", "anypoint_rotate.yml", setup


def anypoint_rollback():
    def setup(workspace):
        anypoint_setup()(workspace)
    return "anypoint", "anypoint_rollback.yml", setup


def v5(rows=None, backup_text=None, **changes):
    def setup(workspace):
        v5_setup()(workspace)
        if rows is not None or changes:
            v5_inventory(workspace, ORIGINALS if rows is None else rows, apic_v5_retries=0, **changes)
        if backup_text is not None:
            workspace.encrypt("backup.yml", backup_text)
    return "apic_v5", "apic_v5_restore.yml", setup


def apic(**changes):
    def setup(workspace):
        apic_inventory(workspace, apic_retries=0, **changes)
    return "apic", "apic_rotate.yml", setup


CASES = {
    # UAA
    "uaa wrong admin secret": (uaa(uaa_auth_client_secret="not-the-admin-secret-000"), "check uaa_auth_client_id and uaa_auth_client_secret"),
    "uaa no login at all": (uaa(uaa_auth_client_id=None, uaa_auth_client_secret=None), "Set uaa_auth_client_id and uaa_auth_client_secret"),
    "uaa unknown client": (uaa(clients=[{"client_id": "no-such-client"}]), "no-such-client"),
    "uaa url with a typo": (uaa(uaa_url="http://uaa.invalid"), "cannot connect to http://uaa.invalid"),
    "uaa negative max_age_days": (uaa(uaa_secret_rotation_max_age_days=-5), "max_age_days must be -1"),
    "uaa garbage max_age_days": (uaa(uaa_secret_rotation_max_age_days="often"), "uaa_secret_rotation_max_age_days"),
    "uaa garbage rotate_before": (uaa(uaa_secret_rotation_rotate_before="yesterday"), "rotate_before is not an ISO-8601 time"),
    "uaa phase that needs dual": (uaa(uaa_secret_rotation_phase="add"), "phase=add needs strategy dual"),
    "uaa dual with a wrong current secret": (uaa(clients=[{"client_id": "reports-service", "strategy": "dual",
                                                          "current_secret": "not-the-secret-in-use"}]),
                                             "UAA rejects the current secret given for this client"),
    "uaa grant dance without a current secret": (uaa(clients=[{"client_id": "portal-web", "strategy": "grant_dance"}]),
                                                 "strategy grant_dance needs the secret in use now"),
    "uaa client listed twice": (uaa(clients=[{"client_id": "billing-service"}, {"client_id": "billing-service"}]), "is listed twice"),
    "uaa unicode client name": (uaa(clients=[{"client_id": "cliënt-ünïcode"}]), "cliënt-ünïcode"),
    "uaa secret too long": (uaa(uaa_secret_rotation_secret_length=10000), "secret_length must be between 16 and 255"),
    "uaa too few secret characters": (uaa(uaa_secret_rotation_secret_chars=["ab"]), "secret_chars gives 2 distinct characters"),
    "uaa corrupted sink": (uaa_sink("this is not a vault file\n"), "Cannot decrypt"),
    "uaa sink of another vault password": (uaa_sink("$ANSIBLE_VAULT;1.1;AES256\n3132\n"), "Cannot decrypt"),
    "uaa sink directory is a file": (uaa(uaa_secret_rotation_sink_dir="/dev/null/secrets"), "cannot write the sink"),
    # Anypoint
    "anypoint wrong connected app secret": (anypoint(anypoint_client_secret="not-the-bot-secret-00000000"), "Anypoint did not issue a token"),
    "anypoint unknown environment": (anypoint(targets=[{"environment": "Staging"}]), "no environment Staging"),
    "anypoint unknown business group": (anypoint(targets=[{"environment": "Sandbox", "business_group": "Nowhere"}]),
                                        "no business group Nowhere"),
    "anypoint environment and connected app": (anypoint(targets=[{"environment": "Sandbox", "connected_app": "x"}]),
                                               "mutually exclusive"),
    "anypoint neither": (anypoint(targets=[{"business_group": "Payments"}]), "environment, connected_app"),
    "anypoint roll back with nothing to go back to": (anypoint_rollback(), "nothing to roll back to"),
    "anypoint environment administrator": (anypoint(anypoint_client_id=None, anypoint_client_secret=None,
                                                    anypoint_username="env-admin", anypoint_password="3nv-Adm1n-Passw0rd-anypoint"),
                                           "an Environment Administrator is not enough"),
    # API Connect v5
    "v5 wrong password": (v5(rows=[ORIGINALS[0]], apic_v5_password="Wr0ng-0wner-Passw0rd-v5"),
                          "The portal refused apic_v5_username/apic_v5_password"),
    "v5 unknown context": (v5(apic_v5_context="noSuch.catalog"), "check apic_v5_context"),
    "v5 backup file missing": (v5(apic_v5_credential_restore_backup_file="/nonexistent/backup.yml"), "cannot read backup_file"),
    "v5 backup without the list": (v5(backup_text="something_else: []\n"), "has no list apic_v5_credentials"),
    "v5 client id read as an octal number": (v5(backup_text="apic_v5_credentials:\n- {org: acme-dev, app: orders-app, "
                                                            "client_id: 0123456, client_secret: Some-Secret-Value-1}\n"),
                                             "client_id must be text; quote it"),
    "v5 secret read as a number": (v5(backup_text=yaml.safe_dump({"apic_v5_credentials": [dict(ORIGINALS[0], client_secret=12345678)]})),
                                   "client_secret must be text"),
    "v5 gateway probe without scheme": (v5(apic_v5_credential_restore_gateway_probe_url="gw.example.com/ping"),
                                        "gateway_probe_url 'gw.example.com/ping' has no http:// or https:// scheme"),
    "v5 sink source that is empty": (v5(apic_v5_credential_restore_source="sink"), "the sink holds no restore records"),
    # API Connect v10
    "apic expiry_days zero": (apic(apic_credential_rotation_expiry_days=0), "expiry_days must be at least 1"),
    "apic deletion before expiry": (apic(apic_credential_rotation_deletion_days=80), "must be greater than expiry_days"),
    "apic unknown catalog": (apic(apic_catalog="no-such-catalog"), "check apic_org, apic_catalog"),
    "apic wrong password": (apic(apic_password="Wr0ng-Passw0rd-v10"), "check apic_username/apic_password"),
    "apic no login": (apic(apic_username=None, apic_password=None), "no API Connect login"),
}


def platform_writes(workspace, platform):
    log = workspace.control("requests", method="GET", platform=platform)
    reads = ("GET",)
    proofs = ("/oauth/token", "/api/token", "/accounts/api/v2/oauth2/token", "/accounts/login", "/verify-client-secret",
              "/clients/validate")
    return [entry for entry in log if entry["method"] not in reads and not entry["path"].endswith(proofs)]


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input(workspace, name):
    (platform, playbook, setup), words = CASES[name]
    setup(workspace)
    workspace.control("requests", method="DELETE", platform=platform)
    run = workspace.play(playbook)
    assert run.rc != 0, run.output[-2000:]
    assert words in run.output, run.output[-2000:]
    assert "Traceback (most recent call last)" not in run.output
    assert platform_writes(workspace, platform) == [], "bad input led to a write"
    workspace.jobs = 1  # assert_no_leak wants a job; the playbook output is in workspace.outputs
    assert_no_leak(workspace)
