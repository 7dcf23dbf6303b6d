# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Controller side of apiops.credentials.rotation: one task for every platform, as the generic role runs it.

It turns the play's variables into the options of the platform's own engine task (``_role_vars.resolve``), applies
that task's module_defaults (its platform's action group among them), and runs it: the engine task does the work and
returns its result, to which this adds ``settings``, what the role needs besides (no secret). No option is a second
time declared here.
"""

from __future__ import annotations

import os
import re

from ansible.errors import AnsibleActionFail, AnsibleError
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible.plugins.loader import lookup_loader

# The platforms' engine tasks run on the shared front: imported here, by the controller when it loads this action,
# every worker it forks for a host has it, instead of importing it again (about 90 ms of CPU per host and run).
from ansible_collections.apiops.credentials.plugins.plugin_utils import _rotation_action  # noqa: F401 pylint: disable=unused-import
from ansible_collections.apiops.credentials.plugins.plugin_utils._platforms import PLATFORMS
from ansible_collections.apiops.credentials.plugins.plugin_utils._role_vars import OPERATIONS, gates, notify_wanted, resolve, select

try:  # ansible-core 2.19 and later
    from ansible.executor.module_common import _apply_action_arg_defaults
    get_action_args_with_defaults = None
except ImportError:  # 2.16 to 2.18
    from ansible.executor.module_common import get_action_args_with_defaults
    _apply_action_arg_defaults = None

# What an AWX workflow's check job hands on (tasks/before.yml of the role): apiops_plans, and apiops_plans_<AWX job id>
# from each slice of a sliced job; the same for the digests.
HANDED_PLANS = re.compile(r"^apiops_plans(_[0-9]+)?$")
HANDED_DIGESTS = re.compile(r"^apiops_plan_digests(_[0-9]+)?$")
OWN = ("platform", "operation", "variables", "handed_plans", "handed_digests", "settings_only", "hooks_checked", "credential_rows")


def unique(lines):
    """``lines`` without repeats, in their order (a dry run says "run without --check" once, not per credential)."""
    return list(dict.fromkeys(lines))


def outcome_lines(outcome, settings):
    """What the role shows of a run, no secret: its message, its cost, its report, what to do next, new credentials."""
    report = settings.get("report_file")
    lines = [outcome.get("msg", ""),
             "%s requests, %s sink writes in %s s" % (outcome.get("requests"), outcome.get("journal_writes") or 0, outcome.get("seconds")),
             "Report: %s" % report if report else "No report written"]
    lines += outcome["next_steps"]
    if outcome["new_credentials"]:
        lines.append("New credentials: %s" % ", ".join(outcome["new_credentials"]))
    return lines


def refusal(problems):
    """One message for every problem with the variables; the messages name variables, never their values."""
    return " ".join(problems) + " Nothing was changed; the options are in the role's README."


def with_module_defaults(action, task, args, templar, omit):
    """``args`` over the module_defaults of ``action`` (its action groups included), as if the task had named it."""
    if _apply_action_arg_defaults is not None:
        return _apply_action_arg_defaults(action, task, args, templar)
    merged = get_action_args_with_defaults(action, args, task.module_defaults, templar,
                                           action_groups=task._parent._play._action_groups)
    return {name: value for name, value in merged.items() if omit is None or value != omit}


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        args = dict(self._task.args)
        own = {name: args.pop(name, None) for name in OWN}
        row = PLATFORMS.get(own["platform"])
        if row is None:
            raise AnsibleActionFail("platform %r is not one this collection rotates: use one of %s"
                                    % (own["platform"], ", ".join(sorted(PLATFORMS))))
        if own["operation"] not in (None, "") and own["operation"] not in OPERATIONS:
            raise AnsibleActionFail("operation %s is not one of %s" % (own["operation"], ", ".join(OPERATIONS)))
        for name in ("variables", "handed_plans", "handed_digests"):
            if not isinstance(own[name] or {}, dict):
                raise AnsibleActionFail("%s must be a mapping, not %s" % (name, type(own[name]).__name__))
        engine = "apiops.credentials.%s" % row.action
        engine_class = self._shared_loader_obj.action_loader.get(engine, class_only=True)
        variables = own["variables"] if own["variables"] is not None else self._read_variables(row, engine_class.ARGUMENT_SPEC, task_vars)
        for name, pattern in (("handed_plans", HANDED_PLANS), ("handed_digests", HANDED_DIGESTS)):
            if own[name] is None:
                own[name] = self._handed(pattern, task_vars)
        options, settings, problems = resolve(
            row, engine_class.ARGUMENT_SPEC, variables, task_vars.get("inventory_hostname", ""),
            check_mode=bool(self._task.check_mode), operation=own["operation"] or None,
            handed_plans=own["handed_plans"], handed_digests=own["handed_digests"], work=not own["settings_only"])
        if problems:
            raise AnsibleActionFail(refusal(problems))
        if own["settings_only"]:  # the settings never depend on module_defaults: leave them (and their logins) alone
            result.update(changed=False, **settings)
            return result
        # Whether the variables are set, not their values: templating them here would fail the run for a value the
        # notify role would only warn about (a webhook whose URL variable is undefined). Set but empty, the notify role
        # runs and finds nothing to do.
        notify = notify_wanted(task_vars.get("apiops_webhook"), task_vars.get("apiops_audit_textfile_dir"), os.environ)
        checked = None if own["hooks_checked"] is None else boolean(own["hooks_checked"], strict=False)
        if (settings["hook_tasks"] or settings["delivery_tasks"]) and checked is False:
            # The role checks the delivery step (a file, that loads) before anything is done, then runs this again.
            result.update(changed=False, settings=settings, check_hooks=True)
            result["due"] = gates(settings, result, bool(self._task.check_mode), notify, checked)
            return result
        options.update(with_module_defaults(engine, self._task, args, self._templar, task_vars.get("omit")))
        task = self._task.copy(exclude_parent=False, exclude_tasks=True)
        task.args = options
        action = self._shared_loader_obj.action_loader.get(
            engine, task=task, connection=self._connection, play_context=self._play_context, loader=self._loader,
            templar=self._templar, shared_loader_obj=self._shared_loader_obj)
        try:
            outcome = action.run(task_vars=task_vars)
        except AnsibleError as error:  # failed as the task itself would have, with the settings the role reads next
            outcome = dict(failed=True, msg=error.message)
        outcome["settings"] = settings
        outcome["due"] = gates(settings, outcome, bool(self._task.check_mode), notify, checked)
        # The outcome's lines, made here once (in Jinja they cost a template pass over every credential of the run).
        outcome["next_steps"] = unique(row.get("next") for row in outcome.get("credentials") or () if row.get("next"))
        outcome["new_credentials"] = [row.get("new_credential") for row in outcome.get("delivered") or ()]
        outcome["outcome_lines"] = outcome_lines(outcome, settings)
        if own["credential_rows"] is not None and not boolean(own["credential_rows"], strict=False) and not notify:
            # Every task after this one reads the registered result, and 200 rows of it cost each about 3 ms; only the
            # notices read the rows (the report holds them all).
            outcome.pop("credentials", None)
        return outcome

    def _handed(self, pattern, task_vars):
        """The variables whose names match ``pattern``, merged in the order of their names: what the check job of an AWX
        workflow handed on with set_stats (each slice of a sliced job under a name of its own)."""
        merged = {}
        for value in self._templated(sorted(name for name in task_vars if pattern.match(name)), task_vars):
            if isinstance(value, dict):
                merged.update(value)
        return merged

    def _templated(self, names, task_vars):
        """The values of the variables ``names``, templated as ``{{ name }}`` would be (vaulted values decrypted,
        lookups run)."""
        if not names:
            return []
        return lookup_loader.get("ansible.builtin.vars", loader=self._loader, templar=self._templar).run(names, variables=task_vars)

    def _read_variables(self, row, argspec, task_vars):
        """The values of the variables that set something, templated as ``{{ name }}`` would be (vaulted values
        decrypted, lookups run); a variable that sets nothing is never templated."""
        chosen, settings, problems = select(row, argspec, task_vars)
        if problems:
            raise AnsibleActionFail(refusal(problems))
        names = sorted(set(chosen.values()) | set(settings.values()))
        return dict(zip(names, self._templated(names, task_vars)))
