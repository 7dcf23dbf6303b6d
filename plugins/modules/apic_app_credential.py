#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: apic_app_credential
short_description: Manage one application credential in IBM API Connect v10
version_added: 0.1.0
description:
  - Creates, updates, renames, deletes, resets, verifies or restores one credential of an application in a catalog,
    through the platform API (C(/api/apps/{org}/{catalog}/{consumer-org}/{app}/credentials)).
  - O(state=present) creates the credential with a given or platform-generated client id and secret, or brings
    name, title, summary, client id and secret to the given values. A given secret is compared with the platform's
    C(client_secret_hashed), so a second run changes nothing; where the platform does not show it, the platform's
    C(verify-client-secret) decides, and nothing is written again.
  - Every secret written is proven afterwards, with C(verify-client-secret) (or, for a hash, by reading the stored
    hash back). A platform that answers the write but keeps another secret fails the task, naming the catalog
    setting C(hash_client_secret), which some releases need on before a secret can change.
  - Restore a saved credential with O(client_id) and O(client_secret_hashed) (the Base64 SHA-256 the platform shows).
    The platform accepts a hashed secret only while the catalog setting C(hash_client_secret) is on; see
    O(allow_hashed_secret_setting).
  - O(state=absent) refuses to delete the last credential of an application unless O(force=true).
  - O(state=reset) asks the platform for a new secret (and with O(reset_client_id) a new client id too) and returns it.
  - O(state=verify) checks a secret with C(verify-client-secret) and changes nothing.
author:
  - apiops.credentials contributors (@apiops)
extends_documentation_fragment:
  - apiops.credentials.apic
  - apiops.credentials.connection
  - apiops.credentials.attributes
  - apiops.credentials.attributes.APIC_GROUP
attributes:
  check_mode:
    support: full
    details:
      - Reads the credential and predicts the change; nothing is written. O(state=verify) runs (it changes nothing).
  diff_mode:
    support: full
    details:
      - Shows name, title, summary and client id before and after; the secret only as a masked placeholder.
options:
  consumer_org:
    description: Consumer organization, by name or id.
    type: str
    required: true
  app:
    description: Application, by name or id.
    type: str
    required: true
  name:
    description: The credential, by name or id. A new credential gets this name.
    type: str
    required: true
  state:
    description: What to do with the credential.
    type: str
    choices: [present, absent, reset, verify]
    default: present
  new_name:
    description:
      - Rename the credential to this. When O(name) no longer exists but O(new_name) does, the rename is taken as done.
    type: str
  title:
    description: Title of the credential.
    type: str
  summary:
    description: Summary of the credential.
    type: str
  client_id:
    description:
      - The client id the credential must have (unique in the catalog). A new credential without it gets one from the
        platform. With O(state=verify), the client id to check (default the credential's own).
    type: str
  secret:
    description:
      - The plaintext secret the credential must have, or with O(state=verify) the secret to check.
      - A new credential without O(secret) or O(client_secret_hashed) gets a platform-generated secret,
        returned once in RV(client_secret).
      - C(client_secret) is the old name, deprecated - still accepted (with a warning) until release 1.0.0.
    type: str
    aliases: [client_secret]
  client_secret_hashed:
    description: The secret as the platform stores it (Base64 of SHA-256, 44 characters), to restore a saved credential.
    type: str
  allow_hashed_secret_setting:
    description:
      - When O(client_secret_hashed) must be written and the catalog setting C(hash_client_secret) is off, turn it on
        for the write and off again afterwards. Without this the module fails and says so.
      - The setting is B(catalog-wide). While it is on, every other writer of that catalog works under it. Before it
        is switched on, the original value is written to O(setting_journal), so a later run of this module for the
        same catalog puts it back when a run died in between (RV(catalog_setting_restored)).
    type: bool
    default: false
  setting_journal:
    description:
      - File that remembers, per catalog, a C(hash_client_secret) setting this module switched on and has not yet
        switched back (see O(allow_hashed_secret_setting)). Holds no secret.
    type: path
    default: ~/.apiops/state/apic_catalog_settings.json
  reset_client_id:
    description: With O(state=reset), also get a new client id (C(reset) instead of C(reset-client-secret)).
    type: bool
    default: false
  force:
    description: With O(state=absent), delete the credential even when it is the application's last one.
    type: bool
    default: false
notes:
  - Run tasks that pass or return secrets with C(no_log=true), and hand a returned RV(client_secret) to a sink at once.
  - The platform returns a plaintext secret only in the answer to a create or a reset.
seealso:
  - module: apiops.credentials.apic_app_credential_info
  - module: apiops.credentials.apic_catalog_rotation
"""

EXAMPLES = r"""
- name: Add a second credential with a secret from the vault
  apiops.credentials.apic_app_credential:
    apic_url: https://platform-api.example.com/api
    apic_org: acme
    apic_catalog: production
    apic_username: rotation-bot
    apic_password: "{{ vault_apic_password }}"
    apic_client_id: "{{ toolkit_client_id }}"
    apic_client_secret: "{{ vault_toolkit_client_secret }}"
    consumer_org: PartnerOrg
    app: partner-app
    name: credential-for-partner-app_new
    title: Credential for partner-app_new
    secret: "{{ vault_new_secret }}"
  no_log: true

- name: Restore a credential from a backup after the catalog was rebuilt
  apiops.credentials.apic_app_credential:
    consumer_org: PartnerOrg
    app: partner-app
    name: credential-for-partner-app
    client_id: d427001417cc360db10e45eda3041cbc
    client_secret_hashed: xXi44i8ZbkOXutfgPcG+fw28IYlkY/OD6mPPsxEBeSE=
    allow_hashed_secret_setting: true
  no_log: true

- name: Does the consumer's secret still work?
  apiops.credentials.apic_app_credential:
    consumer_org: PartnerOrg
    app: partner-app
    name: credential-for-partner-app
    state: verify
    secret: "{{ vault_partner_secret }}"
  register: check
  no_log: true
"""

RETURN = r"""
credential:
  description: The credential after the task (predicted in check mode), without any secret; empty when absent.
  returned: always
  type: dict
  contains:
    id:
      description: Credential id.
      type: str
    name:
      description: Name.
      type: str
    title:
      description: Title.
      type: str
    summary:
      description: Summary.
      type: str
    client_id:
      description: Client id.
      type: str
    created_at:
      description: When it was created.
      type: str
changed_fields:
  description: The fields that were (or in check mode would be) changed; C(client_secret) stands for the secret.
  returned: always
  type: list
  elements: str
client_secret:
  description: The plaintext secret the platform generated (create without a secret, or reset). Register with C(no_log).
  returned: when the platform generated a secret, not in check mode
  type: str
catalog_setting_switched:
  description: Whether the catalog setting C(hash_client_secret) was switched on for this write and back off.
  returned: when O(allow_hashed_secret_setting) switched it
  type: bool
catalog_setting_restored:
  description: Whether this run put back a C(hash_client_secret) setting that an earlier run switched on and died.
  returned: always
  type: bool
secret_compared:
  description:
    - Whether the given secret could be compared with the credential's (by C(client_secret_hashed), or by
      C(verify-client-secret) for a plaintext secret). A hash given for a credential whose hash the platform does
      not show cannot be; it is then written only together with a client id change, as a restore does.
  returned: when O(state=present) and the credential exists
  type: bool
secret_proven:
  description: Whether the platform proved the secret this task wrote (a task whose secret cannot be proven fails).
  returned: when a secret was written, not in check mode
  type: bool
secret_valid:
  description: With O(state=verify), whether the platform accepts the secret.
  returned: when O(state=verify)
  type: bool
"""

import json
import os
import tempfile

from ansible_collections.apiops.credentials.plugins.module_utils._apic import APIC_AUTH_ARGSPEC, ApicApi, auth_problem
from ansible_collections.apiops.credentials.plugins.module_utils._apic_v5 import hash_secret, looks_hashed
from ansible_collections.apiops.credentials.plugins.module_utils._common import MASK, build_module, fail, hide, renamed
from ansible_collections.apiops.credentials.plugins.module_utils._http import ApiError

ARGUMENT_SPEC = dict(
    consumer_org=dict(type="str", required=True),
    app=dict(type="str", required=True),
    name=dict(type="str", required=True),
    state=dict(type="str", default="present", choices=["present", "absent", "reset", "verify"]),
    new_name=dict(type="str"),
    title=dict(type="str"),
    summary=dict(type="str"),
    client_id=dict(type="str"),
    secret=renamed(dict(type="str", no_log=True), "client_secret"),
    client_secret_hashed=dict(type="str", no_log=True),
    allow_hashed_secret_setting=dict(type="bool", default=False),
    setting_journal=dict(type="path", default="~/.apiops/state/apic_catalog_settings.json"),
    reset_client_id=dict(type="bool", default=False),
    force=dict(type="bool", default=False),
)
PUBLIC_FIELDS = ("id", "name", "title", "summary", "client_id", "created_at")


def public(credential):
    return {key: credential.get(key) for key in PUBLIC_FIELDS} if credential else {}


def find(credentials, wanted):
    return next((c for c in credentials if wanted in (c.get("id"), c.get("name"))), None)


def desired_changes(current, params, secret_in_place=None):
    """The PATCH body that brings ``current`` to the options, and the names of the changed fields (pure).

    The secret is compared by ``client_secret_hashed``; where the platform does not show it, ``secret_in_place``
    is the platform's own verdict (verify-client-secret) instead.
    """
    body, fields = {}, []
    for key, option in (("name", "new_name"), ("title", "title"), ("summary", "summary"), ("client_id", "client_id")):
        if params[option] is not None and current.get(key) != params[option]:
            body[key] = params[option]
            fields.append(key)
    stored = current.get("client_secret_hashed")
    if stored is None and secret_in_place is not None:
        if params["secret"] is not None and not secret_in_place:
            body["client_secret"] = params["secret"]
            fields.append("client_secret")
    elif stored is None and params["client_secret_hashed"] is not None:
        # Neither shown nor checkable (no plaintext): sent with a client id change, as a restore does, else left.
        if "client_id" in fields:
            body["client_secret_hashed"] = params["client_secret_hashed"]
            fields.append("client_secret")
    elif params["secret"] is not None and stored != hash_secret(params["secret"]):
        body["client_secret"] = params["secret"]
        fields.append("client_secret")
    elif params["client_secret_hashed"] is not None and stored != params["client_secret_hashed"]:
        body["client_secret_hashed"] = params["client_secret_hashed"]
        fields.append("client_secret")
    return body, fields


def create_body(params):
    body = {"name": params["new_name"] or params["name"]}
    # The platform's field for the secret is client_secret; the option is secret.
    for key, option in (("title", "title"), ("summary", "summary"), ("client_id", "client_id"), ("client_secret", "secret"),
                        ("client_secret_hashed", "client_secret_hashed")):
        if params[option] is not None:
            body[key] = params[option]
    return body


def prove_secret(module, api, path, answer, result, generated=False):
    """After a write of a secret: the platform's verify-client-secret must accept it, or the run fails.

    Some sources say a catalog changes a secret only while its setting hash_client_secret is on, and a platform
    may answer 200 and keep the old one; a secret that cannot be proven is never reported as set. ``answer`` is the
    credential the write returned; with ``generated`` the secret is the platform's, in ``answer``.
    """
    params = module.params
    if generated:
        if not answer.get("client_secret"):
            result["secret_proven"] = False
            module.fail_json(msg="API Connect made a new secret for %s but its answer did not reach us, and the platform "
                                 "never shows a secret again: get a new one with state=reset." % params["name"], **result)
        proven = api.verify(path, answer.get("client_id"), answer["client_secret"])
    elif params["secret"] is not None:
        proven = api.verify(path, answer.get("client_id"), params["secret"])
    else:
        # Only the hash was sent: the platform's own copy of it is the proof. The write's answer shows it (it was
        # given while hash_client_secret was on); a read afterwards may not, once the setting is off again.
        stored = answer.get("client_secret_hashed") or (api.get_credential(path) or {}).get("client_secret_hashed")
        proven = None if stored is None else stored == params["client_secret_hashed"]
    result["secret_proven"] = bool(proven)
    if proven is None:
        module.fail_json(msg="The hashed secret of %s was sent, but API Connect shows no client_secret_hashed to prove it "
                             "(the catalog setting hash_client_secret is off?). Check it with state=verify and the "
                             "plaintext secret." % params["name"], **result)
    if not proven and generated:
        module.fail_json(msg="API Connect made a new secret for %s, but verify-client-secret rejects it. Check the "
                             "credential in API Manager before anyone uses the secret." % params["name"], **result)
    if not proven:
        module.fail_json(msg="API Connect answered the write of %s, but verify-client-secret rejects the new secret: the "
                             "platform kept another one. Check the catalog setting hash_client_secret (some releases "
                             "change a secret only while it is on) and run again." % params["name"], **result)


class SettingJournal:
    """The catalog settings this module switched and has not switched back yet, in one JSON file on the host."""

    def __init__(self, path, catalog_key):
        self.path = path
        self.key = catalog_key

    def _read(self):
        try:
            with open(self.path, encoding="utf-8") as handle:
                entries = json.load(handle)
        except (OSError, ValueError):
            return {}
        return entries if isinstance(entries, dict) else {}

    def _write(self, entries):
        directory = os.path.dirname(self.path)
        os.makedirs(directory, mode=0o700, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=directory, prefix=".settings.")
        with os.fdopen(handle, "w") as stream:
            json.dump(entries, stream)
        os.replace(temp, self.path)

    def pending(self):
        return self.key in self._read()

    def remember(self):
        self._write(dict(self._read(), **{self.key: {"hash_client_secret": False}}))

    def forget(self):
        entries = self._read()
        entries.pop(self.key, None)
        self._write(entries)


def put_back_a_switched_setting(module, api, journal, result):
    """A run that died while hash_client_secret was switched on left a journal entry: switch it back off first."""
    result["catalog_setting_restored"] = False
    if not journal.pending():
        return
    if api.settings().get("hash_client_secret"):
        result.update(changed=True, catalog_setting_restored=True)
        if not module.check_mode:
            api.update_settings({"hash_client_secret": False})
    if not module.check_mode:
        journal.forget()


def with_hashed_secret_setting(module, api, journal, result, write):
    """Run ``write``; when it sends a hash and the catalog refuses hashes, switch hash_client_secret on around it.

    The original value is journaled before the switch, so a killed run is undone by the next one.
    """
    if not module.params["allow_hashed_secret_setting"] or api.settings().get("hash_client_secret"):
        return write()
    journal.remember()
    api.update_settings({"hash_client_secret": True})
    result["catalog_setting_switched"] = True
    try:
        return write()
    finally:
        api.update_settings({"hash_client_secret": False})
        journal.forget()


def main():
    module = build_module(ARGUMENT_SPEC, APIC_AUTH_ARGSPEC, supports_check_mode=True,
                          mutually_exclusive=[["secret", "client_secret_hashed"]],
                          required_if=[("state", "verify", ["secret"])])
    params = module.params
    problem = auth_problem(params)
    if problem:
        module.fail_json(msg="Cannot log in to API Connect: %s." % problem)
    if params["secret"] is not None and not params["secret"].strip():
        module.fail_json(msg="secret must not be empty")
    if params["client_secret_hashed"] is not None and not looks_hashed(params["client_secret_hashed"]):
        module.fail_json(msg="client_secret_hashed must be the Base64 of a SHA-256 digest (44 characters), as the platform "
                             "shows it; to set a plaintext secret use secret")
    if params["secret"]:
        hide(module, hash_secret(params["secret"]))

    api = ApicApi(params, warn=module.warn)
    journal = SettingJournal(params["setting_journal"], "%s %s %s" % (api.base, params["apic_org"], params["apic_catalog"]))
    result = dict(changed=False, changed_fields=[])
    try:
        put_back_a_switched_setting(module, api, journal, result)
        credentials = api.credentials(params["consumer_org"], params["app"])
    except ApiError as error:
        fail(module, error, **result)
    current = find(credentials, params["name"])
    if current is None and params["new_name"]:
        current = find(credentials, params["new_name"])  # renamed by an earlier run
    app_path = api.app_path(params["consumer_org"], params["app"])
    path = "%s/credentials/%s" % (app_path, current["id"]) if current else None
    state = params["state"]
    result["credential"] = public(current)

    try:
        if state == "verify":
            if current is None:
                module.fail_json(msg="Application %s has no credential %s to verify" % (params["app"], params["name"]), **result)
            result["secret_valid"] = api.verify(path, params["client_id"] or current["client_id"], params["secret"])
            module.exit_json(**result)

        if state == "absent":
            if current is not None:
                if len(credentials) == 1 and not params["force"]:
                    module.fail_json(msg="Refusing to delete %s: it is the last credential of application %s, whose consumers "
                                         "would lose access. Create its replacement first, or set force=true."
                                         % (current["name"], params["app"]), **result)
                result.update(changed=True, changed_fields=["state"], credential={})
                if not module.check_mode:
                    api.delete_credential(path)
            if module._diff and result["changed"]:
                result["diff"] = {"before": dict(public(current), state="present"), "after": {"state": "absent"}}
            module.exit_json(**result)

        if state == "reset":
            if current is None:
                module.fail_json(msg="Application %s has no credential %s to reset" % (params["app"], params["name"]), **result)
            result.update(changed=True, changed_fields=["client_id", "client_secret"] if params["reset_client_id"] else ["client_secret"])
            if not module.check_mode:
                answer = api.reset(path, client_id_too=params["reset_client_id"])
                result["credential"] = public(dict(current, **{k: v for k, v in answer.items() if k in PUBLIC_FIELDS}))
                result["client_secret"] = answer.get("client_secret")
                prove_secret(module, api, path, dict(answer, client_id=result["credential"]["client_id"]), result,
                             generated=True)
            if module._diff:
                result["diff"] = {"before": {"client_secret": MASK}, "after": {"client_secret": MASK + " (new)"}}
            module.exit_json(**result)

        if current is None:
            body = create_body(params)
            fields = sorted({"client_secret" if key == "client_secret_hashed" else key for key in body})
            result.update(changed=True, changed_fields=fields, credential=public(body))
            if not module.check_mode:
                created = with_hashed_secret_setting(module, api, journal, result, lambda: api.create_credential(app_path, body)).body or {}
                if not created.get("id"):  # a create whose answer was lost and confirmed: read what is there
                    created = find(api.credentials(params["consumer_org"], params["app"]), body["name"]) or {}
                result["credential"] = public(created)
                new_path = "%s/credentials/%s" % (app_path, created.get("id"))
                if "client_secret" not in body and "client_secret_hashed" not in body:
                    result["client_secret"] = created.get("client_secret")
                    prove_secret(module, api, new_path, created, result, generated=True)
                else:
                    prove_secret(module, api, new_path, created, result)
            if module._diff:
                result["diff"] = {"before": {"state": "absent"},
                                  "after": dict(result["credential"], state="present", client_secret=MASK)}
            module.exit_json(**result)

        secret_in_place = None
        if params["secret"] is not None and current.get("client_secret_hashed") is None:
            # The platform does not show the hash: ask it whether the secret is in place instead of writing it again.
            secret_in_place = api.verify(path, current["client_id"], params["secret"])
        body, fields = desired_changes(current, params, secret_in_place)
        result["secret_compared"] = current.get("client_secret_hashed") is not None or secret_in_place is not None
        after = dict(public(current), **{k: v for k, v in body.items() if k in PUBLIC_FIELDS})
        result.update(changed=bool(body) or result["catalog_setting_restored"], changed_fields=fields, credential=after)
        if body and not module.check_mode:
            answer = with_hashed_secret_setting(module, api, journal, result, lambda: api.update_credential(path, body)) or {}
            result["credential"] = public(answer)
            if "client_secret" in fields:
                prove_secret(module, api, path, dict(answer, client_id=answer.get("client_id") or after["client_id"]), result)
        if module._diff and body:
            result["diff"] = {"before": {k: (MASK if k == "client_secret" else current.get(k)) for k in fields},
                              "after": {k: (MASK + " (new)" if k == "client_secret" else after.get(k)) for k in fields}}
        module.exit_json(**result)
    except ApiError as error:
        result["changed"] = bool(error.maybe_applied)  # the prediction did not happen
        if error.status == 400 and params["client_secret_hashed"] and not params["allow_hashed_secret_setting"]:
            error.hint = ("The catalog refuses hashed secrets while its setting hash_client_secret is off: set "
                          "allow_hashed_secret_setting=true to switch it on for this write")
        elif error.status == 400 and params["secret"] is not None and "client_secret" in result["changed_fields"]:
            error.hint = ("Check the catalog setting hash_client_secret: some releases change a secret only while it "
                          "is on. The old secret is unchanged")
        fail(module, error, **result)


if __name__ == "__main__":
    main()
