# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Controller side of apiops.credentials.apic_v5_restore: every backup row of one v5 portal through the rotation engine.

The backup is read here, from the vault-encrypted file or the sink, so its secrets never sit in a play variable.
"""

from __future__ import annotations

from ansible.errors import AnsibleActionFail, AnsibleError
from ansible.utils.display import Display

from ansible_collections.apiops.credentials.plugins.module_utils._apic_v5 import (
    APIC_V5_AUTH_ARGSPEC,
    RESTORE_ARGSPEC,
    validate_backup_rows,
)
from ansible_collections.apiops.credentials.plugins.module_utils._common import CONNECTION_ARGSPEC
from ansible_collections.apiops.credentials.plugins.plugin_utils import _engine
from ansible_collections.apiops.credentials.plugins.plugin_utils._apic_v5_rotation import ApicV5Adapter, describe
from ansible_collections.apiops.credentials.plugins.plugin_utils._rotation_action import RotationAction

display = Display()

# Shared with the docs module plugins/modules/apic_v5_restore.py, whose DOCUMENTATION describes it.
ARGUMENT_SPEC = dict(CONNECTION_ARGSPEC, **APIC_V5_AUTH_ARGSPEC)
ARGUMENT_SPEC.update(RESTORE_ARGSPEC)
ROW_KEYS = ("org", "app", "client_id", "client_secret", "client_secret_hash", "credential_id", "description", "owner")


class ActionModule(RotationAction):
    PLATFORM = "apic_v5"
    ARGUMENT_SPEC = ARGUMENT_SPEC

    def policy(self, args):
        return dict(super().policy(args), operation=args["state"], update_secret=args["update_secret"])

    def input_problem(self, args):
        if args["source"] == "file" and not args["backup_file"]:
            return "backup_file is required with source=file (the vault-encrypted YAML with the list apic_v5_credentials)"
        if args["gateway_probe_url"] and not args["gateway_probe_url"].startswith(("http://", "https://")):
            return "gateway_probe_url %r has no http:// or https:// scheme" % args["gateway_probe_url"]
        self._rows = self._read_rows(args)  # pylint: disable=attribute-defined-outside-init
        if args["source"] == "sink" and not self._rows:
            return ("source=sink, but the sink holds no restore records for %s (%s): restore from a backup file first "
                    "(source=file), which records every application it restores" % (args["target"], self._sink_words))
        problems = validate_backup_rows(self._rows)
        if problems:
            return "the backup has %d problem(s), so nothing was sent to the portal: %s" % (len(problems), "; ".join(problems))
        return None

    def _read_rows(self, args):
        if args["source"] == "sink":
            store = self._store(args)  # whichever sink: the file, HashiCorp Vault or AWS Secrets Manager
            self._sink_words = store.path  # pylint: disable=attribute-defined-outside-init
            records = {key: store.current(key) for key in store.keys()}
            rows = []
            for _key, record in sorted(records.items()):
                row = {key: record[key] for key in ROW_KEYS if record.get(key)}
                if record.get("secret"):  # what an earlier restore recorded: the plaintext, or only the hash
                    row.update(client_secret=record["secret"], client_secret_hash=None)
                row = {key: value for key, value in row.items() if value}
                rows.append(row)
            return rows
        try:
            # The rows are copied below: no deep copy of the whole file (unsafe), and its secrets stay out of the
            # loader's cache, which lives as long as the play.
            data = self._loader.load_from_file(args["backup_file"], cache=False, unsafe=True)
        except AnsibleError as error:
            raise AnsibleActionFail("cannot read backup_file %s: %s" % (args["backup_file"], error.message.splitlines()[0]))
        rows = (data or {}).get("apic_v5_credentials") if isinstance(data, dict) else None
        if rows is None:
            raise AnsibleActionFail("backup_file %s has no list apic_v5_credentials" % args["backup_file"])
        return [{key: value for key, value in row.items() if value not in (None, "")} if isinstance(row, dict) else row
                for row in rows]

    def adapter(self, args, gate):
        return ApicV5Adapter(args, display.warning, gate, owners=args["owners"], gateway_probe_url=args["gateway_probe_url"],
                             secret_format=args["secret_format"])

    def works(self, args):
        works = []
        for row in self._rows:
            location, name, key = describe(row)
            works.append(_engine.Work(args["target"], name, key, dict(row), location=location, strategy="restore"))
        return works
