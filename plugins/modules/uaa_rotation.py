#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: uaa_rotation
short_description: Rotate the secrets of many Cloud Foundry UAA clients safely, in one task
version_added: 0.1.0
description:
  - Runs the collection's rotation engine for every client in O(clients) on one UAA server, O(concurrency) at a time.
  - Per client, under a lock in the sink, each step is journaled in the sink before UAA is touched. A pending new
    secret is persisted, put in place with the client's strategy, proven with a token request, recorded and read back
    from the sink; then the old secret is retired and proven rejected with a token request.
  - A run that finds a pending secret (an earlier run died) first checks whether it already works, so a change that
    UAA applied after the client gave up is never sent twice. A client with nothing to do is still checked. The secret
    in the sink must get a token, or the client fails (drift).
  - Strategies. V(admin) replaces the secret with an admin client token (C(/secret) UPDATE). V(dual) adds the new
    secret next to the old one (ADD) and deletes the old one after delivery and O(min_overlap) (DELETE); it checks the
    current secret first. V(grant_dance) is for an admin user on UAA before v74. The client is lent
    C(client_credentials) and C(clients.secret), changes its own secret with its own token, and gets its grants back,
    verified. The original grants are journaled first, and any later run that finds them lent gives them back first.
  - In check mode it reads the sink and checks the secrets it would rely on (token requests only), and returns and
    writes the plan. It writes nothing to UAA or the sink.
  - Runs on the controller (it is an action plugin), so secrets never reach a module file or a result.
  - The sink file is C(<sink_dir>/uaa/<target>.vault); a client's record is under C(credentials["<zone or uaa>/<client_id>"]).
author:
  - apiops.credentials contributors (@apiops)
extends_documentation_fragment:
  - apiops.credentials.uaa
  - apiops.credentials.connection
  - apiops.credentials.rotation
  - apiops.credentials.rotation.sinks
  - apiops.credentials.rotation.notices
  - apiops.credentials.attributes
  - apiops.credentials.attributes.UAA_GROUP
attributes:
  check_mode:
    support: full
    details:
      - Reads the sink, checks the secrets it would rely on, returns the plan and writes the reports.
  diff_mode:
    support: partial
    details:
      - In check mode, the diff lists the planned action of every client (no secrets).
options:
  clients:
    description: The clients to rotate on this UAA server.
    type: list
    elements: dict
    required: true
    suboptions:
      client_id:
        description: Id of the client.
        type: str
        required: true
      strategy:
        description: Overrides O(strategy) for this client.
        type: str
        choices: [admin, dual, grant_dance]
      identity_zone_subdomain:
        description: Identity zone of the client.
        type: str
      identity_zone_url:
        description: Base URL of the zone, when it is not the UAA URL with the zone subdomain in front of the host.
        type: str
      current_secret:
        description:
          - The secret in use now, while the sink does not know it yet (first rotation). Keep it in a vault.
          - Needed by V(dual) and V(grant_dance); checked with a token request before anything is changed.
        type: str
      owner_email:
        description: Who O(smtp) tells about this client's new secret (else O(owner_email)).
        type: str
  strategy:
    description: How the secret is changed (see the description).
    type: str
    choices: [admin, dual, grant_dance]
    default: admin
  state:
    description:
      - V(rotate) by age or O(rotate_before), or V(rollback) to the secret before the last rotation.
      - A roll back journals the previous secret (C(previous_secret) of the record) as pending, sets it with an admin
        client's C(UPDATE) whatever the client's strategy, proves it with a token and proves the rotated one rejected,
        and records C(rolled_back). Running it again changes nothing.
      - C(operation) is the old name, deprecated - still accepted (with a warning) until release 1.0.0.
    type: str
    choices: [rotate, rollback]
    default: rotate
    aliases: [operation]
  phase:
    description:
      - For V(dual) only. V(all) adds and, once O(min_overlap) has passed, retires. V(add) stops once both secrets
        work. V(retire) only retires secrets added earlier.
    type: str
    choices: [all, add, retire]
    default: all
  min_overlap:
    description:
      - For V(dual), seconds both secrets stay valid before the old one is retired.
      - With the default V(0), phase V(all) retires in the same run, right after the new secret is proven and in
        the sink. With more, the client is reported as C(added), and a later run retires it.
    type: int
    default: 0
  secret_length:
    description: Length of generated secrets, 16 to 255.
    type: int
    default: 40
  secret_chars:
    description: Character sets of generated secrets (names of Python C(string) constants, or literal characters).
    type: list
    elements: str
    default: [ascii_letters, digits]
seealso:
  - module: apiops.credentials.uaa_client
  - module: apiops.credentials.uaa_client_info
  - module: apiops.credentials.vault_file_secret
"""

EXAMPLES = r"""
- name: Rotate two clients, one with zero downtime
  apiops.credentials.uaa_rotation:
    uaa_url: https://uaa.sys.example.com
    uaa_auth_client_id: admin
    uaa_auth_client_secret: "{{ vault_uaa_admin_secret }}"
    target: uaa-prod
    sink_dir: /var/lib/apiops/secrets
    clients:
      - client_id: billing-service
      - client_id: reports-service
        strategy: dual
        current_secret: "{{ vault_reports_secret }}"
    report_markdown: /tmp/uaa-rotation.md
  no_log: true
"""

RETURN = r"""
summary:
  description: How many clients ended with each result.
  returned: always
  type: dict
credentials:
  description:
    - One row per client, the rows of the JSON report (the collection's report schema).
    - C(result) is planned, unchanged, would fail, rotated, added, retired, repaired, delivered, failed or skipped.
  returned: always
  type: list
  elements: dict
failures:
  description: The clients that failed or were skipped, with the reason.
  returned: always
  type: list
  elements: dict
requests:
  description: Number of HTTP requests sent to UAA.
  returned: always
  type: int
journal_writes:
  description: Number of sink writes (each carries the journal steps of many clients).
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
from ansible_collections.apiops.credentials.plugins.module_utils._uaa import ROTATION_ARGSPEC, UAA_AUTH_ARGSPEC


def main():
    controller_only("uaa_rotation", CONNECTION_ARGSPEC, UAA_AUTH_ARGSPEC, ROTATION_ARGSPEC)


if __name__ == "__main__":
    main()
