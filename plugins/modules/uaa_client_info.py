#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: uaa_client_info
short_description: Read Cloud Foundry UAA clients and check whether a secret works
version_added: 0.1.0
description:
  - Returns one client (O(client_id)) or every client of the server or identity zone, read page by page.
  - With O(verify_secret), asks the token endpoint whether that secret authenticates O(client_id). Nothing is changed.
author:
  - apiops.credentials contributors (@apiops)
extends_documentation_fragment:
  - apiops.credentials.uaa
  - apiops.credentials.connection
  - apiops.credentials.attributes
  - apiops.credentials.attributes.INFO_MODULE
  - apiops.credentials.attributes.UAA_GROUP
options:
  client_id:
    description: Id of one client. Without it, every client is listed.
    type: str
  filter:
    description: SCIM filter for the list, for example V(client_id eq "billing-service").
    type: str
  verify_secret:
    description:
      - A secret to check against O(client_id). The result is in RV(secret_valid).
      - Works for every client that has a secret; a client without C(client_credentials) is checked from
        UAA's answer "Unauthorized grant type", which it gives only after the secret was accepted.
    type: str
  skip_read:
    description:
      - Only check O(verify_secret); do not read the client. For credentials that may not read clients.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Read one client
  apiops.credentials.uaa_client_info:
    client_id: billing-service
  register: billing

- name: Check that the secret in the vault still works
  apiops.credentials.uaa_client_info:
    client_id: billing-service
    verify_secret: "{{ vault_billing_secret }}"
    skip_read: true
  register: check
  no_log: true

- name: List all clients of a zone
  apiops.credentials.uaa_client_info:
    identity_zone_subdomain: zone1
  register: zone_clients
"""

RETURN = r"""
clients:
  description: The clients found, without secrets; empty when O(client_id) does not exist or O(skip_read=true).
  returned: always
  type: list
  elements: dict
  sample: [{"client_id": "billing-service", "authorized_grant_types": ["client_credentials"],
            "authorities": ["billing.read"], "scope": ["uaa.none"], "resource_ids": ["none"]}]
exists:
  description: Whether O(client_id) exists (only with O(client_id) and without O(skip_read)).
  returned: when O(client_id) is given and O(skip_read=false)
  type: bool
secret_valid:
  description: Whether O(verify_secret) authenticates O(client_id).
  returned: when O(verify_secret) is given
  type: bool
"""

from ansible_collections.apiops.credentials.plugins.module_utils._common import build_module, fail
from ansible_collections.apiops.credentials.plugins.module_utils._http import ApiError
from ansible_collections.apiops.credentials.plugins.module_utils._uaa import (
    UAA_AUTH_ARGSPEC,
    UAA_REQUIRED_TOGETHER,
    UaaApi,
    normalise_client,
)

ARGUMENT_SPEC = dict(
    client_id=dict(type="str"),
    filter=dict(type="str"),
    verify_secret=dict(type="str", no_log=True),
    skip_read=dict(type="bool", default=False),
)


def main():
    module = build_module(ARGUMENT_SPEC, UAA_AUTH_ARGSPEC, supports_check_mode=True,
                          required_together=UAA_REQUIRED_TOGETHER,
                          required_by={"verify_secret": ["client_id"]},
                          mutually_exclusive=[["client_id", "filter"]])
    params = module.params
    api = UaaApi(module)
    result = dict(changed=False, clients=[])
    try:
        if not params["skip_read"]:
            if params["client_id"]:
                found = api.get_client(params["client_id"])
                result["exists"] = found is not None
                result["clients"] = [normalise_client(found)] if found else []
            else:
                result["clients"] = [normalise_client(c) for c in api.list_clients(filter_expression=params["filter"])]
        if params["verify_secret"] is not None:
            result["secret_valid"] = api.secret_works(params["client_id"], params["verify_secret"])
    except ApiError as error:
        fail(module, error)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
