#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: keycloak_rotation
short_description: Rotate or roll back the client secrets of a Keycloak realm safely, in one task
version_added: 0.2.0
description:
  - Runs the collection's rotation engine for every client of O(clients) in the realm O(keycloak_realm).
  - O(state=rotate). Per client, under a lock in the sink, the current secret (Keycloak shows it) is journaled,
    Keycloak regenerates the secret once (C(POST .../client-secret)), and the new secret is journaled at once. It is
    proven with a C(client_credentials) token of the client.
  - Where the realm's client secret rotation policy keeps the old secret as the client's rotated secret, both work,
    and the old one is retired after delivery and O(min_overlap) by deleting the rotated secret, then proven rejected.
    Otherwise the old secret stops at once (a hard cut), which is proven.
  - A regeneration whose answer was lost is watched for and never sent again. A later run that finds the platform's
    secret changed since the journal takes that secret up instead of regenerating once more.
  - A client without a service account cannot get a token, so no secret of it can be proven; it fails before any
    write. Public and bearer-only clients have no secret.
  - O(state=rollback) sets the previous secret of the journal back (a PUT of the client with its C(secret)),
    proves it, proves the rotated one rejected, and records the roll back.
  - In check mode it reads the sink and the platform and returns and writes the plan, writing nothing.
  - Runs on the controller (it is an action plugin), so secrets never reach a module file or a result.
author:
  - apiops.credentials contributors (@apiops)
extends_documentation_fragment:
  - apiops.credentials.keycloak
  - apiops.credentials.connection
  - apiops.credentials.rotation
  - apiops.credentials.rotation.sinks
  - apiops.credentials.rotation.notices
  - apiops.credentials.attributes
attributes:
  action_group:
    description: Use C(group/apiops.credentials.keycloak) or C(group/apiops.credentials.all) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - apiops.credentials.all
      - apiops.credentials.keycloak
  check_mode:
    support: full
    details:
      - Reads the sink and the platform, returns the plan and writes the reports.
  diff_mode:
    support: partial
    details:
      - In check mode, the diff lists the planned action of every client (no secrets).
options:
  clients:
    description: Confidential clients of the realm whose secrets are rotated.
    type: list
    elements: dict
    required: true
    suboptions:
      client_id:
        description: The client's C(clientId) (not its UUID).
        type: str
        required: true
      owner_email:
        description: Who O(smtp) tells about this client's new secret (else O(owner_email)).
        type: str
  state:
    description:
      - V(rotate) by age or O(rotate_before), or V(rollback) to the secret before the last rotation.
      - C(operation) is the old name, deprecated - still accepted (with a warning) until release 1.0.0.
    type: str
    choices: [rotate, rollback]
    default: rotate
    aliases: [operation]
  phase:
    description:
      - Where the realm's rotation policy keeps the old secret. V(all) regenerates and, once O(min_overlap) has
        passed, retires. V(add) stops once both secrets work. V(retire) only retires secrets added earlier.
      - Without that policy each rotation is a hard cut, whatever the phase.
    type: str
    choices: [all, add, retire]
    default: all
  min_overlap:
    description:
      - Seconds both secrets stay valid before the old one is retired (where the realm's rotation policy keeps it).
      - With the default V(0), phase V(all) retires in the same run, right after the new secret is proven and in the
        sink. The policy's own C(rotated-expiration-period) ends the overlap too.
    type: int
    default: 0
notes:
  - The sink file is C(<sink_dir>/keycloak/<target>.vault); a client's record is under C(credentials["<realm>/<clientId>"]).
  - The login needs C(manage-clients) of the realm (Keycloak shows and changes secrets only then).
"""

EXAMPLES = r"""
- name: Rotate two client secrets of realm apps
  apiops.credentials.keycloak_rotation:
    keycloak_url: https://sso.example.com
    keycloak_realm: apps
    keycloak_auth_client_id: rotator
    keycloak_auth_client_secret: "{{ vault_rotator_secret }}"
    target: sso-prod
    sink_dir: /var/lib/apiops/secrets
    clients:
      - client_id: orders-api
      - client_id: billing-api
    report_markdown: /tmp/keycloak-rotation.md
  no_log: true
"""

RETURN = r"""
summary:
  description: How many targets ended with each result.
  returned: always
  type: dict
credentials:
  description:
    - One row per target, the rows of the JSON report (the collection's report schema); C(next) says what must be
      updated next (the systems that authenticate as the client).
    - C(result) is planned, unchanged, would fail, rotated, added, retired, rolled back, failed or skipped.
  returned: always
  type: list
  elements: dict
failures:
  description: The targets that failed or were skipped, with the reason.
  returned: always
  type: list
  elements: dict
requests:
  description: Number of HTTP requests sent to Keycloak.
  returned: always
  type: int
journal_writes:
  description: Number of sink writes.
  returned: always
  type: int
seconds:
  description: Wall time of the task.
  returned: always
  type: float
run_id:
  description: The id of the run in its report; the roles pass it to their second run after a delivery hook.
  returned: always
  type: str
plan_digest:
  description:
    - In check mode, the digest of the plan for this target (see O(plan_digest)); after an approved plan was carried out,
      the digest of that plan. Null otherwise.
  returned: always
  type: str
sink_file:
  description: The sink file (O(sink=file)), for the P(apiops.credentials.sink_secret#lookup) lookup of a delivery hook.
  returned: always
  type: str
hook_deliveries:
  description:
    - With a delivery hook (O(hook_tasks) set), the credentials whose secret in the sink the delivery hook has not
      been given yet (no secret, only C(key), C(credential), C(location), C(target), C(platform) and C(state)).
  returned: always
  type: list
  elements: dict
"""

from ansible_collections.apiops.credentials.plugins.module_utils._common import CONNECTION_ARGSPEC, controller_only
from ansible_collections.apiops.credentials.plugins.module_utils._keycloak import KEYCLOAK_AUTH_ARGSPEC, ROTATION_ARGSPEC


def main():
    controller_only("keycloak_rotation", CONNECTION_ARGSPEC, KEYCLOAK_AUTH_ARGSPEC, ROTATION_ARGSPEC)


if __name__ == "__main__":
    main()
