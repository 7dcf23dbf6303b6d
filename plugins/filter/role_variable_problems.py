# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""role_variable_problems: find the variables with a role's prefix that the role does not know.

A misspelt variable is otherwise ignored: the role takes its default (for a list of clients, the empty list) and
succeeds having done nothing. The known names are read from the role's own argument spec, so they are declared once.
"""

from __future__ import annotations

import difflib
import os

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.collections import is_sequence


def known_variables(argument_specs, outputs=()):
    """Every option of every entry point of ``argument_specs`` (the parsed meta/argument_specs.yml), and ``outputs``."""
    if not isinstance(argument_specs, dict):
        raise AnsibleFilterError("role_variable_problems needs the role's argument spec (meta/argument_specs.yml parsed), not %s"
                                 % type(argument_specs).__name__)
    entry_points = argument_specs.get("argument_specs", argument_specs)
    known = set(outputs or ())
    for name, entry in entry_points.items():
        if not isinstance(entry, dict):
            raise AnsibleFilterError("entry point %s of the argument spec is not a mapping" % name)
        known.update(entry.get("options") or {})
    return known


def _suffix(name, prefix):
    return name[len(prefix):] if name.startswith(prefix) else name


def role_variable_problems(names, argument_specs, outputs=()):
    """One message per name in ``names`` the role does not know, with the closest known name when there is one."""
    if not is_sequence(names):
        raise AnsibleFilterError("role_variable_problems needs a list of variable names, not %s" % type(names).__name__)
    known = known_variables(argument_specs, outputs)
    # The shared prefix would make every pair of names look alike; compare what follows it.
    head, separator, _rest = os.path.commonprefix(list(known)).rpartition("_") if len(known) > 1 else ("", "", "")
    prefix = head + separator
    suffixes = {_suffix(name, prefix): name for name in known}
    problems = []
    for name in sorted(set(names) - known):
        close = difflib.get_close_matches(_suffix(name, prefix), list(suffixes), n=1)
        if close:
            problems.append("unknown variable %s; did you mean %s?" % (name, suffixes[close[0]]))
        else:
            problems.append("unknown variable %s; the role has no option like it." % name)
    return problems


class FilterModule:
    def filters(self):
        return {"role_variable_problems": role_variable_problems}
