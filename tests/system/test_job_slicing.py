# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A sliced job: one inventory of UAA hosts run as three slices at once, as AWX splits it, sharing one Vault sink."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys


import pytest

from tests.emulator_fixtures import reset
from tests.platforms import uaa_secret, uaa_seed
from tests.system.awx import slice_hosts
from tests.system.conftest import ROOT, Run
from tests.system.test_hashicorp_vault_sink import ROOT_TOKEN, kv, no_secret_leaked, vault_server  # noqa: F401 pylint: disable=unused-import

pytestmark = pytest.mark.newest_only
HOSTS, CLIENTS_PER_HOST, SLICES = 6, 2, 3


def limit(number, count):
    return ",".join(slice_hosts(["uaa-%d" % host for host in range(HOSTS)], number, count))


def check_slices(workspace, count):
    """The sliced check job, its slices at once under ansible-runner as AWX runs them; the artifacts AWX hands on,
    merged as the slice workflow merges them (awx/main/models/workflow.py get_effective_artifacts: dict.update, job
    by job in the order they finished)."""
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"], **workspace.env)
    jobs = []
    for number in range(1, count + 1):
        data_dir = os.path.join(workspace.path, "runner", "check-%d" % number)
        os.makedirs(data_dir)
        cmdline = "--vault-password-file %s --check --limit %s -e awx_workflow_job_id=76 -e awx_job_id=%d" % (
            workspace.password_file, limit(number, count), 10 + number)
        jobs.append((data_dir, subprocess.Popen(  # pylint: disable=consider-using-with
            [os.path.join(os.path.dirname(sys.executable), "ansible-runner"), "run", data_dir, "--ident", "job", "-q",
             "-p", os.path.join(ROOT, "playbooks", "uaa_rotate.yml"), "--inventory", os.path.join(workspace.path, "inventory.json"),
             "--cmdline", cmdline], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)))
    artifacts = {}
    for data_dir, process in jobs:
        output = process.communicate()[0]
        with open(os.path.join(data_dir, "artifacts", "job", "stdout"), encoding="utf-8") as handle:
            output += handle.read()
        workspace.outputs.append(output)
        assert process.returncode == 0, output[-3000:]
        events = os.path.join(data_dir, "artifacts", "job", "job_events")
        for name in os.listdir(events):
            with open(os.path.join(events, name), encoding="utf-8") as handle:
                event = json.load(handle)
            workspace.outputs.append(json.dumps(event))
            if event.get("event") == "playbook_on_stats":
                artifacts.update(event["event_data"]["artifact_data"])
    return artifacts


def run_slices(workspace, count, *extra):
    """Every slice of ``uaa_rotate.yml`` at once, each limited to its hosts (AWX gives each slice its own inventory)."""
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", **workspace.env)
    processes = [subprocess.Popen(  # pylint: disable=consider-using-with
        [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", os.path.join(workspace.path, "inventory.json"),
         os.path.join(ROOT, "playbooks", "uaa_rotate.yml"), "--vault-password-file", workspace.password_file,
         "--limit", limit(number, count), "-e", "awx_workflow_job_id=77 awx_job_id=%d" % (100 + number)] + list(extra),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=workspace.path) for number in range(1, count + 1)]
    runs = [Run(process.wait(), process.stdout.read()) for process in processes]
    workspace.outputs += [run.output for run in runs]
    workspace.check_reports()
    return runs


def test_three_slices_rotate_every_client_once_and_merge_into_one_report(workspace, vault_server):
    vault = reset(vault_server)
    count = HOSTS * CLIENTS_PER_HOST
    workspace.control("state", uaa_seed(count))
    clients = {"uaa-%d" % host: ["svc-%05d" % n for n in range(host * CLIENTS_PER_HOST, (host + 1) * CLIENTS_PER_HOST)]
               for host in range(HOSTS)}
    workspace.write_inventory({"uaa_servers": {"hosts": {host: {
        "uaa_url": workspace.emulator.url, "uaa_auth_client_id": "admin", "uaa_auth_client_secret": "adm1n-S3cret-seed-7f3a9c",
        "uaa_secret_rotation_sink": "hashicorp_vault", "uaa_secret_rotation_max_age_days": 0,
        "uaa_secret_rotation_hashicorp_vault": {"url": vault.url, "token": ROOT_TOKEN},
        "uaa_secret_rotation_clients": [{"client_id": cid, "current_secret": uaa_secret(int(cid[4:]))} for cid in names]}
        for host, names in clients.items()}}})
    # The sliced check job: the slices' plans reach the real job although AWX keeps the last slice's apiops_plans.
    artifacts = check_slices(workspace, SLICES)
    assert len(artifacts["apiops_plans"]) == HOSTS // SLICES, "AWX's merge kept only the last slice's apiops_plans"
    handed = {key for name, plans in artifacts.items() if name.startswith("apiops_plans_") for key in plans}
    assert handed == {"uaa/" + host for host in clients}, artifacts.keys()
    handover = os.path.join(workspace.path, "artifacts.json")
    with open(handover, "w", encoding="utf-8") as handle:
        json.dump(artifacts, handle)
    workspace.control("requests", method="DELETE")

    runs = run_slices(workspace, SLICES, "-e", "@" + handover)
    assert all(run.rc == 0 for run in runs), "\n".join(run.output[-2000:] for run in runs)

    changes = [entry["path"] for entry in workspace.control("requests", method="GET") if entry["method"] == "PUT"]
    per_client = {cid: sum(1 for path in changes if path.startswith("/oauth/clients/%s/" % cid)) for names in clients.values() for cid in names}
    assert set(per_client.values()) == {1}, "every client rotated exactly once, none skipped: %s" % per_client
    for host, names in clients.items():
        for cid in names:
            record = kv(vault, "apiops/uaa/%s/uaa/%s" % (host, cid))["data"]
            assert record["state"] == "complete" and workspace.token_works(cid, record["secret"]), (host, cid)
            assert not workspace.token_works(cid, uaa_secret(int(cid[4:])))

    merged_path = os.path.join(workspace.path, "merged.json")
    merge = workspace.play("merge_reports.yml", "-e", json.dumps({
        "merge_reports_files": [os.path.join(workspace.path, "reports", "uaa", "*-report.json")], "merge_reports_dest": merged_path,
        "merge_reports_targets": sorted(clients)}))
    assert merge.rc == 0, merge.output[-3000:]
    with open(merged_path, encoding="utf-8") as handle:
        merged = json.load(handle)
    rows = sorted((row["target"], row["credential"]) for row in merged["credentials"])
    assert rows == sorted((host, cid) for host, names in clients.items() for cid in names), "every credential once"
    assert merged["summary"] == {"rotated": count} and merged["merged"]["problems"] == []
    assert sorted(source["awx_job_id"] for source in merged["merged"]["reports"]) == [101, 101, 102, 102, 103, 103]
    assert merged["run"]["awx_workflow_job_id"] == 77 and len(set(merged["run_id"].split(" + "))) == SLICES
    digests = {key.split("/", 1)[1]: digest for name, value in artifacts.items() if name.startswith("apiops_plan_digests_")
               for key, digest in value.items()}
    for host in clients:  # each host carried out its approved plan, whichever slice made it
        with open(os.path.join(workspace.path, "reports", "uaa", host + "-report.json"), encoding="utf-8") as handle:
            assert json.load(handle)["run"]["plan_digest"] == digests[host], host
    with open(merged_path[:-len(".json")] + ".md", encoding="utf-8") as handle:
        assert re.search(r"^- Merged from: 6 reports: run ", handle.read(), re.M)

    no_secret_leaked(workspace, vault)
