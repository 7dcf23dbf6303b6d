#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: uaa_client
short_description: Create, update, delete a Cloud Foundry UAA client and change its secret
version_added: 0.1.0
description:
  - Manages an OAuth client of a UAA server or identity zone, idempotently.
  - Lists (grants, authorities, scopes, redirect URIs, ...) are compared as sets, after the defaults UAA fills in
    (C(uaa.none), C(resource_ids=[none]), C(refresh_token) added to C(authorization_code) and C(password) clients).
  - UAA never returns a secret. To know whether O(secret) is already in place the module asks the token endpoint
    for a token with it (nothing changes on the server), so a secret that already works is never set again.
    Setting it again would re-hash it and revoke every token of the client.
  - A secret is set when the client is created, and changed through C(/oauth/clients/<id>/secret) in the mode
    O(secret_mode) names. After a change the module checks that the new secret authenticates.
author:
  - apiops.credentials contributors (@apiops)
extends_documentation_fragment:
  - apiops.credentials.uaa
  - apiops.credentials.connection
  - apiops.credentials.attributes
  - apiops.credentials.attributes.UAA_GROUP
attributes:
  check_mode:
    support: full
    details:
      - Reads the client and checks secrets at the token endpoint, then predicts every change without making it.
  diff_mode:
    support: full
    details:
      - Shows the fields that change; secrets appear only as masked placeholders.
options:
  client_id:
    description: Id of the client to manage.
    type: str
    required: true
  state:
    description: Whether the client should exist.
    type: str
    choices: [present, absent]
    default: present
  name:
    description: Display name of the client.
    type: str
  scope:
    description: Scopes the client may request for users.
    type: list
    elements: str
  authorities:
    description: Authorities (scopes) the client gets with the C(client_credentials) grant.
    type: list
    elements: str
  authorized_grant_types:
    description:
      - Grant types, for example V(client_credentials), V(authorization_code), V(password), V(refresh_token).
      - UAA adds V(refresh_token) to clients with V(authorization_code) or V(password); the module expects it.
    type: list
    elements: str
  resource_ids:
    description:
      - Resource ids. Current UAA releases always store V([none]); a different value is reported as not applied.
    type: list
    elements: str
  redirect_uri:
    description: Redirect URIs, required by UAA for V(authorization_code) and V(implicit).
    type: list
    elements: str
  autoapprove:
    description: Scopes approved without asking the user, or V([true]) for all.
    type: list
    elements: str
  allowedproviders:
    description: Identity providers users of this client may log in with.
    type: list
    elements: str
  required_user_groups:
    description: Groups a user must be in to log in through this client.
    type: list
    elements: str
  access_token_validity:
    description: Access token lifetime in seconds.
    type: int
  refresh_token_validity:
    description: Refresh token lifetime in seconds.
    type: int
  secret:
    description:
      - The client secret. Set on create; on an existing client, changed in the way O(secret_mode) says unless it
        already authenticates.
      - Must not be empty.
    type: str
  secret_mode:
    description:
      - How O(secret) is put in place on an existing client.
      - V(update) makes it the only secret (UAA C(UPDATE)); when O(old_secret) still works as well, the module
        replaces both.
      - V(add) adds it next to the current secret (UAA C(ADD)), so both work; the first half of a zero-downtime rotation.
      - V(delete_old) retires the older of two secrets and keeps O(secret) (UAA C(DELETE)); the second half.
        Needs O(old_secret) so that the module can tell whether the old secret is still there. Refuses to run when
        O(secret) does not authenticate.
    type: str
    choices: [update, add, delete_old]
    default: update
  old_secret:
    description:
      - The current secret. UAA requires it when the module authenticates as the client itself
        (a token with C(clients.secret) only); with an admin token it is used to check that the old secret is gone.
    type: str
notes:
  - The module returns no secret. Run tasks that pass secrets with C(no_log) anyway, as for any module.
  - With a token of the client itself (self-service, C(clients.secret)) UAA does not let the module read the client;
    the module then manages the secret only, and fails if other fields are given.
  - UAA before v74 answers "Only a client can change client secret" to user tokens; the
    P(apiops.credentials.uaa_secret_rotation#role) role's V(grant_dance) strategy handles that case.
seealso:
  - module: apiops.credentials.uaa_client_info
"""

EXAMPLES = r"""
- name: Create a client with a secret from the vault
  apiops.credentials.uaa_client:
    uaa_url: https://uaa.sys.example.com
    uaa_auth_client_id: admin
    uaa_auth_client_secret: "{{ vault_uaa_admin_secret }}"
    client_id: billing-service
    authorized_grant_types: [client_credentials]
    authorities: [billing.read, billing.write]
    secret: "{{ vault_billing_secret }}"
  no_log: true

- name: Zero-downtime rotation, first half (both secrets work afterwards)
  apiops.credentials.uaa_client:
    client_id: billing-service
    secret: "{{ new_secret }}"
    secret_mode: add
  no_log: true

- name: Zero-downtime rotation, second half (after consumers moved to the new secret)
  apiops.credentials.uaa_client:
    client_id: billing-service
    secret: "{{ new_secret }}"
    old_secret: "{{ old_secret }}"
    secret_mode: delete_old
  no_log: true

- name: Remove a client from an identity zone
  apiops.credentials.uaa_client:
    client_id: legacy-app
    identity_zone_subdomain: zone1
    state: absent
"""

RETURN = r"""
client:
  description: The client after the task (predicted in check mode), without secrets. Empty when absent.
  returned: always
  type: dict
  sample: {"client_id": "billing-service", "authorized_grant_types": ["client_credentials"],
           "authorities": ["billing.read"], "scope": ["uaa.none"], "resource_ids": ["none"]}
secret_action:
  description: What happened to the secret, V(none), V(set_on_create), V(update), V(add) or V(delete).
  returned: always
  type: str
  sample: add
secret_verified:
  description: Whether the module checked after a change that O(secret) authenticates.
  returned: always
  type: bool
changed_fields:
  description: Names of the client fields that were (or in check mode would be) changed.
  returned: always
  type: list
  elements: str
  sample: [authorities]
"""

from ansible_collections.apiops.credentials.plugins.module_utils._common import build_module, changed_keys_diff, fail
from ansible_collections.apiops.credentials.plugins.module_utils._http import ApiError
from ansible_collections.apiops.credentials.plugins.module_utils._uaa import (
    SECRET_MODES,
    UAA_AUTH_ARGSPEC,
    UAA_REQUIRED_TOGETHER,
    UaaApi,
    creation_defaults,
    desired_client,
    normalise_client,
    plan_client_update,
    plan_secret,
    secret_diff,
    validate_secret,
)

ARGUMENT_SPEC = dict(
    client_id=dict(type="str", required=True),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    name=dict(type="str"),
    scope=dict(type="list", elements="str"),
    authorities=dict(type="list", elements="str"),
    authorized_grant_types=dict(type="list", elements="str"),
    resource_ids=dict(type="list", elements="str"),
    redirect_uri=dict(type="list", elements="str"),
    autoapprove=dict(type="list", elements="str"),
    allowedproviders=dict(type="list", elements="str"),
    required_user_groups=dict(type="list", elements="str"),
    access_token_validity=dict(type="int", no_log=False),
    refresh_token_validity=dict(type="int", no_log=False),
    secret=dict(type="str", no_log=True),
    secret_mode=dict(type="str", default="update", choices=list(SECRET_MODES)),
    old_secret=dict(type="str", no_log=True),
)


def read_client(api, client_id, desired, manages_secret):
    """(client or None, readable). A self-service token may not read clients; that is fine for secret-only tasks."""
    try:
        return api.get_client(client_id), True
    except ApiError as error:
        if error.status == 403 and manages_secret and not desired:
            return None, False
        raise


def ensure_absent(module, api, client_id, current):
    if current is None:
        return dict(changed=False, client={}, secret_action="none", secret_verified=False, changed_fields=[])
    if not module.check_mode:
        api.delete_client(client_id)
    result = dict(changed=True, client={}, secret_action="none", secret_verified=False, changed_fields=[])
    if module._diff:
        result["diff"] = changed_keys_diff(normalise_client(current), None)
    return result


def create(module, api, desired):
    params = module.params
    grants = desired.get("authorized_grant_types")
    if not grants:
        module.fail_json(msg="authorized_grant_types is required to create client %s" % params["client_id"])
    if "client_credentials" in grants and not params["secret"]:
        module.fail_json(msg="secret is required to create client %s with the client_credentials grant" % params["client_id"])
    predicted = creation_defaults(dict(desired, client_id=params["client_id"]))
    body = dict(desired, client_id=params["client_id"])
    if params["secret"]:
        body["client_secret"] = params["secret"]
    created = predicted if module.check_mode else normalise_client(api.create_client(body))
    verified = False
    if params["secret"] and not module.check_mode:
        verified = verify_new_secret(module, api)
    result = dict(changed=True, client=created, secret_action="set_on_create" if params["secret"] else "none",
                  secret_verified=verified, changed_fields=sorted(k for k in predicted if k != "client_id"))
    if module._diff:
        after = dict(created)
        if params["secret"]:
            after["secret"] = secret_diff("CREATE")[1]
        result["diff"] = changed_keys_diff(None, after)
    return result


def update_fields(module, api, current, desired):
    """PUT the fields that differ; UAA merges lists, so each changed list is sent whole."""
    client_id = module.params["client_id"]
    changes = plan_client_update(current, desired)
    if not changes:
        return current, changes
    if module.check_mode:
        return dict(current, **{k: after for k, (_before, after) in changes.items()}), changes
    updated = normalise_client(api.update_client(client_id, {k: after for k, (_before, after) in changes.items()}))
    refused = sorted(k for k, (_before, after) in changes.items() if updated.get(k) != after)
    if refused:
        module.fail_json(msg="UAA did not store %s for client %s (it kept %s). Remove or correct these options."
                         % (", ".join(refused), client_id, ", ".join("%s=%s" % (k, updated.get(k)) for k in refused)),
                         client=updated)
    return updated, changes


def verify_new_secret(module, api):
    if not api.secret_works(module.params["client_id"], module.params["secret"]):
        module.fail_json(msg="UAA accepted the secret change of client %s but the new secret does not authenticate. "
                             "Check the client in UAA before retrying." % module.params["client_id"])
    return True


def ensure_secret(module, api):
    """(action, verified): put ``secret`` in place per ``secret_mode`` unless it already is."""
    params = module.params
    client_id, secret, old = params["client_id"], params["secret"], params["old_secret"]
    new_works = api.secret_works(client_id, secret)
    old_works = bool(old) and old != secret and api.secret_works(client_id, old)
    try:
        action = plan_secret(params["secret_mode"], new_works, bool(old) and old != secret, old_works)
    except ValueError as error:
        module.fail_json(msg="Client %s: %s." % (client_id, error))
    if action is None or module.check_mode:
        return action, False

    def landed():
        # After a lost answer: did the change happen? (UPDATE/ADD re-hash, so never send them twice blindly.)
        if action == "DELETE":
            return not api.secret_works(client_id, old)
        return api.secret_works(client_id, secret)

    # An ADD is never sent twice: one that UAA applies late, after a second one, leaves the secret there twice (and no
    # room for the next rotation). After a lost answer the module fails saying so; a re-run checks the secret first.
    try:
        api.change_secret(client_id, action, secret=secret if action != "DELETE" else None, old_secret=old,
                          confirm=landed if action != "ADD" else None)
    except ApiError as error:
        if not (action == "ADD" and error.maybe_applied and landed()):
            if action == "ADD" and error.maybe_applied:
                error.hint = ("The answer was lost and the new secret does not work yet; the ADD was not sent again (UAA "
                              "may still apply it). Run the task again: it checks the secret first")
            raise
    verify_new_secret(module, api)
    if action in ("UPDATE", "DELETE") and old and old != secret and api.secret_works(client_id, old):
        module.fail_json(msg="Client %s: the old secret still authenticates after %s." % (client_id, action))
    return action, True


def main():
    module = build_module(ARGUMENT_SPEC, UAA_AUTH_ARGSPEC, supports_check_mode=True,
                          required_together=UAA_REQUIRED_TOGETHER,
                          required_if=[("secret_mode", "delete_old", ["secret", "old_secret"])])
    params = module.params
    for name in ("secret", "old_secret"):
        problem = validate_secret(params[name], name)
        if problem:
            module.fail_json(msg=problem)
    client_id = params["client_id"]
    desired = desired_client(params)
    api = UaaApi(module)
    try:
        current, readable = read_client(api, client_id, desired, params["secret"] is not None)
        if params["state"] == "absent":
            module.exit_json(**ensure_absent(module, api, client_id, current))
        if readable and current is None:
            module.exit_json(**create(module, api, desired))

        before = normalise_client(current) if current else {"client_id": client_id}
        after, changes = update_fields(module, api, before, desired) if readable else (before, {})
        action, verified = ensure_secret(module, api) if params["secret"] is not None else (None, False)
    except ApiError as error:
        fail(module, error)

    result = dict(changed=bool(changes or action), client=after if readable else {"client_id": client_id},
                  secret_action={"UPDATE": "update", "ADD": "add", "DELETE": "delete"}.get(action, "none"),
                  secret_verified=verified, changed_fields=sorted(changes))
    if not readable:
        module.warn("The token cannot read client %s, so only its secret was managed." % client_id)
    if module._diff:
        diff = changed_keys_diff(before, after)
        if action:
            diff["before"]["secrets"], diff["after"]["secrets"] = secret_diff(action)
        result["diff"] = diff
    module.exit_json(**result)


if __name__ == "__main__":
    main()
