# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The fault matrix runs on the system tests' emulators and workspaces, and prints its table at the end."""

from __future__ import annotations

import json
import os

from tests.chaos.matrix import FAULTS
from tests.emulator_fixtures import aws_server, emulator_fixtures  # noqa: F401 pylint: disable=unused-import

# The system tests' fixtures: the emulators (one set per xdist worker, one per platform row) and the workspace.
from tests.system import conftest as system_conftest
from tests.system.conftest import workspace  # noqa: F401 pylint: disable=unused-import

globals().update({name: getattr(system_conftest, name) for name in system_conftest.PLATFORM_FIXTURES})

vault_server, _vault = emulator_fixtures("vault")  # the HashiCorp Vault sink's emulator

RESULTS = os.environ.get("APIOPS_CHAOS_RESULTS") or os.path.join(os.path.dirname(__file__), "..", "output", "chaos-results.jsonl")


# APIOPS_CHAOS_RESUME=1 keeps the results file and skips every position it already holds without a violation: the
# whole matrix takes hours on a small machine, so make chaos can stop and go on later (on the same commit).
RESUME = os.environ.get("APIOPS_CHAOS_RESUME") == "1"


def pytest_sessionstart(session):
    if not hasattr(session.config, "workerinput"):  # the controller, once
        os.makedirs(os.path.dirname(os.path.abspath(RESULTS)), exist_ok=True)
        with open(RESULTS, "a" if RESUME else "w", encoding="utf-8"):
            pass


def passed_before(scenario, fault):
    """The positions of (scenario, fault) a resumed run already holds without a violation."""
    if not RESUME or not os.path.exists(RESULTS):
        return set()
    with open(RESULTS, encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    return {row["position"] for row in rows if row["scenario"] == scenario and row["fault"] == fault and not row["violations"]}


def record(scenario, fault, position, problems):
    with open(RESULTS, "a", encoding="utf-8") as handle:
        handle.write(json.dumps({"scenario": scenario, "fault": fault, "position": position, "violations": problems}) + "\n")


def pytest_terminal_summary(terminalreporter):
    if not os.path.exists(RESULTS):
        return
    with open(RESULTS, encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    if not rows:
        return
    table = {}
    for row in rows:
        cell = table.setdefault((row["scenario"], row["fault"]), [0, 0])
        cell[0] += 1
        cell[1] += 1 if row["violations"] else 0
    write = terminalreporter.write_line
    write("")
    write("Fault matrix: cases run / violations, per scenario and fault")
    faults = [fault for fault in FAULTS if any(key[1] == fault for key in table)]
    scenarios = sorted({scenario for scenario, _fault in table})
    width = max(len(name) for name in scenarios + ["scenario"])
    write("  %-*s " % (width, "scenario") + " ".join("%-15s" % fault[:15] for fault in faults))
    for scenario in scenarios:
        cells = ["%d / %d" % tuple(table[(scenario, fault)]) if (scenario, fault) in table else "-" for fault in faults]
        write("  %-*s " % (width, scenario) + " ".join("%-15s" % cell for cell in cells))
    total, broken = len(rows), sum(1 for row in rows if row["violations"])
    write("  %d cases, %d with violations" % (total, broken))
    for row in rows:
        for problem in row["violations"]:
            write("  VIOLATION %s / %s at %s: %s" % (row["scenario"], row["fault"], row["position"], problem[:300]))
