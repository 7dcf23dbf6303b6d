# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
name: sink_secret
short_description: The secret a rotation sink holds for one credential, for a delivery hook
version_added: 1.1.0
description:
  - Reads the record of one credential from the sink of the rotation engine (the ansible-vault file, HashiCorp
    Vault KV v2 or AWS Secrets Manager) and returns its current secret.
  - The rotation roles use it to hand the secret to a delivery hook (a tasks file of yours) as C(apiops_secret),
    evaluated only where the hook uses it, so that the secret never sits in a registered variable or a loop.
  - Use it only in tasks with C(no_log=true).
author:
  - apiops.credentials contributors (@apiops)
options:
  _terms:
    description: The record keys, as the rotation task returns them in C(hook_deliveries[].key).
    required: true
    type: list
    elements: str
  platform:
    description: The platform of the records (C(uaa), C(anypoint), C(apic_v5), C(apic)), as in C(hook_deliveries[].platform).
    required: true
    type: str
  target:
    description: The target (inventory host) of the records.
    required: true
    type: str
  sink:
    description: Where the records are.
    type: str
    default: file
    choices: [file, hashicorp_vault, aws_secrets_manager]
  sink_file:
    description: The sink file (C(sink=file)), as the rotation task returns it in C(sink_file).
    type: path
  vault_password_file:
    description: The vault password file of the sink file; the play's vault secrets when not set.
    type: path
  vault_id:
    description: The vault id of the sink file.
    type: str
    default: default
  hashicorp_vault:
    description: The settings of C(sink=hashicorp_vault), as the rotation task takes them.
    type: dict
  aws_secrets_manager:
    description: The settings of C(sink=aws_secrets_manager), as the rotation task takes them.
    type: dict
  validate_certs:
    description: Check the sink's TLS certificate.
    type: bool
    default: true
  request_timeout:
    description: Seconds to wait for the sink's answer to each request, once connected.
    type: float
    default: 30
  connect_timeout:
    description: Seconds to wait for the connection to the sink.
    type: float
    default: 10
  retries:
    description: Retries of a request the sink answered with 429 or 5xx.
    type: int
    default: 5
notes:
  - The secret is returned as unsafe text, so that characters like C({{) in it are never templated.
"""

EXAMPLES = r"""
# In a delivery hook (a tasks file given as uaa_secret_rotation_hook_tasks), the role sets apiops_secret to this
# lookup; written out, it is:
- name: Put the new secret where the consumers read it
  ansible.builtin.uri:
    url: "https://cmdb.example.com/api/secrets/{{ apiops_credential.credential }}"
    method: PUT
    body_format: json
    body:
      value: "{{ lookup('apiops.credentials.sink_secret', apiops_credential.key, platform='uaa', target='uaa-prod',
                        sink='hashicorp_vault', hashicorp_vault={'url': 'https://vault.example.com:8200'}) }}"
  no_log: true
"""

RETURN = r"""
_raw:
  description: The current secret of each record, in the order of the keys.
  type: list
  elements: str
"""

from ansible.errors import AnsibleLookupError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.lookup import LookupBase

from ansible_collections.apiops.credentials.plugins.module_utils._common import CONNECTION_ARGSPEC, ENGINE_ARGSPEC
from ansible_collections.apiops.credentials.plugins.plugin_utils._plan import secret_of
from ansible_collections.apiops.credentials.plugins.plugin_utils._rotation_action import open_store

SPEC = {name: ENGINE_ARGSPEC[name] for name in ("sink", "hashicorp_vault", "aws_secrets_manager", "vault_password_file", "vault_id")}
SPEC.update({name: CONNECTION_ARGSPEC[name] for name in ("validate_certs", "request_timeout", "connect_timeout", "retries")})
SPEC.update(platform=dict(type="str", required=True), target=dict(type="str", required=True), sink_file=dict(type="path"))


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        checked = ArgumentSpecValidator(SPEC).validate(kwargs)
        if checked.error_messages:
            raise AnsibleLookupError("apiops.credentials.sink_secret: %s" % "; ".join(checked.error_messages))
        args = checked.validated_parameters
        if args["sink"] == "file" and not args["sink_file"]:
            raise AnsibleLookupError("apiops.credentials.sink_secret: sink_file is not set: give the sink_file the rotation task returned")
        store = open_store(args, args["platform"], self._loader, args["sink_file"])
        secrets = []
        for key in terms:
            record = store.current(key)
            secret = secret_of(record)
            if not secret:
                raise AnsibleLookupError("apiops.credentials.sink_secret: the sink (%s) holds no secret for %s" % (store.path, key))
            secrets.append(secret)
        return secrets
