# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark: playbooks/uaa_rotate.yml on N UAA clients, strategies admin and dual, against its floor.

    make bench        (or: python -m tests.bench.bench_uaa_rotation --help)

Each strategy runs on a fresh emulator holding N clients, with 20 ms latency
injected on every request. Printed, from one run: wall time including
ansible-playbook start-up, requests made, the minimum the work needs, and the
floor = minimum requests x latency / concurrency + the start-up of an empty
play. Figures, not assertions: the targets are printed as met or missed.

The minimum per client is the proof the protocol promises, nothing more:
admin  check the old secret (so the sink's previous secret is a real one), UPDATE, new accepted, old rejected: 4
dual   check the old secret, ADD, new accepted, DELETE, old rejected: 5
plus one admin token for the run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

import requests

from tests.emulators.launch import serve

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.path.dirname(sys.executable)
ADMIN = {"client_id": "admin", "client_secret": "adm1n-S3cret-seed-7f3a9c", "authorized_grant_types": ["client_credentials"],
         "authorities": ["uaa.admin", "clients.admin", "clients.read", "clients.write", "clients.secret"]}
PER_CLIENT = {"admin": 4, "dual": 5}


def control(url, what, body=None, method="POST"):
    response = requests.request(method, url + "/_emulator/" + what, json=body, timeout=60)
    response.raise_for_status()
    return response.json()


def secret_of(number):
    return "bench-Client-S3cret-%05d-7e1f" % number


def seed(count):
    clients = [dict(ADMIN)] + [{"client_id": "svc-%05d" % n, "client_secret": secret_of(n),
                                "authorized_grant_types": ["client_credentials"], "authorities": ["uaa.none"]}
                               for n in range(count)]
    return {"zones": [], "clients": clients, "users": []}


def timed(command, workdir):
    started = time.monotonic()
    completed = subprocess.run(command, capture_output=True, text=True, check=False, cwd=workdir,
                               env=dict(os.environ, ANSIBLE_NOCOLOR="1", APIOPS_REPORT_DIR=os.path.join(workdir, "reports")))
    seconds = time.monotonic() - started
    if completed.returncode != 0:
        sys.exit("%s failed:\n%s%s" % (command[-3], completed.stdout[-3000:], completed.stderr[-2000:]))
    return seconds, completed.stdout


def empty_play_seconds(workdir):
    path = os.path.join(workdir, "empty.yml")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("- name: Empty\n  hosts: localhost\n  gather_facts: false\n  tasks: []\n")
    return timed([os.path.join(BIN, "ansible-playbook"), "-i", "localhost,", path, "-v"], workdir)[0]


def run(url, workdir, strategy, count, concurrency):
    sink = os.path.join(workdir, "secrets-" + strategy)
    password_file = os.path.join(workdir, "vault-password")
    with open(password_file, "w", encoding="utf-8") as handle:
        handle.write("bench-vault-password\n")
    clients = [{"client_id": "svc-%05d" % n, "current_secret": secret_of(n)} for n in range(count)]
    inventory = {"uaa_servers": {"hosts": {"uaa-bench": {
        "uaa_url": url, "uaa_auth_client_id": ADMIN["client_id"], "uaa_auth_client_secret": ADMIN["client_secret"],
        "uaa_secret_rotation_sink_dir": sink, "uaa_secret_rotation_clients": clients,
        "uaa_secret_rotation_strategy": strategy, "uaa_secret_rotation_concurrency": concurrency}}}}
    inventory_path = os.path.join(workdir, "inventory-%s.json" % strategy)
    with open(inventory_path, "w", encoding="utf-8") as handle:
        json.dump(inventory, handle)
    return timed([os.path.join(BIN, "ansible-playbook"), "-i", inventory_path, os.path.join(ROOT, "playbooks", "uaa_rotate.yml"),
                  "--vault-password-file", password_file], workdir)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--latency", type=float, default=0.020, help="seconds added to every request")
    parser.add_argument("--concurrency", type=int, default=8, help="the role's uaa_secret_rotation_concurrency")
    parser.add_argument("--strategy", action="append", choices=sorted(PER_CLIENT), help="default: all of them")
    options = parser.parse_args(argv)
    ok = True
    with serve("uaa") as server, tempfile.TemporaryDirectory() as workdir:
        startup = empty_play_seconds(workdir)
        print("UAA rotation: %d clients, %.0f ms latency per request, concurrency %d; empty play start-up %.1f s"
              % (options.clients, options.latency * 1000, options.concurrency, startup))
        print("  %-8s %9s %9s %9s %9s %9s %9s" % ("strategy", "wall (s)", "floor (s)", "ratio", "requests", "minimum", "ratio"))
        for strategy in options.strategy or sorted(PER_CLIENT):
            control(server.url, "state", seed(options.clients))
            control(server.url, "latency", {"seconds": options.latency})
            control(server.url, "requests", method="DELETE")
            seconds, output = run(server.url, workdir, strategy, options.clients, options.concurrency)
            writes = re.search(r"(\d+) sink writes in ([0-9.]+) s", output)
            made = len(control(server.url, "requests", method="GET"))
            minimum = 1 + PER_CLIENT[strategy] * options.clients
            floor = minimum * options.latency / options.concurrency + startup
            state = control(server.url, "state", method="GET")
            single = all(client["secret_count"] == 1 for cid, client in state["clients"]["uaa"].items() if cid.startswith("svc-"))
            met = seconds <= 1.3 * floor and made <= 1.05 * minimum and single
            ok = ok and met
            figures = (strategy, seconds, floor, seconds / floor, made, minimum, made / minimum, "met" if met else "MISSED")
            print("  %-8s %9.1f %9.1f %8.2fx %9d %9d %8.3fx  %s" % figures)
            print("           sink writes: %s for %d clients; the rotation task itself: %s s"
                  % (writes.group(1) if writes else "?", options.clients, writes.group(2) if writes else "?"))
            if strategy == "admin":
                print("           500-client target: %.1f s (target <= 10 s at 500: %s)"
                      % (seconds, "met" if options.clients != 500 or seconds <= 10 else "MISSED"))
        print("  targets: wall <= 1.3x floor, requests <= 1.05x minimum, one secret per client afterwards")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
