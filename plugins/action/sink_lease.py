# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Controller side of apiops.credentials.sink_lease: show or break one credential's lease in a sink (see _lease.py)."""

from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.apiops.credentials.plugins.module_utils._common import CONNECTION_ARGSPEC, LEASE_ARGSPEC
from ansible_collections.apiops.credentials.plugins.plugin_utils._plan import now_iso
from ansible_collections.apiops.credentials.plugins.plugin_utils._platforms import sink_file as platform_sink_file, with_sink_dir
from ansible_collections.apiops.credentials.plugins.plugin_utils._rotation_action import open_store, sink_problem

display = Display()

ARGUMENT_SPEC = dict(CONNECTION_ARGSPEC, **LEASE_ARGSPEC)


def platform_problem(platform):
    """The platform is a row's name with its records under sink_dir (the registry, not a copy of it in the argspec)."""
    known = with_sink_dir()
    if platform not in known:
        return "platform %s is not one of %s: give the platform's name as the rotation report names it" % (platform, ", ".join(known))
    return None


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        _validated, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        problem = platform_problem(args["platform"]) or sink_problem(args)
        if not problem and args["state"] == "absent" and not (args["reason"] or "").strip():
            problem = "reason is not set: say why the lease is broken (it is kept in the credential's record)"
        if problem:
            raise AnsibleActionFail(problem)
        sink_file = platform_sink_file(args["platform"], args["sink_dir"], args["target"]) if args["sink"] == "file" else None
        store = open_store(args, args["platform"], self._loader, sink_file)
        key = args["key"]
        owner = store.lock_owner(key)
        holder = None if owner == "a run that has just ended" else owner
        result.update(holder=holder, released=False, where=store.path, changed=bool(holder) and args["state"] == "absent")
        if not result["changed"] or self._task.check_mode:
            return result
        broken = store.break_lease(key)
        # The note is written under a lease of this task's own, so that it does not cross a run starting meanwhile.
        with store.lock(key, args["lock_timeout"]) as lease:
            if not lease:
                display.warning("the lease of %s was released, but a run took it at once (%s): the reason is not noted in "
                                "the record" % (key, store.lock_owner(key)))
            else:
                record = store.current(key)
                if record:
                    note = "%s: the lease of %s was broken: %s" % (now_iso(), broken or holder, args["reason"].strip())
                    store.put(key, dict(record, lease_note=note, updated_at=now_iso()))
        result.update(holder=broken or holder, released=True)
        return result
