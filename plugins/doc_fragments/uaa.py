# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    # UAA authentication; the argspec is UAA_AUTH_ARGSPEC in module_utils/_uaa.py.
    DOCUMENTATION = r"""
options:
  uaa_url:
    description:
      - Base URL of the UAA server, for example V(https://uaa.sys.example.com).
      - The E(APIOPS_UAA_URL) environment variable is used when this option is not set.
    type: str
    required: true
  uaa_auth_client_id:
    description:
      - Client the module authenticates as, with the C(client_credentials) grant.
      - Managing clients needs C(clients.admin) or C(uaa.admin) (C(zones.<id>.admin) for another zone) in its authorities.
      - Takes precedence over O(uaa_auth_username) when both are set; O(uaa_token) takes precedence over both.
      - The E(APIOPS_UAA_AUTH_CLIENT_ID) environment variable is used when this option is not set.
    type: str
  uaa_auth_client_secret:
    description:
      - Secret of O(uaa_auth_client_id).
      - The E(APIOPS_UAA_AUTH_CLIENT_SECRET) environment variable is used when this option is not set.
    type: str
  uaa_auth_username:
    description:
      - User the module authenticates as, with the C(password) grant through O(uaa_login_client_id).
      - The E(APIOPS_UAA_AUTH_USERNAME) environment variable is used when this option is not set.
    type: str
  uaa_auth_password:
    description:
      - Password of O(uaa_auth_username).
      - The E(APIOPS_UAA_AUTH_PASSWORD) environment variable is used when this option is not set.
    type: str
  uaa_login_client_id:
    description:
      - Client used for the C(password) grant of O(uaa_auth_username).
      - The E(APIOPS_UAA_LOGIN_CLIENT_ID) environment variable is used when this option is not set.
    type: str
    default: cf
  uaa_login_client_secret:
    description:
      - Secret of O(uaa_login_client_id); the C(cf) client has an empty secret.
      - The E(APIOPS_UAA_LOGIN_CLIENT_SECRET) environment variable is used when this option is not set.
    type: str
    default: ""
  uaa_token:
    description:
      - A bearer token to use instead of logging in.
      - The E(APIOPS_UAA_TOKEN) environment variable is used when this option is not set.
    type: str
  identity_zone_subdomain:
    description:
      - Subdomain of the identity zone the client lives in. Leave unset for the default zone.
      - With O(uaa_auth_zone=default) the module sends C(X-Identity-Zone-Subdomain), which needs a default-zone token
        with C(uaa.admin) or C(zones.<zone id>.admin).
      - The E(APIOPS_UAA_ZONE_SUBDOMAIN) environment variable is used when this option is not set.
    type: str
  identity_zone_url:
    description:
      - Base URL of the identity zone, where its token endpoint is.
      - Defaults to O(uaa_url) with O(identity_zone_subdomain) put in front of the host name, as UAA serves zones.
      - The E(APIOPS_UAA_ZONE_URL) environment variable is used when this option is not set.
    type: str
  uaa_auth_zone:
    description:
      - Where the module's own credentials live.
      - V(default) logs in to the default zone and switches to O(identity_zone_subdomain) with a header.
      - V(target) logs in to the zone itself at O(identity_zone_url) and calls it directly (a zone's own admin client).
      - The E(APIOPS_UAA_AUTH_ZONE) environment variable is used when this option is not set.
    type: str
    choices: [default, target]
    default: default
  ca_path:
    description:
      - PEM file with the CA certificates that sign the UAA server's certificate.
      - The E(APIOPS_UAA_CA_PATH) environment variable is used when this option is not set, then E(APIOPS_CA_PATH), which is
        deprecated (it is one CA for every platform of a job).
      - Without either, the CA bundle of C(requests) (or E(REQUESTS_CA_BUNDLE)) is used.
      - An empty file counts as not set, so an AWX credential whose CA field is empty uses the default trust store.
    type: path
"""
