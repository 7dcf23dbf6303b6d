#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: apic_app_credential_info
short_description: List the application credentials of an IBM API Connect v10 catalog, consumer org or app, with their age
version_added: 0.1.0
description:
  - Returns every credential of the catalog (or of one consumer organization, or one application) with its consumer
    organization, the owner's e-mail, the application, name, client id, creation time and age in days.
  - Reads in a few paged calls (consumer orgs with C(expand=owner), apps, and the catalog-wide credential list).
author:
  - apiops.credentials contributors (@apiops)
extends_documentation_fragment:
  - apiops.credentials.apic
  - apiops.credentials.connection
  - apiops.credentials.attributes
  - apiops.credentials.attributes.INFO_MODULE
  - apiops.credentials.attributes.APIC_GROUP
options:
  consumer_org:
    description: Only this consumer organization (name or id).
    type: str
  app:
    description: Only this application (name or id); needs O(consumer_org).
    type: str
  include_secret_hashes:
    description:
      - Also return C(client_secret_hashed) (Base64 SHA-256 of the secret), for a backup that
        M(apiops.credentials.apic_app_credential) can restore. Register the result with C(no_log).
    type: bool
    default: false
seealso:
  - module: apiops.credentials.apic_app_credential
  - module: apiops.credentials.apic_catalog_rotation
"""

EXAMPLES = r"""
- name: Credentials of the catalog older than 80 days
  apiops.credentials.apic_app_credential_info:
    apic_url: https://platform-api.example.com/api
    apic_org: acme
    apic_catalog: production
    apic_api_key: "{{ vault_apic_api_key }}"
    apic_client_id: "{{ toolkit_client_id }}"
    apic_client_secret: "{{ vault_toolkit_client_secret }}"
  register: catalog

- name: Show them
  ansible.builtin.debug:
    msg: "{{ catalog.credentials | selectattr('age_days', 'ge', 80) | map(attribute='name') | list }}"
"""

RETURN = r"""
credentials:
  description: One entry per credential, sorted by consumer org, app and name.
  returned: always
  type: list
  elements: dict
  contains:
    consumer_org:
      description: Consumer organization name.
      type: str
    owner_email:
      description: E-mail of its owner.
      type: str
    owner_username:
      description: User name of its owner.
      type: str
    app:
      description: Application name.
      type: str
    name:
      description: Credential name.
      type: str
    title:
      description: Credential title.
      type: str
    id:
      description: Credential id.
      type: str
    client_id:
      description: Client id.
      type: str
    created_at:
      description: Creation time (ISO-8601, UTC).
      type: str
    age_days:
      description: Whole days since creation.
      type: int
    client_secret_hashed:
      description: Base64 SHA-256 of the secret.
      type: str
      returned: when O(include_secret_hashes=true)
count:
  description: Number of credentials.
  returned: always
  type: int
"""

from ansible_collections.apiops.credentials.plugins.module_utils._apic import APIC_AUTH_ARGSPEC, ApicApi, auth_problem
from ansible_collections.apiops.credentials.plugins.module_utils._common import build_module, fail
from ansible_collections.apiops.credentials.plugins.module_utils._http import ApiError

ARGUMENT_SPEC = dict(
    consumer_org=dict(type="str"),
    app=dict(type="str"),
    include_secret_hashes=dict(type="bool", default=False),
)
FIELDS = ("consumer_org", "owner_email", "owner_username", "app", "name", "title", "id", "client_id", "created_at", "age_days")


def main():
    module = build_module(ARGUMENT_SPEC, APIC_AUTH_ARGSPEC, supports_check_mode=True,
                          required_by={"app": "consumer_org"})
    params = module.params
    problem = auth_problem(params)
    if problem:
        module.fail_json(msg="Cannot log in to API Connect: %s." % problem)
    fields = FIELDS + (("client_secret_hashed",) if params["include_secret_hashes"] else ())
    try:
        rows = ApicApi(params, warn=module.warn).discover(consumer_org=params["consumer_org"], app=params["app"])
    except ApiError as error:
        fail(module, error)
    credentials = [{key: row.get(key) for key in fields} for row in rows]
    module.exit_json(changed=False, credentials=credentials, count=len(credentials))


if __name__ == "__main__":
    main()
