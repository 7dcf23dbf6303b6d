#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: vault_file_secret
short_description: Keep a credential record in an ansible-vault encrypted file (the secret sink)
version_added: 0.1.0
description:
  - Reads or updates one credential record (a flat mapping such as C(client_id), C(secret), C(previous_secret),
    C(pending_secret), C(rotated_at)) stored as JSON in a file encrypted with ansible-vault.
  - The file is written atomically with mode C(0600), in a directory created with mode C(0700).
  - The rotation roles hand every new secret to this sink before anything irreversible happens.
  - Runs on the controller (it is an action plugin); the vault secrets are those given to ansible-playbook
    (C(--vault-id), C(--vault-password-file), or a Vault credential in AWX) unless O(vault_password_file) is set.
  - Read the file by hand with C(ansible-vault view PATH).
author:
  - apiops.credentials contributors (@apiops)
extends_documentation_fragment:
  - apiops.credentials.attributes
attributes:
  check_mode:
    support: full
    details:
      - In check mode the record is read and the change predicted; the file is not written.
  diff_mode:
    support: full
    details:
      - Keys containing C(secret) are masked.
options:
  path:
    description: File that holds the record.
    type: path
    required: true
  state:
    description:
      - V(read) returns the record (an empty mapping when the file does not exist).
      - V(update) merges O(data) into the record and writes it; a key set to V(null) is removed.
    type: str
    choices: [read, update]
    default: read
  data:
    description: Keys to set (or remove, with V(null)) when O(state=update). An C(updated_at) time stamp is added.
    type: dict
    default: {}
  vault_password_file:
    description: File with the vault password, instead of the vault secrets given to ansible-playbook.
    type: path
  vault_id:
    description: Vault id to encrypt with.
    type: str
    default: default
notes:
  - The result holds the record, secrets included, so that the next task can use them. Always run this module with
    C(no_log=true).
"""

EXAMPLES = r"""
- name: Read the record of a client
  apiops.credentials.vault_file_secret:
    path: /srv/secrets/uaa/billing-service.vault
  register: sink
  no_log: true

- name: Persist a new secret before using it
  apiops.credentials.vault_file_secret:
    path: /srv/secrets/uaa/billing-service.vault
    state: update
    data:
      client_id: billing-service
      pending_secret: "{{ new_secret }}"
  no_log: true
"""

RETURN = r"""
record:
  description: The record after the task (secrets included; use C(no_log)).
  returned: always
  type: dict
exists:
  description: Whether the file held a record before the task.
  returned: always
  type: bool
path:
  description: The file.
  returned: always
  type: str
"""

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            state=dict(type="str", default="read", choices=["read", "update"]),
            data=dict(type="dict", default={}),
            vault_password_file=dict(type="path", no_log=False),
            vault_id=dict(type="str", default="default"),
        ),
        supports_check_mode=True,
    )
    module.fail_json(msg="apiops.credentials.vault_file_secret runs on the controller as an action plugin; "
                         "it cannot run as a plain module")


if __name__ == "__main__":
    main()
