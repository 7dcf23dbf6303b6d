# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the apiops.credentials collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""Cloud Foundry UAA: authentication, the client API, and pure planning functions.

Behaviour follows the UAA contract (client admin endpoints): PUT merges lists
and never stores a secret, lists are sets, ``resource_ids`` and the
``uaa.none`` defaults are filled in by the server, and ``/secret`` changes the
secret in UPDATE, ADD or DELETE mode.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit, urlunsplit

from ansible.module_utils.basic import env_fallback

from ansible_collections.apiops.credentials.plugins.module_utils._common import ENGINE_ARGSPEC, MASK, ca_path_option, hide, http_client, state_option
from ansible_collections.apiops.credentials.plugins.module_utils._http import ApiError, paginate

PLATFORM = "UAA"

# Documented in doc_fragments/uaa.py; keep the two side by side.
UAA_AUTH_ARGSPEC = dict(
    uaa_url=dict(type="str", required=True, fallback=(env_fallback, ["APIOPS_UAA_URL"])),
    uaa_auth_client_id=dict(type="str", fallback=(env_fallback, ["APIOPS_UAA_AUTH_CLIENT_ID"])),
    uaa_auth_client_secret=dict(type="str", no_log=True, fallback=(env_fallback, ["APIOPS_UAA_AUTH_CLIENT_SECRET"])),
    uaa_auth_username=dict(type="str", fallback=(env_fallback, ["APIOPS_UAA_AUTH_USERNAME"])),
    uaa_auth_password=dict(type="str", no_log=True, fallback=(env_fallback, ["APIOPS_UAA_AUTH_PASSWORD"])),
    uaa_login_client_id=dict(type="str", default="cf", fallback=(env_fallback, ["APIOPS_UAA_LOGIN_CLIENT_ID"])),
    uaa_login_client_secret=dict(type="str", default="", no_log=True, fallback=(env_fallback, ["APIOPS_UAA_LOGIN_CLIENT_SECRET"])),
    uaa_token=dict(type="str", no_log=True, fallback=(env_fallback, ["APIOPS_UAA_TOKEN"])),
    identity_zone_subdomain=dict(type="str", fallback=(env_fallback, ["APIOPS_UAA_ZONE_SUBDOMAIN"])),
    identity_zone_url=dict(type="str", fallback=(env_fallback, ["APIOPS_UAA_ZONE_URL"])),
    uaa_auth_zone=dict(type="str", default="default", choices=["default", "target"],
                       fallback=(env_fallback, ["APIOPS_UAA_AUTH_ZONE"])),
    ca_path=ca_path_option("APIOPS_UAA_CA_PATH"),
)
# The options of the uaa_rotation action besides connection and auth (documented in its docs module).
ROTATION_STRATEGIES = ["admin", "dual", "grant_dance"]
ROTATION_ARGSPEC = dict(ENGINE_ARGSPEC)
ROTATION_ARGSPEC.update(
    clients=dict(type="list", elements="dict", required=True, options=dict(
        client_id=dict(type="str", required=True),
        strategy=dict(type="str", choices=ROTATION_STRATEGIES),
        identity_zone_subdomain=dict(type="str"),
        identity_zone_url=dict(type="str"),
        current_secret=dict(type="str", no_log=True),
        owner_email=ENGINE_ARGSPEC["owner_email"],
    )),
    strategy=dict(type="str", default="admin", choices=ROTATION_STRATEGIES),
    state=state_option(["rotate", "rollback"], "rotate"),
    phase=dict(type="str", default="all", choices=["all", "add", "retire"]),
    min_overlap=dict(type="int", default=0),
    secret_length=dict(type="int", default=40, no_log=False),
    secret_chars=dict(type="list", elements="str", default=["ascii_letters", "digits"], no_log=False),
)
UAA_REQUIRED_TOGETHER = [["uaa_auth_client_id", "uaa_auth_client_secret"], ["uaa_auth_username", "uaa_auth_password"]]

# Client fields the modules manage. Lists are compared as sets (UAA does not keep order).
LIST_FIELDS = ("scope", "authorities", "authorized_grant_types", "resource_ids", "redirect_uri", "autoapprove",
               "allowedproviders", "required_user_groups")
SCALAR_FIELDS = ("name", "access_token_validity", "refresh_token_validity")
READ_ONLY_FIELDS = ("lastModified", "approvals_deleted", "client_secret", "secondary_client_secret")
SECRET_MODES = ("update", "add", "delete_old")

HINTS = {
    401: "UAA refused the module's credentials: check uaa_auth_client_id/uaa_auth_client_secret, "
         "uaa_auth_username/uaa_auth_password or uaa_token",
    403: "The token lacks a scope for this call: use a client or user with clients.admin or uaa.admin "
         "(zones.<id>.admin for another zone); clients.write alone cannot manage secrets or non-default authorities",
}


# ---- pure planning functions (unit-tested without a server) ---------------------------
def as_set(value):
    """A sorted list of unique strings from a list or a comma/space separated string (UAA accepts both)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return ["true"] if value else []
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    return sorted({str(item).strip() for item in value if str(item).strip()})


def expand_grants(grants):
    """UAA adds refresh_token to clients that have authorization_code or password."""
    grants = as_set(grants)
    if grants and ("authorization_code" in grants or "password" in grants) and "refresh_token" not in grants:
        grants = sorted(grants + ["refresh_token"])
    return grants


def normalise_client(raw):
    """The comparable view of a client as UAA returns it: sets for lists, no read-only fields."""
    client = {"client_id": raw.get("client_id")}
    for field in LIST_FIELDS:
        if field in raw:
            client[field] = as_set(raw[field])
    for field in SCALAR_FIELDS:
        if raw.get(field) is not None:
            client[field] = raw[field]
    return client


def desired_client(params):
    """Only the fields the task sets; None means 'leave as it is'."""
    desired = {}
    for field in LIST_FIELDS:
        if params.get(field) is not None:
            desired[field] = as_set(params[field])
    if "authorized_grant_types" in desired:
        desired["authorized_grant_types"] = expand_grants(desired["authorized_grant_types"])
    for field in SCALAR_FIELDS:
        if params.get(field) is not None:
            desired[field] = params[field]
    return desired


def creation_defaults(desired):
    """What UAA stores for fields a create leaves out."""
    client = dict(desired)
    client.setdefault("scope", ["uaa.none"])
    client.setdefault("authorities", ["uaa.none"])
    client["resource_ids"] = ["none"]
    return client


def plan_client_update(current, desired):
    """Fields (before, after) that differ between the normalised current client and the desired fields."""
    changes = {}
    for field, wanted in desired.items():
        have = current.get(field)
        if field in LIST_FIELDS:
            have = have or []
        if have != wanted:
            changes[field] = (current.get(field), wanted)
    return changes


def validate_secret(secret, name="secret"):
    """Reject secrets UAA would store but nobody should use (5.4: empty works, absent clears)."""
    if secret is None:
        return None
    if secret == "" or secret.strip() == "":
        return "%s must not be empty: UAA would store an empty secret that authenticates anyone who knows the client id" % name
    if secret != secret.strip():
        return "%s must not start or end with white space" % name
    return None


def plan_secret(mode, new_works, old_secret_given, old_works):
    """The /secret call needed for ``mode``, or None; raises ValueError when it would be unsafe.

    ``new_works``/``old_works``: does the candidate/old secret authenticate now.
    * update: make the new secret the only one;
    * add: the new secret next to the current one (zero-downtime first half);
    * delete_old: retire the older of two secrets, keeping the new one.
    """
    if mode == "update":
        if not new_works:
            return "UPDATE"
        return "UPDATE" if (old_secret_given and old_works) else None
    if mode == "add":
        return None if new_works else "ADD"
    if mode == "delete_old":
        if not new_works:
            raise ValueError("the new secret does not authenticate, so the older secret is not retired: "
                             "it may be the only working one. Add the new secret first (secret_mode=add)")
        return "DELETE" if old_works else None
    raise ValueError("unknown secret_mode %s" % mode)


def secret_diff(action, secret_count_before=None):
    """Masked before/after of the client's secrets for diff mode."""
    before = [MASK] * (secret_count_before or 1)
    if action == "UPDATE":
        return before, [MASK + " (new)"]
    if action == "ADD":
        return before[:1], [MASK, MASK + " (new)"]
    if action == "DELETE":
        return [MASK + " (old)", MASK], [MASK]
    if action == "CREATE":
        return [], [MASK + " (new)"]
    return before, before


# ---- the API ------------------------------------------------------------------------
class UaaApi:
    """UAA client administration over the shared HTTP client."""

    def __init__(self, module):
        self.module = module
        params = module.params
        self.url = params["uaa_url"].rstrip("/")
        self.zone = params["identity_zone_subdomain"]
        self.zone_url = (params["identity_zone_url"] or self._derive_zone_url(self.url, self.zone)).rstrip("/")
        self.auth_in_zone = params["uaa_auth_zone"] == "target" and bool(self.zone)
        self.http = http_client(module, self.zone_url if self.auth_in_zone else self.url, PLATFORM)
        self.token_http = http_client(module, self.zone_url, PLATFORM)
        self._token = params["uaa_token"]
        self.scopes = None  # the scopes UAA granted the token it issued here (None: a given token, or none yet)

    @staticmethod
    def _derive_zone_url(url, subdomain):
        """UAA serves a zone at <subdomain>.<uaa host>."""
        if not subdomain:
            return url
        parts = urlsplit(url)
        return urlunsplit((parts.scheme, "%s.%s" % (subdomain, parts.netloc), parts.path, "", ""))

    # -- tokens
    def _request_token(self, http, client_id, client_secret, form, login=False):
        # RFC 6749 2.3.1: percent-encode before Basic, UAA always decodes (a raw '+' would become a space).
        auth = (quote(client_id, safe=""), quote(client_secret or "", safe=""))
        response = http.request("POST", "/oauth/token", data=form, auth=auth, expected=(200, 400, 401),
                                idempotent=True, label="/oauth/token", login=login)
        body = response.body or {}
        if response.status != 200:
            return None, body
        for field in ("access_token", "refresh_token", "id_token"):  # a password grant answers with a refresh token too
            hide(self.module, body.get(field))
        return body.get("access_token"), body

    def token(self):
        if self._token:
            return self._token
        params = self.module.params
        token_http = self.token_http if self.auth_in_zone else self.http
        if params["uaa_auth_client_id"]:
            who = "client %s" % params["uaa_auth_client_id"]
            token, body = self._request_token(token_http, params["uaa_auth_client_id"], params["uaa_auth_client_secret"],
                                              {"grant_type": "client_credentials"}, login=True)
            option_hint = "check uaa_auth_client_id and uaa_auth_client_secret"
        elif params["uaa_auth_username"]:
            who = "user %s (through login client %s)" % (params["uaa_auth_username"], params["uaa_login_client_id"])
            token, body = self._request_token(token_http, params["uaa_login_client_id"], params["uaa_login_client_secret"],
                                              {"grant_type": "password", "username": params["uaa_auth_username"],
                                               "password": params["uaa_auth_password"]}, login=True)
            option_hint = "check uaa_auth_username, uaa_auth_password and uaa_login_client_id/uaa_login_client_secret"
        else:
            raise ApiError(PLATFORM, "POST", "/oauth/token", description="no credentials given",
                           hint="Set uaa_auth_client_id and uaa_auth_client_secret, uaa_auth_username and uaa_auth_password, "
                                "or uaa_token (or their APIOPS_UAA_* environment variables)")
        if token is None:
            raise ApiError(PLATFORM, "POST", "/oauth/token", status=401 if body.get("error") != "invalid_scope" else 400,
                           code=body.get("error"), description=body.get("error_description"),
                           hint="UAA did not issue a token to %s: %s" % (who, option_hint))
        self._token = token
        if isinstance(body.get("scope"), str):
            self.scopes = set(body["scope"].split())
        return token

    def _headers(self):
        headers = {"Authorization": "Bearer %s" % self.token()}
        if self.zone and not self.auth_in_zone:
            headers["X-Identity-Zone-Subdomain"] = self.zone
        return headers

    def _call(self, method, path, label, expected=(200,), **kwargs):
        try:
            return self.http.request(method, path, headers=self._headers(), expected=expected, label=label, **kwargs)
        except ApiError as error:
            if error.hint is None and error.status in HINTS:
                error.hint = HINTS[error.status]
            raise

    # -- clients
    def get_client(self, client_id):
        """The client as UAA returns it, or None when it does not exist."""
        response = self._call("GET", "/oauth/clients/%s" % quote(client_id, safe=""), "/oauth/clients/{client_id}",
                              expected=(200, 404))
        return response.body if response.status == 200 else None

    def list_clients(self, page_size=100, filter_expression=None):
        def fetch(offset, limit):
            params = {"startIndex": offset + 1, "count": limit}
            if filter_expression:
                params["filter"] = filter_expression
            body = self._call("GET", "/oauth/clients", "/oauth/clients", params=params).body or {}
            return body.get("resources", []), body.get("totalResults")
        return list(paginate(fetch, page_size, what="UAA clients"))

    def create_client(self, body):
        client_id = body["client_id"]
        response = self._call("POST", "/oauth/clients", "/oauth/clients", json=body, expected=(201,),
                              confirm=lambda: self.get_client(client_id) is not None)
        return response.body if not response.confirmed else self.get_client(client_id)

    def update_client(self, client_id, body, confirm=None):
        """PUT the client. With ``confirm``, a lost answer is settled by ``confirm()`` before any retry (it may also
        note that an answer was lost: that request can still be applied later)."""
        body = dict(body, client_id=client_id)
        return self._call("PUT", "/oauth/clients/%s" % quote(client_id, safe=""), "/oauth/clients/{client_id}",
                          json=body, idempotent=confirm is None, confirm=confirm).body

    def delete_client(self, client_id):
        self._call("DELETE", "/oauth/clients/%s" % quote(client_id, safe=""), "/oauth/clients/{client_id}",
                   expected=(200, 404))

    def change_secret(self, client_id, mode, secret=None, old_secret=None, confirm=None):
        """PUT /secret; UPDATE and ADD re-hash, so a lost answer is re-checked with ``confirm`` before any retry."""
        body = {"clientId": client_id, "changeMode": mode}
        if secret is not None:
            body["secret"] = secret
        if old_secret is not None:
            body["oldSecret"] = old_secret
        try:
            return self._call("PUT", "/oauth/clients/%s/secret" % quote(client_id, safe=""),
                              "/oauth/clients/{client_id}/secret", json=body, idempotent=False, confirm=confirm).body
        except ApiError as error:
            if error.description == "Only a client can change client secret":
                error.hint = ("This UAA (before v74) lets only a client token change a secret: authenticate as a client "
                              "(uaa_auth_client_id) or use the uaa_secret_rotation role with strategy grant_dance")
            elif error.status == 403:
                error.hint = ("Changing a secret needs clients.secret (own secret, with old_secret), clients.admin, "
                              "uaa.admin or zones.<id>.admin in the token")
            raise

    def secret_works(self, client_id, secret):
        """Does ``secret`` authenticate ``client_id``? Asks the token endpoint; nothing is changed.

        A 401 "Unauthorized grant type" means the credentials were accepted but
        the client lacks client_credentials, so the secret is right (derived
        from UAA's authentication order: client authentication, then grant check).
        """
        if not secret:
            return False
        token, body = self._request_token(self.token_http, client_id, secret, {"grant_type": "client_credentials"})
        if token:
            return True
        description = body.get("error_description") or ""
        if description.startswith("Unauthorized grant type"):
            return True
        if description in ("Bad credentials", "Missing credentials") or body.get("error") in ("invalid_client", "unauthorized"):
            return False
        raise ApiError(PLATFORM, "POST", "/oauth/token", status=400, code=body.get("error"), description=description,
                       hint="UAA answered in an unexpected way while checking a secret of client %s" % client_id)
