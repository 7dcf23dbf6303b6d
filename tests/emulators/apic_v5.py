# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""IBM API Connect v5 Developer Portal REST API emulator (``/v1/portal``), per ``shared/contracts/apic.md`` part B.

    python -m tests.emulators.apic_v5 --seed tests/emulators/seeds/apic_v5.json

Where the contract says UNCONFIRMED this emulator picks the most plausible answer,
and the modules are written so that each choice is one place to change:

==========================================  ===============================================
question (UNCONFIRMED)                      switch: answers (default first)
==========================================  ===============================================
error body shape                            ``error_body``: ``json`` (``{"message": "<text>"}``) or
                                            ``text`` (the same words as text/plain)
missing ``X-IBM-APIManagement-Context``     ``missing_context_status``: 400 or 404 (no module
                                            leaves the header out: it is a required option)
unknown context                             ``unknown_context_status``: 404 or 400 "Unknown API
                                            Management context <ctx>"
default-credential PUT takes the hash       ``default_put_secret``: ``hash`` (seed 004's worked
                                            example sends the hash there) or ``plaintext`` (the
                                            portal hashes what it gets: a hash sent there
                                            breaks the app, which only the gateway can tell)
a secret that is not Base64(SHA-256)        ``reject_non_hash_secret``: false (the portal cannot
                                            tell and stores it, which breaks the app at the
                                            gateway) or true (400 "clientSecret must be a Base64
                                            encoded SHA-256 hash ...")
where the default credential is listed      ``default_credential_position``: ``first`` or
in ``appCredentials``                       ``last``; the app's ``credentials`` object names it
                                            by ``clientID`` either way
duplicate clientID in the catalog           ``duplicate_client_id_status``: 409 or 400 "A
                                            credential with clientID <id> already exists"
==========================================  ===============================================

Switches: ``--config`` or ``POST /_emulator/config``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
import sys
import uuid
from datetime import datetime, timezone

from tests.emulators.framework import Emulator, HttpError, Response, main, route

MASKED = "*" * 44
CONTEXT_HEADER = "x-ibm-apimanagement-context"


def secret_hash(plaintext):
    """What the portal stores and expects: Base64 of the SHA-256 digest of the plaintext secret."""
    return base64.b64encode(hashlib.sha256(plaintext.encode("utf-8")).digest()).decode("ascii")


def is_hash(value):
    if not isinstance(value, str) or len(value) != 44:
        return False
    try:
        return len(base64.b64decode(value, validate=True)) == 32
    except (binascii.Error, ValueError):
        return False


def new_id():
    return uuid.uuid4().hex[:24]


def error(status, message):
    return HttpError(status, {"message": message})


class ApicV5Emulator(Emulator):
    name = "apic_v5"

    def default_config(self):
        return {"error_body": "json", "missing_context_status": 400, "unknown_context_status": 404,
                "default_put_secret": "hash", "reject_non_hash_secret": False, "default_credential_position": "first",
                "duplicate_client_id_status": 409}

    def decorate(self, request, response):
        if response.status >= 400 and self.config["error_body"] == "text" and isinstance(response.body, dict):
            response.body = str(response.body.get("message", ""))
            response.headers["Content-Type"] = "text/plain;charset=UTF-8"

    def load(self, seed):
        self.users = {u["username"]: u["password"] for u in seed.get("users", [])}
        self.remember_secret(*self.users.values())
        self.contexts = {}
        for context in seed.get("contexts", []):
            orgs = {}
            for org in context.get("orgs", []):
                org_id = org.get("id") or new_id()
                apps = {}
                for app in org.get("apps", []):
                    app_id = app.get("id") or new_id()
                    credentials = []
                    for cred in app.get("credentials", [{}]):
                        plaintext = cred.get("clientSecret") or secrets.token_urlsafe(36)
                        self.remember_secret(plaintext, secret_hash(plaintext))
                        credentials.append({"id": cred.get("id") or new_id(), "clientID": cred.get("clientID") or str(uuid.uuid4()),
                                            "hash": secret_hash(plaintext), "description": cred.get("description", "Default")})
                    stamp = self._now()
                    apps[app_id] = {"id": app_id, "name": app["name"], "orgID": org_id, "type": "PRODUCTION",
                                    "description": app.get("description", ""), "public": False, "credentials": credentials,
                                    "createdAt": stamp, "updatedAt": stamp}
                orgs[org_id] = {"id": org_id, "name": org["name"], "owner": org["owner"],
                                "members": list({org["owner"], *org.get("members", [])}), "apps": apps}
            self.contexts[context["name"]] = orgs

    def dump(self):
        return {name: {org["name"]: {"id": org["id"], "apps": {app["name"]: {
            "id": app["id"],
            "credentials": [{"id": c["id"], "clientID": c["clientID"], "fingerprint": c["hash"][:12]} for c in app["credentials"]]}
            for app in org["apps"].values()}} for org in orgs.values()} for name, orgs in self.contexts.items()}

    def secret_fingerprints(self):
        return {"%s/%s/%s/%s" % (context, org["name"], app["name"], cred["id"]): {cred["hash"]}
                for context, orgs in self.contexts.items() for org in orgs.values() for app in org["apps"].values()
                for cred in app["credentials"]}

    def fingerprint(self, secret):
        return secret_hash(secret)

    def _now(self):
        return datetime.fromtimestamp(self.clock.now(), timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000+0000")

    # ---- request context -------------------------------------------------------------
    def _caller(self, request):
        """(username, orgs of the context) after Basic auth and the context header."""
        credentials = request.basic_auth(url_decode=False)
        if not credentials or self.users.get(credentials[0]) != credentials[1]:
            raise error(401, "Authentication failed")
        context = request.headers.get(CONTEXT_HEADER)
        if not context:
            raise error(int(self.config["missing_context_status"]), "Missing X-IBM-APIManagement-Context header")
        if context not in self.contexts:
            raise error(int(self.config["unknown_context_status"]), "Unknown API Management context %s" % context)
        return credentials[0], self.contexts[context]

    def _org(self, request):
        user, orgs = self._caller(request)
        org = orgs.get(request.params["org_id"])
        if org is None:
            raise error(404, "Organization %s not found" % request.params["org_id"])
        if user not in org["members"]:
            raise error(403, "Authenticated user is not a member of orgs/%s" % org["id"])
        return org, orgs

    def _app(self, request):
        org, orgs = self._org(request)
        app = org["apps"].get(request.params["app_id"])
        if app is None:
            raise error(404, "Application %s not found" % request.params["app_id"])
        return app, org, orgs

    def _base(self, request):
        return "http://%s/v1/portal" % request.headers.get("host", "localhost")

    def _credential_view(self, request, app, cred, plaintext=None):
        url = "%s/orgs/%s/apps/%s/credentials/%s" % (self._base(request), app["orgID"], app["id"], cred["id"])
        return {"id": cred["id"], "description": cred["description"], "url": url, "clientID": cred["clientID"],
                "clientSecret": plaintext or MASKED}

    def _app_view(self, request, app):
        default = app["credentials"][0]
        base = "%s/orgs/%s/apps/%s" % (self._base(request), app["orgID"], app["id"])
        return {"type": app["type"], "promoteTo": None, "id": app["id"], "name": app["name"], "orgID": app["orgID"],
                "public": app["public"], "description": app["description"],
                "credentials": {"clientID": default["clientID"], "clientSecret": MASKED,
                                "description": default["description"], "url": base + "/credentials"},
                "appCredentials": [self._credential_view(request, app, c) for c in (
                    app["credentials"] if self.config["default_credential_position"] == "first"
                    else app["credentials"][1:] + app["credentials"][:1])],
                "enabled": True, "state": "ACTIVE", "imageURL": None, "appImageURL": None, "oauthRedirectURI": "",
                "certificate": None, "createdAt": app["createdAt"], "updatedAt": app["updatedAt"], "url": base}

    # ---- endpoints ---------------------------------------------------------------------
    @route("GET", "/v1/portal/orgs")
    def list_orgs(self, request):
        user, orgs = self._caller(request)
        wanted = request.arg("name")
        return Response(200, [{"roles": [new_id()], "id": org["id"], "name": org["name"],
                               "url": "%s/orgs/%s" % (self._base(request), org["id"]), "owner": org["owner"] == user}
                              for org in orgs.values() if user in org["members"] and (wanted is None or org["name"] == wanted)])

    @route("GET", "/v1/portal/orgs/{org_id}/apps")
    def list_apps(self, request):
        org, _orgs = self._org(request)
        return Response(200, [self._app_view(request, app) for app in org["apps"].values()])

    @route("GET", "/v1/portal/orgs/{org_id}/apps/{app_id}")
    def get_app(self, request):
        app, _org, _orgs = self._app(request)
        return Response(200, self._app_view(request, app))

    def _set_credential(self, request, app, orgs, cred, hashes_what_it_gets=False):
        body = request.json() or {}
        client_id, client_secret = body.get("clientID"), body.get("clientSecret")
        if not client_id and not client_secret:
            raise error(400, "clientID or clientSecret is required")
        if client_secret is not None and not is_hash(client_secret) and self.config["reject_non_hash_secret"]:
            raise error(400, "clientSecret must be a Base64 encoded SHA-256 hash of the plain-text client secret")
        if client_id and client_id != cred["clientID"]:
            for org in orgs.values():
                for other_app in org["apps"].values():
                    if any(c["clientID"] == client_id for c in other_app["credentials"] if c is not cred):
                        raise error(int(self.config["duplicate_client_id_status"]), "A credential with clientID %s already exists" % client_id)
            cred["clientID"] = client_id
        if client_secret:
            self.remember_secret(client_secret)
            cred["hash"] = secret_hash(client_secret) if hashes_what_it_gets else client_secret
        if "description" in body:
            cred["description"] = body["description"]
        app["updatedAt"] = self._now()
        view = self._credential_view(request, app, cred)
        return view

    @route("PUT", "/v1/portal/orgs/{org_id}/apps/{app_id}/credentials")
    def put_default_credential(self, request):
        app, _org, orgs = self._app(request)
        view = self._set_credential(request, app, orgs, app["credentials"][0],
                                    hashes_what_it_gets=self.config["default_put_secret"] == "plaintext")
        view.pop("id")
        view["url"] = view["url"].rsplit("/", 1)[0]
        return Response(200, view, {"Content-Location": view["url"]})

    @route("PUT", "/v1/portal/orgs/{org_id}/apps/{app_id}/credentials/reset")
    def reset_default_credential(self, request):
        app, _org, _orgs = self._app(request)
        body = request.json() or {}
        cred = app["credentials"][0]
        plaintext = None
        if body.get("clientSecret"):
            plaintext = secrets.token_urlsafe(36)
            self.remember_secret(plaintext, secret_hash(plaintext))
            cred["hash"] = secret_hash(plaintext)
        if body.get("clientID"):
            cred["clientID"] = str(uuid.uuid4())
        if not plaintext and not body.get("clientID"):
            raise error(400, "Nothing to reset: send clientSecret and/or clientID true")
        app["updatedAt"] = self._now()
        view = self._credential_view(request, app, cred, plaintext)
        view.pop("id")
        return Response(200, view)

    @route("PUT", "/v1/portal/orgs/{org_id}/apps/{app_id}/credentials/{cred_id}")
    def put_credential(self, request):
        app, _org, orgs = self._app(request)
        cred = next((c for c in app["credentials"] if c["id"] == request.params["cred_id"]), None)
        if cred is None:
            raise error(404, "Credential %s not found" % request.params["cred_id"])
        return Response(200, self._set_credential(request, app, orgs, cred))

    @route("PUT", "/v1/portal/orgs/{org_id}/apps/{app_id}/credentials/{cred_id}/reset-secret")
    def reset_credential_secret(self, request):
        app, _org, _orgs = self._app(request)
        cred = next((c for c in app["credentials"] if c["id"] == request.params["cred_id"]), None)
        if cred is None:
            raise error(404, "Credential %s not found" % request.params["cred_id"])
        plaintext = secrets.token_urlsafe(36)
        self.remember_secret(plaintext, secret_hash(plaintext))
        cred["hash"] = secret_hash(plaintext)
        return Response(200, self._credential_view(request, app, cred, plaintext))

    @route("GET", "/gateway/{porg}/{catalog}/{api}")
    def gateway(self, request):
        """An API behind the v5 gateway (DataPower) that checks the app's client id and secret headers.

        The gateway answers a wrong pair with 401 and a JSON body of httpCode/httpMessage/moreInformation; a right
        one reaches the API (200 here). The context is the path's ``<provider org>/<catalog>``.
        """
        client_id = request.headers.get("x-ibm-client-id")
        secret = request.headers.get("x-ibm-client-secret") or ""
        context = "%s.%s" % (request.params["porg"], request.params["catalog"])
        for org in self.contexts.get(context, {}).values():
            for app in org["apps"].values():
                for cred in app["credentials"]:
                    if cred["clientID"] == client_id and cred["hash"] == secret_hash(secret):
                        return Response(200, {"api": request.params["api"], "app": app["name"]})
        return Response(401, {"httpCode": "401", "httpMessage": "Unauthorized", "moreInformation": "Invalid client id or secret."})

    def _control(self, request):
        """Adds ``POST /_emulator/check_credentials`` {client_id, client_secret}: would the gateway accept the pair?"""
        if request.path.rstrip("/") == "/_emulator/check_credentials":
            body = request.json() or {}
            wanted = secret_hash(body.get("client_secret", ""))
            for orgs in self.contexts.values():
                for org in orgs.values():
                    for app in org["apps"].values():
                        for cred in app["credentials"]:
                            if cred["clientID"] == body.get("client_id"):
                                return Response(200, {"valid": cred["hash"] == wanted, "app": app["name"]})
            return Response(200, {"valid": False, "app": None})
        return super()._control(request)


if __name__ == "__main__":
    sys.exit(main(ApicV5Emulator))
