#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: rotation
short_description: Run the rotation engine task of any platform from the play's variables
version_added: 0.2.0
description:
  - The task the P(apiops.credentials.rotation#role) role runs. It reads the options of the engine task of O(platform)
    (M(apiops.credentials.uaa_rotation), M(apiops.credentials.anypoint_rotation),
    M(apiops.credentials.apic_v5_restore), M(apiops.credentials.apic_catalog_rotation) or
    M(apiops.credentials.keycloak_rotation)) from O(variables), applies that task's C(module_defaults), runs it and
    returns its result unchanged.
  - Each option of the engine task is read from the variable C(rotation_<option>), else C(<role>_<option>) (the
    platform's named role, for example C(uaa_secret_rotation_clients)), else the host variable C(<platform>_<option>)
    (for example C(uaa_max_age_days)). A login option named for its platform (C(uaa_url)) is read from the variable of
    that name, and C(validate_certs) from C(<platform>_validate_certs). Arguments of the task itself, and
    C(module_defaults), win over variables. An empty value leaves an option without a default unset.
  - A C(rotation_) or C(<role>_) variable that is no option fails the task before anything is done, with the closest
    name; C(<platform>_) variables that are no option are left alone.
  - Besides the engine task's options the variables hold the role's own - C(operation), C(allow_empty),
    C(report_path), C(report_dir), C(hook_tasks) and C(delivery_tasks) - described in the role's documentation.
  - Runs on the controller (it is an action plugin), so secrets never reach a module file or a result.
author:
  - apiops.credentials contributors (@apiops)
extends_documentation_fragment:
  - apiops.credentials.attributes
attributes:
  check_mode:
    support: full
    details:
      - As the platform's engine task - reads, plans and writes the reports, nothing else.
  diff_mode:
    support: partial
    details:
      - As the platform's engine task.
options:
  platform:
    description:
      - The platform, by its short name (the collection's README lists them - C(uaa), C(anypoint), ...). The task
        checks it against the platforms it knows.
    type: str
    required: true
  operation:
    description:
      - V(rotate) (a restore, for API Connect v5), V(rollback), V(audit) (read only, the findings as failures) or
        V(verify) (read only, the sink's secrets proven). Not given, the variable C(rotation_operation) or
        C(<role>_operation) decides, else V(rotate).
    type: str
    choices: [rotate, rollback, audit, verify]
  variables:
    description:
      - The variables to read the options from, by name, instead of the play's own (the default, which is what the
        role does). The task templates only the variables that set an option, as C({{ name }}) would.
      - They hold the login, so give the task C(no_log).
    type: dict
  handed_plans:
    description:
      - Approved plans an AWX workflow's check job handed on with C(set_stats), by C(<platform>/<host>).
      - Not given, the variables C(apiops_plans) and C(apiops_plans_<AWX job id>) (each slice of a sliced check job hands
        on one of its own, since AWX keeps the last slice's value of a key), merged.
    type: dict
  handed_digests:
    description:
      - Their digests, by C(<platform>/<host>). Not given, the variables C(apiops_plan_digests) and
        C(apiops_plan_digests_<AWX job id>), merged.
    type: dict
  settings_only:
    description:
      - Check the variables and return the role's settings only (C(operation), C(report_file), C(hook_tasks),
        C(delivery_tasks), C(sink), C(sink_dir), C(sink_file), C(sink_variables), C(role), C(noun)); nothing else is
        read or run, and an empty list of credentials is no problem. The C(apiops.credentials.break_lease)
        playbook finds the sink this way, where the rotation would.
    type: bool
    default: false
  hooks_checked:
    description:
      - Whether the delivery step (C(hook_tasks) or C(delivery_tasks)) was checked. The role sets it to V(false) on its
        first call. While the variables name a delivery step, the task then does nothing and returns the settings under
        RV(settings), with RV(check_hooks); the role checks the file and calls the task again with V(true).
      - Not given, the task runs (the delivery step is the role's, and a task alone never runs it).
    type: bool
  credential_rows:
    description:
      - Whether the result holds the credentials' rows (the engine task's C(credentials)). With V(false) it holds them
        only when a webhook or an audit metrics directory is configured (C(apiops_webhook),
        C(apiops_audit_textfile_dir), E(APIOPS_WEBHOOK_URL)), which is what the role does; the JSON report holds them
        all the same.
    type: bool
    default: true
notes:
  - Any other argument is handed to the engine task as it is.
seealso:
  - module: apiops.credentials.uaa_rotation
  - module: apiops.credentials.anypoint_rotation
  - module: apiops.credentials.apic_v5_restore
  - module: apiops.credentials.apic_catalog_rotation
  - module: apiops.credentials.keycloak_rotation
"""

EXAMPLES = r"""
- name: Rotate the client secrets of this UAA from its host variables (uaa_url, uaa_clients, ...)
  apiops.credentials.rotation:
    platform: uaa
  no_log: true

- name: Check, read only, that the secret the sink holds for each Keycloak client still works
  apiops.credentials.rotation:
    platform: keycloak
    operation: verify
    fail_on_error: false
  register: checks
  no_log: true
"""

RETURN = r"""
msg:
  description: The result of the platform's engine task (see its documentation), its other keys too; with O(settings_only), nothing.
  returned: unless settings_only
  type: str
settings:
  description:
    - What the role needs besides the result, no secret - the O(settings_only) keys below, and C(operation),
      C(delivery_tasks), C(sink_file), C(sink), C(sink_variables) (the names of the variables that set the sink),
      C(role), C(noun) and C(item).
  returned: unless settings_only, or the variables are refused
  type: dict
next_steps:
  description: What to do next, from the credentials' C(next) lines, each once, in their order.
  returned: unless settings_only, or the variables are refused
  type: list
  elements: str
new_credentials:
  description: The names of the new credentials the run handed to the delivery step (API Connect v10), no secret.
  returned: unless settings_only, or the variables are refused
  type: list
  elements: str
outcome_lines:
  description: What the role shows of the run, no secret - its message, its requests and sink writes, its report, the
    next steps and the new credentials.
  returned: unless settings_only, or the variables are refused
  type: list
  elements: str
due:
  description:
    - What the role's tasks after this one have to do, decided here once - C(before) (a plan, a diff, or the delivery
      hook to check or run), C(hook) (the hook has new secrets to deliver), C(delivery) (API Connect v10's delivery
      step has new credentials), C(notify) (a webhook or the audit's metrics are configured) and C(after) (any of
      the delivery step, an audit's findings, notices or failures).
  returned: unless settings_only, or the variables are refused
  type: dict
check_hooks:
  description: True when nothing was done, because the delivery step is to be checked first (see O(hooks_checked)).
  returned: when the variables name a delivery step and O(hooks_checked) is V(false)
  type: bool
report_file:
  description: With O(settings_only), the JSON report this run writes ("" for none).
  returned: with settings_only
  type: str
hook_tasks:
  description: With O(settings_only), the delivery hook's tasks file ("" for none).
  returned: with settings_only
  type: str
"""

from ansible_collections.apiops.credentials.plugins.module_utils._common import controller_only


def main():
    controller_only("rotation", dict(
        platform=dict(type="str", required=True),
        operation=dict(type="str", choices=["rotate", "rollback", "audit", "verify"]),
        variables=dict(type="dict"),
        handed_plans=dict(type="dict"),
        handed_digests=dict(type="dict"),
        settings_only=dict(type="bool", default=False),
        hooks_checked=dict(type="bool"),
        credential_rows=dict(type="bool", default=True),
    ))


if __name__ == "__main__":
    main()
