# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark: one job against the same job sliced as AWX slices it (job_slice_count), the slices at once.

    make bench        (or: python -m tests.bench.bench_slices --help)

The work: 2,000 API Connect credentials over many consumer-org hosts (one host per
consumer org of one catalog) and 500 UAA clients over several UAA hosts, with
HashiCorp Vault as the shared journal and sink, and 20 ms latency injected on every
request of every emulator (the platforms and Vault). One job runs
playbooks/apic_rotate.yml and playbooks/uaa_rotate.yml over the whole inventory;
the sliced job runs the same, N times at once, each given the hosts AWX would
give that slice (tests/system/awx.py slice_hosts). The emulators run in their own
processes, so that their CPU is measured apart from ansible-playbook's.

Printed: wall time, CPU time of ansible-playbook and its workers (user + system)
and of the emulators, requests, and, from the emulators' request logs,
credentials rotated once, rotated twice, and skipped; then the merged report of
the slices (apiops.credentials.merge_reports) and its problems. Figures, not
assertions: the target (sliced >= 3x faster) is printed as met or missed. AWX runs each slice on a node of its own;
on a machine with fewer than two CPUs per slice the slices at once share its CPUs, so the target is judged on the
slices run one by one (the longest one's wall time is the sliced job's, as with a node per slice), and the at-once
figure is printed beside it. Every mode runs and the whole table is printed before the verdict: MISSED and FAILED
lines, and exit status 1 if there is any (tests/bench/verdict.py).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter

from tests.bench.verdict import RunFailed, failed, missed, verdicts
from tests.emulators.apic import bulk_seed
from tests.emulators.framework import load_seed
from tests.emulators.launch import SEEDS
from tests.platforms import UAA_ADMIN, control, uaa_secret, uaa_seed, write_inventory
from tests.system.awx import slice_hosts

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.path.dirname(sys.executable)
PASSWORD = "bench-vault-password"
VAULT_TOKEN = "hvs.apiops-test-root-token-00000001"  # tests/emulators/seeds/vault.json
APIC_LOGIN = {"apic_username": "apiops-admin", "apic_password": "Pr0vider-Adm1n-Passw0rd-v10",
              "apic_client_id": "599b7aef-8841-4ee2-88a0-84d49c4d6ff2", "apic_client_secret": "0ea28423-e73b-47d4-b40e-ddb45c48bb0c"}
PLAYBOOKS = [os.path.join(ROOT, "playbooks", name) for name in ("apic_rotate.yml", "uaa_rotate.yml")]
TICK = os.sysconf("SC_CLK_TCK")


# ---- the emulators, each in its own process ----------------------------------------------------------------
class Emulators:
    def __init__(self, workdir):
        self.processes, self.urls = {}, {}
        for name in ("apic", "uaa", "vault"):
            config = os.path.join(workdir, "emulator-%s.json" % name)
            self.processes[name] = subprocess.Popen(  # pylint: disable=consider-using-with
                [sys.executable, "-m", "tests.emulators.launch", "--only", name, "--config-out", config],
                stdout=subprocess.DEVNULL, cwd=ROOT, env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
            deadline = time.monotonic() + 30
            while not os.path.exists(config) and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(0.1)  # written whole before it is read
            with open(config, encoding="utf-8") as handle:
                self.urls[name] = json.load(handle)["%s_url" % name]

    def cpu_seconds(self):
        total = 0
        for process in self.processes.values():
            with open("/proc/%d/stat" % process.pid, encoding="utf-8") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (the 14th and 15th fields of stat)
        return total / TICK

    def load(self, apic_seed, uaa_state, latency):
        for name, url in self.urls.items():
            control(url, "reset")
            if name == "apic":
                control(url, "state", apic_seed)
            elif name == "uaa":
                control(url, "state", uaa_state)
            control(url, "latency", {"seconds": latency})
            control(url, "requests", method="DELETE")

    def requests(self):
        return {name: control(url, "requests", method="GET") for name, url in self.urls.items()}

    def stop(self):
        for process in self.processes.values():
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


# ---- the work ----------------------------------------------------------------------------------------------
def inventory(urls, options, workdir):
    vault = {"url": urls["vault"], "token": VAULT_TOKEN}
    apic = {"corg-%03d" % n: dict(APIC_LOGIN, apic_url=urls["apic"], apic_org="bench-porg", apic_catalog="production",
                                  apic_credential_rotation_consumer_org="corg-%03d" % n, apic_credential_rotation_sink="hashicorp_vault",
                                  apic_credential_rotation_hashicorp_vault=vault, apic_credential_rotation_concurrency=options.concurrency,
                                  apic_credential_rotation_sink_dir=os.path.join(workdir, "unused-sink"))
            for n in range(options.consumer_orgs)}
    per_host = options.uaa_clients // options.uaa_hosts
    uaa = {}
    for host in range(options.uaa_hosts):
        clients = [{"client_id": "svc-%05d" % n, "current_secret": uaa_secret(n)} for n in range(host * per_host, (host + 1) * per_host)]
        uaa["uaa-%02d" % host] = {
            "uaa_url": urls["uaa"], "uaa_auth_client_id": UAA_ADMIN["client_id"], "uaa_auth_client_secret": UAA_ADMIN["client_secret"],
            "uaa_secret_rotation_sink": "hashicorp_vault", "uaa_secret_rotation_hashicorp_vault": vault,
            "uaa_secret_rotation_max_age_days": 0, "uaa_secret_rotation_concurrency": options.concurrency,
            "uaa_secret_rotation_sink_dir": os.path.join(workdir, "unused-sink"), "uaa_secret_rotation_clients": clients}
    return {"apic_catalogs": {"hosts": apic}, "uaa_servers": {"hosts": uaa}}


def expected_writes(options):
    """How many credentials need a write, as bulk_seed made them: an API Connect app past expiry gets one new
    credential, one past deletion loses its old one; every UAA client gets one new secret."""
    per_host = options.uaa_clients // options.uaa_hosts
    return {"apic create": int(options.credentials * 0.30), "apic delete": int(options.credentials * 0.10),
            "uaa secret": per_host * options.uaa_hosts}


def writes(logs):
    """Writes per credential, from the emulators' request logs (API Connect paths name apps by id)."""
    seen = Counter()
    for entry in logs["apic"]:
        path = entry["path"].split("?")[0]
        created = re.match(r"^/api/apps/[^/]+/[^/]+/[^/]+/([^/]+)/credentials$", path)
        deleted = re.match(r"^/api/apps/[^/]+/[^/]+/[^/]+/([^/]+)/credentials/[^/]+$", path)
        if entry["method"] == "POST" and created:
            seen[("apic create", created.group(1))] += 1
        elif entry["method"] == "DELETE" and deleted:
            seen[("apic delete", deleted.group(1))] += 1
    for entry in logs["uaa"]:
        changed = re.match(r"^/oauth/clients/(svc-\d+)/secret$", entry["path"].split("?")[0])
        if entry["method"] == "PUT" and changed:
            seen[("uaa secret", changed.group(1))] += 1
    return seen


def outcome(due, seen):
    """(rotated once, rotated twice, skipped): credentials written once, more than once, and due but not written."""
    once = {kind: sum(1 for (what, _name), count in seen.items() if what == kind and count == 1) for kind in due}
    twice = sum(1 for count in seen.values() if count > 1)
    return sum(once.values()), twice, sum(max(0, due[kind] - sum(1 for (what, _name) in seen if what == kind)) for kind in due)


def run(emulators, limits, options, workdir, label, together=True):
    """The playbooks once per limit (None: the whole inventory), all at once or one after the other; wall seconds
    (one after the other: the longest, as if each ran on a node of its own), CPU seconds, emulator CPU seconds."""
    reports = os.path.join(workdir, "reports-" + label)
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", APIOPS_REPORT_DIR=reports)
    commands = [[os.path.join(BIN, "ansible-playbook"), "-i", os.path.join(workdir, "inventory.json")] + PLAYBOOKS
                + ["--vault-password-file", os.path.join(workdir, "vault-password"), "--forks", str(options.forks)]
                + (["--limit", ",".join(limit)] if limit else []) for limit in limits]
    before, emulator_before = resource.getrusage(resource.RUSAGE_CHILDREN), emulators.cpu_seconds()
    walls, host_tasks = [], 0
    for batch in ([commands] if together else [[command] for command in commands]):
        started = time.monotonic()
        processes = [subprocess.Popen(  # pylint: disable=consider-using-with
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=workdir, env=env) for command in batch]
        outputs = [process.communicate()[0] for process in processes]
        walls.append(time.monotonic() - started)
        for process, output in zip(processes, outputs):
            if process.returncode != 0:
                raise RunFailed("rc %d; the end of its output:\n%s" % (process.returncode, output[-4000:]))
            # Tasks run per host (the recap's ok, failed and skipped): what ansible-playbook spends its CPU on.
            host_tasks += sum(int(ok) + int(failed) + int(skipped) for ok, failed, skipped in
                              re.findall(r"^\S+\s*: ok=(\d+)\s+changed=\d+\s+unreachable=\d+\s+failed=(\d+)\s+skipped=(\d+)", output, re.M))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return max(walls), cpu, emulators.cpu_seconds() - emulator_before, reports, host_tasks


def merged_problems(reports):
    """The slices' reports merged as an operator merges them (apiops.credentials.merge_reports)."""
    from ansible_collections.apiops.credentials.plugins.plugin_utils._report import merge_slices  # pylint: disable=import-outside-toplevel
    found = []
    for directory, _dirs, files in os.walk(reports):
        for name in sorted(files):
            if name.endswith("-report.json"):
                with open(os.path.join(directory, name), encoding="utf-8") as handle:
                    found.append(json.load(handle))
    merged = merge_slices(found)
    return len(found), len(merged["credentials"]), len(merged["merged"]["problems"])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--credentials", type=int, default=2000, help="API Connect credentials")
    parser.add_argument("--consumer-orgs", type=int, default=40, help="API Connect consumer orgs, one inventory host each")
    parser.add_argument("--uaa-clients", type=int, default=500)
    parser.add_argument("--uaa-hosts", type=int, default=5)
    parser.add_argument("--slices", type=int, default=4, help="the job template's job_slice_count")
    parser.add_argument("--forks", type=int, default=5, help="the job template's forks (AWX's 0 is ansible's default, 5)")
    parser.add_argument("--concurrency", type=int, default=8, help="the roles' <role>_concurrency")
    parser.add_argument("--latency", type=float, default=0.020, help="seconds added to every request")
    options = parser.parse_args(argv)

    base = load_seed(os.path.join(SEEDS, "apic.json"))
    apic_seed = bulk_seed(options.consumer_orgs, options.credentials, base={k: base[k] for k in ("toolkit_clients", "users")})
    uaa_state = uaa_seed(options.uaa_clients)
    due = expected_writes(options)
    with tempfile.TemporaryDirectory() as workdir:
        with open(os.path.join(workdir, "vault-password"), "w", encoding="utf-8") as handle:
            handle.write(PASSWORD + "\n")
        emulators = Emulators(workdir)
        try:
            write_inventory(os.path.join(workdir, "inventory.json"), inventory(emulators.urls, options, workdir))
            hosts = ["corg-%03d" % n for n in range(options.consumer_orgs)] + ["uaa-%02d" % n for n in range(options.uaa_hosts)]
            slices = [slice_hosts(hosts, number, options.slices) for number in range(1, options.slices + 1)]
            modes = [("one job", [None], True), ("%d slices at once" % options.slices, slices, True),
                     ("slices one by one", slices, False)]
            rows, problems = [], []
            for number, (label, limits, together) in enumerate(modes):
                emulators.load(apic_seed, uaa_state, options.latency)
                try:
                    seconds, cpu, emulator_cpu, reports, host_tasks = run(emulators, limits, options, workdir, str(number), together)
                except RunFailed as failure:
                    rows.append((label,))
                    problems.append(failed("job slicing, %s: a playbook failed, so its figures are missing" % label, failure))
                    continue
                logs = emulators.requests()
                rows.append((label, seconds, cpu, emulator_cpu, sum(len(log) for name, log in logs.items() if name != "vault"),
                             len(logs["vault"])) + outcome(due, writes(logs)) + merged_problems(reports)
                            + (host_tasks, os.getloadavg()[0]))
        finally:
            emulators.stop()

    print("Job slicing: %d API Connect credentials over %d consumer-org hosts and %d UAA clients over %d UAA hosts, "
          "HashiCorp Vault as the shared sink, %.0f ms latency on every request, forks %d, concurrency %d"
          % (options.credentials, options.consumer_orgs, options.uaa_clients, options.uaa_hosts, options.latency * 1000,
             options.forks, options.concurrency))
    print("  (one machine with %d CPUs runs every slice and the emulators; AWX would run each slice on its own node)" % os.cpu_count())
    header = ("", "wall (s)", "CPU (s)", "emul CPU", "requests", "vault req", "rotated", "twice", "skipped", "reports", "rows", "problems",
              "host-tasks", "load")
    print("  %-18s %8s %8s %8s %9s %9s %8s %6s %8s %8s %6s %8s %10s %5s" % header)
    for row in rows:
        if len(row) == 1:
            print("  %-18s %8s" % (row[0], "FAILED"))
        else:
            print("  %-18s %8.1f %8.1f %8.1f %9d %9d %8d %6d %8d %8d %6d %8d %10d %5.1f" % row)
    if any(len(row) == 1 for row in rows):
        print("  speed-up: no figure (a mode failed)")
        return verdicts(problems)
    ratio = rows[0][1] / rows[1][1]
    print("  slices one by one: wall is the longest slice, as if each ran alone on a node of its own (the emulators shared)")
    print("  due: %d credentials. CPU: ansible-playbook and its workers, user + system; emul CPU: the three emulators"
          % sum(due.values()))
    print("  host-tasks: tasks run per host, summed (the recaps); load: the machine's 1-minute load average after the run "
          "(above %d, other processes shared the CPUs)" % os.cpu_count())
    print("  CPU per host-task: %.0f ms; the CPU floor of the slices at once on %d CPUs: %.1f s (their CPU and the emulators')"
          % (1000 * rows[0][2] / max(1, rows[0][12]), os.cpu_count(), (rows[1][2] + rows[1][3]) / os.cpu_count()))
    print("  CPU use (ansible and emulators over wall): one job %.0f%% of %d CPUs, slices at once %.0f%%" % (
        100 * (rows[0][2] + rows[0][3]) / rows[0][1] / os.cpu_count(), os.cpu_count(),
        100 * (rows[1][2] + rows[1][3]) / rows[1][1] / os.cpu_count()))
    # AWX runs each slice on a node of its own. On a machine with fewer CPUs than the slices need, the slices at once
    # measure this machine's CPUs, not slicing: the target is then judged on the slices one by one (each with the
    # machine to itself, as on its own node), and the at-once figure is printed beside it.
    node_ratio = rows[0][1] / rows[2][1]
    judged, how = (ratio, "at once") if os.cpu_count() >= 2 * options.slices else (node_ratio, "a node per slice")
    clean = all(row[7] == 0 and row[8] == 0 for row in rows)
    print("  speed-up: %.2fx at once on this machine; %.2fx with a node per slice (longest slice alone); target >= 3x, "
          "judged %s (%d CPUs here): %s; rotated twice or skipped: %s"
          % (ratio, node_ratio, how, os.cpu_count(), "met" if judged >= 3 else "MISSED", "none" if clean else "SOME"))
    if judged < 3:
        problems.append(missed("job slicing: speed-up %.2fx judged %s (target >= 3x)" % (judged, how)))
    if not clean:
        problems.append(missed("job slicing: credentials rotated twice or skipped: %s" % ", ".join(
            "%s %d twice, %d skipped" % (row[0], row[7], row[8]) for row in rows if row[7] or row[8])))
    return verdicts(problems)


if __name__ == "__main__":
    sys.exit(main())
