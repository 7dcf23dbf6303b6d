# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Controller side of apiops.credentials.show_plan: hand a rotation task's masked diff to Ansible's diff display.

The rotation tasks run with no_log (their arguments hold secrets), which hides their diff too. This task carries only
the masked before and after they returned, so --diff and AWX's "Show changes" show what an approver signs off.
"""

from __future__ import annotations

from ansible.plugins.action import ActionBase

ARGUMENT_SPEC = {"diff": {"type": "dict", "required": True}}


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        _validated, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        before, after = str(args["diff"].get("before") or ""), str(args["diff"].get("after") or "")
        result.update(changed=before != after, diff={"before": before, "after": after})
        return result
