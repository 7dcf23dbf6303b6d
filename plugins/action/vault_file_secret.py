# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Controller side of apiops.credentials.vault_file_secret: one ansible-vault encrypted record per file."""

from __future__ import annotations

from datetime import datetime, timezone

from ansible.plugins.action import ActionBase

from ansible_collections.apiops.credentials.plugins.plugin_utils._vault_sink import VaultSink

MASK = "********"
ARGUMENT_SPEC = dict(
    path=dict(type="path", required=True),
    state=dict(type="str", default="read", choices=["read", "update"]),
    data=dict(type="dict", default={}),
    vault_password_file=dict(type="path", no_log=False),
    vault_id=dict(type="str", default="default"),
)


def merge_record(record, data):
    """The record after ``data``: keys set to None are removed, others replaced."""
    merged = dict(record)
    for key, value in data.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def masked(record, secret_keys):
    return {k: (MASK if k in secret_keys and v else v) for k, v in record.items()}


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        _validated, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        path, state = args["path"], args["state"]
        sink = VaultSink(self._loader, args["vault_password_file"], args["vault_id"])
        record = sink.read(path)
        result.update(changed=False, path=path, exists=bool(record))
        if state == "read":
            result["record"] = record
            return result

        # updated_at is the sink's own time stamp: a caller's value is ignored.
        merged = merge_record(record, {k: v for k, v in args["data"].items() if k != "updated_at"})
        if merged == record:
            result["record"] = record
            return result
        merged["updated_at"] = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        secret_keys = {k for k in set(record) | set(merged) if "secret" in k}
        result["changed"] = True
        if self._task.diff:
            result["diff"] = {"before": masked(record, secret_keys), "after": masked(merged, secret_keys)}
        if not self._task.check_mode:
            sink.write(path, merged)
        result["record"] = merged
        return result
