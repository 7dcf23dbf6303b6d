# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the apiops.credentials collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""MuleSoft Anypoint Platform Access Management: auth, environment clients, connected apps, pure planning.

Secrets of environment clients and connected apps are readable with an admin token, so every decision is
taken on the secret itself: rotate only while it still equals the one the operator recorded, set only when it
differs, and re-read after every write.
"""

from __future__ import annotations

import time
from urllib.parse import quote

from ansible.module_utils.basic import env_fallback

from ansible_collections.apiops.credentials.plugins.module_utils._common import ENGINE_ARGSPEC, ca_path_option, hide, http_client, state_option
from ansible_collections.apiops.credentials.plugins.module_utils._http import ApiError, paginate

PLATFORM = "Anypoint"
REGIONS = {"us": "https://anypoint.mulesoft.com", "eu": "https://eu1.anypoint.mulesoft.com",
           "gov": "https://gov.anypoint.mulesoft.com"}
# Accounts API serialises mutations on parent-org records, so 409 is retried like 429 and 5xx.
RETRY_STATUSES = (409, 429, 500, 502, 503, 504)
CONNAPP_CORE_FIELDS = ("client_name", "grant_types", "audience", "redirect_uris", "enabled", "public_keys")

# Documented in doc_fragments/anypoint.py; keep the two side by side.
ANYPOINT_AUTH_ARGSPEC = dict(
    anypoint_region=dict(type="str", default="us", choices=sorted(REGIONS), fallback=(env_fallback, ["APIOPS_ANYPOINT_REGION"])),
    anypoint_url=dict(type="str", fallback=(env_fallback, ["APIOPS_ANYPOINT_URL"])),
    anypoint_client_id=dict(type="str", fallback=(env_fallback, ["APIOPS_ANYPOINT_CLIENT_ID"])),
    anypoint_client_secret=dict(type="str", no_log=True, fallback=(env_fallback, ["APIOPS_ANYPOINT_CLIENT_SECRET"])),
    anypoint_username=dict(type="str", fallback=(env_fallback, ["APIOPS_ANYPOINT_USERNAME"])),
    anypoint_password=dict(type="str", no_log=True, fallback=(env_fallback, ["APIOPS_ANYPOINT_PASSWORD"])),
    anypoint_token=dict(type="str", no_log=True, fallback=(env_fallback, ["APIOPS_ANYPOINT_TOKEN"])),
    anypoint_organization_id=dict(type="str", fallback=(env_fallback, ["APIOPS_ANYPOINT_ORGANIZATION_ID"])),
    ca_path=ca_path_option("APIOPS_ANYPOINT_CA_PATH"),
)
# The options of the anypoint_rotation action besides connection and auth (documented in its docs module).
ROTATION_ARGSPEC = dict(ENGINE_ARGSPEC)
ROTATION_ARGSPEC.update(
    targets=dict(type="list", elements="dict", required=True, options=dict(
        environment=dict(type="str"),
        connected_app=dict(type="str"),
        business_group=dict(type="str"),
        owner_email=ENGINE_ARGSPEC["owner_email"],
    ), mutually_exclusive=[["environment", "connected_app"]], required_one_of=[["environment", "connected_app"]]),
    state=state_option(["rotate", "rollback"], "rotate"),
    revoke_tokens=dict(type="bool", default=False),
)
ANYPOINT_REQUIRED_TOGETHER = [["anypoint_client_id", "anypoint_client_secret"], ["anypoint_username", "anypoint_password"]]

HINTS = {
    401: "Anypoint refused the credentials or the token expired: check anypoint_client_id/anypoint_client_secret, "
         "anypoint_username/anypoint_password or anypoint_token, and the control plane (anypoint_region or anypoint_url)",
    403: "Not allowed: resetting or reading environment client secrets needs an Organization Administrator of the "
         "business group (an Environment Administrator is not enough), or a connected app with the scope "
         "admin:orgclients (Admin Particular Organization Clients) on that business group",
}

# MuleSoft's docs (Creating Connected Apps): "Any organization administrator of the root organization or business
# group in which the app resides can control it". No source grants that to a connected app's own token, and none
# denies it either, so a connected app login is tried, and its 403 says what certainly works.
CONNECTED_APP_403 = ("Not allowed: a connected app is managed by an Organization Administrator user of the "
                     "organization that owns it (documented); a connected app login may not be allowed to. Use "
                     "anypoint_username/anypoint_password of such a user, or anypoint_token from that user's session "
                     "when MFA is enforced")


MAYBE_RESET = ("The answer to the reset was lost, and Anypoint may still apply it: it was not sent again. Read the "
               "secret (anypoint_client_secret_info) before another reset; the rotation role does that itself")


# ---- pure functions ---------------------------------------------------------------------
def base_url(region, url):
    return (url or REGIONS[region]).rstrip("/")


def plan_rotate(current_secret, expected_secret, force):
    """(rotate?, reason). A compare-and-swap guard: rotate only while the secret is still the one recorded."""
    if force:
        return True, "force"
    if expected_secret is None:
        raise ValueError("rotating needs expected_secret (the secret you recorded, so that a re-run does not rotate "
                         "twice) or force=true")
    if current_secret == expected_secret:
        return True, "the secret is still the recorded one"
    return False, "the secret no longer matches expected_secret: it was rotated already"


def plan_set(current_secret, desired_secret):
    return (current_secret != desired_secret), ("the secret differs" if current_secret != desired_secret else "the secret already matches")


def rate_limit_wait(headers, now=None):
    """Seconds until X-RateLimit-Reset (epoch seconds), which Anypoint sends instead of Retry-After."""
    reset = headers.get("X-RateLimit-Reset")
    if reset is None:
        return None
    try:
        return max(0.0, float(reset) - (time.time() if now is None else now))
    except ValueError:
        return None


def refused_explicit_secret(error):
    """Did the control plane refuse a given secret value (roll back) rather than fail?"""
    return error.status == 400 and error.method == "PATCH"


def find_environment(environments, wanted):
    for env in environments:
        if env.get("id") == wanted or env.get("name") == wanted:
            return env
    return None


# ---- the API ------------------------------------------------------------------------
class AnypointApi:
    def __init__(self, module):
        self.module = module
        params = module.params
        self.http = http_client(module, base_url(params["anypoint_region"], params["anypoint_url"]), PLATFORM,
                                retry_statuses=RETRY_STATUSES, wait_hint=rate_limit_wait)
        self._token = params["anypoint_token"]
        self._me = None

    def token(self):
        if self._token:
            return self._token
        params = self.module.params
        if params["anypoint_client_id"]:
            form = {"grant_type": "client_credentials", "client_id": params["anypoint_client_id"],
                    "client_secret": params["anypoint_client_secret"]}
            response = self.http.request("POST", "/accounts/api/v2/oauth2/token", data=form, expected=(200, 400, 401),
                                         idempotent=True, login=True)
            who, options = "connected app %s" % params["anypoint_client_id"], "anypoint_client_id and anypoint_client_secret"
        elif params["anypoint_username"]:
            body = {"username": params["anypoint_username"], "password": params["anypoint_password"]}
            response = self.http.request("POST", "/accounts/login", json=body, expected=(200, 401, 403), idempotent=True,
                                         login=True)
            who, options = "user %s" % params["anypoint_username"], "anypoint_username and anypoint_password (MFA users need a connected app)"
        else:
            raise ApiError(PLATFORM, "POST", "/accounts/api/v2/oauth2/token", description="no credentials given",
                           hint="Set anypoint_client_id and anypoint_client_secret (a connected app, preferred), "
                                "anypoint_username and anypoint_password, or anypoint_token")
        body = response.body or {}
        if response.status != 200 or not body.get("access_token"):
            raise ApiError(PLATFORM, "POST", "/accounts/api/v2/oauth2/token" if params["anypoint_client_id"] else "/accounts/login",
                           status=response.status, code=body.get("error"),
                           description=body.get("error_description") or body.get("message"),
                           hint="Anypoint did not issue a token to %s at %s: check %s, and that the account lives in "
                                "that control plane (anypoint_region us, eu or gov; anypoint_url for any other, such "
                                "as a private or regional one)" % (who, self.http.base_url, options))
        self._token = body["access_token"]
        hide(self.module, self._token)
        return self._token

    def _call(self, method, path, label, **kwargs):
        headers = {"Authorization": "Bearer %s" % self.token()}
        try:
            return self.http.request(method, path, headers=headers, label=label, **kwargs)
        except ApiError as error:
            if error.hint is None and error.status == 403 and "/connectedApplications/" in label:
                error.hint = CONNECTED_APP_403
            if error.hint is None and error.status in HINTS:
                error.hint = HINTS[error.status]
            raise

    # -- organizations and environments
    def me(self):
        if self._me is None:
            self._me = self._call("GET", "/accounts/api/me", "/accounts/api/me").body or {}
        return self._me

    def root_org_id(self):
        if self.module.params["anypoint_organization_id"]:
            return self.module.params["anypoint_organization_id"]
        me = self.me()
        org_id = (me.get("client") or {}).get("org_id") or ((me.get("user") or {}).get("organization") or {}).get("id")
        if not org_id:
            raise ValueError("cannot tell the organization from /accounts/api/me: set anypoint_organization_id")
        return org_id

    def organization(self, org_id):
        return self._call("GET", "/accounts/api/organizations/%s" % quote(org_id, safe=""), "/accounts/api/organizations/{org}").body

    def business_group(self, wanted):
        """The business group (org) whose id or name is ``wanted``, searched from the root org down."""
        root = self.organization(self.root_org_id())
        if not wanted or wanted in (root["id"], root["name"]):
            return root
        queue, seen = list(root.get("subOrganizationIds") or []), set()
        while queue:
            org_id = queue.pop(0)
            if org_id in seen:
                continue
            seen.add(org_id)
            if org_id == wanted:
                return self.organization(org_id)
            org = self.organization(org_id)
            if org["name"] == wanted:
                return org
            queue.extend(org.get("subOrganizationIds") or [])
        raise ValueError("no business group %s under organization %s" % (wanted, root["name"]))

    def environments(self, org_id, name=None):
        path = "/accounts/api/organizations/%s/environments" % quote(org_id, safe="")

        def fetch(offset, limit):
            params = {"offset": offset, "limit": limit}
            if name:
                params["name"] = name
            body = self._call("GET", path, "/accounts/api/organizations/{org}/environments", params=params).body or {}
            return body.get("data", []), body.get("total")
        return list(paginate(fetch, 500, what="environments"))

    def environment(self, org, wanted):
        """The environment of business group ``org`` whose name or id is ``wanted``; ValueError otherwise."""
        found = find_environment(self.environments(org["id"], name=wanted), wanted)
        if found is not None:
            return found
        everything = self.environments(org["id"])  # not a name: maybe an id; and the names for the message
        found = find_environment(everything, wanted)
        if found is None:
            names = ", ".join(sorted(e["name"] for e in everything)) or "none"
            raise ValueError("no environment %s in business group %s (its environments: %s)" % (wanted, org["name"], names))
        return found

    # -- environment (and organization) clients
    def _client_path(self, org_id, client_id):
        return "/accounts/api/organizations/%s/clients/%s" % (quote(org_id, safe=""), quote(client_id, safe=""))

    def client_secret(self, org_id, client_id):
        body = self._call("GET", self._client_path(org_id, client_id), "/accounts/api/organizations/{org}/clients/{client}").body or {}
        secret = body.get("client_secret")
        if not secret:
            raise ApiError(PLATFORM, "GET", "/accounts/api/organizations/{org}/clients/{client}",
                           description="the answer holds no client_secret",
                           hint="The token may read the client but not its secret: use an Organization Administrator "
                                "or a connected app with admin:orgclients")
        hide(self.module, secret)
        return secret

    def reset_client_secret(self, org_id, client_id, old=None):
        """PATCH ?resetSecret=true and read the new secret back.

        Never sent twice: after a lost answer (or a 5xx) the secret is read once; a changed one means the reset
        landed. An unchanged one does not mean it will not land later (a second reset would then be overwritten by
        the first), so the error says the reset may still land; the caller reads the platform before resetting again
        (the rotation engine watches for it, and a later run takes it up). ``old`` is the secret read just before,
        when the caller has it.
        """
        old = old or self.client_secret(org_id, client_id)
        try:
            self._call("PATCH", self._client_path(org_id, client_id) + "?resetSecret=true",
                       "/accounts/api/organizations/{org}/clients/{client}?resetSecret=true", idempotent=False)
        except ApiError as error:
            if not error.maybe_applied:
                raise
            now = self.client_secret(org_id, client_id)
            if now != old:
                return now  # it landed; only its answer was lost
            error.hint = MAYBE_RESET
            raise
        return self.client_secret(org_id, client_id)

    def set_client_secret(self, org_id, client_id, secret, read_back=True, resend=True):
        """Set an environment secret and read it back (the caller compares: a write is proven, never trusted).

        ``read_back=False``: the caller proves the secret with the platform's own validation next, which proves more
        than a read (that it authenticates), so the read is left out and ``secret`` is returned.

        Seed 000 documents the roll back as ``PATCH .../clients/{client}`` with ``{"client_secret"}`` and no query
        parameter, so that form goes first; a 400 to it is answered with the ``?resetSecret=false`` form that the
        reset's own parameter suggests. Both send the same value: safe to repeat after a lost answer. The rotation
        engine passes ``resend=False``: it proves a change whose answer was lost with the platform's validation of the
        new secret, and sends nothing twice.
        """
        path, label = self._client_path(org_id, client_id), "/accounts/api/organizations/{org}/clients/{client}"
        try:
            self._call("PATCH", path, label, json={"client_secret": secret}, idempotent=resend)
        except ApiError as error:
            if error.status != 400:
                raise
            self._call("PATCH", path + "?resetSecret=false", label + "?resetSecret=false",
                       json={"client_secret": secret}, idempotent=resend)
        return self.client_secret(org_id, client_id) if read_back else secret

    def validate_client(self, org_id, client_id, secret):
        response = self._call("POST", "/accounts/api/organizations/%s/clients/validate" % quote(org_id, safe=""),
                              "/accounts/api/organizations/{org}/clients/validate",
                              json={"client_id": client_id, "client_secret": secret}, expected=(200, 400, 401, 404), idempotent=True)
        return response.status == 200

    # -- connected apps
    def _app_path(self, org_id, client_id):
        return "/accounts/api/organizations/%s/connectedApplications/%s" % (quote(org_id, safe=""), quote(client_id, safe=""))

    def connected_app(self, org_id, client_id):
        response = self._call("GET", self._app_path(org_id, client_id) + "?includeUsage=false",
                              "/accounts/api/organizations/{org}/connectedApplications/{client}", expected=(200, 404))
        if response.status == 404:
            raise ValueError("no connected app %s in organization %s" % (client_id, org_id))
        hide(self.module, (response.body or {}).get("client_secret"))
        return response.body

    def patch_connected_app(self, org_id, app, reset=False, secret=None, resend=True):
        """PATCH the app with its core fields sent back (a minimal body is UNCONFIRMED) plus the secret."""
        body = {field: app[field] for field in CONNAPP_CORE_FIELDS if field in app}
        path = self._app_path(org_id, app["client_id"])
        label = "/accounts/api/organizations/{org}/connectedApplications/{client}"
        if reset:
            try:  # never sent twice (see reset_client_secret)
                updated = self._call("PATCH", path + "?resetSecret=true", label + "?resetSecret=true", json=body,
                                     idempotent=False).body
            except ApiError as error:
                if not error.maybe_applied:
                    raise
                now = self.connected_app(org_id, app["client_id"])
                if now.get("client_secret") != app.get("client_secret"):
                    return now  # it landed; only its answer was lost
                error.hint = MAYBE_RESET
                raise
        else:
            body["client_secret"] = secret
            updated = self._call("PATCH", path, label, json=body, idempotent=resend).body
        return self.connected_app(org_id, app["client_id"]) if not updated or "client_secret" not in updated else updated

    def revoke_connected_app_tokens(self, org_id, client_id):
        self._call("DELETE", self._app_path(org_id, client_id) + "/revoke",
                   "/accounts/api/organizations/{org}/connectedApplications/{client}/revoke", expected=(200, 204))

    def connected_app_secret_works(self, client_id, secret):
        form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
        response = self.http.request("POST", "/accounts/api/v2/oauth2/token", data=form, expected=(200, 400, 401), idempotent=True)
        hide(self.module, (response.body or {}).get("access_token"))
        if response.status == 400:
            raise ApiError(PLATFORM, "POST", "/accounts/api/v2/oauth2/token", status=400,
                           description="the connected app cannot use the client_credentials grant",
                           hint="Only client_credentials connected apps can be verified by getting a token")
        return response.status == 200
