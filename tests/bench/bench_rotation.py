# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark: the rotation playbooks on the engine against their floor, one scenario per platform and strategy.

    make bench        (or: python -m tests.bench.bench_rotation --help)

Each scenario runs on a fresh emulator holding N credentials, with 20 ms latency
injected on every request. Printed, from one run: wall time including
ansible-playbook start-up, requests made, the minimum the work needs, and the
floor = minimum requests x latency / concurrency + the start-up of an empty
play, measured in the same run. Targets, per scenario: wall <= 1.3x the floor,
requests == the minimum, every credential rotated (or restored). Every scenario
runs and the whole table is printed before the verdict; the exit status is 1
when a target was missed or a scenario failed (each named on a MISSED or FAILED
line), else 0.

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

from tests.bench.verdict import RunFailed, failed, missed, verdicts
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
        raise RunFailed("%s ended with rc %d; the end of its output:\n%s%s" % (
            os.path.basename(command[3]), completed.returncode, completed.stdout[-3000:], completed.stderr[-2000:]))
    return seconds, completed.stdout


def empty_play_seconds(workdir, runs=3):
    """The start-up of an empty play: the median of ``runs`` (one run's figure varies by a tenth of a second, which
    at a floor of 2 s moves a ratio by 0.05)."""
    path = os.path.join(workdir, "empty.yml")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("- name: Empty\n  hosts: localhost\n  gather_facts: false\n  tasks: []\n")
    return sorted(timed([os.path.join(BIN, "ansible-playbook"), "-i", "localhost,", path], workdir)[0] for _run in range(runs))[runs // 2]


ROW = "  %-15s %6s %9s %9s %7s %9s %9s %6s %7s %7s  %s"


def run_scenario(name, count, latency, concurrency, workdir, startup):
    """Run one scenario and print its row; (wall seconds or None, the targets it missed in words: empty when all met)."""
    platform = PLATFORMS[name]
    minimum = platform.once(count) + platform.per_credential * count
    floor = minimum * latency / concurrency + startup
    with serve(platform.emulator) as server:
        control(server.url, "state", platform.seed(count))
        control(server.url, "latency", {"seconds": latency})
        inventory_path = os.path.join(workdir, "inventory-%s.json" % name)
        write_inventory(inventory_path, platform.inventory(server.url, count, os.path.join(workdir, "secrets-" + name), concurrency,
                                                           workdir, PASSWORD))
        control(server.url, "requests", method="DELETE")
        try:
            seconds, output = timed([os.path.join(BIN, "ansible-playbook"), "-i", inventory_path,
                                     os.path.join(ROOT, "playbooks", platform.playbook),
                                     "--vault-password-file", os.path.join(workdir, "vault-password")], workdir)
        except RunFailed as failure:
            print(ROW % (name, count, "-", "%.1f" % floor, "-", "-", minimum, "-", "-", "-", "FAILED"))
            return None, [failed("%s: the playbook failed, so there are no figures" % name, failure)]
        made = len(control(server.url, "requests", method="GET"))
        control(server.url, "latency", {"seconds": 0})
        finished = platform.done(server.url, count)
    inside = re.search(r"(\d+) sink writes in ([0-9.]+) s", output)
    problems = []
    if seconds > 1.3 * floor:
        problems.append(missed("%s: wall %.1f s is %.2fx the floor %.1f s (target <= 1.3x)" % (name, seconds, seconds / floor, floor)))
    if made != minimum:
        problems.append(missed("%s: %d requests, the minimum is %d (%+d; target: equal)" % (name, made, minimum, made - minimum)))
    if not finished:
        problems.append(missed("%s: the emulator does not show every credential rotated (restored)" % name))
    print(ROW % (name, count, "%.1f" % seconds, "%.1f" % floor, "%.2fx" % (seconds / floor), made, minimum, "%+d" % (made - minimum),
                 inside.group(1) if inside else "?", inside.group(2) if inside else "?", "MISSED" if problems else "met"))
    return seconds, problems


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", action="append", choices=sorted(PLATFORMS), help="default: all of them but those another "
                        "benchmark covers (API Connect v10: bench_apic_rotation.py)")
    parser.add_argument("--count", type=int, help="credentials per scenario (default: each scenario's own)")
    parser.add_argument("--latency", type=float, default=0.020, help="seconds added to every request")
    parser.add_argument("--concurrency", type=int, default=8, help="the roles' <role>_concurrency")
    options = parser.parse_args(argv)
    problems, notes = [], []
    with tempfile.TemporaryDirectory() as workdir:
        with open(os.path.join(workdir, "vault-password"), "w", encoding="utf-8") as handle:
            handle.write(PASSWORD + "\n")
        try:
            startup = empty_play_seconds(workdir)
        except RunFailed as failure:
            print("Rotation engine")
            print("  " + failed("the empty play that measures the start-up: no floor, so no scenario was run", failure))
            return 1
        print("Rotation engine: %.0f ms latency per request, concurrency %d; empty play start-up %.1f s"
              % (options.latency * 1000, options.concurrency, startup))
        print(ROW % ("scenario", "N", "wall (s)", "floor (s)", "ratio", "requests", "minimum", "extra", "writes", "task s", "targets"))
        for name in options.scenario or [name for name, platform in PLATFORMS.items() if platform.bench]:
            count = options.count or PLATFORMS[name].count
            seconds, found = run_scenario(name, count, options.latency, options.concurrency, workdir, startup)
            problems += found
            if name == "uaa-admin" and count == 500 and seconds is not None:
                notes.append("UAA 500 clients in %.1f s (target <= 10 s: %s)" % (seconds, "met" if seconds <= 10 else "MISSED"))
                if seconds > 10:
                    problems.append(missed("uaa-admin: 500 clients in %.1f s (target <= 10 s)" % seconds))
    print("  floor = minimum requests x latency / concurrency + the empty play's start-up; extra = requests - minimum;"
          " writes: sink writes, task s: the engine task alone")
    for note in notes:
        print("  " + note)
    print("  targets: wall <= 1.3x floor, requests == minimum, every credential rotated (restored)")
    return verdicts(problems)


if __name__ == "__main__":
    sys.exit(main())
