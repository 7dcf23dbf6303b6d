# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    # API Connect v5 Developer Portal authentication; the argspec is APIC_V5_AUTH_ARGSPEC in module_utils/_apic_v5.py.
    DOCUMENTATION = r"""
options:
  apic_v5_url:
    description:
      - Base URL of the API Manager that serves the Developer Portal REST API, for example
        V(https://apimanager.example.com). C(/v1/portal) is added.
      - The E(APIOPS_APIC_V5_URL) environment variable is used when this option is not set.
    type: str
    required: true
  apic_v5_username:
    description:
      - A member of the developer organization, normally its owner (HTTP Basic authentication).
      - The E(APIOPS_APIC_V5_USERNAME) environment variable is used when this option is not set.
    type: str
    required: true
  apic_v5_password:
    description:
      - Password of O(apic_v5_username).
      - The E(APIOPS_APIC_V5_PASSWORD) environment variable is used when this option is not set.
    type: str
    required: true
  apic_v5_context:
    description:
      - Provider organization and catalog, as C(<provider org>.<catalog>); sent as C(X-IBM-APIManagement-Context).
      - The E(APIOPS_APIC_V5_CONTEXT) environment variable is used when this option is not set.
    type: str
    required: true
  ca_path:
    description:
      - PEM file with the CA certificates that sign the API Manager's certificate.
      - The E(APIOPS_APIC_V5_CA_PATH) environment variable is used when this option is not set, then E(APIOPS_CA_PATH), which is
        deprecated (it is one CA for every platform of a job).
      - Without either, the CA bundle of C(requests) (or E(REQUESTS_CA_BUNDLE)) is used.
      - An empty file counts as not set, so an AWX credential whose CA field is empty uses the default trust store.
    type: path
"""
