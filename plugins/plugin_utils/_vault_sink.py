# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the apiops.credentials collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""The secret sink, controller side: one JSON record per file, ansible-vault encrypted, 0600, replaced atomically."""

from __future__ import annotations

import json
import os
import tempfile

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible.parsing.vault import VaultLib, VaultSecret


class VaultSink:
    """Reads and writes records with the vault secrets of the play, or of ``password_file``."""

    def __init__(self, loader, password_file=None, vault_id="default"):
        self.vault_id = vault_id
        self.secrets = self._secrets(loader, password_file, vault_id)
        self.vault = VaultLib(self.secrets)

    @staticmethod
    def _secrets(loader, password_file, vault_id):
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
        secrets = list(getattr(getattr(loader, "_vault", None), "secrets", None) or [])
        if not secrets:
            raise AnsibleActionFail("No vault secret to encrypt the secret sink with: run ansible-playbook with "
                                    "--vault-id or --vault-password-file (in AWX: attach a Vault credential), "
                                    "or set vault_password_file")
        return secrets

    def read(self, path):
        """The record in ``path``; {} when the file does not exist."""
        if not os.path.exists(path):
            return {}
        with open(path, "rb") as handle:
            ciphertext = handle.read()
        try:
            plaintext = self.vault.decrypt(ciphertext)
        except Exception as exc:  # AnsibleError and friends: the message names no secret
            raise AnsibleActionFail("Cannot decrypt %s with the vault secrets given: %s" % (path, to_text(exc)))
        try:
            record = json.loads(to_text(plaintext))
        except ValueError:
            record = None
        if not isinstance(record, dict):
            raise AnsibleActionFail("%s decrypts, but is not a secret record (JSON object)" % path)
        return record

    def write(self, path, record):
        directory = os.path.dirname(os.path.abspath(path))
        os.makedirs(directory, mode=0o700, exist_ok=True)
        secret = next((s for vid, s in self.secrets if vid == self.vault_id), self.secrets[0][1])
        ciphertext = self.vault.encrypt(to_bytes(json.dumps(record, indent=2, sort_keys=True)), secret=secret, vault_id=self.vault_id)
        handle, temp_path = tempfile.mkstemp(dir=directory, prefix=".%s." % os.path.basename(path))
        try:
            os.fchmod(handle, 0o600)
            os.write(handle, ciphertext)
            os.fsync(handle)
        finally:
            os.close(handle)
        os.replace(temp_path, path)  # atomic: a crash leaves the old record or the new one, never half of one
