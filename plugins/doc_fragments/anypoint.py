# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    # Anypoint Platform authentication; the argspec is ANYPOINT_AUTH_ARGSPEC in module_utils/_anypoint.py.
    DOCUMENTATION = r"""
options:
  anypoint_region:
    description:
      - Control plane. V(us) is U(https://anypoint.mulesoft.com), V(eu) U(https://eu1.anypoint.mulesoft.com),
        V(gov) U(https://gov.anypoint.mulesoft.com). O(anypoint_url) overrides it.
      - The E(APIOPS_ANYPOINT_REGION) environment variable is used when this option is not set.
    type: str
    choices: [eu, gov, us]
    default: us
  anypoint_url:
    description:
      - Base URL of another control plane (for example V(https://ca1.platform.mulesoft.com)).
      - The E(APIOPS_ANYPOINT_URL) environment variable is used when this option is not set.
    type: str
  anypoint_client_id:
    description:
      - Client id of a connected app (C(client_credentials)); the preferred way to authenticate. Resetting environment
        secrets needs the scope C(admin:orgclients) (Admin Particular Organization Clients) on the business group.
      - Takes precedence over O(anypoint_username); O(anypoint_token) takes precedence over both.
      - The E(APIOPS_ANYPOINT_CLIENT_ID) environment variable is used when this option is not set.
    type: str
  anypoint_client_secret:
    description:
      - Secret of the connected app O(anypoint_client_id).
      - The E(APIOPS_ANYPOINT_CLIENT_SECRET) environment variable is used when this option is not set.
    type: str
  anypoint_username:
    description:
      - An Organization Administrator who logs in with a password (not possible when MFA is enforced; use a connected
        app then). Rotating connected-app secrets needs such a user.
      - The E(APIOPS_ANYPOINT_USERNAME) environment variable is used when this option is not set.
    type: str
  anypoint_password:
    description:
      - Password of O(anypoint_username).
      - The E(APIOPS_ANYPOINT_PASSWORD) environment variable is used when this option is not set.
    type: str
  anypoint_token:
    description:
      - A bearer token to use instead of logging in.
      - The E(APIOPS_ANYPOINT_TOKEN) environment variable is used when this option is not set.
    type: str
  anypoint_organization_id:
    description:
      - The root organization id. Read from C(/accounts/api/me) when not set.
      - The E(APIOPS_ANYPOINT_ORGANIZATION_ID) environment variable is used when this option is not set.
    type: str
  ca_path:
    description:
      - PEM file with the CA certificates that sign the control plane's certificate.
      - The E(APIOPS_ANYPOINT_CA_PATH) environment variable is used when this option is not set, then E(APIOPS_CA_PATH), which is
        deprecated (it is one CA for every platform of a job).
      - Without either, the CA bundle of C(requests) (or E(REQUESTS_CA_BUNDLE)) is used.
      - An empty file counts as not set, so an AWX credential whose CA field is empty uses the default trust store.
    type: path
"""

    # The target options shared by both Anypoint modules (TARGET_ARGSPEC in module_utils/_anypoint_target.py).
    TARGET = r"""
options:
  environment:
    description: Environment whose client is meant, by name or id. Mutually exclusive with O(connected_app).
    type: str
  connected_app:
    description: Client id of a connected app.
    type: str
  business_group:
    description: Business group (organization) of the environment or connected app, by name or id. The root organization when unset.
    type: str
"""
