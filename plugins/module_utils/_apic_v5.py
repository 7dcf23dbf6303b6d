# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the apiops.credentials collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""IBM API Connect v5 Developer Portal REST API (``/v1/portal``): auth, API and pure functions.

Every request carries HTTP Basic of a developer-org member (the org owner) and
``X-IBM-APIManagement-Context: <provider org>.<catalog>``. Secrets are never
readable; a credential's secret is set by sending Base64(SHA-256(plaintext)).
"""

from __future__ import annotations

import base64
import binascii
import hashlib

from ansible.module_utils.basic import env_fallback

from ansible_collections.apiops.credentials.plugins.module_utils._common import ENGINE_ARGSPEC, ca_path_option, http_client, state_option
from ansible_collections.apiops.credentials.plugins.module_utils._http import ApiError

PLATFORM = "API Connect v5"
CONTEXT_HEADER = "X-IBM-APIManagement-Context"

# Documented in doc_fragments/apic_v5.py; keep the two side by side.
APIC_V5_AUTH_ARGSPEC = dict(
    apic_v5_url=dict(type="str", required=True, fallback=(env_fallback, ["APIOPS_APIC_V5_URL"])),
    apic_v5_username=dict(type="str", required=True, fallback=(env_fallback, ["APIOPS_APIC_V5_USERNAME"])),
    apic_v5_password=dict(type="str", required=True, no_log=True, fallback=(env_fallback, ["APIOPS_APIC_V5_PASSWORD"])),
    apic_v5_context=dict(type="str", required=True, fallback=(env_fallback, ["APIOPS_APIC_V5_CONTEXT"])),
    ca_path=ca_path_option("APIOPS_APIC_V5_CA_PATH"),
)

# The options of the apic_v5_restore action besides connection and auth (documented in its docs module).
RESTORE_ARGSPEC = dict(ENGINE_ARGSPEC)
RESTORE_ARGSPEC.update(
    source=dict(type="str", default="file", choices=["file", "sink"]),
    backup_file=dict(type="path"),
    owners=dict(type="dict", default={}, no_log=True),
    update_secret=dict(type="str", default="on_change_of_client_id", choices=["always", "on_change_of_client_id"]),
    gateway_probe_url=dict(type="str"),
    secret_format=dict(type="str", default="hash", choices=["hash", "plaintext"]),
    state=state_option(["restore", "rollback"], "restore"),
)

HINTS = {
    400: "Check the request; a missing or wrong apic_v5_context (<provider org>.<catalog>) is reported this way",
    401: "The portal refused apic_v5_username/apic_v5_password (use the developer organization owner)",
    403: "The user is not a member of this developer organization: use its owner's credentials",
    404: "Not found: check apic_v5_context (<provider org>.<catalog>) and the organization/application names",
    409: "Another credential in the catalog already uses this client id",
}


# ---- pure functions (unit-tested without a server) ------------------------------------
def hash_secret(plaintext):
    """Base64 of the SHA-256 digest, what the portal expects (printf S | shasum -a 256 | xxd -r -p | base64)."""
    return base64.b64encode(hashlib.sha256(plaintext.encode("utf-8")).digest()).decode("ascii")


def looks_hashed(value):
    """True for a Base64 string that decodes to 32 bytes (a SHA-256 digest)."""
    if not isinstance(value, str) or len(value) != 44:
        return False
    try:
        return len(base64.b64decode(value, validate=True)) == 32
    except (binascii.Error, ValueError):
        return False


def plan_credential(current_client_id, desired_client_id, update_secret):
    """Whether to PUT the credential: the client id differs, or the operator asked to always send the secret."""
    if current_client_id != desired_client_id:
        return True, "client id differs"
    if update_secret == "always":
        return True, "update_secret=always"
    return False, "client id already matches (secret not compared: the portal never shows it)"


def find_one(items, wanted, what, parent):
    """The item whose id or name is ``wanted``; a ValueError that says what to do otherwise."""
    by_id = [item for item in items if item.get("id") == wanted]
    if by_id:
        return by_id[0]
    by_name = [item for item in items if item.get("name") == wanted]
    if len(by_name) > 1:
        raise ValueError("%d %ss are named %s in %s: use the %s id instead (%s)"
                         % (len(by_name), what, wanted, parent, what, ", ".join(item["id"] for item in by_name)))
    if not by_name:
        raise ValueError("no %s named %s in %s" % (what, wanted, parent))
    return by_name[0]


BACKUP_KEYS = ("org", "app", "client_id", "client_secret", "client_secret_hash", "credential_id", "description", "owner")


def validate_backup_rows(rows):
    """Problems of a restore backup, one message per bad row, checked before any call. Never quotes a secret."""
    if not isinstance(rows, list):
        return ["the backup must be a list of rows (org, app, client_id, client_secret or client_secret_hash)"]
    problems = []
    seen = {}
    for index, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            problems.append("row %d: must be a mapping" % index)
            continue
        label = "row %d (%s/%s)" % (index, row.get("org", "?"), row.get("app", "?"))
        unknown = sorted(set(row) - set(BACKUP_KEYS))
        if unknown:
            problems.append("%s: unknown keys %s" % (label, ", ".join(unknown)))
        for key in ("org", "app", "client_id"):
            if row.get(key) in (None, ""):
                problems.append("%s: %s is missing" % (label, key))
        for key in ("org", "app", "client_id", "client_secret", "client_secret_hash", "credential_id", "owner"):
            if row.get(key) not in (None, "") and not isinstance(row[key], str):
                # YAML reads 0123456 as the octal number 42798 and 1e3 as 1000.0: the value sent would not be the one meant.
                problems.append("%s: %s must be text; quote it in the backup file (%s: '...'), or YAML reads it as a "
                                "number" % (label, key, key))
        has_plain, has_hash = bool(row.get("client_secret")), bool(row.get("client_secret_hash"))
        if not has_plain and not has_hash:
            problems.append("%s: the secret is missing (give client_secret or client_secret_hash)" % label)
        if has_plain and has_hash:
            problems.append("%s: give client_secret or client_secret_hash, not both" % label)
        if has_hash and not looks_hashed(row["client_secret_hash"]):
            problems.append("%s: client_secret_hash is not a Base64 SHA-256 digest (44 characters)" % label)
        key = (row.get("org"), row.get("app"), row.get("credential_id") or "default")
        if key in seen:
            problems.append("%s: duplicate of row %d (same org, app and credential)" % (label, seen[key]))
        else:
            seen[key] = index
    return problems


# ---- the API ------------------------------------------------------------------------
class ApicV5Api:
    def __init__(self, module):
        params = module.params
        self.module = module
        self.http = http_client(module, params["apic_v5_url"].rstrip("/") + "/v1/portal", PLATFORM)
        self.auth = (params["apic_v5_username"], params["apic_v5_password"])
        self.headers = {CONTEXT_HEADER: params["apic_v5_context"], "Content-Type": "application/json"}
        self.gateway = None  # a client for gateway_probe_url, made on first use

    @property
    def request_count(self):
        return self.http.request_count + (self.gateway.request_count if self.gateway else 0)

    def _call(self, method, path, label, **kwargs):
        try:
            return self.http.request(method, path, auth=self.auth, headers=self.headers, label=label, **kwargs)
        except ApiError as error:
            if error.hint is None and error.status in HINTS:
                error.hint = HINTS[error.status]
            raise

    def orgs(self):
        # The first call of every login (the portal takes Basic auth on each request): no answer twice ends it.
        return self._call("GET", "/orgs", "/v1/portal/orgs", login=True).body or []

    def apps(self, org_id):
        return self._call("GET", "/orgs/%s/apps" % org_id, "/v1/portal/orgs/{org}/apps").body or []

    def app(self, org_id, app_id):
        return self._call("GET", "/orgs/%s/apps/%s" % (org_id, app_id), "/v1/portal/orgs/{org}/apps/{app}").body or {}

    def resolve(self, org, app):
        """(org, app) objects from names or ids; ValueError with a clear reason when not found or ambiguous."""
        context = self.headers[CONTEXT_HEADER]
        try:
            org_obj = find_one(self.orgs(), org, "developer organization", "context %s (for user %s)" % (context, self.auth[0]))
            apps = self.apps(org_obj["id"])
        except ValueError:
            # The list holds only the user's own organizations: try the value as an id, so that a user who is not
            # a member gets the portal's 403 rather than "not found".
            try:
                apps = self.apps(org)
            except ApiError as error:
                if error.status == 404:
                    raise ValueError("no developer organization %s in context %s that user %s can see (check the name, "
                                     "or use its owner's credentials)" % (org, context, self.auth[0]))
                raise
            org_obj = {"id": org, "name": org}
        app_obj = find_one(apps, app, "application", "developer organization %s" % org_obj["name"])
        return org_obj, app_obj

    def set_credential(self, org_id, app_id, credential_id, client_id, secret, description=None, resend=True):
        """PUT the credential; idempotent in effect (same body, same result), so a lost answer may be re-sent, unless
        ``resend`` is false (the rotation engine looks for a lost answer's effect instead, and sends nothing twice).

        Both endpoints take the Base64 SHA-256 of the secret: IBM documents it for ``.../credentials/{id}``, and seed
        004's worked example sends the hash to the default-credential ``PUT .../credentials`` (the contract left that
        one open). The portal cannot tell a hash from another string, so callers send the hash unless the operator
        says otherwise (``secret_format``), and prove the result at the gateway.
        """
        body = {"clientID": client_id, "clientSecret": secret}
        if description is not None:
            body["description"] = description
        path = "/orgs/%s/apps/%s/credentials" % (org_id, app_id)
        label = "/v1/portal/orgs/{org}/apps/{app}/credentials"
        if credential_id:
            path += "/%s" % credential_id
            label += "/{credential}"
        return self._call("PUT", path, label, json=body, idempotent=resend).body

    def reset(self, org_id, app_id, credential_id):
        """Ask the portal for a new secret; returns (client id, new plaintext secret). Never retried blindly."""
        if credential_id:
            path = "/orgs/%s/apps/%s/credentials/%s/reset-secret" % (org_id, app_id, credential_id)
            label, body = "/v1/portal/orgs/{org}/apps/{app}/credentials/{credential}/reset-secret", None
        else:
            path = "/orgs/%s/apps/%s/credentials/reset" % (org_id, app_id)
            label, body = "/v1/portal/orgs/{org}/apps/{app}/credentials/reset", {"clientSecret": True}
        response = self._call("PUT", path, label, json=body, idempotent=False).body or {}
        # Not added to no_log_values: the caller must be able to register it (its task runs with no_log).
        return response.get("clientID"), response.get("clientSecret")

    def gateway_accepts(self, probe_url, client_id, secret):
        """A call through the gateway (an API the application is subscribed to): True for 2xx, False for 401.

        The portal API cannot check a secret; the gateway is where consumers use it, so it is the proof.
        """
        if self.gateway is None:
            self.gateway = http_client(self.module, probe_url, "API Connect gateway")
        response = self.gateway.request("GET", "", headers={"X-IBM-Client-Id": client_id, "X-IBM-Client-Secret": secret},
                                        expected=(200, 204, 401, 403, 404), label="gateway_probe_url")
        if response.status in (403, 404):
            raise ValueError("gateway_probe_url answered %d: it must name an API of this catalog that the application "
                             "is subscribed to (a right client id and secret get 2xx, a wrong one 401)" % response.status)
        return response.status != 401


def secret_to_send(secret, secret_hash, secret_format):
    """What goes in ``clientSecret``: the Base64 SHA-256 (default), or the plaintext where a portal hashes itself."""
    if secret_format == "plaintext":
        if not secret:
            raise ValueError("secret_format=plaintext needs the plaintext secret (the module's secret, a backup row's "
                             "client_secret), not its hash")
        return secret
    return secret_hash or hash_secret(secret)


def app_credentials(app):
    """The credentials of an app as [{id, client_id, description, default}], the default one first.

    The default credential is the one whose client id the app's ``credentials`` object shows; no source says it is
    ``appCredentials[0]``, so position decides only when the app has no ``credentials`` object.
    """
    creds = app.get("appCredentials") or []
    default_client_id = (app.get("credentials") or {}).get("clientID")
    if not creds and app.get("credentials"):
        creds = [dict(app["credentials"], id=None)]
    rows = [{"id": c.get("id"), "client_id": c.get("clientID"), "description": c.get("description"),
             "default": c.get("clientID") == default_client_id if default_client_id else index == 0}
            for index, c in enumerate(creds)]
    return sorted(rows, key=lambda row: not row["default"])  # stable: the others keep the platform's order
