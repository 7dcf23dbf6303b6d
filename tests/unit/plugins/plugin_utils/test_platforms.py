# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every platform row against the files it names: a platform is described once, and nothing drifts from its row."""

from __future__ import annotations

import importlib
import json
import os
import re

import pytest
import yaml

from ansible_collections.apiops.credentials.plugins.action.sink_lease import platform_problem
from ansible_collections.apiops.credentials.plugins.module_utils._common import LEASE_ARGSPEC
from ansible_collections.apiops.credentials.plugins.plugin_utils._platforms import PLATFORMS, sink_file, with_sink_dir
from ansible_collections.apiops.credentials.plugins.plugin_utils._protocols import PROTOCOLS
from ansible_collections.apiops.credentials.plugins.plugin_utils._rotation_action import RotationAction
from tests.emulators.launch import EMULATORS

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
ROWS = sorted(PLATFORMS)


def read(*parts):
    with open(os.path.join(ROOT, *parts), encoding="utf-8") as handle:
        return handle.read()


def env_variables(option):
    fallback = option.get("fallback")
    return list(fallback[1]) if fallback else []


@pytest.mark.parametrize("name", ROWS)
def test_the_adapter_is_the_platform_s_and_declares_a_protocol(name):
    row = PLATFORMS[name]
    assert row.adapter.platform == name
    assert row.protocol in PROTOCOLS, "%s: protocol %r is not one of %s" % (name, row.protocol, sorted(PROTOCOLS))


@pytest.mark.parametrize("name", ROWS)
def test_the_engine_task_is_documented_with_the_platform_s_login_options(name):
    row = PLATFORMS[name]
    documentation = yaml.safe_load(importlib.import_module(
        "ansible_collections.apiops.credentials.plugins.modules.%s" % row.action).DOCUMENTATION)
    assert "apiops.credentials.%s" % row.doc_fragment in documentation["extends_documentation_fragment"]
    action = importlib.import_module("ansible_collections.apiops.credentials.plugins.action.%s" % row.action).ActionModule
    if issubclass(action, RotationAction):
        assert action.PLATFORM == name
        assert set(row.auth_argspec) <= set(action.ARGUMENT_SPEC)


@pytest.mark.parametrize("name", ROWS)
def test_the_doc_fragment_names_every_login_option_and_its_environment_variable(name):
    row = PLATFORMS[name]
    fragment = yaml.safe_load(importlib.import_module(
        "ansible_collections.apiops.credentials.plugins.doc_fragments.%s" % row.doc_fragment).ModuleDocFragment.DOCUMENTATION)
    for option, spec in row.auth_argspec.items():
        assert option in fragment["options"], "%s: %s is not in doc_fragments/%s.py" % (name, option, row.doc_fragment)
        words = " ".join(fragment["options"][option]["description"])
        for variable in env_variables(spec):
            assert "E(%s)" % variable in words, "%s: the docs of %s do not name E(%s)" % (name, option, variable)


@pytest.mark.parametrize("name", ROWS)
def test_the_awx_credential_type_injects_only_variables_the_options_read(name):
    row = PLATFORMS[name]
    credential_type = yaml.safe_load(read("docs", "awx", "credential_types", row.credential_type))
    read_by_options = {variable for spec in row.auth_argspec.values() for variable in env_variables(spec)}
    injected = set(credential_type["injectors"]["env"])
    assert injected <= read_by_options, "%s: %s injects %s, which no option reads" % (
        name, row.credential_type, sorted(injected - read_by_options))
    required = [option for option, spec in row.auth_argspec.items() if spec.get("required")]
    assert all(set(env_variables(row.auth_argspec[option])) & injected for option in required)


@pytest.mark.parametrize("name", ROWS)
def test_the_role_exists_and_the_readme_s_platform_table_names_it(name):
    row = PLATFORMS[name]
    specs = yaml.safe_load(read("roles", row.role, "meta", "argument_specs.yml"))
    assert "main" in specs["argument_specs"]
    assert read("roles", row.role, "README.md").startswith("# apiops.credentials.%s" % row.role)  # galaxy-importer needs it
    lines = [line for line in read("README.md").splitlines() if line.startswith("| %s |" % row.title)]
    assert len(lines) == 1, "README.md has no platform table row for %s" % row.title
    assert "`%s`" % row.action in lines[0] and "`%s`" % row.role in lines[0]


def test_the_lease_tools_know_every_platform_with_a_sink_dir():
    assert "choices" not in LEASE_ARGSPEC["platform"]  # sink_lease checks the platform against the rows
    assert [name for name in with_sink_dir() if platform_problem(name)] == []
    assert platform_problem("vms") == "platform vms is not one of %s: give the platform's name as the rotation report names it" % (
        ", ".join(with_sink_dir()))
    playbook = yaml.safe_load(read("playbooks", "break_lease.yml"))
    finds = [task for task in playbook[0]["tasks"] if "apiops.credentials.rotation" in task]
    assert finds and finds[0]["apiops.credentials.rotation"].get("settings_only"), "break_lease finds the sink as the rotation does"
    assert "_secret_rotation" not in read("playbooks", "break_lease.yml"), "break_lease names no role: no table to keep"


def test_a_file_sink_is_one_file_per_host_under_the_platform_s_name():
    assert sink_file("uaa", "/srv/sinks/", "uaa-prod") == "/srv/sinks/uaa/uaa-prod.vault"


def test_the_report_schema_takes_every_row_s_name_and_lists_none():
    # The schema is a static file users validate reports with: it holds the shape of a platform's name, not the list,
    # so that a new platform is no edit of it.
    schema = json.loads(read("docs", "schema", "report.schema.json"))
    platform = [row["properties"]["platform"] for row in schema["$defs"].values() if "platform" in row.get("properties", {})]
    assert platform and all("enum" not in values for values in platform), "docs/schema/report.schema.json: %s" % platform
    assert all(re.match(values["pattern"], name) for values in platform for name in ROWS)


@pytest.mark.parametrize("name", ROWS)
def test_the_platform_has_its_action_group_and_says_so_in_its_docs(name):
    # ansible reads meta/runtime.yml and the doc fragments as they are, so these stay static and are checked here.
    row = PLATFORMS[name]
    groups = yaml.safe_load(read("meta", "runtime.yml"))["action_groups"]
    assert row.action in groups.get(name, []), "meta/runtime.yml: the action group %s does not hold %s" % (name, row.action)
    extended = [entry["metadata"]["extend_group"] for entry in groups["all"] if isinstance(entry, dict) and "metadata" in entry]
    assert extended and "apiops.credentials.%s" % name in extended[0], "meta/runtime.yml: the group all does not extend %s" % name
    # The docs module says it is in the group: in its own attributes (a new platform's way: no shared file), or
    # through the block attributes.<NAME>_GROUP of the shared fragment.
    documentation = yaml.safe_load(importlib.import_module(
        "ansible_collections.apiops.credentials.plugins.modules.%s" % row.action).DOCUMENTATION)
    own = (documentation.get("attributes") or {}).get("action_group")
    if own is None:
        fragment = "apiops.credentials.attributes.%s_GROUP" % name.upper()
        assert fragment in documentation["extends_documentation_fragment"], \
            "plugins/modules/%s.py documents no action_group attribute (nor uses %s)" % (row.action, fragment)
        own = yaml.safe_load(getattr(importlib.import_module(
            "ansible_collections.apiops.credentials.plugins.doc_fragments.attributes").ModuleDocFragment, "%s_GROUP" % name.upper()))
        own = own["attributes"]["action_group"]
    assert sorted(own["membership"]) == ["apiops.credentials.all", "apiops.credentials.%s" % name]


@pytest.mark.parametrize("name", ROWS)
def test_the_platform_has_an_emulator_and_a_seed(name):
    # The launcher and the system tests' fixtures start one emulator per row, found by the row's name.
    assert name in EMULATORS, "tests/emulators/%s.py, with a SEED (or tests/emulators/seeds/%s.json), makes the emulator of %s" % (
        name, name, name)
