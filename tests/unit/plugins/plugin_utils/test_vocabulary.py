# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One vocabulary (issue #22): the engine tasks take state, hook_tasks and sink_dir; their old names operation, hook
and sink_path still work, each with a deprecation warning, and a task that gives an option under both names fails.

The engine tasks are action plugins: ansible validates their arguments without telling the user of a deprecated
alias, so these tests run each task's front door (validation up to the engine) and watch what reaches the display.
"""

from __future__ import annotations

import contextlib
import importlib
from unittest import mock

import pytest

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.apiops.credentials.plugins.module_utils._common import COLLECTION, OLD_NAMES_REMOVED_IN
from ansible_collections.apiops.credentials.plugins.plugin_utils import _rotation_action

# The least each engine task needs to get past validation, and the value of state other than its default.
TASKS = {
    "uaa_rotation": (dict(uaa_url="https://uaa.example.com", clients=[{"client_id": "billing"}], target="uaa-test"), "rollback"),
    "anypoint_rotation": (dict(targets=[{"environment": "Sandbox"}], target="anypoint-test"), "rollback"),
    "keycloak_rotation": (dict(keycloak_url="https://kc.example.com", clients=[{"client_id": "billing"}], target="kc-test"),
                          "rollback"),
    "apic_v5_restore": (dict(apic_v5_url="https://portal.example.com", apic_v5_username="owner", apic_v5_password="Passw0rd-v5",
                             apic_v5_context="acme.sandbox", target="v5-test", backup_file="/nonexistent"), "rollback"),
    "apic_catalog_rotation": (dict(apic_url="https://apic.example.com", apic_org="acme", apic_catalog="sandbox",
                                   apic_client_id="toolkit", apic_client_secret="t00lkit-secret", apic_username="rotation-bot",
                                   apic_password="Pr0vider-passw0rd", target="sandbox"), "rollback"),
}
ALIAS_WARNING = "Alias 'operation' is deprecated. See the module docs for more information"


def front_door(name, args, tmp_path):
    """Run the task ``name`` with ``args`` up to the engine: (the arguments the run would use, the deprecations shown)."""
    module = importlib.import_module("ansible_collections.apiops.credentials.plugins.action.%s" % name)
    task = mock.MagicMock(args=dict(args, sink_dir=args.get("sink_dir", str(tmp_path))), check_mode=False, async_val=0,
                          action="apiops.credentials.%s" % name)
    connection = mock.MagicMock()
    connection._shell.tmpdir = str(tmp_path)
    plugin = module.ActionModule(task, connection, mock.MagicMock(), mock.MagicMock(), mock.MagicMock(), None)
    seen = {}

    def run(self, args, *_rest):
        seen["args"] = args
        return {}

    with mock.patch.object(_rotation_action.display, "deprecated") as deprecated, \
            mock.patch.object(module.ActionModule, "input_problem", lambda self, args: None), \
            mock.patch.object(module.ActionModule, "_store", lambda self, args: None), \
            mock.patch.object(module.ActionModule, "run_lock", lambda self, args, store, check_mode: contextlib.nullcontext(store)), \
            mock.patch.object(module.ActionModule, "_run", run):
        plugin.run(task_vars={})
    for call in deprecated.call_args_list:  # each names this collection and the release that drops the old name
        assert call.kwargs == {"version": OLD_NAMES_REMOVED_IN, "collection_name": COLLECTION}
    return plugin, seen["args"], [call.args[0] for call in deprecated.call_args_list]


@pytest.mark.parametrize("name", sorted(TASKS))
def test_state_is_silent(name, tmp_path):
    args, value = TASKS[name]
    plugin, used, shown = front_door(name, dict(args, state=value), tmp_path)
    assert used["state"] == value and plugin.policy(used)["operation"] == value
    assert shown == []


@pytest.mark.parametrize("name", sorted(TASKS))
def test_operation_still_works_and_warns(name, tmp_path):
    args, value = TASKS[name]
    plugin, used, shown = front_door(name, dict(args, operation=value), tmp_path)
    assert used["state"] == value
    assert plugin.policy(used)["operation"] == value  # the report's and the plan's policy keep their key
    assert shown == [ALIAS_WARNING]


@pytest.mark.parametrize("name", sorted(TASKS))
def test_state_and_operation_together_fail(name, tmp_path):
    args, value = TASKS[name]
    with pytest.raises(AnsibleActionFail, match="^state and its deprecated alias operation are both set: give only state.$"):
        front_door(name, dict(args, state=value, operation=value), tmp_path)


def test_the_default_state_is_the_platforms_first_choice(tmp_path):
    assert front_door("apic_v5_restore", TASKS["apic_v5_restore"][0], tmp_path)[1]["state"] == "restore"
    assert front_door("uaa_rotation", TASKS["uaa_rotation"][0], tmp_path)[1]["state"] == "rotate"


@pytest.mark.parametrize("name", sorted(set(TASKS) - {"apic_catalog_rotation"}))
def test_hook_tasks_says_a_hook_runs(name, tmp_path):
    args = TASKS[name][0]
    _plugin, used, shown = front_door(name, dict(args, hook_tasks="/etc/apiops/deliver.yml"), tmp_path)
    assert _rotation_action.hook_runs(used) and shown == []
    _plugin, used, shown = front_door(name, dict(args, hook_tasks=""), tmp_path)  # what a role passes without a hook
    assert not _rotation_action.hook_runs(used) and shown == []


@pytest.mark.parametrize("hook", [True, False])
def test_hook_still_works_and_warns(hook, tmp_path):
    _plugin, used, shown = front_door("uaa_rotation", dict(TASKS["uaa_rotation"][0], hook=hook), tmp_path)
    assert _rotation_action.hook_runs(used) is hook
    assert len(shown) == 1 and shown[0].startswith("hook is deprecated: set hook_tasks to the path")


def test_hook_and_hook_tasks_together_fail(tmp_path):
    with pytest.raises(AnsibleActionFail, match="^hook_tasks and the deprecated hook are both set: give only hook_tasks"):
        front_door("uaa_rotation", dict(TASKS["uaa_rotation"][0], hook=True, hook_tasks="/etc/apiops/deliver.yml"), tmp_path)


def test_old_names_together_warn_once_each(tmp_path):
    _plugin, _used, shown = front_door("keycloak_rotation", dict(TASKS["keycloak_rotation"][0], operation="rotate", hook=False),
                                       tmp_path)
    assert sorted(message.split(" ")[0] for message in shown) == ["Alias", "hook"]


def test_sink_path_still_wins_and_warns(tmp_path):
    args = TASKS["apic_catalog_rotation"][0]
    plugin, used, shown = front_door("apic_catalog_rotation", dict(args, sink_path=str(tmp_path / "catalog.vault")), tmp_path)
    assert plugin.sink_path(used) == str(tmp_path / "catalog.vault")
    assert len(shown) == 1 and shown[0].startswith("sink_path is deprecated: give sink_dir and target instead")
    plugin, used, shown = front_door("apic_catalog_rotation", args, tmp_path)
    assert plugin.sink_path(used) == str(tmp_path / "apic" / "sandbox.vault") and shown == []


def test_a_task_without_a_file_sink_says_which_option_is_missing(tmp_path):
    args = dict(TASKS["apic_catalog_rotation"][0], sink_dir=None)
    with pytest.raises(AnsibleActionFail, match="^sink_dir is not set: give sink_dir and target"):
        module = importlib.import_module("ansible_collections.apiops.credentials.plugins.action.apic_catalog_rotation")
        task = mock.MagicMock(args=args, check_mode=False, async_val=0)
        connection = mock.MagicMock()
        connection._shell.tmpdir = str(tmp_path)
        module.ActionModule(task, connection, mock.MagicMock(), mock.MagicMock(), mock.MagicMock(), None).run(task_vars={})


def every_spec():
    """(name, argument spec) of every engine task and every module that takes a renamed option."""
    for name in sorted(TASKS):
        yield name, importlib.import_module("ansible_collections.apiops.credentials.plugins.action.%s" % name).ARGUMENT_SPEC
    for name in ("uaa_client", "anypoint_client_secret", "apic_app_credential", "apic_v5_portal_credential"):
        yield name, importlib.import_module("ansible_collections.apiops.credentials.plugins.modules.%s" % name).ARGUMENT_SPEC


@pytest.mark.parametrize("name, spec", list(every_spec()))
def test_an_old_name_of_a_secret_is_as_secret_as_the_new(name, spec):
    for option, entry in spec.items():
        for alias in entry.get("aliases", []):
            assert {d["name"] for d in entry.get("deprecated_aliases", [])} == {alias}, "%s: %s is an alias not deprecated" % (name, alias)
            if entry.get("no_log"):
                result = ArgumentSpecValidator(spec).validate({alias: "Se3cret-under-the-old-name"})
                assert "Se3cret-under-the-old-name" in result._no_log_values, "%s: %s is not masked" % (name, alias)


@pytest.mark.parametrize("name, spec", list(every_spec()))
def test_one_vocabulary(name, spec):
    """No task takes the old names under their own name any more: each is an alias, or a replaced option."""
    assert "operation" not in spec and "client_secret" not in spec
    if "state" in spec and name not in ("uaa_client", "apic_app_credential"):
        assert spec["state"]["aliases"] == ["operation"]
    if name in ("apic_app_credential", "apic_v5_portal_credential"):
        assert spec["secret"]["aliases"] == ["client_secret"] and spec["secret"]["no_log"]
