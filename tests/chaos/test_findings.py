# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The last ways a credential could end wrong, each as a case: inputs found only after the platform was changed, roll
back after a crash mid-rotation, two runs on one credential with different sinks, and Anypoint's reset window.

They run in ``make test`` (each is one or two short playbook runs) and in ``make chaos``.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

import pytest

from tests.chaos.matrix import REQUEST_TIMEOUT, SCENARIOS, UAA_CLIENTS, VAULT_TOKEN, vault_record
from tests.emulator_fixtures import reset
from tests.system.test_anypoint_rotation import SANDBOX, mule_app_gets_in
from tests.system.test_anypoint_rotation import record as anypoint_record
from tests.system.test_anypoint_rotation import report as anypoint_report
from tests.system.conftest import ROOT
from tests.system.test_uaa_rotation import writes

BILLING = ("billing-service", UAA_CLIENTS["billing-service"])
ROOT_ORG = "0a14e2fd-1cfe-4310-acbc-54bf93eb8420"


def closed_port():
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def hook_file(workspace, text):
    path = os.path.join(workspace.path, "hook.yml")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path


BROKEN_HOOKS = {
    "not YAML": ("- name: Deliver\n  ansible.builtin.debug: {msg: [unclosed\n", "is not a tasks file Ansible can read"),
    "not a list of tasks": ("deliver: the secret\n", "is not a list of tasks"),
    "an unknown module": ("- name: Deliver\n  acme.nowhere.deliver_secret:\n    to: consumers\n", "does not load"),
    "the secret in a task name": ("- name: Deliver {{ apiops_secret }}\n  ansible.builtin.debug:\n    msg: hidden\n",
                                  "names apiops_secret in its name"),
}


@pytest.mark.parametrize("broken", sorted(BROKEN_HOOKS))
def test_a_hook_that_cannot_run_stops_a_hard_cut_before_the_platform_is_touched(workspace, broken):
    text, words = BROKEN_HOOKS[broken]
    workspace.inventory([{"client_id": BILLING[0], "current_secret": BILLING[1]}], uaa_secret_rotation_strategy="admin",
                        uaa_secret_rotation_hook_tasks=hook_file(workspace, text))
    workspace.control("requests", method="DELETE")
    run = workspace.play("uaa_rotate.yml")
    assert run.rc != 0 and words in run.output and "Nothing was changed" in run.output, run.output[-3000:]
    assert writes(workspace) == [], "the platform was changed although the hook could never deliver"
    assert workspace.token_works(*BILLING)


@pytest.mark.parametrize("sink", ["hashicorp_vault", "aws_secrets_manager"])
def test_a_further_sink_out_of_reach_stops_a_hard_cut_before_the_platform_is_touched(workspace, sink):
    unreachable = "http://127.0.0.1:%d" % closed_port()
    settings = {"hashicorp_vault": {"uaa_secret_rotation_hashicorp_vault": {"url": unreachable, "token": "hvs.unused-token-000001"}},
                "aws_secrets_manager": {}}[sink]
    if sink == "aws_secrets_manager":
        workspace.env.update(AWS_ACCESS_KEY_ID="AKIAAPIOPSTESTING001", AWS_SECRET_ACCESS_KEY="apiops-test-unused-0001",
                             AWS_REGION="eu-central-1", AWS_ENDPOINT_URL_SECRETS_MANAGER=unreachable)
    workspace.inventory([{"client_id": BILLING[0], "current_secret": BILLING[1]}], uaa_secret_rotation_strategy="admin",
                        uaa_secret_rotation_deliver_to=[sink], uaa_retries=0, uaa_request_timeout=2, **settings)
    workspace.control("requests", method="DELETE")
    run = workspace.play("uaa_rotate.yml")
    assert run.rc != 0, run.output[-3000:]
    assert ("HashiCorp Vault" if sink == "hashicorp_vault" else "AWS Secrets Manager") in run.output, run.output[-3000:]
    assert writes(workspace) == [], "the platform was changed although the further sink could not take the secret"
    assert workspace.token_works(*BILLING)
    assert not os.path.exists(os.path.join(workspace.sink_dir, "uaa", "uaa-test.vault")), "nothing is journaled either"


# ---- roll back after a crash mid-rotation ------------------------------------------------------------------------
def report_row(workspace, platform, host):
    """The first credential's row of the last run's report (in the workspace's report directory)."""
    with open(os.path.join(workspace.env["APIOPS_REPORT_DIR"], platform, host + "-report.json"), encoding="utf-8") as handle:
        return json.load(handle)["credentials"][0]


def pod_dies_after(workspace, playbook, method, path, platform="uaa"):
    """Run ``playbook`` and kill every process of the run (ansible-playbook and its workers, as when an AWX pod dies)
    right after the platform handled the first ``method path``: the journal is left as the crash found it."""
    workspace.control("latency", {"seconds": 0.1}, platform=platform)
    inventory = os.path.join(workspace.path, "inventory.json")
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", inventory,
               os.path.join(ROOT, "playbooks", playbook), "--vault-password-file", workspace.password_file]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=workspace.path, text=True,
                          env=dict(os.environ, ANSIBLE_NOCOLOR="1", **workspace.env), start_new_session=True) as process:
        deadline = time.time() + 60
        while time.time() < deadline and process.poll() is None:
            if any(entry["method"] == method and entry["path"] == path
                   for entry in workspace.control("requests", method="GET", platform=platform)):
                break
            time.sleep(0.02)
        # Workers that left the process group are found by their command line, which names this inventory.
        subprocess.run(["pkill", "-KILL", "-f", inventory], check=False)
        workspace.outputs.append(process.communicate()[0])
    workspace.control("latency", {"seconds": 0}, platform=platform)


def test_uaa_roll_back_after_a_crash_midway_undoes_the_rotation(workspace):
    SCENARIOS["uaa admin"].setup(workspace)
    pod_dies_after(workspace, "uaa_rotate.yml", "PUT", "/oauth/clients/billing-service/secret")
    record = workspace.record(BILLING[0])
    assert record["state"] == "pending" and workspace.token_works(BILLING[0], record["pending_secret"])
    back = workspace.play("uaa_rollback.yml")
    assert back.rc == 0, back.output[-3000:]
    assert "never rotated" not in back.output and "a rotation was interrupted midway" in report_row(workspace, "uaa", "uaa-test")["reason"]
    final = workspace.record(BILLING[0])
    assert final["state"] == "rolled_back" and final["secret"] == BILLING[1] and workspace.token_works(*BILLING)
    assert not workspace.token_works(BILLING[0], record["pending_secret"]), "the interrupted rotation's secret still works"
    assert workspace.play("uaa_rollback.yml").recap("uaa-test")["changed"] == 0


def test_roll_back_after_a_crash_in_a_first_rotation_without_a_known_secret_finishes_it(workspace):
    workspace.inventory([{"client_id": BILLING[0]}], uaa_secret_rotation_strategy="admin", uaa_request_timeout=REQUEST_TIMEOUT)
    pod_dies_after(workspace, "uaa_rotate.yml", "PUT", "/oauth/clients/billing-service/secret")
    record = workspace.record(BILLING[0])
    assert record["state"] == "pending", (record["state"], workspace.outputs[-1][-2000:])
    pending = record["pending_secret"]
    back = workspace.play("uaa_rollback.yml")
    assert back.rc == 0 and "the rotation is finished instead" in report_row(workspace, "uaa", "uaa-test")["reason"], back.output[-3000:]
    final = workspace.record(BILLING[0])
    assert final["secret"] == pending and final["state"] == "complete" and workspace.token_works(BILLING[0], pending)
    # Rolled back again, it says why it cannot: the secret before was never given, not "never rotated".
    again = workspace.play("uaa_rollback.yml")
    assert again.rc != 0 and "was never given" in again.output and "never rotated" not in again.output, again.output[-3000:]


def test_anypoint_roll_back_after_a_crash_midway_undoes_the_rotation(workspace):
    SCENARIOS["anypoint environments"].setup(workspace)
    pod_dies_after(workspace, "anypoint_rotate.yml", "PATCH", "/accounts/api/organizations/%s/clients/%s" % (ROOT_ORG, SANDBOX[0]),
                   platform="anypoint")
    record = anypoint_record(workspace, "root", "environment", "Sandbox")
    assert mule_app_gets_in(workspace, SANDBOX[0], record.get("pending_secret") or ""), "the working secret is not in the sink"
    back = workspace.play("anypoint_rollback.yml")
    assert back.rc == 0, back.output[-3000:]
    assert "never rotated" not in back.output and "a rotation was interrupted midway" in anypoint_report(workspace)[0]["reason"]
    final = anypoint_record(workspace, "root", "environment", "Sandbox")
    assert final["state"] == "rolled_back" and final["secret"] == SANDBOX[1] and mule_app_gets_in(workspace, *SANDBOX)
    assert not mule_app_gets_in(workspace, SANDBOX[0], record["pending_secret"])


# ---- one credential, two sinks ---------------------------------------------------------------------------------
def two_inventories_at_once(workspace, inventories):
    """Run uaa_rotate.yml once per inventory, all at the same time (two teams' configurations); their return codes."""
    processes = []
    for number, inventory in enumerate(inventories):
        path = os.path.join(workspace.path, "inventory-%d.json" % number)
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(inventory, handle)
        processes.append(subprocess.Popen(  # pylint: disable=consider-using-with
            [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", path,
             os.path.join(ROOT, "playbooks", "uaa_rotate.yml"), "--vault-password-file", workspace.password_file],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=workspace.path,
            env=dict(os.environ, ANSIBLE_NOCOLOR="1", **workspace.env)))
    codes = []
    for process in processes:
        workspace.outputs.append(process.communicate(timeout=300)[0])
        codes.append(process.returncode)
    return codes


@pytest.mark.parametrize("order", ["at once", "vault first", "file first"])
def test_two_runs_with_different_sinks_that_share_one_rotate_once_and_agree(workspace, vault_server, order):
    vault = reset(vault_server)
    settings = {"uaa_secret_rotation_hashicorp_vault": {"url": vault.url, "token": VAULT_TOKEN}, "uaa_request_timeout": REQUEST_TIMEOUT * 5}
    clients = [{"client_id": BILLING[0], "current_secret": BILLING[1]}]
    # A team moving its sink: the old configuration journals in the file and delivers to Vault, the new one journals in Vault.
    moving = json.loads(open(workspace.inventory(clients, uaa_secret_rotation_deliver_to=["hashicorp_vault"], **settings),
                             encoding="utf-8").read())
    moved = json.loads(open(workspace.inventory(clients, uaa_secret_rotation_sink="hashicorp_vault", **settings), encoding="utf-8").read())
    workspace.control("requests", method="DELETE")
    if order == "at once":
        assert two_inventories_at_once(workspace, [moving, moved]) == [0, 0], workspace.outputs[-2:]
    else:
        runs = [moved, moving] if order == "vault first" else [moving, moved]
        for inventory in runs:
            assert two_inventories_at_once(workspace, [inventory]) == [0], workspace.outputs[-1][-3000:]
    updates = [entry for entry in writes(workspace) if entry["path"].endswith("/secret")]
    assert len(updates) == 1, "the credential was rotated %d times" % len(updates)
    in_file, in_vault = workspace.record(BILLING[0]), vault_record(VaultView(vault), "uaa/uaa-test/uaa/" + BILLING[0])
    assert in_file["secret"] == in_vault["secret"] and workspace.token_works(BILLING[0], in_file["secret"]), \
        "a sink holds a dead secret as current"
    assert two_inventories_at_once(workspace, [moving, moved]) == [0, 0]
    assert len([entry for entry in writes(workspace) if entry["path"].endswith("/secret")]) == 1, "a later run rotated again"


class VaultView:
    """What ``vault_record`` asks of a workspace: the Vault emulator's URL."""

    def __init__(self, server):
        self.emulators = {"vault": server}
