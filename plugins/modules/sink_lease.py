#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: sink_lease
short_description: Show, or break, the lease a rotation run holds on one credential in a sink
version_added: 1.3.0
description:
  - While a rotation run works on a credential it holds the credential's lease in every sink it writes (the file sink,
    HashiCorp Vault, AWS Secrets Manager). A lease names its holder (process, host, AWX job), when it was acquired and
    when it expires; the run renews it while it works. A lease past its expiry is taken over by the next run on its
    own, so this module is for the rare case that cannot wait, or to see who holds a credential.
  - O(state=present) reports the holder and changes nothing. O(state=absent) releases the lease, whoever holds it,
    and notes the time, the holder and O(reason) in the credential's record in the sink (C(lease_note)). A run whose
    lease was broken notices at its next renewal and writes nothing more for that credential.
  - In check mode it reports the holder and whether it would release it.
  - Runs on the controller (it is an action plugin), where the sinks are reached. The playbook
    C(apiops.credentials.break_lease) wraps it.
author:
  - apiops.credentials contributors (@apiops)
extends_documentation_fragment:
  - apiops.credentials.rotation.sinks
  - apiops.credentials.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
options:
  platform:
    description:
      - The platform of the credential, as in the sink's paths and the rotation report's C(platform), for example V(uaa).
      - The task fails, naming the platforms it knows, when it is not one of the collection's platforms.
    type: str
    required: true
  target:
    description: The target (inventory host) of the credential.
    type: str
    required: true
  key:
    description: The credential's record key, as the rotation report names it (C(key)), for example C(uaa/app-1).
    type: str
    required: true
  sink_dir:
    description: The directory of the sink file (O(sink=file)), as given to the rotation role.
    type: path
  state:
    description: V(present) shows the holder; V(absent) releases the lease.
    type: str
    choices: [present, absent]
    default: present
  reason:
    description: Why the lease is broken (required with O(state=absent)); kept in the credential's record.
    type: str
  lock_timeout:
    description: Seconds to wait for the lease once released, to write the note (another run may take it at once).
    type: float
    default: 30
  validate_certs:
    description:
      - Verify the TLS certificate of AWS Secrets Manager (HashiCorp Vault has O(hashicorp_vault.validate_certs)).
      - The E(APIOPS_VALIDATE_CERTS) environment variable is used when this option is not set.
    type: bool
    default: true
  request_timeout:
    description:
      - Seconds to wait for the sink's answer to each request, once connected.
      - The E(APIOPS_REQUEST_TIMEOUT) environment variable is used when this option is not set.
    type: float
    default: 30
  connect_timeout:
    description:
      - Seconds to wait for the connection to the sink.
      - The E(APIOPS_CONNECT_TIMEOUT) environment variable is used when this option is not set.
    type: float
    default: 10
  retries:
    description:
      - How many times a request the sink answered with HTTP 429 or 5xx is retried, with backoff.
      - The E(APIOPS_RETRIES) environment variable is used when this option is not set.
    type: int
    default: 5
"""

EXAMPLES = r"""
- name: Who holds the lease of app-1?
  apiops.credentials.sink_lease:
    platform: uaa
    target: uaa-prod
    key: uaa/app-1
    sink: hashicorp_vault
  register: lease

- name: Release it (the job that held it was cancelled and its pod is gone)
  apiops.credentials.sink_lease:
    platform: uaa
    target: uaa-prod
    key: uaa/app-1
    sink: hashicorp_vault
    state: absent
    reason: "AWX job 4711 cancelled; CHG0012345"
"""

RETURN = r"""
holder:
  description: Who held the lease (process, host, AWX job, acquired, expires), or null when nobody did.
  returned: always
  type: str
released:
  description: Whether the lease was released (false in check mode).
  returned: always
  type: bool
where:
  description: The sink, in words.
  returned: always
  type: str
"""

from ansible_collections.apiops.credentials.plugins.module_utils._common import CONNECTION_ARGSPEC, LEASE_ARGSPEC, controller_only


def main():
    controller_only("sink_lease", CONNECTION_ARGSPEC, LEASE_ARGSPEC)


if __name__ == "__main__":
    main()
