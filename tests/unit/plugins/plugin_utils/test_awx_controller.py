# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The AWX further sink: the inputs a write sends, the marker, the mapping, and the store against the AWX emulator."""

from __future__ import annotations

import pytest
import requests

from ansible.errors import AnsibleActionFail

from ansible_collections.apiops.credentials.plugins.plugin_utils import _engine
from ansible_collections.apiops.credentials.plugins.plugin_utils._awx_controller import (
    AwxCredentials,
    bind,
    marker_line,
    marks,
    parse_marker,
    patch_inputs,
    settings_problem,
    with_marker,
)
from tests.emulator_fixtures import emulator_fixtures

awx_controller_server, awx_controller = emulator_fixtures("awx_controller")
BOT = "awx-apiops-rotation-token-0000000002"
AUDITOR = "awx-apiops-auditor-token-0000000003"
NEW = "N3w-admin-S3cret-0000000000000000000001"
WORKS = [_engine.Work("uaa-prod", "admin", "uaa/admin", {}), _engine.Work("uaa-prod", "billing", "uaa/billing", {}),
         _engine.Work("uaa-prod", "admin", "zone1/admin", {})]


def settings(server, token=BOT, **mapped):
    return {"host": server.url, "token": token, "validate_certs": True, "ca_path": None,
            "credentials": mapped or {"uaa/admin": {"id": 12, "input": "client_secret"}}}


def stored(server, number=12):
    state = requests.get(server.url + "/_emulator/state", timeout=5).json()
    return next(item for item in state["credentials"] if item["id"] == number)


def patches(server):
    return [entry for entry in requests.get(server.url + "/_emulator/requests", timeout=5).json() if entry["method"] == "PATCH"]


def test_a_write_sends_every_input_as_shown_with_one_replaced():
    shown = {"uaa_url": "https://uaa", "client_id": "admin", "client_secret": "$encrypted$", "password": "$encrypted$"}
    assert patch_inputs(shown, "client_secret", "new-one") == dict(shown, client_secret="new-one")
    assert shown["client_secret"] == "$encrypted$", "what AWX showed is not changed"
    assert patch_inputs(None, "client_secret", "x") == {"client_secret": "x"}


def test_the_marker_names_the_secret_without_holding_it_and_keeps_the_operators_text():
    line = marker_line("a1b2c3d4", NEW, "2026-12-03T10:00:00Z")
    assert NEW not in line and line.startswith("apiops.credentials: secret digest a1b2c3d4:")
    described = with_marker("Admin client of prod\n" + marker_line("00000000", "older", None), line)
    assert described == "Admin client of prod\n" + line
    marker = parse_marker(described)
    assert marker["rotated_at"] == "2026-12-03T10:00:00Z" and marks(marker, NEW) and not marks(marker, "older")
    assert with_marker("", line) == line and parse_marker("no marker here") == {} and not marks({}, NEW)
    assert parse_marker(marker_line("00000000", "x", None))["rotated_at"] is None


def test_the_mapping_names_credentials_of_the_run_only():
    assert bind({"uaa/admin": {"id": 12}, "billing": {"name": "Billing", "input": "secret"}}, WORKS) == {
        "uaa/admin": {"ref": 12, "input": "client_secret"}, "uaa/billing": {"ref": "Billing", "input": "secret"}}
    with pytest.raises(AnsibleActionFail, match="names reports, which is not a credential of this run"):
        bind({"reports": {"id": 3}}, WORKS)
    with pytest.raises(AnsibleActionFail, match="more than one credential of this run .uaa/admin, zone1/admin.: name it by its record key"):
        bind({"admin": {"id": 12}}, WORKS)
    base = {"host": "awx", "token": "t"}
    assert "awx_controller.credentials is empty" in settings_problem(dict(base, credentials={}))
    assert "needs exactly one of id" in settings_problem(dict(base, credentials={"a": {"input": "x"}}))
    assert "must be the number" in settings_problem(dict(base, credentials={"a": {"id": "twelve"}}))
    assert "CONTROLLER_HOST" in settings_problem({"token": "t"}) and "CONTROLLER_OAUTH_TOKEN" in settings_problem({"host": "h"})


def test_the_store_writes_the_input_keeps_the_others_and_proves_it_by_the_marker(awx_controller):
    store = AwxCredentials(settings(awx_controller), WORKS, retries=0)
    store.preflight(["uaa/admin", "uaa/billing"])
    record = {"secret": NEW, "rotated_at": "2026-12-03T10:00:00Z", "state": "complete"}
    assert not store.holds("uaa/admin", store.current("uaa/admin"), record)
    assert store.holds("uaa/billing", store.current("uaa/billing"), record), "an unmapped credential is not delivered here"
    store.put("uaa/admin", record)
    held = stored(awx_controller)
    assert held["inputs"]["client_secret"] == NEW and held["inputs"]["uaa_url"] == "https://uaa.example.com"
    assert held["description"].startswith("Admin client of the prod UAA\napiops.credentials: secret digest ")
    assert store.holds("uaa/admin", store.current("uaa/admin"), record) and store.writes == 1
    requests.delete(awx_controller.url + "/_emulator/requests", timeout=5)
    # The answer of the PATCH is lost after AWX applied it: the marker is read back, and the PATCH is not sent again.
    requests.post(awx_controller.url + "/_emulator/faults", json={"method": "PATCH", "path": "/credentials/12/", "drop": True,
                                                                  "after": True}, timeout=5)
    store.put("uaa/admin", dict(record, secret=NEW + "b"))
    assert len(patches(awx_controller)) == 1 and stored(awx_controller)["inputs"]["client_secret"] == NEW + "b"


def test_refusals_name_the_credential_and_never_the_secret(awx_controller):
    with pytest.raises(AnsibleActionFail, match="may not edit it"):
        AwxCredentials(settings(awx_controller, AUDITOR), WORKS, retries=0).preflight(["uaa/admin"])
    AwxCredentials(settings(awx_controller, AUDITOR), WORKS, retries=0).preflight(["uaa/admin"], write=False)
    with pytest.raises(AnsibleActionFail, match="refused the token .401."):
        AwxCredentials(settings(awx_controller, "not-a-token"), WORKS, retries=0).preflight(["uaa/admin"])
    with pytest.raises(AnsibleActionFail, match="has no input secret .it has ca_cert, client_id, client_secret"):
        AwxCredentials(settings(awx_controller, **{"uaa/admin": {"id": 12, "input": "secret"}}), WORKS).preflight(["uaa/admin"])
    with pytest.raises(AnsibleActionFail, match="input client_id is not a secret input"):
        AwxCredentials(settings(awx_controller, **{"uaa/admin": {"id": 12, "input": "client_id"}}), WORKS).preflight(["uaa/admin"])
    with pytest.raises(AnsibleActionFail, match="AWX has no AWX credential 99 .input client_secret. that this token's user may see"):
        AwxCredentials(settings(awx_controller, **{"uaa/admin": {"id": 99}}), WORKS).preflight(["uaa/admin"])
    with pytest.raises(AnsibleActionFail, match="AWX has no credential of that name"):
        AwxCredentials(settings(awx_controller, **{"uaa/admin": {"name": "nope"}}), WORKS).preflight(["uaa/admin"])
    requests.post(awx_controller.url + "/_emulator/config", json={"refuse_secret_values": True}, timeout=5)
    with pytest.raises(AnsibleActionFail) as refused:
        AwxCredentials(settings(awx_controller), WORKS, retries=0).put("uaa/admin", {"secret": NEW})
    assert NEW not in str(refused.value) and "HTTP 400" in str(refused.value) and "repeats the request" in str(refused.value)
