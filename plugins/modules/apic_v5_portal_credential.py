#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: apic_v5_portal_credential
short_description: Set or reset an application credential through the IBM API Connect v5 Developer Portal REST API
version_added: 0.1.0
description:
  - Sets the client id and secret of an application's credential (the default one, or O(credential_id) from the
    application's C(appCredentials)), for example to restore the original credentials after an API Manager reset.
    The default credential is the one whose client id the application's C(credentials) object shows, wherever the
    portal lists it in C(appCredentials).
  - The developer organization and the application are found by name or id.
  - The portal expects the secret as the Base64 of its SHA-256 digest; the module sends that, computed from
    O(secret), or O(client_secret_hash) as it is. A portal may store any other string without complaint,
    which would break the application at the gateway, so the plaintext is sent only with O(secret_format=plaintext).
  - The client id is read back from the portal after the change. The portal API has no way to check a secret, so the
    secret is proven by a call through the gateway when O(gateway_probe_url) names an API the application is
    subscribed to; RV(secret_proven) says whether it was.
  - The portal never shows a secret, so whether the secret must be sent again is decided by O(update_secret),
    like the C(update_password) option of user modules.
  - O(state=reset) asks the portal for a new secret instead, and returns it.
author:
  - apiops.credentials contributors (@apiops)
extends_documentation_fragment:
  - apiops.credentials.apic_v5
  - apiops.credentials.connection
  - apiops.credentials.attributes
  - apiops.credentials.attributes.APIC_V5_GROUP
attributes:
  check_mode:
    support: full
    details:
      - Resolves the organization, application and credential and predicts the change without making it.
  diff_mode:
    support: full
    details:
      - Shows the client id before and after; the secret only as a masked placeholder.
options:
  org:
    description: Developer organization, by name or id.
    type: str
    required: true
  app:
    description: Application, by name or id.
    type: str
    required: true
  credential_id:
    description: Id of one of the application's credentials (C(appCredentials[].id)). The default credential when unset.
    type: str
  gateway_probe_url:
    description:
      - An API of the catalog that the application is subscribed to, for example
        V(https://gw.example.com/acme/sb/ping/v1/ping). After a change the secret is proven by a C(GET) with the
        C(X-IBM-Client-Id) and C(X-IBM-Client-Secret) headers; a 401 fails the task (the secret is not in use as
        sent). 403 or 404 mean the URL is not such an API.
    type: str
  secret_format:
    description:
      - How the secret is sent in C(clientSecret). V(hash), the Base64 of its SHA-256 digest, is what IBM documents.
      - V(plaintext) is for a portal that hashes what it receives (the sources do not settle how the
        default-credential C(PUT) behaves); use it only when the gateway rejected a secret sent as a hash. It needs
        O(secret).
    type: str
    choices: [hash, plaintext]
    default: hash
  state:
    description:
      - V(set) puts O(client_id) and the secret in place.
      - V(reset) asks the portal for a new secret for the credential and returns it in RV(client_secret);
        it always changes the credential.
      - C(operation) is the old name, deprecated - still accepted (with a warning) until release 1.0.0.
    type: str
    choices: [set, reset]
    default: set
    aliases: [operation]
  client_id:
    description: The client id the credential must have. Required with O(state=set).
    type: str
  secret:
    description:
      - The plaintext secret; the module sends Base64(SHA-256) of it.
      - C(client_secret) is the old name, deprecated - still accepted (with a warning) until release 1.0.0.
    type: str
    aliases: [client_secret]
  client_secret_hash:
    description: The secret already as Base64(SHA-256(plaintext)), 44 characters.
    type: str
  description:
    description: Description of the credential, sent with the change.
    type: str
  update_secret:
    description:
      - V(on_change_of_client_id) sends the secret only when the credential's client id differs from O(client_id).
        After an API Manager reset every application has a new client id, so this restores each one once and is
        idempotent afterwards.
      - V(always) sends the secret on every run (and reports a change every time), for when the client id is
        already right but the secret may not be.
    type: str
    choices: [always, on_change_of_client_id]
    default: on_change_of_client_id
notes:
  - Run tasks that pass secrets with C(no_log=true). With O(state=reset) the new secret is returned; register it
    in a C(no_log) task and hand it to a sink at once.
seealso:
  - module: apiops.credentials.apic_v5_portal_credential_info
"""

EXAMPLES = r"""
- name: Restore the original credential of an application
  apiops.credentials.apic_v5_portal_credential:
    apic_v5_url: https://apimanager.example.com
    apic_v5_username: owner@example.com
    apic_v5_password: "{{ vault_owner_password }}"
    apic_v5_context: myOrg.myCatalog
    org: myDevOrg
    app: myApp
    client_id: 0ec9010b-11d5-4459-8e9f-2695459c9ed5
    secret: "{{ vault_myapp_secret }}"
    description: The original ClientSecret
  no_log: true

- name: Get a new secret from the portal
  apiops.credentials.apic_v5_portal_credential:
    org: myDevOrg
    app: myApp
    state: reset
  register: reset
  no_log: true
"""

RETURN = r"""
org_id:
  description: Id of the developer organization.
  returned: always
  type: str
app_id:
  description: Id of the application.
  returned: always
  type: str
credential_id:
  description: Id of the credential changed (the default credential's id when known).
  returned: always
  type: str
client_id:
  description: The client id after the task (predicted in check mode).
  returned: always
  type: str
secret_sent:
  description: Whether the secret was (or in check mode would be) sent.
  returned: always
  type: bool
secret_proven:
  description:
    - Whether the gateway accepted the secret after the change (O(gateway_probe_url)); null when it was not checked
      (no change, check mode, or no O(gateway_probe_url)).
  returned: always
  type: bool
reason:
  description: Why the credential was or was not changed.
  returned: always
  type: str
client_secret:
  description: The new plaintext secret from O(state=reset). Register it with C(no_log).
  returned: when O(state=reset) and not in check mode
  type: str
"""

from ansible_collections.apiops.credentials.plugins.module_utils._apic_v5 import (
    APIC_V5_AUTH_ARGSPEC,
    ApicV5Api,
    app_credentials,
    hash_secret,
    looks_hashed,
    plan_credential,
    secret_to_send,
)
from ansible_collections.apiops.credentials.plugins.module_utils._common import MASK, build_module, fail, hide, renamed, state_option
from ansible_collections.apiops.credentials.plugins.module_utils._http import ApiError

ARGUMENT_SPEC = dict(
    org=dict(type="str", required=True),
    app=dict(type="str", required=True),
    credential_id=dict(type="str"),
    state=state_option(["set", "reset"], "set"),
    client_id=dict(type="str"),
    secret=renamed(dict(type="str", no_log=True), "client_secret"),
    client_secret_hash=dict(type="str", no_log=True),
    description=dict(type="str"),
    update_secret=dict(type="str", default="on_change_of_client_id", choices=["always", "on_change_of_client_id"]),
    gateway_probe_url=dict(type="str"),
    secret_format=dict(type="str", default="hash", choices=["hash", "plaintext"]),
)


def target_credential(module, app):
    credentials = app_credentials(app)
    if not credentials:
        module.fail_json(msg="Application %s has no credential" % app["name"])
    wanted = module.params["credential_id"]
    if not wanted:
        return credentials[0]
    for credential in credentials:
        if credential["id"] == wanted:
            return credential
    module.fail_json(msg="Application %s has no credential %s; its credentials are %s"
                         % (app["name"], wanted, ", ".join(str(c["id"]) for c in credentials)))
    return None


def secret_at_gateway(module, api, result, client_id, secret):
    params = module.params
    if not secret:
        module.warn("Only the hash of the secret is known, so the gateway cannot be asked about it")
        return None
    try:
        accepted = api.gateway_accepts(params["gateway_probe_url"], client_id, secret)
    except ValueError as problem:
        module.fail_json(msg="The credential was changed, but %s." % problem, **result)
    if not accepted:
        module.fail_json(msg="The portal shows client id %s, but the gateway rejects the secret: the portal keeps the "
                             "secret in another form than it was sent (a portal that hashes what it receives needs "
                             "secret_format=plaintext), or it was changed outside this task; send it again with "
                             "update_secret=always" % client_id, **dict(result, secret_proven=False))
    return True


def main():
    module = build_module(ARGUMENT_SPEC, APIC_V5_AUTH_ARGSPEC, supports_check_mode=True,
                          mutually_exclusive=[["secret", "client_secret_hash"]],
                          required_if=[("state", "set", ["client_id"]),
                                       ("state", "set", ["secret", "client_secret_hash"], True)])
    params = module.params
    if params["secret"] is not None and not params["secret"].strip():
        module.fail_json(msg="secret must not be empty")
    if params["client_secret_hash"] is not None and not looks_hashed(params["client_secret_hash"]):
        module.fail_json(msg="client_secret_hash must be the Base64 of a SHA-256 digest (44 characters); "
                             "to send a plaintext secret use secret")
    if params["gateway_probe_url"] and not params["gateway_probe_url"].startswith(("http://", "https://")):
        module.fail_json(msg="gateway_probe_url %r has no http:// or https:// scheme" % params["gateway_probe_url"])
    sent = None
    if params["state"] == "set":
        try:
            sent = secret_to_send(params["secret"], params["client_secret_hash"], params["secret_format"])
        except ValueError as problem:
            module.fail_json(msg="%s." % problem)
        hide(module, sent, hash_secret(params["secret"]) if params["secret"] else None)

    api = ApicV5Api(module)
    try:
        org, app = api.resolve(params["org"], params["app"])
    except ValueError as problem:
        module.fail_json(msg="Cannot find the application: %s." % problem)
    except ApiError as error:
        fail(module, error)
    credential = target_credential(module, app)
    result = dict(org_id=org["id"], app_id=app["id"], credential_id=credential["id"], client_id=credential["client_id"],
                  secret_proven=None)

    if params["state"] == "reset":
        result.update(changed=True, secret_sent=False, reason="reset requested")
        if not module.check_mode:
            try:
                result["client_id"], result["client_secret"] = api.reset(org["id"], app["id"], params["credential_id"])
                if params["gateway_probe_url"]:
                    result["secret_proven"] = secret_at_gateway(module, api, result, result["client_id"], result["client_secret"])
            except ApiError as error:
                fail(module, error, **result)
        if module._diff:
            result["diff"] = {"before": {"client_secret": MASK}, "after": {"client_secret": MASK + " (new)"}}
        module.exit_json(**result)

    change, reason = plan_credential(credential["client_id"], params["client_id"], params["update_secret"])
    result.update(changed=change, secret_sent=change, reason=reason)
    if change and not module.check_mode:
        try:
            api.set_credential(org["id"], app["id"], params["credential_id"], params["client_id"], sent, params["description"])
            # Never trust a write: the portal's own view of the app, then the gateway's view of the secret.
            now = next((c for c in app_credentials(api.app(org["id"], app["id"]))
                        if (c["id"] == params["credential_id"] if params["credential_id"] else c["default"])), {})
            if now.get("client_id") != params["client_id"]:
                module.fail_json(msg="The portal shows client id %s after the change, not %s; check the application in the "
                                     "portal" % (now.get("client_id"), params["client_id"]), **result)
        except ApiError as error:
            fail(module, error, **result)
    if params["gateway_probe_url"] and not module.check_mode:
        # A credential with nothing to do is proven too: a secret the gateway rejects is never "no change".
        try:
            result["secret_proven"] = secret_at_gateway(module, api, result, params["client_id"], params["secret"])
        except ApiError as error:
            fail(module, error, **result)
    if change:
        result["client_id"] = params["client_id"]
    if module._diff and change:
        result["diff"] = {"before": {"client_id": credential["client_id"], "client_secret": MASK},
                          "after": {"client_id": params["client_id"], "client_secret": MASK + " (new)"}}
    module.exit_json(**result)


if __name__ == "__main__":
    main()
