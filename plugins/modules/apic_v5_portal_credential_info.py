#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: apic_v5_portal_credential_info
short_description: List developer organizations, applications and client ids from the IBM API Connect v5 portal
version_added: 0.1.0
description:
  - Lists the developer organizations the user belongs to in the context, their applications, and the client id
    of every credential. Secrets are never readable through this API and are not returned.
  - Use it to record what can be read before an API Manager reset (the backup step) and for reports.
author:
  - apiops.credentials contributors (@apiops)
extends_documentation_fragment:
  - apiops.credentials.apic_v5
  - apiops.credentials.connection
  - apiops.credentials.attributes
  - apiops.credentials.attributes.INFO_MODULE
  - apiops.credentials.attributes.APIC_V5_GROUP
options:
  org:
    description: Only this developer organization (name or id).
    type: str
"""

EXAMPLES = r"""
- name: Record organizations, applications and client ids
  apiops.credentials.apic_v5_portal_credential_info:
    apic_v5_url: https://apimanager.example.com
    apic_v5_username: owner@example.com
    apic_v5_password: "{{ vault_owner_password }}"
    apic_v5_context: myOrg.myCatalog
  register: portal
"""

RETURN = r"""
credentials:
  description:
    - One row per credential, in the shape of a restore backup row without the secret.
    - C(credential_id) is given for an application's extra credentials only; the default credential is addressed
      without it, which still works after the application was re-created with new ids.
  returned: always
  type: list
  elements: dict
  sample: [{"org": "myDevOrg", "app": "myApp", "client_id": "af4095a2-...", "description": "Default"}]
orgs:
  description: Developer organizations with their applications and credentials (client ids only).
  returned: always
  type: list
  elements: dict
  sample: [{"id": "5cb59c800cf2ee801253c6e9", "name": "myDevOrg", "owner": true,
            "apps": [{"id": "5cb59e420cf2ee801253c6f3", "name": "myApp", "state": "ACTIVE",
                      "credentials": [{"id": "5cb59e420cf2ee801253c6f4", "client_id": "af4095a2-...",
                                       "description": "Default", "default": true}]}]}]
"""

from ansible_collections.apiops.credentials.plugins.module_utils._apic_v5 import (
    APIC_V5_AUTH_ARGSPEC,
    ApicV5Api,
    app_credentials,
    find_one,
)
from ansible_collections.apiops.credentials.plugins.module_utils._common import build_module, fail
from ansible_collections.apiops.credentials.plugins.module_utils._http import ApiError


def main():
    module = build_module(dict(org=dict(type="str")), APIC_V5_AUTH_ARGSPEC, supports_check_mode=True)
    api = ApicV5Api(module)
    try:
        orgs = api.orgs()
        if module.params["org"]:
            orgs = [find_one(orgs, module.params["org"], "developer organization", "context %s" % module.params["apic_v5_context"])]
        result = []
        for org in orgs:
            apps = [{"id": app["id"], "name": app["name"], "state": app.get("state"), "credentials": app_credentials(app)}
                    for app in api.apps(org["id"])]
            result.append({"id": org["id"], "name": org["name"], "owner": org.get("owner"), "apps": apps})
    except ValueError as problem:
        module.fail_json(msg="%s." % problem)
    except ApiError as error:
        fail(module, error)
    rows = []
    for org in result:
        for app in org["apps"]:
            for credential in app["credentials"]:
                row = {"org": org["name"], "app": app["name"], "client_id": credential["client_id"],
                       "description": credential["description"]}
                if not credential["default"]:
                    row["credential_id"] = credential["id"]
                rows.append(row)
    module.exit_json(changed=False, orgs=result, credentials=rows)


if __name__ == "__main__":
    main()
