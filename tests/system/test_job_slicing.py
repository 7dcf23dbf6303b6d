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


def run_slices(workspace, count):
    """Every slice of ``uaa_rotate.yml`` at once, each limited to its hosts (AWX gives each slice its own inventory)."""
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", **workspace.env)
    hosts = ["uaa-%d" % host for host in range(HOSTS)]
    processes = [subprocess.Popen(  # pylint: disable=consider-using-with
        [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", os.path.join(workspace.path, "inventory.json"),
         os.path.join(ROOT, "playbooks", "uaa_rotate.yml"), "--vault-password-file", workspace.password_file,
         "--limit", ",".join(slice_hosts(hosts, number, count)), "-e", "awx_workflow_job_id=77 awx_job_id=%d" % (100 + number)],
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
    workspace.control("requests", method="DELETE")

    runs = run_slices(workspace, SLICES)
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
    with open(merged_path[:-len(".json")] + ".md", encoding="utf-8") as handle:
        assert re.search(r"^- Merged from: 6 reports: run ", handle.read(), re.M)

    # An overlap (a host run by two slices) is named, and the merge fails on it.
    overlap = workspace.play("merge_reports.yml", "-e", json.dumps({
        "merge_reports_files": [os.path.join(workspace.path, "reports", "uaa", "*-report.json"), merged_path],
        "merge_reports_dest": os.path.join(workspace.path, "merged-again.json")}))
    assert overlap.rc != 0 and "in the reports of two runs" in overlap.output, overlap.output[-2000:]
    no_secret_leaked(workspace, vault)
