# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    # API Connect v10 platform API login and scope; the argspec is APIC_AUTH_ARGSPEC in module_utils/_apic.py.
    DOCUMENTATION = r"""
options:
  apic_url:
    description:
      - The platform API endpoint, for example V(https://platform-api.example.com/api).
        C(/api) is added to a URL that has no path.
      - The E(APIOPS_APIC_URL) environment variable is used when this option is not set.
    type: str
    required: true
  apic_org:
    description:
      - The provider organization, by name or id.
      - The E(APIOPS_APIC_ORG) environment variable is used when this option is not set.
    type: str
    required: true
  apic_catalog:
    description:
      - The catalog, by name or id.
      - The E(APIOPS_APIC_CATALOG) environment variable is used when this option is not set.
    type: str
    required: true
  apic_username:
    description:
      - A provider user (API Manager user registry), for the C(password) grant with O(apic_realm).
      - The E(APIOPS_APIC_USERNAME) environment variable is used when this option is not set.
    type: str
  apic_password:
    description:
      - Password of O(apic_username).
      - The E(APIOPS_APIC_PASSWORD) environment variable is used when this option is not set.
    type: str
  apic_realm:
    description:
      - The identity provider realm of O(apic_username), C(provider/<registry>).
      - The E(APIOPS_APIC_REALM) environment variable is used when this option is not set.
    type: str
    default: provider/default-idp-2
  apic_api_key:
    description:
      - An API key of a provider user, for the C(api_key) grant, instead of O(apic_username) and O(apic_password).
      - The E(APIOPS_APIC_API_KEY) environment variable is used when this option is not set.
    type: str
  apic_client_id:
    description:
      - Client id of the toolkit credentials (API Manager, "Download toolkit credentials", C(credentials.json)) or of
        a registration made with C(apic registrations:create).
      - The E(APIOPS_APIC_CLIENT_ID) environment variable is used when this option is not set.
    type: str
    required: true
  apic_client_secret:
    description:
      - Client secret of O(apic_client_id).
      - The E(APIOPS_APIC_CLIENT_SECRET) environment variable is used when this option is not set.
    type: str
    required: true
  ca_path:
    description:
      - PEM file with the CA certificates that sign the platform API's certificate.
      - The E(APIOPS_APIC_CA_PATH) environment variable is used when this option is not set, then E(APIOPS_CA_PATH), which is
        deprecated (it is one CA for every platform of a job).
      - Without either, the CA bundle of C(requests) (or E(REQUESTS_CA_BUNDLE)) is used.
      - An empty file counts as not set, so an AWX credential whose CA field is empty uses the default trust store.
    type: path
notes:
  - Give O(apic_username) with O(apic_password), or O(apic_api_key).
  - The user needs the permissions C(app:view) to read and C(app:manage) to change credentials in the catalog
    (the provider roles Administrator or Developer have them); C(consumer-org:view) shows owner e-mail addresses.
"""
