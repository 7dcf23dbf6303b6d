# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every fault at the positions of a clean run, for every scenario on the engine; the promises checked after each.

A scenario runs with each sink: the ansible-vault file, HashiCorp Vault, AWS Secrets Manager and the delivery hook.
``make test`` runs the bounded form, one position per case (a different one for each pair, so that together they
cover the run): "two runs at once" for the first scenario of each platform, the other faults dealt out among the
scenarios of each platform so that every fault meets every platform (the sink variants are make chaos's; each sink's
own faults are in tests/chaos/test_sink_faults.py). ``make chaos`` (APIOPS_CHAOS=full) runs every fault at every position of every variant. "Two runs at once"
is not tied to a position: it runs once per scenario and variant it is chosen for.
"""

from __future__ import annotations

import os

import pytest

from tests.chaos.conftest import passed_before, record
from tests.chaos.matrix import (
    FAULTS,
    SCENARIOS,
    WHOLE_RUN_FAULTS,
    changes,
    positions,
    remember_sink,
    run_with_fault,
    track,
    violations,
)
from tests.emulator_fixtures import reset
from tests.system.conftest import Workspace

FULL = os.environ.get("APIOPS_CHAOS") == "full"


def fresh_workspace(base, number, servers, aws_server):
    path = os.path.join(base, "case-%03d" % number)
    os.makedirs(path)
    for server in servers.values():
        reset(server)
    workspace = Workspace(path, servers["uaa"], {name: server for name, server in servers.items() if name != "uaa"})
    workspace.smtp_port = servers["apic"].smtp.port
    workspace.aws = aws_server.reset()  # moto's server, for the AWS Secrets Manager sink
    return workspace


def bounded(scenario_name, fault):
    """Is the pair in the bounded form? "Two runs at once" for the first scenario of each platform, the other faults
    dealt out among a platform's scenarios, so that every fault meets every platform."""
    if SCENARIOS[scenario_name].variant_of:
        return False  # the sink variants run in make chaos; tests/chaos/test_sink_faults.py holds each sink's own faults
    platform = SCENARIOS[scenario_name].emulator
    siblings = [name for name, scenario in SCENARIOS.items() if not scenario.variant_of and scenario.emulator == platform]
    if fault in WHOLE_RUN_FAULTS:
        return scenario_name == siblings[0]
    return FAULTS.index(fault) % len(siblings) == siblings.index(scenario_name) % len(siblings)


CASES = [(name, fault) for name in SCENARIOS for fault in FAULTS if FULL or bounded(name, fault)]
# APIOPS_CHAOS_SHARD=k/n runs every n-th case from the k-th: the whole matrix in n parts, on n machines or days.
if os.environ.get("APIOPS_CHAOS_SHARD"):
    _SHARD, _SHARDS = (int(part) for part in os.environ["APIOPS_CHAOS_SHARD"].split("/"))
    CASES = CASES[_SHARD - 1::_SHARDS]


@pytest.mark.parametrize(("scenario_name", "fault"), CASES)
def test_fault(scenario_name, fault, tmp_path, uaa_server, apic_v5_server, anypoint_server, apic_server, keycloak_server, vault_server,
               aws_server):
    servers = {"uaa": uaa_server, "apic_v5": apic_v5_server, "anypoint": anypoint_server, "apic": apic_server, "keycloak": keycloak_server,
               "vault": vault_server}
    scenario = SCENARIOS[scenario_name]

    clean = fresh_workspace(str(tmp_path), 0, servers, aws_server)
    scenario.setup(clean)
    for platform in sorted({scenario.emulator, scenario.faulted}):
        clean.control("requests", method="DELETE", platform=platform)
    first = clean.play(scenario.playbook)
    assert first.rc == 0, first.output[-3000:]
    found = positions(clean, scenario)
    assert found, "the clean run made no request to fault"
    clean_changes = changes(clean, scenario)
    if fault in WHOLE_RUN_FAULTS:
        chosen = [("", "whole run", 0)]
    elif FULL:
        chosen = found
    else:
        index = (list(SCENARIOS).index(scenario_name) * 3 + FAULTS.index(fault) * 5) % len(found)
        chosen = [found[index]]

    failures = []
    done = passed_before(scenario_name, fault)
    for number, position in enumerate(chosen, start=1):
        if "%s %s #%d" % position in done:
            continue
        workspace = fresh_workspace(str(tmp_path), number, servers, aws_server)
        scenario.setup(workspace)
        track(workspace, scenario)
        run_with_fault(workspace, scenario, fault, position)
        remember_sink(workspace)
        extra = []
        if fault == "two runs at once" and changes(workspace, scenario) != clean_changes:
            extra.append("two runs at once changed the platform %d times, one run %d times (done twice?)"
                         % (len(changes(workspace, scenario)), len(clean_changes)))
        workspace.control("faults", method="DELETE", platform=scenario.faulted)
        second = workspace.play(scenario.playbook)
        remember_sink(workspace)
        third = workspace.play(scenario.playbook)
        remember_sink(workspace)
        problems = extra + violations(workspace, scenario, second, third)
        label = "%s %s #%d" % position
        record(scenario_name, fault, label, problems)
        failures += ["%s: %s" % (label, problem) for problem in problems]
    assert not failures, "\n".join(failures)
