# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Controller side of apiops.credentials.vault_file_secret: one ansible-vault encrypted record per file."""

from __future__ import annotations

import json
import os
import tempfile
from datetime import datetime, timezone

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible.parsing.vault import VaultLib, VaultSecret
from ansible.plugins.action import ActionBase

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

    def _secrets(self, password_file, vault_id):
        if password_file:
            try:
                with open(password_file, "rb") as handle:
                    password = handle.read().strip()
            except OSError as exc:
                raise AnsibleActionFail("Cannot read vault_password_file %s: %s" % (password_file, exc.strerror))
            if not password:
                raise AnsibleActionFail("vault_password_file %s is empty" % password_file)
            return [(vault_id, VaultSecret(password))]
        # The vault secrets ansible-playbook was given (--vault-id / --vault-password-file / AWX vault credential).
        secrets = list(getattr(getattr(self._loader, "_vault", None), "secrets", None) or [])
        if not secrets:
            raise AnsibleActionFail("No vault secret to encrypt the secret sink with: run ansible-playbook with "
                                    "--vault-id or --vault-password-file (in AWX: attach a Vault credential), "
                                    "or set vault_password_file")
        return secrets

    @staticmethod
    def _read(vault, path):
        if not os.path.exists(path):
            return {}
        with open(path, "rb") as handle:
            ciphertext = handle.read()
        try:
            plaintext = vault.decrypt(ciphertext)
        except Exception as exc:  # AnsibleError and friends: the message names no secret
            raise AnsibleActionFail("Cannot decrypt %s with the vault secrets given: %s" % (path, to_text(exc)))
        try:
            record = json.loads(to_text(plaintext))
        except ValueError:
            raise AnsibleActionFail("%s decrypts, but is not a secret record (JSON object)" % path)
        if not isinstance(record, dict):
            raise AnsibleActionFail("%s decrypts, but is not a secret record (JSON object)" % path)
        return record

    @staticmethod
    def _write(vault, secrets, vault_id, path, record):
        directory = os.path.dirname(os.path.abspath(path))
        os.makedirs(directory, mode=0o700, exist_ok=True)
        secret = next((s for vid, s in secrets if vid == vault_id), secrets[0][1])
        ciphertext = vault.encrypt(to_bytes(json.dumps(record, indent=2, sort_keys=True)), secret=secret, vault_id=vault_id)
        handle, temp_path = tempfile.mkstemp(dir=directory, prefix=".%s." % os.path.basename(path))
        try:
            os.fchmod(handle, 0o600)
            os.write(handle, ciphertext)
            os.fsync(handle)
        finally:
            os.close(handle)
        os.replace(temp_path, path)  # atomic: a crash leaves the old record or the new one, never half of one

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        _validated, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        path, state = args["path"], args["state"]
        secrets = self._secrets(args["vault_password_file"], args["vault_id"])
        vault = VaultLib(secrets)
        record = self._read(vault, path)
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
            self._write(vault, secrets, args["vault_id"], path, merged)
        result["record"] = merged
        return result
