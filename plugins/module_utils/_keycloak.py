# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the apiops.credentials collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""Keycloak's token endpoint and the Admin REST API's client secrets: login, find a client, read, regenerate, set,
drop the rotated secret, and prove a secret with a client_credentials token.

A client is named by its ``clientId``; the Admin API addresses it by its UUID, looked up once. Keycloak shows a
confidential client's secret to a login with ``manage-clients``, so every decision is taken on the secret itself.
"""

from __future__ import annotations

import threading
from urllib.parse import quote

from ansible.module_utils.basic import env_fallback

from ansible_collections.apiops.credentials.plugins.module_utils._common import ENGINE_ARGSPEC, ca_path_option, hide, http_client, state_option
from ansible_collections.apiops.credentials.plugins.module_utils._http import ApiError

PLATFORM = "Keycloak"
ADMIN_CLI = "admin-cli"  # the public client an admin user logs in with (kcadm.sh does the same)
MASTER = "master"

# Documented in doc_fragments/keycloak.py; keep the two side by side.
KEYCLOAK_AUTH_ARGSPEC = dict(
    keycloak_url=dict(type="str", no_log=False, required=True, fallback=(env_fallback, ["APIOPS_KEYCLOAK_URL"])),
    keycloak_realm=dict(type="str", no_log=False, fallback=(env_fallback, ["APIOPS_KEYCLOAK_REALM"])),
    keycloak_auth_realm=dict(type="str", no_log=False, fallback=(env_fallback, ["APIOPS_KEYCLOAK_AUTH_REALM"])),
    keycloak_auth_client_id=dict(type="str", fallback=(env_fallback, ["APIOPS_KEYCLOAK_AUTH_CLIENT_ID"])),
    keycloak_auth_client_secret=dict(type="str", no_log=True, fallback=(env_fallback, ["APIOPS_KEYCLOAK_AUTH_CLIENT_SECRET"])),
    keycloak_auth_username=dict(type="str", no_log=False, fallback=(env_fallback, ["APIOPS_KEYCLOAK_AUTH_USERNAME"])),
    keycloak_auth_password=dict(type="str", no_log=True, fallback=(env_fallback, ["APIOPS_KEYCLOAK_AUTH_PASSWORD"])),
    keycloak_token=dict(type="str", no_log=True, fallback=(env_fallback, ["APIOPS_KEYCLOAK_TOKEN"])),
    ca_path=ca_path_option("APIOPS_KEYCLOAK_CA_PATH"),
)
# The options of the keycloak_rotation action besides connection and auth (documented in its docs module).
ROTATION_ARGSPEC = dict(ENGINE_ARGSPEC)
ROTATION_ARGSPEC.update(
    clients=dict(type="list", elements="dict", required=True, options=dict(
        client_id=dict(type="str", required=True),
        owner_email=ENGINE_ARGSPEC["owner_email"],
    )),
    state=state_option(["rotate", "rollback"], "rotate"),
    phase=dict(type="str", default="all", choices=["all", "add", "retire"]),
    min_overlap=dict(type="int", default=0),
)

HINTS = {
    401: "Keycloak refused the login's token (it may have expired, or belong to another server): check keycloak_url and "
         "the login options",
    403: "Not allowed: reading and changing client secrets needs the realm-management role manage-clients of the realm "
         "(for a login in realm master, the admin role or manage-clients of the client <realm>-realm)",
    404: "Check keycloak_url (a Keycloak before 17, or one started with --http-relative-path, needs /auth at its end) and "
         "keycloak_realm",
}


def auth_realm(params):
    """The realm the login belongs to: keycloak_auth_realm, else master for a user (admin-cli), else the client's realm."""
    if params.get("keycloak_auth_realm"):
        return params["keycloak_auth_realm"]
    if params.get("keycloak_auth_username") and not params.get("keycloak_auth_client_id"):
        return MASTER
    return params["keycloak_realm"]


def login_problem(params):
    """Why the login options cannot work, or None (the message names the options)."""
    if params.get("keycloak_token"):
        return None
    if params.get("keycloak_auth_client_id") and not params.get("keycloak_auth_client_secret") \
            and not params.get("keycloak_auth_username"):
        return "keycloak_auth_client_id needs keycloak_auth_client_secret (or a user: keycloak_auth_username and keycloak_auth_password)"
    if params.get("keycloak_auth_username") and not params.get("keycloak_auth_password"):
        return "keycloak_auth_username needs keycloak_auth_password"
    if not (params.get("keycloak_auth_client_id") or params.get("keycloak_auth_username")):
        return ("no login is given: set keycloak_auth_client_id and keycloak_auth_client_secret (a service-account client "
                "with manage-clients), keycloak_auth_username and keycloak_auth_password (an admin user), or keycloak_token")
    return None


def token_form(params):
    """(form, who) of the login's token request."""
    if params.get("keycloak_auth_username"):
        form = {"grant_type": "password", "client_id": params.get("keycloak_auth_client_id") or ADMIN_CLI,
                "username": params["keycloak_auth_username"], "password": params["keycloak_auth_password"]}
        if params.get("keycloak_auth_client_secret"):
            form["client_secret"] = params["keycloak_auth_client_secret"]
        return form, "user %s" % params["keycloak_auth_username"]
    form = {"grant_type": "client_credentials", "client_id": params["keycloak_auth_client_id"],
            "client_secret": params["keycloak_auth_client_secret"]}
    return form, "client %s" % params["keycloak_auth_client_id"]


def login_options(params):
    """The options of the login in use, for messages."""
    if params.get("keycloak_auth_username"):
        return "keycloak_auth_username and keycloak_auth_password"
    return "keycloak_auth_client_id and keycloak_auth_client_secret"


class Login:
    """The admin token, shared by every worker thread; fetched again once when Keycloak says it expired (a master
    realm token lives 60 s by default)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._token = None
        self._error = None

    def get(self, api, stale=None):
        with self._lock:
            if self._error is not None:
                raise self._error.again()
            if self._token is None or (stale is not None and self._token == stale and not api.given_token):
                try:
                    self._token = api.fetch_token()
                except ApiError as error:
                    self._error = error
                    raise
            return self._token


class KeycloakApi:
    def __init__(self, module, login=None):
        self.module = module
        params = module.params
        self.realm = params["keycloak_realm"]
        self.http = http_client(module, params["keycloak_url"], PLATFORM)
        self.given_token = params.get("keycloak_token")
        self.login = login or Login()

    def _token_path(self, realm):
        return "/realms/%s/protocol/openid-connect/token" % quote(realm, safe="")

    def fetch_token(self):
        params = self.module.params
        if self.given_token:
            hide(self.module, self.given_token)
            return self.given_token
        problem = login_problem(params)
        realm = auth_realm(params)
        label = "/realms/{realm}/protocol/openid-connect/token"
        if problem:
            raise ApiError(PLATFORM, "POST", label, description="no usable login", hint=problem[:1].upper() + problem[1:])
        form, who = token_form(params)
        response = self.http.request("POST", self._token_path(realm), data=form, expected=(200, 400, 401, 403, 404),
                                     idempotent=True, login=True, label=label)
        body = response.body if isinstance(response.body, dict) else {}
        if response.status != 200 or not body.get("access_token"):
            raise ApiError(PLATFORM, "POST", label, status=response.status, code=body.get("error"),
                           description=body.get("error_description"),
                           hint="Keycloak gave %s no token in realm %s at %s: check %s, keycloak_auth_realm (unset: master "
                                "for a user, keycloak_realm for a client) and keycloak_url"
                                % (who, realm, self.http.base_url, login_options(params)))
        hide(self.module, body["access_token"], body.get("refresh_token"))
        return body["access_token"]

    def _call(self, method, path, label, **kwargs):
        token = self.login.get(self)
        for attempt in (1, 2):
            try:
                return self.http.request(method, path, headers={"Authorization": "Bearer %s" % token}, label=label, **kwargs)
            except ApiError as error:
                if error.status == 401 and attempt == 1 and not self.given_token:
                    token = self.login.get(self, stale=token)  # expired: log in again, once
                    continue
                if error.hint is None and error.status in HINTS:
                    error.hint = HINTS[error.status]
                raise
        raise AssertionError("unreachable")

    def _clients(self):
        return "/admin/realms/%s/clients" % quote(self.realm, safe="")

    # -- clients and their secrets
    def find_client(self, client_id):
        """The client representation of ``client_id`` in the realm, or None."""
        found = self._call("GET", self._clients(), "/admin/realms/{realm}/clients", params={"clientId": client_id}).body or []
        found = [client for client in found if client.get("clientId") == client_id]
        return found[0] if found else None

    def client(self, uuid):
        return self._call("GET", "%s/%s" % (self._clients(), quote(uuid, safe="")), "/admin/realms/{realm}/clients/{id}").body or {}

    def _secret_path(self, uuid, rotated=False):
        return "%s/%s/client-secret%s" % (self._clients(), quote(uuid, safe=""), "/rotated" if rotated else "")

    @staticmethod
    def _label(rotated=False):
        return "/admin/realms/{realm}/clients/{id}/client-secret" + ("/rotated" if rotated else "")

    def secret(self, uuid):
        """The client's current secret (None for a client without one)."""
        body = self._call("GET", self._secret_path(uuid), self._label()).body or {}
        value = body.get("value")
        hide(self.module, value)
        return value

    def regenerate(self, uuid):
        """POST client-secret: Keycloak makes a new secret and answers with it (never sent twice: not idempotent)."""
        body = self._call("POST", self._secret_path(uuid), self._label(), idempotent=False).body or {}
        value = body.get("value")
        hide(self.module, value)
        return value

    def set_secret(self, uuid, secret):
        """PUT the client with a chosen ``secret`` (Keycloak honours it), then read the secret back."""
        hide(self.module, secret)
        self._call("PUT", "%s/%s" % (self._clients(), quote(uuid, safe="")), "/admin/realms/{realm}/clients/{id}",
                   json={"secret": secret}, expected=(200, 204))
        return self.secret(uuid)

    def rotated_secret(self, uuid):
        """The rotated (previous) secret the realm's secret rotation policy keeps, or None."""
        response = self._call("GET", self._secret_path(uuid, True), self._label(True), expected=(200, 404))
        if response.status == 404:
            return None
        value = (response.body or {}).get("value")
        hide(self.module, value)
        return value

    def drop_rotated(self, uuid):
        self._call("DELETE", self._secret_path(uuid, True), self._label(True), expected=(200, 204))

    def secret_works(self, client_id, secret):
        """Does Keycloak give ``client_id`` a client_credentials token for ``secret``? (The client needs a service account.)"""
        if not secret:
            return False
        response = self.http.request("POST", self._token_path(self.realm), label="/realms/{realm}/protocol/openid-connect/token",
                                     data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
                                     expected=(200, 400, 401), idempotent=True)
        body = response.body if isinstance(response.body, dict) else {}
        hide(self.module, body.get("access_token"))
        if response.status == 200 and body.get("access_token"):
            return True
        if response.status == 401 and body.get("error") in ("unauthorized_client", "invalid_client"):
            return False
        raise ApiError(PLATFORM, "POST", "/realms/{realm}/protocol/openid-connect/token", status=response.status,
                       code=body.get("error"), description=body.get("error_description"),
                       hint="Keycloak answered the proof of client %s neither with a token nor with a refusal of its "
                            "secret" % client_id)
