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

The scenarios are the platforms of tests/platforms.py; the minimum per credential
is the proof the protocol promises, nothing more (see there).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

from tests.emulators.launch import serve
from tests.platforms import PLATFORMS, control, write_inventory

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.path.dirname(sys.executable)
PASSWORD = "bench-vault-password"


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
    platform = PLATFORMS[name]
    with serve(platform.emulator) as server:
        control(server.url, "state", platform.seed(count))
        control(server.url, "latency", {"seconds": latency})
        inventory_path = os.path.join(workdir, "inventory-%s.json" % name)
        write_inventory(inventory_path, platform.inventory(server.url, count, os.path.join(workdir, "secrets-" + name), concurrency,
                                                           workdir, PASSWORD))
        control(server.url, "requests", method="DELETE")
        seconds, output = timed([os.path.join(BIN, "ansible-playbook"), "-i", inventory_path,
                                 os.path.join(ROOT, "playbooks", platform.playbook),
                                 "--vault-password-file", os.path.join(workdir, "vault-password")], workdir)
        made = len(control(server.url, "requests", method="GET"))
        control(server.url, "latency", {"seconds": 0})
        finished = platform.done(server.url, count)
    minimum = platform.once(count) + platform.per_credential * count
    floor = minimum * latency / concurrency + startup
    inside = re.search(r"(\d+) sink writes in ([0-9.]+) s", output)
    met = seconds <= 1.3 * floor and made <= 1.05 * minimum and finished
    print("  %-15s %6d %9.1f %9.1f %8.2fx %9d %9d %8.3fx %7s %7s  %s"
          % (name, count, seconds, floor, seconds / floor, made, minimum, made / minimum,
             inside.group(1) if inside else "?", inside.group(2) if inside else "?", "met" if met else "MISSED"))
    return met, seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", action="append", choices=sorted(PLATFORMS), help="default: all of them")
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
        print("  %-15s %6s %9s %9s %9s %9s %9s %9s %7s %7s" % columns)
        for name in options.scenario or list(PLATFORMS):
            count = options.count or PLATFORMS[name].count
            met, seconds = run_scenario(name, count, options.latency, options.concurrency, workdir, startup)
            ok = ok and met
            if name == "uaa-admin" and count == 500:
                print("  %-15s UAA 500 clients in %.1f s (target <= 10 s: %s)" % ("", seconds, "met" if seconds <= 10 else "MISSED"))
        print("  targets: wall <= 1.3x floor, requests <= 1.05x minimum, every credential rotated; 'writes': sink writes,"
              " 'task s': the engine task alone")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
