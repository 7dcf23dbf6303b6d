# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark: rotating a large API Connect catalog, the published sample script against playbooks/apic_rotate.yml.

    make bench        (or: python -m tests.bench.bench_apic_rotation --help)

Both run in one go against the same emulator state: 2,000 credentials over 100
consumer orgs (30% past expiry, 10% past deletion with their ``_new``), with
20 ms latency injected on every request. Prints wall time and requests of both,
their ratio, the minimum number of requests the work needs and the floor
(minimum requests x latency / concurrency + the start-up of an empty play).
Then a dry run (check mode) of 10,000 credentials, and the peak memory of the
playbook at 100 and at 2,000 credentials. Figures, not assertions: the targets
are printed as met or missed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time

import requests

from tests.bench.seed_script import for_emulator
from tests.emulators.apic import bulk_seed
from tests.emulators.framework import load_seed
from tests.emulators.launch import SEEDS, serve

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.path.dirname(sys.executable)
PAGE_SIZE = 1000  # what the collection asks for (module_utils/_apic.py PAGE_SIZE)
LOGIN = {"username": "apiops-admin", "password": "Pr0vider-Adm1n-Passw0rd-v10",
         "client_id": "599b7aef-8841-4ee2-88a0-84d49c4d6ff2", "client_secret": "0ea28423-e73b-47d4-b40e-ddb45c48bb0c"}


def control(url, what, body=None, method="POST"):
    response = requests.request(method, url + "/_emulator/" + what, json=body, timeout=60)
    response.raise_for_status()
    return response.json()


def load(url, seed, latency):
    control(url, "state", seed)
    control(url, "latency", {"seconds": latency})
    control(url, "requests", method="DELETE")


def outcome(url):
    """Credential names per app, to compare what the two runs left behind."""
    state = control(url, "state", method="GET")
    catalog = state["bench-porg"]["production"]["consumer_orgs"]
    return {"%s/%s" % (corg, app): sorted(data["credentials"]) for corg, c in catalog.items() for app, data in c["apps"].items()}


def run_seed_script(url, workdir):
    outdir = os.path.join(workdir, "seed-script-out")
    os.makedirs(outdir)
    source = for_emulator(url, "bench-porg", "production", LOGIN["username"], LOGIN["password"], LOGIN["client_id"],
                          LOGIN["client_secret"], outdir)
    started = time.monotonic()
    completed = subprocess.run([sys.executable, "-c", source], capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    if completed.returncode != 0:
        sys.exit("the sample script failed:\n" + completed.stdout[-2000:] + completed.stderr[-2000:])
    return seconds


def run_playbook(url, workdir, concurrency, check=False):
    password_file = os.path.join(workdir, "vault-password")
    with open(password_file, "w", encoding="utf-8") as handle:
        handle.write("bench-vault-password\n")
    inventory = {"apic_catalogs": {"hosts": {"bench-catalog": {
        "apic_url": url, "apic_org": "bench-porg", "apic_catalog": "production",
        "apic_username": LOGIN["username"], "apic_password": LOGIN["password"],
        "apic_client_id": LOGIN["client_id"], "apic_client_secret": LOGIN["client_secret"],
        "apic_credential_rotation_sink_dir": os.path.join(workdir, "secrets"),
        "apic_credential_rotation_report_dir": os.path.join(workdir, "reports"),
        "apic_credential_rotation_concurrency": concurrency,
    }}}}
    inventory_path = os.path.join(workdir, "inventory.json")
    with open(inventory_path, "w", encoding="utf-8") as handle:
        json.dump(inventory, handle)
    command = [os.path.join(BIN, "ansible-playbook"), "-i", inventory_path, os.path.join(ROOT, "playbooks", "apic_rotate.yml"),
               "--vault-password-file", password_file] + (["--check"] if check else [])
    # Run through a small Python parent, so that the peak memory of this one playbook (and its workers) is measured.
    wrapper = ("import resource, subprocess, sys, time; t = time.monotonic(); rc = subprocess.call(sys.argv[1:]); "
               "print('PEAK_RSS_KB=%d SECONDS=%.3f' % (resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, time.monotonic() - t),"
               " file=sys.stderr); sys.exit(rc)")
    completed = subprocess.run([sys.executable, "-c", wrapper] + command, capture_output=True, text=True, check=False, cwd=workdir,
                               env=dict(os.environ, ANSIBLE_NOCOLOR="1"))
    measured = re.search(r"PEAK_RSS_KB=(\d+) SECONDS=([0-9.]+)", completed.stderr)
    seconds = float(measured.group(2))
    run_playbook.peak_kb = int(measured.group(1))
    if completed.returncode != 0:
        sys.exit("the playbook failed:\n" + completed.stdout[-3000:] + completed.stderr[-2000:])
    inside = re.search(r"(\d+) requests in ([0-9.]+) s", completed.stdout)
    return seconds, float(inside.group(2)) if inside else None


def minimum_requests(seed, expired_share, deletion_share, credentials):
    corgs = seed["orgs"][0]["catalogs"][0]["consumer_orgs"]
    apps = sum(len(c["apps"]) for c in corgs)
    discovery = math.ceil(len(corgs) / PAGE_SIZE) + math.ceil(apps / PAGE_SIZE) + math.ceil(credentials / PAGE_SIZE)
    creates = int(credentials * expired_share)
    retires = int(credentials * deletion_share)
    # token + discovery pages + (create, verify) per expired credential + (delete, proof that it is gone, rename) per
    # retired one
    return 1 + discovery + 2 * creates + 3 * retires, discovery, creates, retires


def empty_play_seconds(workdir):
    path = os.path.join(workdir, "empty.yml")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("- name: Empty\n  hosts: localhost\n  gather_facts: false\n  tasks: []\n")
    started = time.monotonic()
    subprocess.run([os.path.join(BIN, "ansible-playbook"), "-i", "localhost,", path], capture_output=True, check=True, cwd=workdir)
    return time.monotonic() - started


def peak_memory(base, workdir, concurrency, credentials):
    seed = bulk_seed(max(1, credentials // 20), credentials, base={k: base[k] for k in ("toolkit_clients", "users")})
    with serve("apic") as server:
        load(server.url, seed, 0)
        run_playbook(server.url, workdir, concurrency)
    return run_playbook.peak_kb


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--credentials", type=int, default=2000)
    parser.add_argument("--consumer-orgs", type=int, default=100)
    parser.add_argument("--latency", type=float, default=0.020, help="seconds added to every request")
    parser.add_argument("--concurrency", type=int, default=8, help="the role's apic_credential_rotation_concurrency")
    parser.add_argument("--check-credentials", type=int, default=10000, help="credentials of the dry-run figure")
    options = parser.parse_args(argv)

    base = load_seed(os.path.join(SEEDS, "apic.json"))
    seed = bulk_seed(options.consumer_orgs, options.credentials, base={k: base[k] for k in ("toolkit_clients", "users")})
    minimum, discovery, creates, retires = minimum_requests(seed, 0.30, 0.10, options.credentials)
    with serve("apic") as server, tempfile.TemporaryDirectory() as workdir:
        load(server.url, seed, options.latency)
        script_seconds = run_seed_script(server.url, workdir)
        script_requests = len(control(server.url, "requests", method="GET"))
        script_outcome = outcome(server.url)

        load(server.url, seed, options.latency)
        ours_seconds, task_seconds = run_playbook(server.url, workdir, options.concurrency)
        ours_requests = len(control(server.url, "requests", method="GET"))
        ours_outcome = outcome(server.url)
        startup = empty_play_seconds(workdir)

        big = bulk_seed(options.consumer_orgs * 5, options.check_credentials, base={k: base[k] for k in ("toolkit_clients", "users")})
        load(server.url, big, options.latency)
        check_seconds, _task = run_playbook(server.url, workdir, options.concurrency, check=True)
    with tempfile.TemporaryDirectory() as workdir:
        small_kb = peak_memory(base, workdir, options.concurrency, 100)
    with tempfile.TemporaryDirectory() as workdir:
        large_kb = peak_memory(base, workdir, options.concurrency, 2000)

    speedup = script_seconds / ours_seconds
    overhead = ours_requests / minimum - 1
    floor = minimum * options.latency / options.concurrency + startup
    memory = large_kb / small_kb
    print("API Connect catalog rotation: %d credentials, %d consumer orgs, %.0f ms latency per request, concurrency %d"
          % (options.credentials, options.consumer_orgs, options.latency * 1000, options.concurrency))
    print("  work: %d new credentials (create + verify), %d retirements (delete + rename)" % (creates, retires))
    print("  minimum requests: %d (token 1, discovery %d pages, writes and verifies %d)" % (minimum, discovery, minimum - 1 - discovery))
    print("  %-28s %9s %9s" % ("", "wall (s)", "requests"))
    print("  %-28s %9.1f %9d" % ("sample script (seed 002)", script_seconds, script_requests))
    print("  %-28s %9.1f %9d" % ("playbooks/apic_rotate.yml", ours_seconds, ours_requests))
    print("  (of which the rotation task itself: %.1f s; the rest is ansible-playbook start-up and the role's other tasks)"
          % (task_seconds or 0))
    print("  speed-up: %.1fx (target >= 9x: %s)" % (speedup, "met" if speedup >= 9 else "MISSED"))
    print("  floor %.1f s (start-up of an empty play %.1f s): %.2fx (target <= 1.3x: %s)"
          % (floor, startup, ours_seconds / floor, "met" if ours_seconds <= 1.3 * floor else "MISSED"))
    print("  requests: %.3fx the minimum (target <= 1.05x: %s)" % (1 + overhead, "met" if overhead <= 0.05 else "MISSED"))
    print("  same credentials left behind by both: %s" % ("yes" if script_outcome == ours_outcome else "NO"))
    print("  dry run (check mode) of %d credentials: %.1f s (target <= 20 s: %s)"
          % (options.check_credentials, check_seconds, "met" if check_seconds <= 20 else "MISSED"))
    print("  peak memory: %.0f MB at 100 credentials, %.0f MB at 2,000: %.2fx (target <= 1.5x: %s)"
          % (small_kb / 1024, large_kb / 1024, memory, "met" if memory <= 1.5 else "MISSED"))
    met = (speedup >= 9 and overhead <= 0.05 and ours_seconds <= 1.3 * floor and check_seconds <= 20 and memory <= 1.5
           and script_outcome == ours_outcome)
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
