# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""From variables to engine options (``_role_vars``), for every platform row, without a server."""

from __future__ import annotations

import importlib

import pytest

from ansible_collections.apiops.credentials.plugins.plugin_utils._platforms import PLATFORMS
from ansible_collections.apiops.credentials.plugins.plugin_utils._role_vars import gates, notify_wanted, resolve, select

ENV = {}  # no APIOPS_* in the environment: the documented defaults


def spec(row):
    return importlib.import_module("ansible_collections.apiops.credentials.plugins.action.%s" % row.action).ARGUMENT_SPEC


def items(row):
    return {row.items: [{"client_id": "a"}]} if row.items else {}


def run(name, variables, **kwargs):
    row = PLATFORMS[name]
    return resolve(row, spec(row), variables, "host-1", environ=kwargs.pop("environ", ENV), **kwargs)


@pytest.mark.parametrize("name", sorted(PLATFORMS))
def test_the_three_names_of_an_option_in_their_order(name):
    row = PLATFORMS[name]
    base = {"%s_%s" % (row.role, key): value for key, value in items(row).items()}
    assert run(name, dict(base, **{"%s_max_failures" % name: 3}))[0]["max_failures"] == 3
    assert run(name, dict(base, **{"%s_max_failures" % name: 3, "%s_max_failures" % row.role: 4}))[0]["max_failures"] == 4
    options, _settings, problems = run(name, dict(base, **{"%s_max_failures" % name: 3, "%s_max_failures" % row.role: 4,
                                                           "rotation_max_failures": 5}))
    assert (options["max_failures"], problems) == (5, [])


@pytest.mark.parametrize("name", sorted(PLATFORMS))
def test_login_options_are_the_host_variables_the_playbooks_read(name):
    row = PLATFORMS[name]
    login = sorted(option for option in row.auth_argspec if option.startswith(name + "_"))[0]
    variables = {login: "value-1", "%s_validate_certs" % name: False, "%s_request_timeout" % name: 7}
    variables.update({"rotation_%s" % key: value for key, value in items(row).items()})
    options, _settings, problems = run(name, variables)
    assert problems == []
    assert (options[login], options["validate_certs"], options["request_timeout"]) == ("value-1", False, 7)


@pytest.mark.parametrize("name", sorted(PLATFORMS))
def test_a_misspelt_variable_is_named_with_the_closest_option(name):
    row = PLATFORMS[name]
    variables = {"%s_max_failurs" % row.role: 1, "rotation_concurrancy": 2, "%s_something_else" % name: 3}
    variables.update({"rotation_%s" % key: value for key, value in items(row).items()})
    problems = select(row, spec(row), variables)[2]
    assert problems == ["unknown variable rotation_concurrancy; did you mean rotation_concurrency?",
                        "unknown variable %s_max_failurs; did you mean %s_max_failures?" % (row.role, row.role)]


def test_what_the_role_sets_cannot_come_from_a_variable():
    problems = run("uaa", {"rotation_clients": [{"client_id": "a"}], "rotation_target": "x", "uaa_operation": "rollback"})[2]
    assert len(problems) == 1 and problems[0].startswith("unknown variable rotation_target;")
    options, settings, _problems = run("uaa", {"rotation_clients": [{"client_id": "a"}], "uaa_operation": "rollback"})
    assert settings["operation"] == "rotate" and not {"state", "operation"} & set(options)  # a host variable never rolls back


@pytest.mark.parametrize("operation, expected", [("rotate", {}), ("rollback", {"state": "rollback"}),
                                                 ("audit", {"audit": True}), ("verify", {"verify_only": True})])
def test_each_operation_asks_the_task_for_its_own(operation, expected):
    options = run("uaa", {"rotation_clients": [{"client_id": "a"}]}, operation=operation)[0]
    assert {key: options[key] for key in ("state", "operation", "audit", "verify_only") if key in options} == expected


def test_an_operation_a_platform_lacks_is_refused():
    problems = run("apic", {}, operation="verify")[2]
    assert problems and "IBM API Connect v10 has no verify operation" in problems[0]


def test_empty_values_leave_options_unset_and_defaults_follow_the_environment():
    options, settings, _problems = run("apic", {"apic_credential_rotation_consumer_org": "", "apic_credential_rotation_smtp": {},
                                                "apic_credential_rotation_time_budget": 0, "apic_credential_rotation_plan_file": ""},
                                       environ={"APIOPS_SINK_DIR": "/srv/sink", "APIOPS_REPORT_DIR": "/srv/reports"})
    assert not {"consumer_org", "smtp", "time_budget", "plan_file"} & set(options)
    assert options["sink_dir"] == "/srv/sink" and settings["sink_file"] == "/srv/sink/apic/host-1.vault"
    assert options["report_json"] == "/srv/reports/apic/host-1-report.json"
    assert options["report_markdown"] == "/srv/reports/apic/host-1-report.md"


@pytest.mark.parametrize("variables, check_mode, expected", [
    ({"rotation_report_path": "/r/x.json"}, False, "/r/x.json"),
    ({"rotation_report_path": ""}, False, ""),
    ({"uaa_secret_rotation_report_dir": "/d"}, True, "/d/host-1-plan.json"),
    ({"uaa_secret_rotation_report_dir": ""}, False, ""),
])
def test_the_report_file(variables, check_mode, expected):
    variables = dict(variables, rotation_clients=[{"client_id": "a"}])
    options, settings, _problems = run("uaa", variables, check_mode=check_mode)
    assert settings["report_file"] == expected and options.get("report_json", "") == expected


def test_an_empty_list_needs_allow_empty():
    problems = run("uaa", {"uaa_secret_rotation_clients": []})[2]
    assert problems and problems[0].startswith("uaa_secret_rotation_clients is empty for host-1")
    assert run("uaa", {"uaa_secret_rotation_clients": [], "uaa_secret_rotation_allow_empty": True})[2] == []


def test_a_hook_and_handed_plans():
    options, settings, _problems = run("uaa", {"rotation_clients": [{"client_id": "a"}], "uaa_hook_tasks": "deliver.yml",
                                               "uaa_hashicorp_vault": {"url": "https://vault"}},
                                       handed_plans={"uaa/host-1": {"p": 1}, "uaa/other": {}}, handed_digests={"uaa/host-1": "d1"})
    assert options["hook_tasks"] == settings["hook_tasks"] == "deliver.yml" and "hook" not in options
    assert (options["plan"], options["plan_digest"]) == ({"p": 1}, "d1")
    assert settings["sink_variables"] == {"hashicorp_vault": "uaa_hashicorp_vault"}  # the name, not the token
    options, settings, problems = run("apic", {"rotation_hook_tasks": "deliver.yml", "rotation_delivery_tasks": "list.yml"})
    assert problems == [] and options["hook_tasks"] == "deliver.yml" and settings["delivery_tasks"] == "list.yml"
    problems = run("uaa", {"rotation_clients": [{"client_id": "a"}], "rotation_delivery_tasks": "list.yml"})[2]
    assert problems == ["Cloud Foundry UAA has no delivery_tasks: its delivery step is hook_tasks, given each new secret"]


def test_retired_options_and_outputs_are_accepted_and_ignored():
    options, _settings, problems = run("uaa", {"uaa_secret_rotation_clients": [{"client_id": "a"}], "uaa_secret_rotation_state_dir": "/x",
                                               "uaa_secret_rotation_audit_findings": [], "rotation_delivered": []})
    assert problems == [] and "state_dir" not in options


def test_a_longer_platform_name_is_not_read_as_an_option_of_a_shorter_one():
    options, _settings, problems = run("apic", {"apic_v5_url": "https://v5", "apic_v5_credential_restore_concurrency": 2,
                                                "apic_url": "https://v10"})
    assert problems == [] and options["apic_url"] == "https://v10" and "concurrency" not in options


# ---- what the role's tasks after the engine task have to do (tasks/run.yml, engine.yml, before.yml) ----------------
SETTINGS = {"operation": "rotate", "hook_tasks": "", "delivery_tasks": ""}
DONE = {"failures": [], "hook_deliveries": [], "delivered": []}


def test_a_plain_run_opens_no_gate():
    assert gates(SETTINGS, DONE, check_mode=False, notify=False) == {
        "before": False, "hook": False, "delivery": False, "notify": False, "after": False}


@pytest.mark.parametrize("outcome, check_mode", [
    (dict(DONE, failed=True), False),  # the engine task failed: stop (failed.yml)
    (dict(DONE, plan={}, plan_lines=[]), True),  # a dry run's plan to show and hand on
    (dict(DONE, diff={}), False),  # --diff
    (dict(DONE, check_hooks=True), False),  # the delivery step is checked first
])
def test_what_opens_the_gate_before_the_outcome(outcome, check_mode):
    assert gates(SETTINGS, outcome, check_mode, notify=False)["before"]


def test_the_hook_runs_for_new_secrets_of_a_real_run_only():
    settings = dict(SETTINGS, hook_tasks="deliver.yml")
    pending = dict(DONE, hook_deliveries=[{"key": "k"}])
    assert gates(settings, pending, False, False)["hook"] and gates(settings, pending, False, False)["before"]
    assert not gates(settings, pending, True, False)["hook"]  # a dry run delivers nothing
    assert not gates(dict(settings, operation="audit"), pending, False, False)["hook"]
    assert not gates(settings, DONE, False, False)["hook"]  # nothing new to deliver
    # The hook's own engine runs: hooked.yml runs the hook after them, so before.yml is not included for it.
    assert gates(settings, pending, False, False, hooks_checked=True) == dict(
        gates(settings, pending, False, False), before=False)


@pytest.mark.parametrize("settings, outcome, notify", [
    (dict(SETTINGS, delivery_tasks="take.yml"), dict(DONE, delivered=[{"new_credential": "c2"}]), False),
    (dict(SETTINGS, operation="audit"), DONE, False),  # an audit notes its findings
    (SETTINGS, dict(DONE, failures=[{"credential": "c"}]), False),  # failures fail the host
    (SETTINGS, DONE, True),  # a webhook or audit metrics
])
def test_what_opens_the_gate_after_the_outcome(settings, outcome, notify):
    assert gates(settings, outcome, False, notify)["after"]


def test_notices_are_wanted_for_a_webhook_metrics_or_the_environment():
    assert not notify_wanted("", "", {})
    assert notify_wanted({"url": "https://hooks.example"}, "", {})
    assert notify_wanted("", "/var/lib/node_exporter", {})
    assert notify_wanted("", "", {"APIOPS_WEBHOOK_URL_FILE": "/run/secrets/hook"})
