#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: anypoint_rotation
short_description: Rotate or roll back Anypoint environment client secrets and connected-app secrets safely, in one task
version_added: 0.1.0
description:
  - Runs the collection's rotation engine for every entry of O(targets) in one Anypoint organization.
  - O(state=rotate). Per target, under a lock in the sink, the current secret is journaled before the reset.
    The secret is reset once, and the new one (the platform makes it) is read back and journaled. It is proven (the
    environment client validation, or a token for a connected app), and the old one is proven rejected.
  - A reset whose answer was lost is watched for and never sent again. A later run that finds the platform's secret
    changed since the journal takes that secret up instead of resetting once more.
  - O(state=rollback) sets the previous secret of the journal back (seed 000), proves it, proves the rotated one
    rejected, and records the roll back; a second run changes nothing.
  - A target with nothing to do is still checked. The secret in the sink must pass the platform's check, or the
    target fails.
  - In check mode it reads the sink and the platform and returns and writes the plan, writing nothing.
  - Runs on the controller (it is an action plugin), so secrets never reach a module file or a result.
author:
  - apiops.credentials contributors (@apiops)
extends_documentation_fragment:
  - apiops.credentials.anypoint
  - apiops.credentials.connection
  - apiops.credentials.rotation
  - apiops.credentials.rotation.sinks
  - apiops.credentials.rotation.notices
  - apiops.credentials.attributes
  - apiops.credentials.attributes.ANYPOINT_GROUP
attributes:
  check_mode:
    support: full
    details:
      - Reads the sink and the platform, returns the plan and writes the reports.
  diff_mode:
    support: partial
    details:
      - In check mode, the diff lists the planned action of every target (no secrets).
options:
  targets:
    description: Environments and connected apps of this organization.
    type: list
    elements: dict
    required: true
    suboptions:
      environment:
        description: Environment, by name or id; its client secret is rotated.
        type: str
      connected_app:
        description: Client id of a connected app; its secret is rotated.
        type: str
      business_group:
        description: Business group, by name or id; the root organization when unset.
        type: str
      owner_email:
        description: Who O(smtp) tells about this target's new secret (else O(owner_email)).
        type: str
  state:
    description:
      - V(rotate) by age or O(rotate_before), or V(rollback) to the secret before the last rotation.
      - C(operation) is the old name, deprecated - still accepted (with a warning) until release 1.0.0.
    type: str
    choices: [rotate, rollback]
    default: rotate
    aliases: [operation]
  revoke_tokens:
    description: Revoke a connected app's tokens after its secret changed.
    type: bool
    default: false
notes:
  - The sink file is C(<sink_dir>/anypoint/<target>.vault); a target's record is under
    C(credentials["<business group or root>/environment-<name>"]) or C(credentials["<group>/connected_app-<client id>"]).
seealso:
  - module: apiops.credentials.anypoint_client_secret
  - module: apiops.credentials.anypoint_client_secret_info
"""

EXAMPLES = r"""
- name: Rotate the Sandbox secret of two business groups
  apiops.credentials.anypoint_rotation:
    anypoint_client_id: "{{ rotation_bot_id }}"
    anypoint_client_secret: "{{ vault_rotation_bot_secret }}"
    target: acme
    sink_dir: /var/lib/apiops/secrets
    targets:
      - environment: Sandbox
      - environment: Sandbox
        business_group: Payments
    report_markdown: /tmp/anypoint-rotation.md
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
      updated next (the Mule applications of the environment, the systems that use the connected app).
    - C(result) is planned, unchanged, would fail, rotated, rolled back, failed or skipped.
  returned: always
  type: list
  elements: dict
failures:
  description: The targets that failed or were skipped, with the reason.
  returned: always
  type: list
  elements: dict
requests:
  description: Number of HTTP requests sent to Anypoint.
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

from ansible_collections.apiops.credentials.plugins.module_utils._anypoint import ANYPOINT_AUTH_ARGSPEC, ROTATION_ARGSPEC
from ansible_collections.apiops.credentials.plugins.module_utils._common import CONNECTION_ARGSPEC, controller_only


def main():
    controller_only("anypoint_rotation", CONNECTION_ARGSPEC, ANYPOINT_AUTH_ARGSPEC, ROTATION_ARGSPEC)


if __name__ == "__main__":
    main()
