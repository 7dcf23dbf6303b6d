# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Each engine option is declared once, in the engine task's argument spec: a platform's role that passes it on
(``<role>_<option>``) must declare it alike (type, choices, default) and default it to the same value, so the role,
its defaults and the task cannot drift apart."""

from __future__ import annotations

import importlib
import os
import re

import pytest
import yaml

from ansible_collections.apiops.credentials.plugins.plugin_utils._platforms import PLATFORMS

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
# Role options that are not passed on under their own name, or whose default the role sets on purpose otherwise.
OWN = {
    "sink_dir",  # the role's default reads APIOPS_SINK_DIR and ~/.apiops/secrets; the task has none
    "time_budget",  # the task reads APIOPS_TIME_BUDGET itself; the role passes it only when set
    "concurrency",  # the role's defaults are tuned per platform
}
EMPTY = ("", None, {}, [])  # a dict option with apply_defaults is {} when not given: the same as None


def load(*parts):
    with open(os.path.join(ROOT, *parts), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def passed_on(row):
    """{task option: role variable} for what the role hands the engine task as ``option: "{{ <role>_<option> }}"``."""
    tasks = []
    for name in sorted(os.listdir(os.path.join(ROOT, "roles", row.role, "tasks"))):
        tasks += load("roles", row.role, "tasks", name) or []
    found = {}
    for task in tasks:
        args = task.get("apiops.credentials.%s" % row.action)
        for option, value in (args or {}).items():
            match = re.fullmatch(r"\{\{ (%s_[a-z_]+)(?: \| [a-z]+)? \}\}" % row.role, str(value).strip())
            if match and match.group(1) == "%s_%s" % (row.role, option):
                found[option] = match.group(1)
    return found


@pytest.mark.parametrize("name", sorted(PLATFORMS))
def test_what_a_role_passes_on_is_declared_as_the_task_declares_it(name):
    row = PLATFORMS[name]
    spec = importlib.import_module("ansible_collections.apiops.credentials.plugins.action.%s" % row.action).ARGUMENT_SPEC
    role_options = load("roles", row.role, "meta", "argument_specs.yml")["argument_specs"]["main"]["options"]
    defaults = load("roles", row.role, "defaults", "main.yml")
    checked = passed_on(row)
    assert len(checked) >= 8, "%s hands the task fewer options than expected: %s" % (row.role, sorted(checked))
    drift = []
    for option, variable in sorted(checked.items()):
        task, role = spec[option], role_options.get(variable)
        if role is None:
            drift.append("%s is passed on but not declared in meta/argument_specs.yml" % variable)
            continue
        for field in ("type", "choices", "elements"):
            if task.get(field) != role.get(field) and not (field == "type" and {task.get(field), role.get(field)} <= {"str", "path"}):
                drift.append("%s: %s is %r, the task's %s is %r" % (variable, field, role.get(field), option, task.get(field)))
        if option in OWN:
            continue
        if role.get("default") != task.get("default") and not (role.get("default") in EMPTY and task.get("default") in EMPTY):
            drift.append("%s: default %r, the task's %r" % (variable, role.get("default"), task.get("default")))
        in_defaults = defaults.get(variable, role.get("default"))
        if in_defaults != role.get("default") and not (in_defaults in EMPTY and role.get("default") in EMPTY):
            drift.append("%s: defaults/main.yml says %r, meta/argument_specs.yml %r" % (variable, in_defaults, role.get("default")))
    assert not drift, "; ".join(drift)
