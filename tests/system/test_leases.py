# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Leases: a run that died on another node (an AWX pod) holds its credentials only until its lease expires.

A live lease is waited for and named; the break_lease playbook shows it in check mode and releases it with a reason;
an expired one is taken over with a note in the journal and the report; a run killed mid-rotation on another node
is taken over once its lease expired, and the next run converges.
"""

from __future__ import annotations

import glob
import json
import os
import signal
import subprocess
import sys
import time

import requests

from tests.emulator_fixtures import reset
from tests.system.conftest import ROOT
from tests.system.test_hashicorp_vault_sink import ROOT_TOKEN, kv, no_secret_leaked, vault_server  # noqa: F401 pylint: disable=unused-import

BILLING = ("billing-service", "b1lling-S3cret-seed-91e2d7")
RECORD = "apiops/uaa/uaa-test/uaa/billing-service"
BREAK = ["-e", "lease_platform=uaa", "-e", "lease_host=uaa-test", "-e", "lease_key=uaa/billing-service"]


def iso(epoch):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


def plant(vault, line):
    """The lease of billing-service as a run on another node left it (created only where there is none)."""
    answer = requests.post("%s/v1/secret/data/%s.lock" % (vault.url, RECORD), headers={"X-Vault-Token": ROOT_TOKEN}, timeout=5,
                           json={"data": {"owner": line}, "options": {"cas": 0}})
    assert answer.status_code == 200, answer.text


def uaa_writes(workspace):
    return [entry for entry in workspace.control("requests", method="GET")
            if entry["method"] != "GET" and not entry["path"].endswith("/oauth/token")]


def setup(workspace, vault, **extra):
    workspace.inventory([{"client_id": BILLING[0], "current_secret": BILLING[1]}], uaa_secret_rotation_sink="hashicorp_vault",
                        uaa_secret_rotation_hashicorp_vault={"url": vault.url, "token": ROOT_TOKEN},
                        uaa_secret_rotation_max_age_days=0, **extra)


def test_a_lease_of_another_node_is_waited_for_broken_with_a_reason_or_taken_over_once_expired(workspace, vault_server):
    vault = reset(vault_server)
    setup(workspace, vault, uaa_secret_rotation_lock_timeout=1)
    first = workspace.job("uaa_rotate.yml", "-e", "awx_job_id=4710", env={"JOB_ID": "4710"})
    assert first.rc == 0, first.output[-3000:]

    now = time.time()
    plant(vault, "4242 awx-job-4711-x7k2p %s %s 4711" % (iso(now - 60), iso(now + 600)))  # a live pod elsewhere
    workspace.control("requests", method="DELETE")
    blocked = workspace.job("uaa_rotate.yml", "-e", "awx_job_id=4712", env={"JOB_ID": "4712"})
    assert blocked.rc != 0 and "process 4242 on awx-job-4711-x7k2p, AWX job 4711" in blocked.output, blocked.output[-3000:]
    assert "break_lease" in blocked.output
    assert uaa_writes(workspace) == [], "a live lease is never taken"

    shown = workspace.job("break_lease.yml", *BREAK, "-e", "lease_reason=job-4711-cancelled,CHG0012345", check=True)
    assert shown.rc == 0 and "held by process 4242 on awx-job-4711-x7k2p" in shown.output and "would be released" in shown.output, \
        shown.output[-3000:]
    assert kv(vault, RECORD + ".lock") is not None, "check mode releases nothing"
    broken = workspace.job("break_lease.yml", *BREAK, "-e", "lease_reason=job-4711-cancelled,CHG0012345")
    assert broken.rc == 0 and "released, the reason is noted" in broken.output, broken.output[-3000:]
    assert kv(vault, RECORD + ".lock") is None
    note = kv(vault, RECORD)["data"]["lease_note"]
    assert "awx-job-4711-x7k2p" in note and "job-4711-cancelled,CHG0012345" in note

    plant(vault, "4243 awx-job-4713-q9w4z %s" % iso(now - 3600))  # an hour old, in the line of an earlier release
    taken = workspace.job("uaa_rotate.yml", "-e", "awx_job_id=4714", env={"JOB_ID": "4714"})
    assert taken.rc == 0, taken.output[-3000:]
    record = kv(vault, RECORD)["data"]
    assert "took over the lease of process 4243 on awx-job-4713-q9w4z" in record["lease_note"] and "it expired at" in record["lease_note"]
    assert workspace.token_works(BILLING[0], record["secret"]) and record["previous_secret"] != BILLING[1]
    rows = [row for path in glob.glob(os.path.join(workspace.path, "reports", "uaa", "*.json"))
            for row in json.load(open(path, encoding="utf-8"))["credentials"]]
    assert any("took over the lease of process 4243" in step for row in rows for step in row["steps"])
    assert kv(vault, RECORD + ".lock") is None
    no_secret_leaked(workspace, vault)  # the break_lease playbook's output and job events too


def test_break_lease_finds_the_sink_where_the_rotation_finds_it(workspace, vault_server):
    """The sink set by host variables named for the platform (uaa_sink, uaa_hashicorp_vault), as the rotation reads
    them: break_lease looks there too, not in a file sink the rotation never used."""
    vault = reset(vault_server)
    workspace.inventory([{"client_id": BILLING[0], "current_secret": BILLING[1]}], uaa_sink="hashicorp_vault",
                        uaa_hashicorp_vault={"url": vault.url, "token": ROOT_TOKEN}, uaa_max_age_days=0)
    now = time.time()
    plant(vault, "4242 awx-job-4711-x7k2p %s %s 4711" % (iso(now - 60), iso(now + 600)))
    shown = workspace.job("break_lease.yml", *BREAK, check=True)
    assert shown.rc == 0 and "held by process 4242 on awx-job-4711-x7k2p" in shown.output, shown.output[-3000:]
    broken = workspace.job("break_lease.yml", *BREAK, "-e", "lease_reason=job-4711-cancelled")
    assert broken.rc == 0 and "released, the reason is noted" in broken.output, broken.output[-3000:]
    assert kv(vault, RECORD + ".lock") is None
    unknown = workspace.job("break_lease.yml", "-e", "lease_platform=nosuch", "-e", "lease_host=uaa-test", "-e", "lease_key=uaa/x")
    assert unknown.rc != 0 and "keycloak" in unknown.output and "Traceback" not in unknown.output, unknown.output[-3000:]
    no_secret_leaked(workspace, vault)


def test_a_run_killed_mid_rotation_on_another_node_is_taken_over_when_its_lease_expires(workspace, vault_server):
    vault = reset(vault_server)
    setup(workspace, vault, uaa_secret_rotation_lock_timeout=20)
    workspace.env["APIOPS_LEASE_SECONDS"] = "3"
    workspace.control("latency", {"seconds": 0.4})
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", os.path.join(workspace.path, "inventory.json"),
               os.path.join(ROOT, "playbooks", "uaa_rotate.yml"), "--vault-password-file", workspace.password_file]
    with open(os.path.join(workspace.path, "killed.log"), "w", encoding="utf-8") as log:
        process = subprocess.Popen(  # pylint: disable=consider-using-with
            command, stdout=log, stderr=subprocess.STDOUT, cwd=workspace.path, start_new_session=True,
            env=dict(os.environ, ANSIBLE_NOCOLOR="1", **workspace.env))
        deadline = time.time() + 60
        while time.time() < deadline and not any(r["path"].endswith("/secret") for r in workspace.control("requests", method="GET")):
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGKILL)  # the pod is gone, every process with it: the workers, which newer
        subprocess.run(["pkill", "-KILL", "-f", command[2]], check=False)  # ansible-core puts in groups of their own, too
        process.wait()
    lease = kv(vault, RECORD + ".lock")
    assert lease, "the killed run held the lease"
    pid, _host, *rest = lease["data"]["owner"].split()
    requests.post("%s/v1/secret/data/%s.lock" % (vault.url, RECORD), headers={"X-Vault-Token": ROOT_TOKEN}, timeout=5,
                  json={"data": {"owner": " ".join([pid, "awx-job-4720-gone"] + rest)},
                        "options": {"cas": lease["metadata"]["version"]}}).raise_for_status()  # it ran on another node
    workspace.control("latency", {"seconds": 0})
    started = time.monotonic()
    resumed = workspace.play("uaa_rotate.yml")
    assert resumed.rc == 0, resumed.output[-3000:]
    assert time.monotonic() - started < 20, "taken over once expired, not after lock_timeout"
    record = kv(vault, RECORD)["data"]
    assert record["state"] == "complete" and workspace.token_works(BILLING[0], record["secret"])
    assert not workspace.token_works(*BILLING), "the rotation was finished, the old secret retired"
    assert "on awx-job-4720-gone" in record["lease_note"]
    no_secret_leaked(workspace, vault)
