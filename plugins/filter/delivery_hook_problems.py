# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""delivery_hook_problems: check a delivery hook's tasks file before any platform is touched.

A hook that cannot load would otherwise be found only after a hard cut had replaced the platform's secret, when
consumers can no longer be served. The check parses the file as Ansible does and resolves every task's action; it
runs nothing.
"""

from __future__ import annotations

import re

from ansible.errors import AnsibleError
from ansible.parsing.dataloader import DataLoader
from ansible.parsing.mod_args import ModuleArgsParser

# The variable the hook is given the secret in: a task name that templates it would print it (no_log hides a task's
# arguments and results, never its name).
SECRET_VARIABLE = "apiops_secret"
BLOCK_KEYS = ("block", "rescue", "always")


def _task_problems(tasks, where):
    if not isinstance(tasks, list):
        return ["%s is not a list of tasks" % where]
    problems = []
    for number, task in enumerate(tasks, start=1):
        label = "%s, task %d" % (where, number)
        if not isinstance(task, dict):
            problems.append("%s is not a task (a mapping with a module and its arguments)" % label)
            continue
        if re.search(r"\b%s\b" % SECRET_VARIABLE, str(task.get("name") or "")):
            problems.append("%s (%s) names %s in its name, which Ansible prints even with no_log: take it out of the "
                            "name" % (label, task.get("name"), SECRET_VARIABLE))
        if any(key in task for key in BLOCK_KEYS):
            for key in BLOCK_KEYS:
                if key in task:
                    problems += _task_problems(task[key], "%s, %s" % (label, key))
            continue
        try:
            ModuleArgsParser(task).parse()
        except AnsibleError as error:
            problems.append("%s (%s) does not load: %s" % (label, task.get("name") or "no name", error.message.partition("\n")[0]))
    return problems


def delivery_hook_problems(path):
    """What keeps the tasks file at ``path`` from running as a delivery hook, one message per problem; [] when none."""
    try:
        tasks = DataLoader().load_from_file(path)
    except AnsibleError as error:
        return ["%s is not a tasks file Ansible can read: %s" % (path, error.message.partition("\n")[0])]
    if not tasks:
        return ["%s holds no tasks" % path]
    return _task_problems(tasks, path)


class FilterModule:
    def filters(self):
        return {"delivery_hook_problems": delivery_hook_problems}
