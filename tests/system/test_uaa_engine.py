# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The rotation engine on UAA: the findings that broke the promises of the task-by-task role, each as a test."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import pytest
import requests

from tests.system.conftest import ROOT
from tests.system.test_uaa_rotation import CLIENTS, client_state, writes


# The collection's own logic, the same on every ansible-core: run on the newest leg (make test's oldest leg skips it).
pytestmark = pytest.mark.newest_only

PORTAL_GRANTS = (["authorization_code", "refresh_token"], ["uaa.none"])


def grants(workspace, client_id):
    state = client_state(workspace, client_id)
    return state["authorized_grant_types"], state["authorities"]


def test_dual_with_a_wrong_current_secret_fails_before_any_write(workspace):
    workspace.inventory([dict(CLIENTS[1], current_secret="not-the-secret-in-use-0000")])
    workspace.control("requests", method="DELETE")
    run = workspace.play("uaa_rotate.yml")
    assert run.rc != 0
    assert "UAA rejects the current secret given for this client" in run.output
    assert writes(workspace) == [], "a write was sent although the old secret could not be retired"
    assert not os.path.exists(os.path.join(workspace.sink_dir, "uaa", "uaa-test.vault"))  # nothing journaled either
    assert workspace.token_works("reports-service", "rep0rts-S3cret-seed-3aa810")
    dry = workspace.play("uaa_rotate.yml", check=True)
    assert dry.rc != 0 and "UAA rejects the current secret" in dry.output  # the dry run predicts the failure


def test_grant_dance_whose_give_back_fails_is_given_back_first_by_the_next_run(workspace):
    workspace.inventory([CLIENTS[2]])
    # The lend goes through; every later PUT of the client (the give-back) fails.
    workspace.control("faults", {"method": "PUT", "path": "/oauth/clients/portal-web$", "status": 500, "skip": 1, "count": 100})
    failed = workspace.play("uaa_rotate.yml", "-e", "uaa_retries=0")
    assert failed.rc != 0
    assert grants(workspace, "portal-web") != PORTAL_GRANTS  # still lent: UAA refused every give-back
    assert workspace.record("portal-web")["grant_dance"]["state"] == "lent"

    workspace.control("faults", method="DELETE")
    rerun = workspace.play("uaa_rotate.yml")
    assert rerun.rc == 0, rerun.output[-3000:]
    assert grants(workspace, "portal-web") == PORTAL_GRANTS
    record = workspace.record("portal-web")
    assert record["grant_dance"]["state"] == "given_back" and workspace.token_works("portal-web", record["secret"])
    assert workspace.play("uaa_rotate.yml").recap("uaa-test")["changed"] == 0


def test_a_lend_that_uaa_applies_late_is_given_back_in_the_same_run(workspace):
    workspace.inventory([CLIENTS[2]], uaa_request_timeout=1)
    # The first lend is answered after the client gave up, and applied then: after the retried lend, and after the
    # first give-back. The run watches the grants until no lost lend can land any more.
    workspace.control("faults", {"method": "PUT", "path": "/oauth/clients/portal-web$", "delay": 2.5, "after": True, "count": 1})
    first = workspace.play("uaa_rotate.yml")
    assert first.rc == 0, first.output[-3000:]
    time.sleep(3)  # longer than any request of the run can still be under way
    assert grants(workspace, "portal-web") == PORTAL_GRANTS, "the client kept lent grants after the run"
    record = workspace.record("portal-web")
    assert record["grant_dance"]["state"] == "given_back" and workspace.token_works("portal-web", record["secret"])
    assert workspace.play("uaa_rotate.yml").recap("uaa-test")["changed"] == 0


def test_a_secret_changed_outside_is_a_failure_not_no_change(workspace):
    workspace.inventory([CLIENTS[0]])
    assert workspace.play("uaa_rotate.yml").rc == 0
    # An administrator changes the secret by hand, outside the collection.
    token = requests.post(workspace.emulator.url + "/oauth/token", data={"grant_type": "client_credentials"},
                          auth=("admin", "adm1n-S3cret-seed-7f3a9c"), timeout=5).json()["access_token"]
    requests.put(workspace.emulator.url + "/oauth/clients/billing-service/secret", timeout=5,
                 headers={"Authorization": "Bearer " + token},
                 json={"clientId": "billing-service", "changeMode": "UPDATE", "secret": "Changed-by-hand-0000000000"}).raise_for_status()
    run = workspace.play("uaa_rotate.yml")
    assert run.rc != 0 and "the secret in the sink is rejected by the platform" in run.output


def test_a_lock_held_by_a_live_run_is_respected_and_a_dead_ones_taken_over(workspace):
    workspace.inventory([CLIENTS[0]], uaa_secret_rotation_lock_timeout=1)
    lock = os.path.join(workspace.sink_dir, "uaa", "uaa-test.vault.locks", "uaa", "billing-service.lock")
    os.makedirs(os.path.dirname(lock))
    with open(lock, "w", encoding="utf-8") as handle:
        handle.write("%d %s 2026-12-01T00:00:00Z" % (os.getpid(), socket.gethostname()))
    workspace.control("requests", method="DELETE")
    busy = workspace.play("uaa_rotate.yml")
    assert busy.rc != 0 and "another run holds the lease of this credential in " in busy.output and "(process %d on" % os.getpid() in busy.output
    assert writes(workspace) == []

    gone = subprocess.Popen(["true"])  # pylint: disable=consider-using-with
    gone.wait()
    with open(lock, "w", encoding="utf-8") as handle:
        handle.write("%d %s 2026-12-01T00:00:00Z" % (gone.pid, socket.gethostname()))
    taken = workspace.play("uaa_rotate.yml")
    assert taken.rc == 0, taken.output[-3000:]
    assert not os.path.exists(lock) and workspace.record("billing-service")["state"] == "complete"


@pytest.mark.parametrize("stop", ["kill -9 of ansible-playbook alone", "SIGTERM to the whole process group"])
def test_a_stopped_run_finishes_what_is_in_flight_starts_nothing_new_and_leaves_no_secret_on_disk(workspace, stop):
    names = ["bulk-%02d" % number for number in range(8)]
    seed = {"zones": [{"id": "zone1", "subdomain": "zone1"}],
            "clients": [{"client_id": "admin", "client_secret": "adm1n-S3cret-seed-7f3a9c", "authorized_grant_types": ["client_credentials"],
                         "authorities": ["uaa.admin", "clients.admin", "clients.secret"]}]
            + [{"client_id": name, "client_secret": "bulk-S3cret-%s-000000" % name, "authorized_grant_types": ["client_credentials"],
                "authorities": ["uaa.none"]} for name in names],
            "users": []}
    workspace.control("state", seed)
    workspace.control("latency", {"seconds": 0.1})
    workspace.inventory([{"client_id": name} for name in names], uaa_secret_rotation_concurrency=1)
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", os.path.join(workspace.path, "inventory.json"),
               os.path.join(ROOT, "playbooks", "uaa_rotate.yml"), "--vault-password-file", workspace.password_file]
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", **workspace.env)
    with open(os.path.join(workspace.path, "stopped.log"), "w", encoding="utf-8") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=workspace.path,  # pylint: disable=consider-using-with
                                   start_new_session=True)
        deadline = time.time() + 60
        while time.time() < deadline and not any(r["path"].endswith("/secret") for r in workspace.control("requests", method="GET")):
            time.sleep(0.05)
        if stop.startswith("kill -9"):
            os.kill(process.pid, signal.SIGKILL)  # the playbook process alone: its worker lives on
        else:
            os.killpg(process.pid, signal.SIGTERM)  # what a terminal, systemd or AWX's cancel sends
        process.wait()
    locks = os.path.join(workspace.sink_dir, "uaa", "uaa-test.vault.locks", "uaa")
    deadline = time.time() + 60

    def held():
        return [name for name in os.listdir(locks) if name.endswith(".lock")]  # .leases.flock stays
    while time.time() < deadline and held():
        time.sleep(0.1)
    assert not held(), "the worker did not finish"
    workspace.control("latency", {"seconds": 0})
    journal = workspace.read_record(os.path.join(workspace.sink_dir, "uaa", "uaa-test.vault"))["credentials"]
    started = [name for name in names if "uaa/" + name in journal]
    assert 0 < len(started) < len(names), "the worker should finish what was in flight and start nothing new"
    for name in started:  # what was in flight was finished: proven, recorded, old one rejected
        record = workspace.record(name)
        assert record["state"] == "complete" and workspace.token_works(name, record["secret"])
    # No secret in any file the run left outside the sink (module files, temp files): the engine runs in the controller.
    known = set(workspace.control("secrets", method="GET")) | {"adm1n-S3cret-seed-7f3a9c"}
    for directory in (workspace.env["ANSIBLE_LOCAL_TEMP"], workspace.env["ANSIBLE_REMOTE_TEMP"], os.path.expanduser("~/.ansible/tmp")):
        for root, _dirs, files in os.walk(directory):
            for file_name in files:
                with open(os.path.join(root, file_name), "rb") as handle:
                    text = handle.read().decode("utf-8", "replace")
                assert not [secret for secret in known if secret and secret in text], os.path.join(root, file_name)
    rerun = workspace.play("uaa_rotate.yml")
    assert rerun.rc == 0, rerun.output[-3000:]
    for name in names:
        assert workspace.record(name)["state"] == "complete"


def test_an_approved_plan_is_carried_out_only_while_nothing_changed(workspace):
    plan = os.path.join(workspace.path, "approved-plan.json")
    workspace.inventory(CLIENTS[:2], uaa_secret_rotation_report_path=plan)
    assert workspace.play("uaa_rotate.yml", check=True).rc == 0  # the dry run for the change request

    # Before the window, someone rotates billing-service with another run: the plan no longer holds.
    workspace.inventory(CLIENTS[:1])
    assert workspace.play("uaa_rotate.yml").rc == 0
    workspace.control("requests", method="DELETE")
    workspace.inventory(CLIENTS[:2], uaa_secret_rotation_plan_file=plan)
    refused = workspace.play("uaa_rotate.yml")
    assert refused.rc != 0 and "differ from the approved plan" in refused.output
    assert "uaa/billing-service: action was rotate in the plan, is none now" in refused.output
    assert writes(workspace) == [], "a run with a plan that no longer holds wrote to UAA"

    # A fresh plan, approved and carried out.
    workspace.inventory(CLIENTS[:2], uaa_secret_rotation_report_path=plan)
    assert workspace.play("uaa_rotate.yml", check=True).rc == 0
    approved = os.path.join(workspace.path, "approved.json")
    os.replace(plan, approved)
    workspace.inventory(CLIENTS[:2], uaa_secret_rotation_plan_file=approved)
    done = workspace.play("uaa_rotate.yml")
    assert done.rc == 0, done.output[-3000:]
    assert workspace.record("reports-service")["state"] == "complete"


def test_a_rotation_is_rolled_back_from_the_sink_once(workspace):
    workspace.inventory([{"client_id": "billing-service", "current_secret": "b1lling-S3cret-seed-91e2d7"}],
                        uaa_secret_rotation_strategy="dual")
    assert workspace.play("uaa_rotate.yml").rc == 0
    rotated = workspace.record("billing-service")["secret"]
    plan = workspace.play("uaa_rollback.yml", check=True)
    assert plan.rc == 0 and workspace.token_works("billing-service", rotated), plan.output[-3000:]

    back = workspace.play("uaa_rollback.yml")
    assert back.rc == 0, back.output[-3000:]
    record = workspace.record("billing-service")
    assert record["state"] == "rolled_back" and record["secret"] == "b1lling-S3cret-seed-91e2d7"
    assert workspace.token_works("billing-service", "b1lling-S3cret-seed-91e2d7") and not workspace.token_works("billing-service", rotated)
    again = workspace.play("uaa_rollback.yml")
    assert again.rc == 0 and again.recap("uaa-test")["changed"] == 0, again.output[-3000:]

    # A client this collection never rotated has nothing to go back to: it fails, naming why, and nothing changes.
    workspace.inventory([{"client_id": "reports-service"}])
    never = workspace.play("uaa_rollback.yml")
    assert never.rc != 0 and "no previous secret for this credential" in never.output
    assert workspace.token_works("reports-service", "rep0rts-S3cret-seed-3aa810")
