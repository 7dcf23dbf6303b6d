# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Each engine option is declared once, in the engine task's argument spec. The roles read every variable through
``_role_vars`` (no role lists the options it hands on), so what is left to hold against that declaration is what the
roles document: every option a role's meta/argument_specs.yml names must be one the task or the role takes, declared
alike (type, choices, elements, default), and no role may default an option (a role default would hide the host
variable <platform>_<option>)."""

from __future__ import annotations

import importlib
import os

import pytest
import yaml

from ansible_collections.apiops.credentials.plugins.plugin_utils._platforms import PLATFORMS
from ansible_collections.apiops.credentials.plugins.plugin_utils._role_vars import GENERIC, OUTPUTS, ROLE_OPTIONS, select

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
# Role options whose documented default is the role's own on purpose.
OWN = {
    "sink_dir",  # APIOPS_SINK_DIR, else ~/.apiops/secrets: read by the rotation task, the engine task has none
    "time_budget",  # 0 documented; the engine task reads APIOPS_TIME_BUDGET itself when it is not set
}
EMPTY = ("", None, {}, [])  # a dict option with apply_defaults is {} when not given: the same as None


def load(*parts):
    with open(os.path.join(ROOT, *parts), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def spec(row):
    return importlib.import_module("ansible_collections.apiops.credentials.plugins.action.%s" % row.action).ARGUMENT_SPEC


def role_options(role):
    options = {}
    for entry in load("roles", role, "meta", "argument_specs.yml")["argument_specs"].values():
        options.update(entry.get("options") or {})
    return options


@pytest.mark.parametrize("name", sorted(PLATFORMS))
def test_what_a_named_role_documents_is_declared_as_the_task_declares_it(name):
    row = PLATFORMS[name]
    task, documented = spec(row), role_options(row.role)
    chosen, settings, problems = select(row, task, documented)
    assert problems == [], "%s documents variables the rotation task does not read: %s" % (row.role, problems)
    assert len(chosen) >= 8, "%s documents fewer options than expected: %s" % (row.role, sorted(chosen))
    drift = []
    for option, variable in sorted(chosen.items()):
        declared, role = task[option], documented[variable]
        for field in ("type", "choices", "elements"):
            if declared.get(field) != role.get(field) and not (field == "type" and {declared.get(field), role.get(field)} <= {"str", "path"}):
                drift.append("%s: %s is %r, the task's %s is %r" % (variable, field, role.get(field), option, declared.get(field)))
        if option in OWN or declared.get("required"):
            continue
        if role.get("default") != declared.get("default") and not (role.get("default") in EMPTY and declared.get("default") in EMPTY):
            drift.append("%s: default %r, the task's %r" % (variable, role.get("default"), declared.get("default")))
    assert not drift, "; ".join(drift)
    assert set(settings) <= set(ROLE_OPTIONS)


def test_the_generic_role_documents_exactly_its_own_options():
    documented = role_options(GENERIC)
    assert set(documented) == {"%s_%s" % (GENERIC, option) for option in ROLE_OPTIONS}
    operations = documented["rotation_operation"]["choices"]
    assert operations == ["rotate", "rollback", "audit", "verify"]
    assert set(load("roles", GENERIC, "meta", "argument_specs.yml")["argument_specs"]) == {"main"} | set(operations[1:])


@pytest.mark.parametrize("role", sorted({row.role for row in PLATFORMS.values()} | {GENERIC}))
def test_no_rotation_role_defaults_an_option(role):
    """A role default outranks nothing but would still be found before the host variable <platform>_<option>."""
    assert not load("roles", role, "defaults", "main.yml"), "%s/defaults/main.yml sets variables" % role


def test_outputs_are_not_options():
    for row in PLATFORMS.values():
        assert not set(OUTPUTS) & (set(spec(row)) - {"sink_path"}), "an output name is an option of %s" % row.action
