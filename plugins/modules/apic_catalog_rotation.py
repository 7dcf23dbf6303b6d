#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: apic_catalog_rotation
short_description: Rotate every application credential of an IBM API Connect v10 catalog by age, in one task
version_added: 0.1.0
description:
  - Reads the whole catalog in a few paged calls (consumer organizations with their owners, apps, credentials),
    decides for every credential what its age calls for, and carries out all the changes with bounded concurrency.
  - After O(expiry_days) a credential C(<name>) gets a second credential C(<name>_new). Its client id and secret are
    generated on the controller and written to the secret sink (O(sink)) before the platform sees them, then
    created, verified with C(verify-client-secret), and announced to the consumer organization owner by e-mail
    (O(smtp)) or handed to the caller in RV(delivered).
  - After O(deletion_days), when C(<name>_new) exists and has had the grace period (O(deletion_days) minus
    O(expiry_days) days), C(<name>) is deleted and C(<name>_new) renamed back to C(<name>).
  - A credential past O(deletion_days) without a C(<name>_new) is an error for that credential (nothing is deleted);
    the other credentials are still handled, and the task fails at the end listing every failure.
  - In check mode it reads the catalog and returns the plan (and writes the reports), changing nothing.
  - Runs on the controller (it is an action plugin) because it writes the vault-encrypted sink.
author:
  - apiops.credentials contributors (@apiops)
extends_documentation_fragment:
  - apiops.credentials.apic
  - apiops.credentials.rotation.sinks
  - apiops.credentials.rotation.notices
  - apiops.credentials.connection
  - apiops.credentials.attributes
  - apiops.credentials.attributes.APIC_GROUP
attributes:
  check_mode:
    support: full
    details:
      - Reads the catalog and the sink, returns the plan for every credential and writes the reports; no write to the
        platform, the sink or the mail server.
  diff_mode:
    support: partial
    details:
      - In check mode, the diff lists the planned change of every credential (no secrets).
options:
  expiry_days:
    description: Age in days at which a credential gets its C(<name>_new).
    type: int
    default: 90
  deletion_days:
    description:
      - Age in days after which the old credential is deleted (when C(<name>_new) exists and has had
        O(deletion_days) minus O(expiry_days) days). Must be greater than O(expiry_days).
    type: int
    default: 100
  consumer_org:
    description: Only the credentials of this consumer organization (name or id). The whole catalog when unset.
    type: str
  concurrency:
    description:
      - How many requests are in flight at once. The platform's rate limits are not published; 8 keeps the load
        near that of a few portal users, and HTTP 429 answers pause every worker for their C(Retry-After).
    type: int
    default: 8
  max_failures:
    description:
      - After this many failed credentials no new one is started (those in flight finish); V(0) means no limit.
        The credentials not started are reported as C(skipped), and a re-run does them.
    type: int
    default: 0
  sink_path:
    description:
      - The ansible-vault encrypted secret record of this catalog (created if missing, mode C(0600)). It holds, per
        C(<consumer org>/<app>/<credential>), the newest client id and secret and the rotation state.
      - Read it with M(apiops.credentials.vault_file_secret) or C(ansible-vault view).
      - With O(sink=file), this or O(sink_dir) and O(target). With a remote O(sink), each credential is one record
        under C(apiops/apic/<target>/<consumer org>/<app>/<credential>) and C(catalog.lock) is held while a run works.
      - Deprecated, to be removed in release 1.0.0; give O(sink_dir) and O(target) instead, as every other rotation
        task takes them. It still works (with a deprecation warning) and wins over them when both are given.
    type: path
  sink_dir:
    description:
      - The directory of the file sinks, as every rotation task of this collection takes it (the role passes
        C(apic_credential_rotation_sink_dir)); the catalog's file is C(<sink_dir>/apic/<target>.vault).
      - With O(sink=file), this and O(target) are required (unless the deprecated O(sink_path) is given, which wins).
    type: path
  target:
    description: The catalog's name in a remote sink's paths (the role passes the inventory host name). Required with
      O(sink=hashicorp_vault) or O(sink=aws_secrets_manager).
    type: str
  generate_secrets:
    description:
      - V(locally) generates the new client id and secret on the controller (32 hex characters, as the platform does)
        and saves them before the create request, so no crash can lose a secret.
      - V(platform) lets the platform generate them (for catalogs that refuse client-supplied values); the secret is
        saved right after the create answer, and if that answer is lost the next run resets the new credential's
        secret.
    type: str
    choices: [locally, platform]
    default: locally
  hook_tasks:
    description:
      - The path of a delivery hook's tasks file (the role's C(apic_credential_rotation_hook_tasks)); when it is not
        empty, a delivery hook runs after this task and is given the secret of each new credential, one at a time
        (RV(hook_deliveries)). An old credential is then deleted (after O(deletion_days)) only once the hook was given
        its successor's secret; until then the plan says so and keeps it. The task itself does not run the file - the
        caller does.
    type: path
  hook_delivered:
    description:
      - The second run after the delivery hook (set by the role) - the keys of the credentials it delivered, recorded
        in the sink. Only the credentials named here and in O(hook_failed) are worked on.
    type: list
    elements: str
    default: []
  hook_failed:
    description: The second run after the delivery hook (set by the role) - the keys of the credentials it failed for.
    type: list
    elements: str
    default: []
  run_id:
    description: The run id of the report this run adds to (the role's second run after a delivery hook).
    type: str
    default: ""
  report_json:
    description:
      - Write the plan (check mode) or the outcome as JSON here, in the collection's report schema (per credential
        platform, target, location, action, reason, overlap, steps, result, error, where the secret is, what comes next,
        and the digest of its sink entry), with the catalog's own columns kept. No secrets.
    type: path
  report_markdown:
    description: Write the plan or the outcome as a Markdown table here, for a change request. No secrets.
    type: path
  time_budget:
    description:
      - Seconds after the start of the task after which no new credential is started; those in flight finish and are
        journaled, the rest are reported C(skipped), and a re-run does them. V(0) means no budget.
      - Set it below the job template's timeout in AWX (or the end of a change window), so that the job ends on its
        own with a report instead of being killed midway.
      - The E(APIOPS_TIME_BUDGET) environment variable is used when this option is not set.
    type: float
    default: 0
  lock_timeout:
    description:
      - Seconds to wait for another run on the same catalog (the same sink), and for the lease of each
        credential; then this one fails and does nothing. A lease expires five minutes (E(APIOPS_LEASE_SECONDS)) after
        its holder last renewed it and is then taken over, as is one left by a process that no longer exists on this
        host.
    type: float
    default: 60
  plan_file:
    description:
      - An approved plan, the JSON report of a check-mode run (O(report_json)). The run carries it out only when every
        credential has the same action, the same expected result and the same sink entry as when the plan was made;
        otherwise it changes nothing and fails, listing the differences. Ignored in check mode.
      - The catalog's view of each credential (its client id and creation time) is pinned too.
    type: path
  plan:
    description:
      - The approved plan as data instead of a file, the same JSON as O(plan_file). An AWX workflow passes it from the
        check job (its C(set_stats)) to the real job. Ignored in check mode.
    type: dict
  plan_digest:
    description:
      - The digest of the approved plan, as the check run printed it (RV(plan_digest)). A plan whose content gives
        another digest (edited after the approval) is refused before anything is done.
    type: str
  state:
    description:
      - C(rotate) applies the age policy.
      - C(rollback) re-creates, for every credential whose last rotation this collection finished, the credential
        that rotation retired, as C(<name>_previous) next to the current one, from the client id and secret the sink
        kept, and proves it with verify-client-secret; consumers of either keep working. A credential whose retired
        secret the sink never held (not made by this collection), or whose rotation is in progress, is blocked with
        the reason. No e-mail is sent.
      - C(operation) is the old name, deprecated - still accepted (with a warning) until release 1.0.0.
    type: str
    choices: [rotate, rollback]
    default: rotate
    aliases: [operation]
  audit:
    description:
      - Read only, nothing is written (not even a lock). For each credential it reports its findings - C(overdue)
        (due for C(<name>_new), or past O(deletion_days)), C(orphan) (a C(<name>_new) this collection did not make, so no
        sink holds its secret), C(unfinished) (an interrupted run) and C(drift) (verify-client-secret rejects the secret
        in the sink). The result of a credential is C(compliant) or C(findings); with O(fail_on_error) the task fails
        when any credential has findings.
    type: bool
    default: false
  fail_on_error:
    description:
      - Fail the task when any credential failed or is blocked (after every other credential was handled).
      - V(false) returns the failures in RV(failures) instead, for a role that fails later.
    type: bool
    default: true
notes:
  - Run the task with C(no_log=true); its result holds no secret, but its arguments do.
  - The old credential keeps working until it is deleted; consumers switch during the grace period.
  - Where the platform's behaviour is not documented (the page size, the status of a failed
    C(verify-client-secret)), the choices are listed in the collection README.
seealso:
  - module: apiops.credentials.apic_app_credential
  - module: apiops.credentials.apic_app_credential_info
  - module: apiops.credentials.vault_file_secret
"""

EXAMPLES = r"""
- name: Plan the rotation of a catalog (dry run) and write the plan for the change request
  apiops.credentials.apic_catalog_rotation:
    apic_url: https://platform-api.example.com/api
    apic_org: acme
    apic_catalog: production
    apic_username: rotation-bot
    apic_password: "{{ vault_apic_password }}"
    apic_client_id: "{{ toolkit_client_id }}"
    apic_client_secret: "{{ vault_toolkit_client_secret }}"
    sink_dir: /var/lib/apiops
    target: acme-production
    report_markdown: /tmp/rotation-plan.md
  check_mode: true
  no_log: true

- name: Rotate, telling the owners by e-mail
  apiops.credentials.apic_catalog_rotation:
    sink_dir: /var/lib/apiops
    target: acme-production
    expiry_days: 90
    deletion_days: 100
    smtp:
      host: smtp.example.com
      port: 587
      security: starttls
      sender: api-platform@example.com
  register: rotation
  no_log: true
"""

RETURN = r"""
hook_deliveries:
  description:
    - With a delivery hook (O(hook_tasks) set), the credentials whose secret in the sink the delivery hook has not
      been given yet (no secret, only C(key), C(credential), C(location), C(target), C(platform) and C(state)).
  returned: always
  type: list
  elements: dict
plan_digest:
  description:
    - In check mode, the digest of the plan of the catalog; after an approved plan was carried out, the digest of that
      plan. Null otherwise.
  returned: always
  type: str
summary:
  description: How many credentials got each action (none, create_new, verify_new, retire_old, finish_retire, blocked).
  returned: always
  type: dict
credentials:
  description:
    - One row per credential, the same rows as the JSON report.
    - C(action) is none, create new, verify new, retire old, retire old (finish) or blocked; C(result) is unchanged,
      planned, added (a new credential is verified next to the old one), retired (the old one is gone), failed,
      would fail or skipped (not started after a stop), as in every platform's report.
  returned: always
  type: list
  elements: dict
  contains:
    consumer_org:
      description: Consumer organization name.
      type: str
    owner_email:
      description: E-mail of the consumer organization owner.
      type: str
    app:
      description: Application name.
      type: str
    credential:
      description: Credential name.
      type: str
    client_id:
      description: Client id of the credential.
      type: str
    age_days:
      description: Whole days since the credential was created.
      type: int
    action:
      description: What its age calls for.
      type: str
    reason:
      description: Why, in words for a change request.
      type: str
    new_credential:
      description: Name of the C(<name>_new) credential involved, if any.
      type: str
    new_client_id:
      description: Client id of the new credential, once verified.
      type: str
    result:
      description: The outcome.
      type: str
    error:
      description: Why it failed.
      type: str
failures:
  description: The credentials that failed or are blocked, with the reason.
  returned: always
  type: list
  elements: dict
delivered:
  description:
    - The new credentials verified in this run, for a delivery step; the secret itself is in the sink under
      C(credentials[sink_key].client_secret).
  returned: always
  type: list
  elements: dict
  contains:
    consumer_org:
      description: Consumer organization name.
      type: str
    owner_email:
      description: Owner e-mail.
      type: str
    app:
      description: Application name.
      type: str
    new_credential:
      description: Name of the new credential.
      type: str
    client_id:
      description: Its client id.
      type: str
    sink_path:
      description: The sink file.
      type: str
    sink_key:
      description: Key of the entry in the sink record's C(credentials).
      type: str
    notified:
      description: Whether the owner was told by e-mail.
      type: bool
requests:
  description: Number of HTTP requests sent to the platform.
  returned: always
  type: int
seconds:
  description: Wall time of the task.
  returned: always
  type: float
sink_path:
  description:
    - Where the records are - the sink file with O(sink=file) (as in RV(sink_file)), else the remote sink's place.
    - The name is older than the collection's vocabulary and stays, so that playbooks that read it keep working.
  returned: always
  type: str
sink_file:
  description: The sink file with O(sink=file) (null with a remote sink), under the name every rotation task returns it.
  returned: always
  type: str
"""

from ansible_collections.apiops.credentials.plugins.module_utils._apic import APIC_AUTH_ARGSPEC
from ansible_collections.apiops.credentials.plugins.module_utils._apic_rotation import ROTATION_ARGSPEC
from ansible_collections.apiops.credentials.plugins.module_utils._common import CONNECTION_ARGSPEC, controller_only


def main():
    controller_only("apic_catalog_rotation", CONNECTION_ARGSPEC, APIC_AUTH_ARGSPEC, ROTATION_ARGSPEC)


if __name__ == "__main__":
    main()
