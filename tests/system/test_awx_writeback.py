# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The new UAA admin secret written back to the AWX credential that logs in with it (deliver_to awx_controller)."""

from __future__ import annotations

import pytest
import requests

from tests.emulator_fixtures import emulator_fixtures, reset
from tests.system.test_leaks import assert_no_leak, ok

# The collection's own logic, the same on every ansible-core: run on the newest leg (make test's oldest leg skips it).
pytestmark = pytest.mark.newest_only

awx_controller_server, _awx_controller = emulator_fixtures("awx_controller")
BOT = "awx-apiops-rotation-token-0000000002"  # may edit AWX credential 12 only
ADMIN = ("admin", "adm1n-S3cret-seed-7f3a9c")


def awx_input(awx, number=12, name="client_secret"):
    """The secret AWX holds (the emulator shows it; AWX's API never does)."""
    state = requests.get(awx.url + "/_emulator/state", timeout=5).json()
    return next(item for item in state["credentials"] if item["id"] == number)["inputs"].get(name)


def awx_patches(awx):
    return [entry for entry in requests.get(awx.url + "/_emulator/requests", timeout=5).json() if entry["method"] == "PATCH"]


def job(workspace, awx, login, playbook="uaa_rotate.yml", *extra, check=False, **host_vars):
    """A run whose UAA login is ``login``, as the AWX credential injects it into the job."""
    settings = {"host": awx.url, "token": BOT, "credentials": {"admin": {"id": 12, "input": "client_secret"}}}
    workspace.inventory([{"client_id": "admin", "current_secret": ADMIN[1]}], uaa_auth_client_secret=login,
                        uaa_secret_rotation_deliver_to=["awx_controller"], uaa_secret_rotation_awx_controller=settings, **host_vars)
    requests.delete(awx.url + "/_emulator/requests", timeout=5)
    return workspace.play(playbook, *extra, check=check)


def test_the_admin_secret_goes_to_awx_is_proven_there_and_rolled_back(workspace, awx_controller_server):
    awx = reset(awx_controller_server)
    ok(job(workspace, awx, ADMIN[1], check=True))
    assert awx_patches(awx) == [] and awx_input(awx) == ADMIN[1], "a dry run changes nothing in AWX"

    ok(job(workspace, awx, ADMIN[1], "uaa_rotate.yml", "-vvv"))
    new = workspace.record("admin")["secret"]
    assert new != ADMIN[1] and awx_input(awx) == new and workspace.token_works("admin", new)
    assert not workspace.token_works(*ADMIN)
    assert len(awx_patches(awx)) == 1

    # The next job logs in with what AWX holds now: nothing is due, nothing is written to AWX.
    again = ok(job(workspace, awx, awx_input(awx)))
    assert again.recap("uaa-test")["changed"] == 0 and awx_patches(awx) == []

    # Roll back: the secret before goes back to UAA and to AWX.
    ok(job(workspace, awx, awx_input(awx), "uaa_rollback.yml"))
    assert awx_input(awx) == ADMIN[1] and workspace.token_works(*ADMIN) and not workspace.token_works("admin", new)

    # The answer to the PATCH is lost after AWX applied it: the run reads the marker back and does not send it again.
    requests.post(awx.url + "/_emulator/faults", json={"method": "PATCH", "path": "/credentials/12/", "after": True, "drop": True},
                  timeout=5)
    ok(job(workspace, awx, ADMIN[1], uaa_secret_rotation_max_age_days=0))
    latest = workspace.record("admin")["secret"]
    assert [entry["status"] for entry in awx_patches(awx)] == [None], "one PATCH, whose answer was lost"
    assert awx_input(awx) == latest and workspace.token_works("admin", latest)
    assert_no_leak(workspace, extra=requests.get(awx.url + "/_emulator/secrets", timeout=5).json())


def test_a_mapping_that_names_no_credential_of_the_run_or_a_token_that_may_not_edit_stops_before_uaa(workspace, awx_controller_server):
    awx = reset(awx_controller_server)
    workspace.inventory([{"client_id": "admin", "current_secret": ADMIN[1]}], uaa_secret_rotation_deliver_to=["awx_controller"],
                        uaa_secret_rotation_awx_controller={"host": awx.url, "token": BOT,
                                                            "credentials": {"reports": {"id": 12}}})
    run = workspace.play("uaa_rotate.yml")
    assert run.rc != 0 and "awx_controller.credentials names reports, which is not a credential of this run" in run.output
    workspace.inventory([{"client_id": "admin", "current_secret": ADMIN[1]}], uaa_secret_rotation_deliver_to=["awx_controller"],
                        uaa_secret_rotation_awx_controller={"host": awx.url, "token": BOT, "credentials": {"admin": {"id": 13}}})
    workspace.control("requests", method="DELETE")
    run = workspace.play("uaa_rotate.yml")
    assert run.rc != 0 and "AWX credential 13 (input client_secret): this token's user may not edit it" in run.output
    assert [entry for entry in workspace.control("requests", method="GET") if entry["method"] == "PUT"] == [], "UAA was not changed"
    assert workspace.token_works(*ADMIN)
