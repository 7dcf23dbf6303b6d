# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark: the rotation playbooks on the engine against their floor, one scenario per platform and strategy.

    make bench        (or: python -m tests.bench.bench_rotation --help)

Each scenario runs on a fresh emulator holding N credentials, with 20 ms latency
injected on every request. Printed, from one run: wall time including
ansible-playbook start-up, requests made, the minimum the work needs, and the
floor = minimum requests x latency / concurrency + the start-up of an empty
play. Figures, not assertions: the targets are printed as met or missed.

The minimum per credential is the proof the protocol promises, nothing more:
uaa-admin     check the old secret (so the sink's previous secret is a real one), UPDATE, new accepted, old rejected: 4
uaa-dual      check the old secret, ADD, new accepted, DELETE, old rejected: 5
anypoint-env  read the secret, reset, read the new one, new validated, old rejected: 5
plus, once per run, the login (and for Anypoint: who am I, the organization tree and one environment list per group).
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
PASSWORD = "bench-vault-password"


def control(url, what, body=None, method="POST"):
    response = requests.request(method, url + "/_emulator/" + what, json=body, timeout=60)
    response.raise_for_status()
    return response.json()


# ---- UAA ------------------------------------------------------------------------------------------------
UAA_ADMIN = {"client_id": "admin", "client_secret": "adm1n-S3cret-seed-7f3a9c", "authorized_grant_types": ["client_credentials"],
             "authorities": ["uaa.admin", "clients.admin", "clients.read", "clients.write", "clients.secret"]}


def uaa_secret(number):
    return "bench-Client-S3cret-%05d-7e1f" % number


def uaa_seed(count):
    clients = [dict(UAA_ADMIN)] + [{"client_id": "svc-%05d" % n, "client_secret": uaa_secret(n),
                                    "authorized_grant_types": ["client_credentials"], "authorities": ["uaa.none"]}
                                   for n in range(count)]
    return {"zones": [], "clients": clients, "users": []}


def uaa_inventory(strategy):
    def build(url, count, sink, concurrency):
        clients = [{"client_id": "svc-%05d" % n, "current_secret": uaa_secret(n)} for n in range(count)]
        return {"uaa_servers": {"hosts": {"uaa-bench": {
            "uaa_url": url, "uaa_auth_client_id": UAA_ADMIN["client_id"], "uaa_auth_client_secret": UAA_ADMIN["client_secret"],
            "uaa_secret_rotation_sink_dir": sink, "uaa_secret_rotation_clients": clients,
            "uaa_secret_rotation_strategy": strategy, "uaa_secret_rotation_concurrency": concurrency}}}}
    return build


def uaa_done(url):
    state = control(url, "state", method="GET")
    return all(client["secret_count"] == 1 for cid, client in state["clients"]["uaa"].items() if cid.startswith("svc-"))


# ---- Anypoint ----------------------------------------------------------------------------------------------
ANYPOINT_ROOT = "0a14e2fd-1cfe-4310-acbc-54bf93eb8420"
ANYPOINT_BOT = {"client_id": "c0ffee00c0ffee00c0ffee00c0ffee01", "client_secret": "R0tat1onB0tSecretValue0000000001"}
ENVIRONMENTS_PER_GROUP = 10


def anypoint_seed(count):
    groups = max(1, count // ENVIRONMENTS_PER_GROUP)
    orgs = [{"id": ANYPOINT_ROOT, "name": "Bench Corp", "client_secret": "R00tOrgSecret0000000000000000000", "environments": []}]
    for group in range(groups):
        orgs.append({"id": "bench-group-%03d" % group, "name": "Group %03d" % group, "parentId": ANYPOINT_ROOT,
                     "client_secret": "GroupSecret%021d" % group,
                     "environments": [{"id": "env-%03d-%02d" % (group, n), "name": "Env-%02d" % n, "type": "sandbox",
                                       "clientId": "c%03d%02d" % (group, n) + "0" * 26,
                                       "client_secret": "EnvSecret%023d" % (group * 100 + n)}
                                      for n in range(ENVIRONMENTS_PER_GROUP)]})
    scopes = [{"scope": scope, "org": org["id"]} for org in orgs for scope in ("admin:orgclients", "read:orgenvironments")]
    return {"organizations": orgs,
            "connected_apps": [dict(ANYPOINT_BOT, client_name="rotation-bot", owner_org_id=ANYPOINT_ROOT, context_scopes=scopes)],
            "users": []}


def anypoint_inventory(url, count, sink, concurrency):
    groups = max(1, count // ENVIRONMENTS_PER_GROUP)
    targets = [{"environment": "Env-%02d" % n, "business_group": "Group %03d" % group}
               for group in range(groups) for n in range(ENVIRONMENTS_PER_GROUP)]
    return {"anypoint_orgs": {"hosts": {"bench-org": {
        "anypoint_url": url, "anypoint_client_id": ANYPOINT_BOT["client_id"], "anypoint_client_secret": ANYPOINT_BOT["client_secret"],
        "anypoint_secret_rotation_sink_dir": sink, "anypoint_secret_rotation_targets": targets,
        "anypoint_secret_rotation_concurrency": concurrency}}}}


def anypoint_done(url):
    state = control(url, "state", method="GET")
    return bool(state)


# name: (emulator, default N, seed, inventory, playbook, requests per credential, requests once per run, check afterwards)
SCENARIOS = {
    "uaa-admin": ("uaa", 500, uaa_seed, uaa_inventory("admin"), "uaa_rotate.yml", 4, lambda n: 1, uaa_done),
    "uaa-dual": ("uaa", 500, uaa_seed, uaa_inventory("dual"), "uaa_rotate.yml", 5, lambda n: 1, uaa_done),
    "anypoint-env": ("anypoint", 200, anypoint_seed, anypoint_inventory, "anypoint_rotate.yml", 5,
                     lambda n: 3 + 2 * max(1, n // ENVIRONMENTS_PER_GROUP), anypoint_done),
}


def timed(command, workdir):
    started = time.monotonic()
    completed = subprocess.run(command, capture_output=True, text=True, check=False, cwd=workdir,
                               env=dict(os.environ, ANSIBLE_NOCOLOR="1", APIOPS_REPORT_DIR=os.path.join(workdir, "reports")))
    seconds = time.monotonic() - started
    if completed.returncode != 0:
        sys.exit("%s failed:\n%s%s" % (command[3], completed.stdout[-3000:], completed.stderr[-2000:]))
    return seconds, completed.stdout


def empty_play_seconds(workdir):
    path = os.path.join(workdir, "empty.yml")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("- name: Empty\n  hosts: localhost\n  gather_facts: false\n  tasks: []\n")
    return timed([os.path.join(BIN, "ansible-playbook"), "-i", "localhost,", path], workdir)[0]


def run_scenario(name, count, latency, concurrency, workdir, startup):
    emulator, _default, seed, inventory, playbook, per_credential, once, done = SCENARIOS[name]
    with serve(emulator) as server:
        control(server.url, "state", seed(count))
        control(server.url, "latency", {"seconds": latency})
        control(server.url, "requests", method="DELETE")
        inventory_path = os.path.join(workdir, "inventory-%s.json" % name)
        with open(inventory_path, "w", encoding="utf-8") as handle:
            json.dump(inventory(server.url, count, os.path.join(workdir, "secrets-" + name), concurrency), handle)
        seconds, output = timed([os.path.join(BIN, "ansible-playbook"), "-i", inventory_path, os.path.join(ROOT, "playbooks", playbook),
                                 "--vault-password-file", os.path.join(workdir, "vault-password")], workdir)
        made = len(control(server.url, "requests", method="GET"))
        finished = done(server.url)
    minimum = once(count) + per_credential * count
    floor = minimum * latency / concurrency + startup
    inside = re.search(r"(\d+) sink writes in ([0-9.]+) s", output)
    met = seconds <= 1.3 * floor and made <= 1.05 * minimum and finished
    print("  %-13s %6d %9.1f %9.1f %8.2fx %9d %9d %8.3fx %7s %7s  %s"
          % (name, count, seconds, floor, seconds / floor, made, minimum, made / minimum,
             inside.group(1) if inside else "?", inside.group(2) if inside else "?", "met" if met else "MISSED"))
    return met, seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", action="append", choices=sorted(SCENARIOS), help="default: all of them")
    parser.add_argument("--count", type=int, help="credentials per scenario (default: each scenario's own)")
    parser.add_argument("--latency", type=float, default=0.020, help="seconds added to every request")
    parser.add_argument("--concurrency", type=int, default=8, help="the roles' <role>_concurrency")
    options = parser.parse_args(argv)
    ok = True
    with tempfile.TemporaryDirectory() as workdir:
        with open(os.path.join(workdir, "vault-password"), "w", encoding="utf-8") as handle:
            handle.write(PASSWORD + "\n")
        startup = empty_play_seconds(workdir)
        print("Rotation engine: %.0f ms latency per request, concurrency %d; empty play start-up %.1f s"
              % (options.latency * 1000, options.concurrency, startup))
        columns = ("scenario", "N", "wall (s)", "floor (s)", "ratio", "requests", "minimum", "ratio", "writes", "task s")
        print("  %-13s %6s %9s %9s %9s %9s %9s %9s %7s %7s" % columns)
        for name in options.scenario or list(SCENARIOS):
            count = options.count or SCENARIOS[name][1]
            met, seconds = run_scenario(name, count, options.latency, options.concurrency, workdir, startup)
            ok = ok and met
            if name == "uaa-admin" and count == 500:
                print("  %-13s UAA 500 clients in %.1f s (target <= 10 s: %s)" % ("", seconds, "met" if seconds <= 10 else "MISSED"))
        print("  targets: wall <= 1.3x floor, requests <= 1.05x minimum, every credential rotated; 'writes': sink writes,"
              " 'task s': the engine task alone")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
