#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: anypoint_client_secret
short_description: Rotate, set (restore) or verify an Anypoint environment client secret or connected-app secret
version_added: 0.1.0
description:
  - Works on the client of an environment (found by business group and environment name or id) or on a
    connected app (by client id).
  - O(state=rotate) has the platform generate a new secret (C(PATCH ...?resetSecret=true)) and returns it once in
    RV(secret). A compare-and-swap guard keeps a re-run from rotating twice - the secret is rotated only while it
    still equals O(expected_secret), the secret the operator recorded - unless O(force=true).
  - O(state=set) puts a given secret back (roll back or restore); nothing is sent when it already matches.
  - O(state=verify) checks a secret (C(clients/validate) for environments, a token request for connected apps).
  - The module reads the current secret first in every case (Anypoint returns it to administrators), and re-reads
    it after every write. A reset whose answer was lost is never sent again blindly; the secret is re-read first.
author:
  - apiops.credentials contributors (@apiops)
extends_documentation_fragment:
  - apiops.credentials.anypoint
  - apiops.credentials.anypoint.TARGET
  - apiops.credentials.connection
  - apiops.credentials.attributes
  - apiops.credentials.attributes.ANYPOINT_GROUP
attributes:
  check_mode:
    support: full
    details:
      - Authenticates, resolves the client, reads its secret and predicts the change; nothing is written.
  diff_mode:
    support: full
    details:
      - Shows which client changes; secrets only as masked placeholders.
options:
  state:
    description:
      - What to do.
      - C(operation) is the old name, deprecated - still accepted (with a warning) until release 1.0.0.
    type: str
    choices: [rotate, set, verify]
    default: rotate
    aliases: [operation]
  expected_secret:
    description:
      - For O(state=rotate), the secret the operator recorded. The secret is rotated only while it still has this
        value, so running the same play again in a change window does not rotate twice.
    type: str
  force:
    description: For O(state=rotate), rotate whatever the current secret is.
    type: bool
    default: false
  secret:
    description: For O(state=set), the secret to put in place; for O(state=verify), the secret to check.
    type: str
  revoke_tokens:
    description: For a connected app, revoke its access and refresh tokens after the secret changed.
    type: bool
    default: false
notes:
  - Rotating an environment secret breaks API Manager autodiscovery of every Mule application that uses the
    environment's credentials until it gets the new secret (C(anypoint.platform.client_secret)).
  - Setting an explicit environment secret is documented only in MuleSoft's knowledge base (roll back), not in the API
    specification. When the control plane refuses it, the module fails and says so; rotate instead.
  - RV(secret) holds the new secret after a rotation. Run the task with C(no_log=true) and hand the secret to a sink.
seealso:
  - module: apiops.credentials.anypoint_client_secret_info
"""

EXAMPLES = r"""
- name: Rotate the Sandbox environment secret, once
  apiops.credentials.anypoint_client_secret:
    anypoint_client_id: "{{ rotation_app_id }}"
    anypoint_client_secret: "{{ vault_rotation_app_secret }}"
    business_group: Payments
    environment: Sandbox
    expected_secret: "{{ recorded_sandbox_secret }}"
  register: rotated
  no_log: true

- name: Roll back to the previous secret
  apiops.credentials.anypoint_client_secret:
    environment: Sandbox
    state: set
    secret: "{{ recorded_sandbox_secret }}"
  no_log: true

- name: Check a connected-app secret
  apiops.credentials.anypoint_client_secret:
    connected_app: 0fa2aa2f0aeb4978b96796a0843f898c
    state: verify
    secret: "{{ vault_app_secret }}"
  register: check
  no_log: true
"""

RETURN = r"""
client_id:
  description: Client id of the environment or connected app.
  returned: always
  type: str
organization_id:
  description: Id of the business group.
  returned: always
  type: str
business_group:
  description: Name of the business group.
  returned: always
  type: str
environment:
  description: The environment (C(id), C(name), C(type), C(is_production)).
  returned: when O(environment) is given
  type: dict
connected_app:
  description: The connected app (C(client_id), C(client_name)).
  returned: when O(connected_app) is given
  type: dict
reason:
  description: Why the secret was or was not changed.
  returned: always
  type: str
secret:
  description: The new secret after a rotation. Register it with C(no_log).
  returned: when O(state=rotate) changed the secret, not in check mode
  type: str
secret_valid:
  description: Whether O(secret) works (after O(state=verify), or after a change).
  returned: when O(state=verify) or after a change
  type: bool
"""

from ansible_collections.apiops.credentials.plugins.module_utils._anypoint import (
    ANYPOINT_AUTH_ARGSPEC,
    ANYPOINT_REQUIRED_TOGETHER,
    AnypointApi,
    plan_rotate,
    plan_set,
    refused_explicit_secret,
)
from ansible_collections.apiops.credentials.plugins.module_utils._anypoint_target import TARGET_ARGSPEC, Target
from ansible_collections.apiops.credentials.plugins.module_utils._common import MASK, build_module, fail, sentence, state_option
from ansible_collections.apiops.credentials.plugins.module_utils._http import ApiError

ARGUMENT_SPEC = dict(TARGET_ARGSPEC, **dict(
    state=state_option(["rotate", "set", "verify"], "rotate"),
    expected_secret=dict(type="str", no_log=True),
    force=dict(type="bool", default=False),
    secret=dict(type="str", no_log=True),
    revoke_tokens=dict(type="bool", default=False),
))


def main():
    module = build_module(ARGUMENT_SPEC, ANYPOINT_AUTH_ARGSPEC, supports_check_mode=True,
                          required_together=ANYPOINT_REQUIRED_TOGETHER,
                          required_one_of=[["environment", "connected_app"]],
                          mutually_exclusive=[["environment", "connected_app"]],
                          required_if=[("state", "set", ["secret"]), ("state", "verify", ["secret"])])
    params = module.params
    if params["secret"] is not None and not params["secret"].strip():
        module.fail_json(msg="secret must not be empty")
    api = AnypointApi(module)
    result = dict(changed=False)
    try:
        target = Target(api, params)
        result.update(target.describe())
        where = "%s %s" % ("environment" if target.env else "connected app",
                           target.env["name"] if target.env else target.client_id)

        if params["state"] == "verify":
            result.update(secret_valid=target.works(params["secret"]), reason="verified")
            module.exit_json(**result)

        current = target.secret()
        if params["state"] == "rotate":
            change, reason = plan_rotate(current, params["expected_secret"], params["force"])
        else:
            change, reason = plan_set(current, params["secret"])
        result.update(changed=change, reason=reason)
        if module._diff and change:
            result["diff"] = {"before": {"client_id": target.client_id, "client_secret": MASK},
                              "after": {"client_id": target.client_id, "client_secret": MASK + " (new)"}}
        if not change or module.check_mode:
            module.exit_json(**result)

        if params["state"] == "rotate":
            new = target.rotate(current)
            if new == current:
                module.fail_json(msg="Anypoint answered the reset of %s but the secret did not change" % where, **result)
            result["secret"] = new
            # Returned on purpose (the caller persists it), so it is not masked: the task must be no_log.
            module.no_log_values.discard(new)
        else:
            try:
                new = target.set(params["secret"])
            except ApiError as error:
                if refused_explicit_secret(error):
                    module.fail_json(msg="This Anypoint control plane does not accept an explicit secret for %s (%s). "
                                         "The old secret cannot be put back through the API: rotate instead "
                                         "(state=rotate) and deliver the new secret." % (where, error.message), **result)
                raise
            if new != params["secret"]:
                module.fail_json(msg="Anypoint did not accept the explicit secret for %s: it still reads another value. "
                                     "Rotate instead (state=rotate) and deliver the new secret." % where, **result)
        result["secret_valid"] = target.works(new)
        if not result["secret_valid"]:
            module.fail_json(msg="The new secret of %s does not pass validation; check the client in Anypoint" % where, **result)
        if params["revoke_tokens"] and target.app:
            api.revoke_connected_app_tokens(target.org["id"], target.client_id)
    except ValueError as problem:
        module.fail_json(msg=sentence(problem), **result)
    except ApiError as error:
        fail(module, error, **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
