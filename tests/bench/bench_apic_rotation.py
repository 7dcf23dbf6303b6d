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
playbook at 100 and at 2,000 credentials. Every run is made and the whole table
printed before the verdict: one MISSED line per target missed, one FAILED line
per run that failed (its figures are then missing), and exit status 1 if there
is any (tests/bench/verdict.py).
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
from tests.bench.verdict import RunFailed, failed, missed, verdicts
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
    try:
        source = for_emulator(url, "bench-porg", "production", LOGIN["username"], LOGIN["password"], LOGIN["client_id"],
                              LOGIN["client_secret"], outdir)
    except FileNotFoundError as missing:
        raise RunFailed(str(missing))
    started = time.monotonic()
    completed = subprocess.run([sys.executable, "-c", source], capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    if completed.returncode != 0:
        raise RunFailed("rc %d; the end of its output:\n%s%s" % (completed.returncode, completed.stdout[-2000:], completed.stderr[-2000:]))
    return seconds


def run_playbook(url, workdir, concurrency, check=False):
    """(wall seconds, seconds of the rotation task itself or None, peak memory in KB) of playbooks/apic_rotate.yml."""
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
    if completed.returncode != 0 or measured is None:
        raise RunFailed("rc %d; the end of its output:\n%s%s" % (completed.returncode, completed.stdout[-3000:], completed.stderr[-2000:]))
    inside = re.search(r"(\d+) requests(?:, \d+ sink writes)? in ([0-9.]+) s", completed.stdout)
    return float(measured.group(2)), float(inside.group(2)) if inside else None, int(measured.group(1))


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
    completed = subprocess.run([os.path.join(BIN, "ansible-playbook"), "-i", "localhost,", path], capture_output=True, text=True,
                               check=False, cwd=workdir)
    if completed.returncode != 0:
        raise RunFailed("rc %d; the end of its output:\n%s%s" % (completed.returncode, completed.stdout[-2000:], completed.stderr[-2000:]))
    return time.monotonic() - started


def peak_memory(base, workdir, concurrency, credentials):
    seed = bulk_seed(max(1, credentials // 20), credentials, base={k: base[k] for k in ("toolkit_clients", "users")})
    with serve("apic") as server:
        load(server.url, seed, 0)
        return run_playbook(server.url, workdir, concurrency)[2]


def attempt(problems, what, run, *args):
    """``run(*args)``, or None when it failed (a FAILED line in ``problems``)."""
    try:
        return run(*args)
    except RunFailed as failure:
        problems.append(failed("API Connect catalog: %s failed, so its figures are missing" % what, failure))
        return None


def figure(value, form):
    return "-" if value is None else form % value


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--credentials", type=int, default=2000)
    parser.add_argument("--consumer-orgs", type=int, default=100)
    parser.add_argument("--latency", type=float, default=0.020, help="seconds added to every request")
    parser.add_argument("--concurrency", type=int, default=8, help="the role's apic_credential_rotation_concurrency")
    parser.add_argument("--check-credentials", type=int, default=10000, help="credentials of the dry-run figure")
    parser.add_argument("--memory-credentials", type=int, default=2000, help="the larger run of the peak-memory figure (the other: 100)")
    options = parser.parse_args(argv)

    base = load_seed(os.path.join(SEEDS, "apic.json"))
    seed = bulk_seed(options.consumer_orgs, options.credentials, base={k: base[k] for k in ("toolkit_clients", "users")})
    minimum, discovery, creates, retires = minimum_requests(seed, 0.30, 0.10, options.credentials)
    problems = []
    script_requests = ours_requests = script_outcome = ours_outcome = None
    with serve("apic") as server, tempfile.TemporaryDirectory() as workdir:
        load(server.url, seed, options.latency)
        script_seconds = attempt(problems, "the sample script (seed 002)", run_seed_script, server.url, workdir)
        if script_seconds is not None:
            script_requests = len(control(server.url, "requests", method="GET"))
            script_outcome = outcome(server.url)

        load(server.url, seed, options.latency)
        ours = attempt(problems, "playbooks/apic_rotate.yml", run_playbook, server.url, workdir, options.concurrency)
        ours_seconds, task_seconds = ours[:2] if ours else (None, None)
        if ours:
            ours_requests = len(control(server.url, "requests", method="GET"))
            ours_outcome = outcome(server.url)
        startup = attempt(problems, "the empty play (start-up)", empty_play_seconds, workdir)

        big = bulk_seed(options.consumer_orgs * 5, options.check_credentials, base={k: base[k] for k in ("toolkit_clients", "users")})
        load(server.url, big, options.latency)
        check = attempt(problems, "the dry run", run_playbook, server.url, workdir, options.concurrency, True)
        check_seconds = check[0] if check else None
    with tempfile.TemporaryDirectory() as workdir:
        small_kb = attempt(problems, "the playbook at 100 credentials (memory)", peak_memory, base, workdir, options.concurrency, 100)
    with tempfile.TemporaryDirectory() as workdir:
        large_kb = attempt(problems, "the playbook at %d credentials (memory)" % options.memory_credentials, peak_memory, base, workdir,
                           options.concurrency, options.memory_credentials)

    speedup = script_seconds / ours_seconds if script_seconds and ours_seconds else None
    ratio = ours_requests / minimum if ours_requests is not None else None
    floor = minimum * options.latency / options.concurrency + startup if startup is not None else None
    to_floor = ours_seconds / floor if ours_seconds and floor else None
    memory = large_kb / small_kb if large_kb and small_kb else None
    same = script_outcome == ours_outcome if script_outcome is not None and ours_outcome is not None else None
    print("API Connect catalog rotation: %d credentials, %d consumer orgs, %.0f ms latency per request, concurrency %d"
          % (options.credentials, options.consumer_orgs, options.latency * 1000, options.concurrency))
    print("  work: %d new credentials (create + verify), %d retirements (delete + rename)" % (creates, retires))
    print("  minimum requests: %d (token 1, discovery %d pages, writes and verifies %d)" % (minimum, discovery, minimum - 1 - discovery))
    print("  %-28s %9s %9s" % ("", "wall (s)", "requests"))
    print("  %-28s %9s %9s" % ("sample script (seed 002)", figure(script_seconds, "%.1f"), figure(script_requests, "%d")))
    print("  %-28s %9s %9s" % ("playbooks/apic_rotate.yml", figure(ours_seconds, "%.1f"), figure(ours_requests, "%d")))
    print("  (of which the rotation task itself: %s s; the rest is ansible-playbook start-up and the role's other tasks)"
          % figure(task_seconds, "%.1f"))
    targets = [  # (what, the figure, target met: True, False, or None when the figure is missing)
        ("speed-up over the sample script", figure(speedup, "%.1fx") + " (target >= 10x)", None if speedup is None else speedup >= 10),
        ("wall against the floor", "%s s, floor %s s (start-up of an empty play %s s): %s (target <= 1.3x)"
         % (figure(ours_seconds, "%.1f"), figure(floor, "%.1f"), figure(startup, "%.1f"), figure(to_floor, "%.2fx")),
         None if to_floor is None else to_floor <= 1.3),
        ("requests", "%s the minimum (target <= 1.05x)" % figure(ratio, "%.3fx"), None if ratio is None else ratio <= 1.05),
        ("same credentials left behind by both", {True: "yes", False: "NO", None: "-"}[same], same),
        ("dry run (check mode) of %d credentials" % options.check_credentials, "%s s (target <= 20 s)" % figure(check_seconds, "%.1f"),
         None if check_seconds is None else check_seconds <= 20),
        ("peak memory", "%s MB at 100 credentials, %s MB at %d: %s (target <= 1.3x)"
         % (figure(small_kb and small_kb / 1024, "%.0f"), figure(large_kb and large_kb / 1024, "%.0f"), options.memory_credentials,
            figure(memory, "%.2fx")), None if memory is None else memory <= 1.3),
    ]
    for what, value, met in targets:
        print("  %s: %s: %s" % (what, value, {True: "met", False: "MISSED", None: "no figure"}[met]))
        if met is False:
            problems.append(missed("API Connect catalog, %s: %s" % (what, value)))
    return verdicts(problems)


if __name__ == "__main__":
    sys.exit(main())
