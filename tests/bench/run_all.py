# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""make bench: every benchmark, each to its end whatever the others did, then the targets missed, by benchmark.

    python -m tests.bench.run_all [name ...]      (default: all of BENCHMARKS, in that order)

Each benchmark runs in a process of its own with its default sizes; its output is shown as it comes. At the end,
the MISSED and FAILED lines of each (tests/bench/verdict.py) are repeated under its name. Exit status 1 when any
benchmark missed a target or failed, else 0.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

from tests.bench.verdict import FAILED, MISSED

BENCHMARKS = ("bench_apic_rotation", "bench_rotation", "bench_slices")


def run(name):
    """Run one benchmark, showing its output; (exit status, its MISSED and FAILED lines, seconds)."""
    print("==> %s" % name, flush=True)
    started = time.monotonic()
    verdict = []
    with subprocess.Popen([sys.executable, "-m", "tests.bench." + name], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, env=dict(os.environ, PYTHONUNBUFFERED="1")) as process:
        for line in process.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            if line.strip().startswith((MISSED, FAILED)):
                verdict.append(line.strip())
    return process.returncode, verdict, time.monotonic() - started


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="name", help="one of %s" % ", ".join(BENCHMARKS))
    names = parser.parse_args(argv).names or list(BENCHMARKS)
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        parser.error("no benchmark %s (there are %s)" % (", ".join(unknown), ", ".join(BENCHMARKS)))
    results = [(name,) + run(name) for name in names]
    print("==> make bench: %d benchmark(s)" % len(results))
    bad = []
    for name, status, verdict, seconds in results:
        print("  %-20s %s (%.0f s)" % (name, "every target met" if status == 0 else "exit status %d" % status, seconds))
        for line in verdict:
            print("      " + line)
        if status != 0:
            bad.append(name)
            if not verdict:
                print("      %sthe benchmark ended before its verdict (see its output above)" % FAILED)
    if bad:
        print("make bench: targets missed or runs failed in %s" % ", ".join(bad))
        return 1
    print("make bench: every target met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
