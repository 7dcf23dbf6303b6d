# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    # Keycloak authentication; the argspec is KEYCLOAK_AUTH_ARGSPEC in module_utils/_keycloak.py.
    DOCUMENTATION = r"""
options:
  keycloak_url:
    description:
      - Base URL of the Keycloak server, for example V(https://sso.example.com). A Keycloak before 17 (WildFly), or one
        started with C(--http-relative-path=/auth), needs C(/auth) at its end.
      - The E(APIOPS_KEYCLOAK_URL) environment variable is used when this option is not set.
    type: str
    required: true
  keycloak_realm:
    description:
      - The realm whose clients are rotated. Required.
      - The E(APIOPS_KEYCLOAK_REALM) environment variable is used when this option is not set.
    type: str
  keycloak_auth_realm:
    description:
      - The realm the login belongs to.
      - When not set, V(master) for a user (O(keycloak_auth_username)), and O(keycloak_realm) for a client (a
        service-account client of the realm itself).
      - The E(APIOPS_KEYCLOAK_AUTH_REALM) environment variable is used when this option is not set.
    type: str
  keycloak_auth_client_id:
    description:
      - Client id of a confidential client with a service account that logs in with C(client_credentials); the
        preferred way to authenticate. Its service account needs the C(realm-management) role C(manage-clients) of
        O(keycloak_realm) (or C(realm-admin)).
      - With O(keycloak_auth_username), the client the user logs in with instead of C(admin-cli).
      - O(keycloak_token) takes precedence.
      - The E(APIOPS_KEYCLOAK_AUTH_CLIENT_ID) environment variable is used when this option is not set.
    type: str
  keycloak_auth_client_secret:
    description:
      - Secret of O(keycloak_auth_client_id).
      - The E(APIOPS_KEYCLOAK_AUTH_CLIENT_SECRET) environment variable is used when this option is not set.
    type: str
  keycloak_auth_username:
    description:
      - An admin user who logs in with the C(password) grant through the public client C(admin-cli) (it must allow
        Direct Access Grants), in realm V(master) unless O(keycloak_auth_realm) says otherwise. The user needs the
        C(admin) role of realm master, or C(manage-clients) of the client C(<realm>-realm) there.
      - The E(APIOPS_KEYCLOAK_AUTH_USERNAME) environment variable is used when this option is not set.
    type: str
  keycloak_auth_password:
    description:
      - Password of O(keycloak_auth_username).
      - The E(APIOPS_KEYCLOAK_AUTH_PASSWORD) environment variable is used when this option is not set.
    type: str
  keycloak_token:
    description:
      - An admin bearer token to use instead of logging in (it is not renewed when it expires).
      - The E(APIOPS_KEYCLOAK_TOKEN) environment variable is used when this option is not set.
    type: str
  ca_path:
    description:
      - PEM file with the CA certificates that sign the Keycloak server's certificate.
      - The E(APIOPS_KEYCLOAK_CA_PATH) environment variable is used when this option is not set, then E(APIOPS_CA_PATH), which is
        deprecated (it is one CA for every platform of a job).
      - Without either, the CA bundle of C(requests) (or E(REQUESTS_CA_BUNDLE)) is used.
      - An empty file counts as not set, so an AWX credential whose CA field is empty uses the default trust store.
    type: path
"""
