#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: anypoint_client_secret_info
short_description: Find Anypoint environment clients and connected apps, and read a current secret
version_added: 0.1.0
description:
  - With O(environment) or O(connected_app), resolves that client (business group, environment, client id) and,
    with O(include_secret=true), returns its current secret so that it can be recorded before a rotation.
  - Without either, lists the environments of the business group with their client ids.
author:
  - apiops.credentials contributors (@apiops)
extends_documentation_fragment:
  - apiops.credentials.anypoint
  - apiops.credentials.anypoint.TARGET
  - apiops.credentials.connection
  - apiops.credentials.attributes
  - apiops.credentials.attributes.INFO_MODULE
  - apiops.credentials.attributes.ANYPOINT_GROUP
options:
  include_secret:
    description: Return the current secret in RV(secret). Run the task with C(no_log=true).
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: Environments and their client ids
  apiops.credentials.anypoint_client_secret_info:
    business_group: Payments
  register: payments

- name: Record the current Sandbox secret before rotating it
  apiops.credentials.anypoint_client_secret_info:
    environment: Sandbox
    include_secret: true
  register: before
  no_log: true
"""

RETURN = r"""
client_id:
  description: Client id of the environment or connected app.
  returned: when O(environment) or O(connected_app) is given
  type: str
organization_id:
  description: Id of the business group.
  returned: always
  type: str
business_group:
  description: Name of the business group.
  returned: always
  type: str
environment:
  description: The environment (C(id), C(name), C(type), C(is_production)).
  returned: when O(environment) is given
  type: dict
connected_app:
  description: The connected app (C(client_id), C(client_name)).
  returned: when O(connected_app) is given
  type: dict
environments:
  description: Environments of the business group with their client ids.
  returned: when neither O(environment) nor O(connected_app) is given
  type: list
  elements: dict
  sample: [{"id": "d3ab99fc-...", "name": "Sandbox", "type": "sandbox", "is_production": false,
            "client_id": "8f82828ca6c2405ba04bb85a596a18ff"}]
secret:
  description: The current secret. Register it with C(no_log).
  returned: when O(include_secret=true)
  type: str
"""

from ansible_collections.apiops.credentials.plugins.module_utils._anypoint import (
    ANYPOINT_AUTH_ARGSPEC,
    ANYPOINT_REQUIRED_TOGETHER,
    AnypointApi,
)
from ansible_collections.apiops.credentials.plugins.module_utils._anypoint_target import TARGET_ARGSPEC, Target
from ansible_collections.apiops.credentials.plugins.module_utils._common import build_module, fail, sentence
from ansible_collections.apiops.credentials.plugins.module_utils._http import ApiError


def main():
    module = build_module(dict(TARGET_ARGSPEC, include_secret=dict(type="bool", default=False)), ANYPOINT_AUTH_ARGSPEC,
                          supports_check_mode=True, required_together=ANYPOINT_REQUIRED_TOGETHER,
                          mutually_exclusive=[["environment", "connected_app"]])
    params = module.params
    api = AnypointApi(module)
    result = dict(changed=False)
    try:
        if params["environment"] or params["connected_app"]:
            target = Target(api, params)
            result.update(target.describe())
            if params["include_secret"]:
                # Returned on purpose (the caller records it), so it is not masked: the task must be no_log.
                result["secret"] = target.secret()
                module.no_log_values.discard(result["secret"])
        else:
            org = api.business_group(params["business_group"])
            result.update(organization_id=org["id"], business_group=org["name"], environments=[
                {"id": e["id"], "name": e["name"], "type": e.get("type"), "is_production": e.get("isProduction"),
                 "client_id": e.get("clientId")} for e in api.environments(org["id"])])
    except ValueError as problem:
        module.fail_json(msg=sentence(problem), **result)
    except ApiError as error:
        fail(module, error, **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
