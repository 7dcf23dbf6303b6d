#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: apic_v5_restore
short_description: Restore the original IBM API Connect v5 application credentials after an API Manager reset, in one task
version_added: 0.1.0
description:
  - Runs the collection's rotation engine for every row of a backup of original credentials (developer organization,
    application, credential, client id, secret) on one Developer Portal.
  - The backup is read by the task itself, from the vault-encrypted O(backup_file) or from what an earlier restore
    recorded in the sink (O(source=sink)), so its secrets never sit in a play variable. Every row is checked before any
    call; one bad row stops the task with nothing sent.
  - Per application, under a lock in the sink, the value is journaled before the portal is touched and then set. The
    client id and the Base64 SHA-256 of the secret are sent (the plaintext never is), and the client id is read back.
    The portal cannot check a secret. With O(gateway_probe_url) the secret is proven by a call through the gateway;
    without it, the result is C(restored (unproven)).
  - Whether to send the secret again is decided by O(update_secret), as the portal never shows it.
  - In check mode it reads the portal and returns and writes the plan, writing nothing.
author:
  - apiops.credentials contributors (@apiops)
extends_documentation_fragment:
  - apiops.credentials.apic_v5
  - apiops.credentials.connection
  - apiops.credentials.rotation
  - apiops.credentials.rotation.sinks
  - apiops.credentials.rotation.notices
  - apiops.credentials.attributes
  - apiops.credentials.attributes.APIC_V5_GROUP
attributes:
  check_mode:
    support: full
    details:
      - Reads the backup and the portal, returns the plan and writes the reports.
  diff_mode:
    support: partial
    details:
      - In check mode, the diff lists the planned action of every application (no secrets).
options:
  state:
    description:
      - C(restore) puts the backup's (or the sink's) values in place.
      - C(rollback) puts back, for each application of the backup, the client id and secret that an earlier restore
        had put in place before the last one (the sink keeps them as C(previous_client_id), C(previous_secret) or
        C(previous_hash)). An application without such a value is blocked, with the reason - the portal never shows
        a secret, so nothing else can be put back. A roll back is journaled, read back and proven like a restore, and
        running it again changes nothing.
      - C(operation) is the old name, deprecated - still accepted (with a warning) until release 1.0.0.
    type: str
    choices: [restore, rollback]
    default: restore
    aliases: [operation]
  source:
    description: V(file) reads O(backup_file); V(sink) restores what an earlier restore recorded in the sink.
    type: str
    choices: [file, sink]
    default: file
  backup_file:
    description:
      - An ansible-vault encrypted YAML file with a list C(apic_v5_credentials) of rows C({org, app, client_id,
        client_secret or client_secret_hash, credential_id?, description?, owner?}). Required with O(source=file).
    type: path
  owners:
    description:
      - "Logins per developer organization, when one user is not a member of them all: C({org: {username, password}})."
      - A row names one with C(owner); otherwise its org's name is looked up, and otherwise the task's own login applies.
    type: dict
    default: {}
  update_secret:
    description:
      - V(on_change_of_client_id) restores a credential whose client id differs from the backup's. After an API
        Manager reset every application has a new client id, so this restores each one once.
      - V(always) sends every secret again (and reports a change every time).
    type: str
    choices: [always, on_change_of_client_id]
    default: on_change_of_client_id
  gateway_probe_url:
    description:
      - An API of the catalog that the applications are subscribed to, for example
        V(https://gw.example.com/acme/sb/ping/v1/ping). Each restored secret is proven by a C(GET) with the
        C(X-IBM-Client-Id) and C(X-IBM-Client-Secret) headers. A 401 means it was rejected; 403 or 404 mean the URL
        is not such an API.
    type: str
  secret_format:
    description:
      - How the secret is sent in C(clientSecret). V(hash), the Base64 of its SHA-256 digest, is what IBM documents
        and what the portal stores as it gets it.
      - V(plaintext) is for a portal that hashes what it receives itself (the sources do not settle how the
        default-credential C(PUT) behaves); there a hash sent as the secret breaks the application at the gateway.
        Use it only when a gateway check (O(gateway_probe_url)) rejected a restored secret; it needs the plaintext.
    type: str
    choices: [hash, plaintext]
    default: hash
notes:
  - The sink file is C(<sink_dir>/apic_v5/<target>.vault); an application's record is under
    C(credentials["<org>/<app>/<credential id or default>"]).
seealso:
  - module: apiops.credentials.apic_v5_portal_credential
  - module: apiops.credentials.apic_v5_portal_credential_info
"""

EXAMPLES = r"""
- name: Restore every application of a catalog from the backup, proving the secrets at the gateway
  apiops.credentials.apic_v5_restore:
    apic_v5_url: https://apim.example.com
    apic_v5_context: acme.sb
    apic_v5_username: owner-acme
    apic_v5_password: "{{ vault_owner_password }}"
    backup_file: /srv/apiops/apic_v5_backup.yml
    gateway_probe_url: https://gw.example.com/acme/sb/ping/v1/ping
    target: v5-prod
    sink_dir: /var/lib/apiops/secrets
  no_log: true
"""

RETURN = r"""
summary:
  description: How many applications ended with each result.
  returned: always
  type: dict
credentials:
  description:
    - One row per application, the rows of the JSON report (the collection's report schema).
    - C(result) is planned, unchanged, would fail, restored, restored (unproven), failed or skipped.
  returned: always
  type: list
  elements: dict
failures:
  description: The applications that failed or were skipped, with the reason.
  returned: always
  type: list
  elements: dict
requests:
  description: Number of HTTP requests sent to the portal and the gateway.
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

from ansible_collections.apiops.credentials.plugins.module_utils._apic_v5 import APIC_V5_AUTH_ARGSPEC, RESTORE_ARGSPEC
from ansible_collections.apiops.credentials.plugins.module_utils._common import CONNECTION_ARGSPEC, controller_only


def main():
    controller_only("apic_v5_restore", CONNECTION_ARGSPEC, APIC_V5_AUTH_ARGSPEC, RESTORE_ARGSPEC)


if __name__ == "__main__":
    main()
