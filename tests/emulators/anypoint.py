# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""MuleSoft Anypoint Platform Access Management emulator, per ``shared/contracts/anypoint.md`` section 7.

    python -m tests.emulators.anypoint --seed tests/emulators/seeds/anypoint.json

Where the contract says UNCONFIRMED, each plausible answer is a switch (``--config`` or ``POST /_emulator/config``),
and the tests of the modules that meet it run under each:

==========================================  ===============================================
question (UNCONFIRMED)                      switch: answers (default first)
==========================================  ===============================================
``PATCH .../clients/{id}`` with             ``allow_env_secret_set``: true, or false (400
``{"client_secret"}`` sets an               ``{"status":400,"message":...}``); seed 000 says
environment secret at all                   the old secret can be PATCHed back
which request sets it                       ``env_secret_set_form``: ``documented`` (seed 000:
                                            no query parameter; ``?resetSecret=false`` is 400),
                                            ``query`` (only ``?resetSecret=false``), ``either``
``POST .../clients/validate`` to a wrong    ``validate_mismatch_status``: 401 or 400 (the
secret                                      modules count only a 200 as valid)
error bodies (401, 403, 404, 400)           ``error_body``: ``json`` (``{"status":N,
                                            "message":...}``), ``text`` (the message as
                                            text/plain) or ``empty``
who may manage a connected app              ``connected_app_manager``: ``user`` (an
                                            Organization Administrator user of the owning org;
                                            a connected app's own token gets 403) or ``scoped``
                                            (also a connected app whose context scopes include
                                            ``admin:connectedapps`` for that org; no source
                                            names the scope, this one stands for it)
rate limiting                               control ``rate_limit``: 429 with ``X-RateLimit-*``
                                            headers (no ``Retry-After``, which the platform
                                            does not document) or, as observed, 503 with an
                                            empty body
``token_ttl``                               3600 seconds (the access token lifetime)
an empty ``scopes`` list on a connected     ``empty_scope_list``: ``reject`` (400, the spec's
app's ``/scopes`` (PUT, PATCH, DELETE)      ``minItems: 1``) or ``accept`` (PUT ``[]`` clears
                                            every scope, PATCH and DELETE change nothing; 204)
``scopesToDelete`` in a ``/scopes`` PATCH   ``patch_scopes_to_delete``: ``honoured`` (the spec's
(the operation says it "does not unassign   body: "scopes to add and remove ... in a single
any existing scopes")                       request") or ``ignored`` (only ``scopes`` is added)
==========================================  ===============================================

MuleSoft's docs say "Any organization administrator of the root organization or business group in which the app
resides can control it"; ``connected_app_manager`` is there because no source says a connected app cannot.
``GET /accounts/api/profile`` answers 401 "There is no user attached to the token" to a connected app (contract
1.4); a connected app's context-aware scopes live at ``.../connectedApplications/{id}/scopes`` (with or without
``/organizations/{orgId}``), apart from its PATCH body, with ``profile`` listed for client_credentials apps (contract
4.3). As the Access Management spec has it there: GET pages them (``limit`` 25 by default, at most 500), PUT replaces
them all, PATCH adds (duplicates ignored), DELETE removes those named in its body that match exactly (scope and
``context_params``; a name that matches nothing is no error, as the spec names none), each write answering 204; every write body needs
``scopes`` with at least one ``{"scope", "context_params"}`` item and nothing else (400 ``{"status":400,...}``).
A bad connected-app secret at the token endpoint answers 401 ``{"error":"invalid_client",...}``.
"""

from __future__ import annotations

import json
import secrets
import sys
import uuid

from tests.emulators.framework import Emulator, HttpError, Response, main, route

RATE_LIMIT = 500
CONNAPP_FIELDS = ("client_id", "client_name", "client_secret", "owner_org_id", "owner_user_id", "enabled", "audience",
                  "client_uri", "policy_uri", "tos_uri", "public_keys", "grant_types", "redirect_uris", "scopes",
                  "generate_iss_claim_without_token")


def hex32():
    return uuid.uuid4().hex


def new_secret():
    """32 mixed-case hex characters, as the platform generates."""
    return "".join(c.upper() if secrets.randbelow(2) else c for c in uuid.uuid4().hex)


def unauthorized():
    return HttpError(401, {"status": 401, "message": "Unauthorized"})


def forbidden():
    return HttpError(403, {"status": 403, "message": "Forbidden"})


def not_found(message):
    return HttpError(404, {"status": 404, "message": message})


def bad_request(message):
    return HttpError(400, {"status": 400, "message": message})


def scope_context(granted):
    """A stored context scope's ``context_params`` (``org``, ``envId``, ...)."""
    return {k: v for k, v in granted.items() if k != "scope" and v is not None}


def truthy(value):
    return str(value).lower() == "true"


class AnypointEmulator(Emulator):
    name = "anypoint"

    def default_config(self):
        return {"allow_env_secret_set": True, "env_secret_set_form": "documented", "validate_mismatch_status": 401,
                "error_body": "json", "connected_app_manager": "user", "token_ttl": 3600,
                "empty_scope_list": "reject", "patch_scopes_to_delete": "honoured"}

    def load(self, seed):
        self.orgs, self.envs, self.clients, self.apps, self.users, self.tokens = {}, {}, {}, {}, {}, {}
        for org in seed.get("organizations", []):
            org_client = org.get("clientId") or hex32()
            self.orgs[org["id"]] = {"id": org["id"], "name": org["name"], "clientId": org_client,
                                    "parentId": org.get("parentId"), "subOrganizationIds": []}
            self._add_client(org_client, org.get("client_secret"), org["name"], org["id"])
            for env in org.get("environments", []):
                env_client = env.get("clientId") or hex32()
                self.envs[env["id"]] = {"id": env["id"], "name": env["name"], "organizationId": org["id"],
                                        "isProduction": env.get("type") == "production", "type": env.get("type", "sandbox"),
                                        "clientId": env_client}
                self._add_client(env_client, env.get("client_secret"), env["name"], org["id"])
        for org in self.orgs.values():
            if org["parentId"]:
                self.orgs[org["parentId"]]["subOrganizationIds"].append(org["id"])
        for app in seed.get("connected_apps", []):
            stored = {field: app.get(field) for field in CONNAPP_FIELDS}
            stored.update(client_id=app.get("client_id") or hex32(), client_secret=app.get("client_secret") or new_secret(),
                          grant_types=app.get("grant_types", ["client_credentials"]), audience=app.get("audience", "internal"),
                          enabled=app.get("enabled", True), public_keys=[], redirect_uris=app.get("redirect_uris", []),
                          scopes=[], generate_iss_claim_without_token=True)
            stored["context_scopes"] = [dict(g) for g in app.get("context_scopes", [])]
            self.apps[stored["client_id"]] = stored
            self.remember_secret(stored["client_secret"])
        for user in seed.get("users", []):
            self.users[user["username"]] = dict(user, id=user.get("id") or str(uuid.uuid4()))
            self.remember_secret(user["password"])

    def _add_client(self, client_id, secret, name, org_id):
        secret = secret or new_secret()
        self.clients[client_id] = {"client_id": client_id, "client_secret": secret, "name": name, "org_id": org_id,
                                   "grant_types": ["client_credentials"], "redirect_uris": [], "properties": {}}
        self.remember_secret(secret)

    def dump(self):
        return {"organizations": {o["name"]: o["id"] for o in self.orgs.values()},
                "environments": {e["id"]: dict(e) for e in self.envs.values()},
                "client_secret_fingerprints": {c: v["client_secret"][:4] for c, v in self.clients.items()},
                "connected_apps": {a: v["client_secret"][:4] for a, v in self.apps.items()}}

    def secret_fingerprints(self):
        prints = {"client-%s" % client_id: {self.fingerprint(client["client_secret"])} for client_id, client in self.clients.items()}
        prints.update({"connected_app-%s" % app_id: {self.fingerprint(app["client_secret"])} for app_id, app in self.apps.items()})
        return prints

    # ---- rate-limit headers and storms -------------------------------------------------
    def decorate(self, request, response):
        if (response.status >= 400 and self.config["error_body"] != "json" and isinstance(response.body, dict)
                and "message" in response.body and not request.path.startswith("/accounts/api/v2/oauth2/")):
            response.body = str(response.body["message"]) if self.config["error_body"] == "text" else None
            if response.body is not None:
                response.headers["Content-Type"] = "text/plain;charset=UTF-8"
        reset = int(self.clock.now() // 60 + 1) * 60
        remaining = RATE_LIMIT - 1 - len(self.request_log) % RATE_LIMIT
        response.headers.setdefault("X-RateLimit-Limit", str(RATE_LIMIT))
        response.headers.setdefault("X-RateLimit-Remaining", str(max(0, remaining)))
        response.headers.setdefault("X-RateLimit-Reset", str(reset))

    def rate_limited_response(self, retry_after, status):
        if status == 503:
            return Response(503, None)  # "Back-end server is at capacity", Content-Length: 0
        reset = int(self.clock.now() + float(retry_after or 1))
        return Response(429, {"status": 429, "message": "Too Many Requests"},
                        {"X-RateLimit-Limit": str(RATE_LIMIT), "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)})

    # ---- tokens and permissions ----------------------------------------------------------
    def _mint(self, kind, subject, org_id):
        token = str(uuid.uuid4())
        self.tokens[token] = {"kind": kind, "subject": subject, "org_id": org_id,
                              "expires": self.clock.now() + float(self.config["token_ttl"])}
        self.remember_secret(token)
        return token

    def _session(self, request):
        token = request.bearer()
        session = self.tokens.get(token) if token else None
        if not session or session["expires"] <= self.clock.now():
            raise unauthorized()
        if session["kind"] == "connapp" and session["subject"] not in self.apps:
            raise unauthorized()
        return session

    def _ancestors(self, org_id):
        chain = []
        while org_id:
            chain.append(org_id)
            org_id = self.orgs[org_id]["parentId"] if org_id in self.orgs else None
        return chain

    def _may(self, session, org_id, scopes):
        """Organization Administrator of the org (or a parent) for users; a context scope for connected apps."""
        if session["kind"] == "user":
            user = self.users[session["subject"]]
            return bool(set(user.get("org_admin_of", [])) & set(self._ancestors(org_id)))
        granted = self.apps[session["subject"]]["context_scopes"]
        return any(g["scope"] in scopes and g.get("org") in self._ancestors(org_id) for g in granted)

    def _can_see(self, session, org_id):
        if session["kind"] == "user":
            user = self.users[session["subject"]]
            return bool(set(user.get("member_of", []) + user.get("org_admin_of", [])) & set(self._ancestors(org_id)))
        return any(g.get("org") in self._ancestors(org_id) for g in self.apps[session["subject"]]["context_scopes"])

    def _org(self, request, session):
        org = self.orgs.get(request.params["org_id"])
        if org is None or not self._can_see(session, org["id"]):
            raise not_found("Organization %s not found" % request.params["org_id"]) if org is None else forbidden()
        return org

    # ---- authentication ----------------------------------------------------------------
    @route("POST", "/accounts/login")
    def login(self, request):
        body = request.json() or {}
        user = self.users.get(body.get("username"))
        if not user or user["password"] != body.get("password"):
            raise HttpError(401, {"status": 401, "message": "Invalid username or password"})
        return Response(200, {"access_token": self._mint("user", user["username"], user["organization"]),
                              "token_type": "bearer", "redirectUrl": "/home/"})

    @route("POST", "/accounts/api/v2/oauth2/token")
    def oauth_token(self, request):
        content_type = request.headers.get("content-type", "")
        body = (request.json() or {}) if "json" in content_type else request.form()
        app = self.apps.get(body.get("client_id"))
        if body.get("grant_type") != "client_credentials":
            raise HttpError(400, {"error": "unsupported_grant_type", "error_description": "grant_type must be client_credentials"})
        if not app or app["client_secret"] != body.get("client_secret") or not app["enabled"]:
            raise HttpError(401, {"error": "invalid_client", "error_description": "Invalid client credentials"})
        if "client_credentials" not in app["grant_types"]:
            raise HttpError(400, {"error": "unauthorized_client", "error_description": "grant type not allowed"})
        return Response(200, {"access_token": self._mint("connapp", app["client_id"], app["owner_org_id"]),
                              "token_type": "bearer", "expires_in": int(self.config["token_ttl"])})

    @route("GET", "/accounts/api/me")
    def me(self, request):
        session = self._session(request)
        if session["kind"] == "connapp":
            app = self.apps[session["subject"]]
            return Response(200, {"client": {"client_id": app["client_id"], "name": app["client_name"], "org_id": app["owner_org_id"],
                                             "grant_types": app["grant_types"]}})
        user = self.users[session["subject"]]
        org = self.orgs[user["organization"]]
        return Response(200, {"client": {"client_id": "anypoint-ui", "name": "Anypoint Platform"}, "user": {
            "id": user["id"], "username": user["username"], "organizationId": org["id"],
            "organization": {"id": org["id"], "name": org["name"], "clientId": org["clientId"],
                             "subOrganizationIds": org["subOrganizationIds"], "isRoot": org["parentId"] is None},
            "memberOfOrganizations": [{"id": o, "name": self.orgs[o]["name"]} for o in user.get("member_of", []) + user.get("org_admin_of", [])]}})

    @route("GET", "/accounts/api/profile")
    def profile(self, request):
        """The user bound to the token (contract 1.4); a connected app's client-credentials token has none."""
        session = self._session(request)
        if session["kind"] == "connapp":
            raise HttpError(401, {"status": 401, "message": "Unauthorized. There is no user attached to the token"})
        user = self.users[session["subject"]]
        return Response(200, {"id": user["id"], "username": user["username"], "organizationId": user["organization"],
                              "permissions": {"admin": {"view": bool(user.get("org_admin_of"))}}})

    # ---- organizations and environments -------------------------------------------------
    @route("GET", "/accounts/api/organizations/{org_id}")
    def get_org(self, request):
        session = self._session(request)
        org = self._org(request, session)
        envs = [dict(e) for e in self.envs.values() if e["organizationId"] == org["id"]]
        return Response(200, {"id": org["id"], "name": org["name"], "clientId": org["clientId"], "isRoot": org["parentId"] is None,
                              "parentOrganizationIds": self._ancestors(org["id"])[1:], "subOrganizationIds": org["subOrganizationIds"],
                              "environments": envs})

    @route("GET", "/accounts/api/organizations/{org_id}/environments")
    def list_envs(self, request):
        session = self._session(request)
        org = self._org(request, session)
        offset, limit = request.int_arg("offset", 0), request.int_arg("limit", 25)
        if limit > 500 or limit < 0 or offset < 0:
            raise HttpError(400, {"status": 400, "message": "limit must be between 0 and 500"})
        envs = [e for e in self.envs.values() if e["organizationId"] == org["id"]]
        if request.arg("name") is not None:
            envs = [e for e in envs if e["name"] == request.arg("name")]
        if request.arg("type") is not None:
            envs = [e for e in envs if e["type"] == request.arg("type")]
        if request.arg("isProduction") is not None:
            envs = [e for e in envs if e["isProduction"] == truthy(request.arg("isProduction"))]
        if request.arg("search"):
            envs = [e for e in envs if request.arg("search").lower() in e["name"].lower()]
        envs.sort(key=lambda e: e["name"])
        return Response(200, {"data": [dict(e) for e in envs[offset:offset + limit]], "total": len(envs)})

    @route("GET", "/accounts/api/organizations/{org_id}/environments/{env_id}")
    def get_env(self, request):
        session = self._session(request)
        org = self._org(request, session)
        env = self.envs.get(request.params["env_id"])
        if env is None or env["organizationId"] != org["id"]:
            raise not_found("No environment exists with that id")
        return Response(200, dict(env))

    # ---- organization and environment clients -------------------------------------------
    def _client(self, request, session, scopes):
        org = self._org(request, session)
        client = self.clients.get(request.params["client_id"])
        if client is None or client["org_id"] != org["id"]:
            raise not_found("Client %s not found" % request.params["client_id"])
        if not self._may(session, org["id"], scopes):
            raise forbidden()
        return client

    @route("GET", "/accounts/api/organizations/{org_id}/clients")
    def list_clients(self, request):
        session = self._session(request)
        org = self._org(request, session)
        return Response(200, {c["client_id"]: {k: v for k, v in c.items() if k != "client_secret"}
                              for c in self.clients.values() if c["org_id"] == org["id"]})

    @route("GET", "/accounts/api/organizations/{org_id}/clients/{client_id}")
    def get_client(self, request):
        session = self._session(request)
        return Response(200, dict(self._client(request, session, ("admin:orgclients", "read:orgclients"))))

    @route("PATCH", "/accounts/api/organizations/{org_id}/clients/{client_id}")
    def patch_client(self, request):
        session = self._session(request)
        client = self._client(request, session, ("admin:orgclients",))
        reset = request.arg("resetSecret")
        body = request.json() or {}
        form = self.config["env_secret_set_form"]
        if reset is None and form == "query":
            raise HttpError(400, {"status": 400, "message": "resetSecret query parameter is required"})
        if reset is not None and truthy(reset):
            client["client_secret"] = new_secret()
            self.remember_secret(client["client_secret"])
        elif "client_secret" in body:
            self.remember_secret(body["client_secret"])
            if reset is not None and form == "documented":
                raise HttpError(400, {"status": 400, "message": "client_secret cannot be combined with resetSecret"})
            if not self.config["allow_env_secret_set"]:
                raise HttpError(400, {"status": 400, "message": "client_secret is not a valid field"})
            if not isinstance(body["client_secret"], str) or not 1 <= len(body["client_secret"]) <= 255:
                raise HttpError(400, {"status": 400, "message": "client_secret must be 1 to 255 characters"})
            client["client_secret"] = body["client_secret"]
        for field in ("name", "redirect_uris", "grant_types", "properties"):
            if field in body:
                client[field] = body[field]
        return Response(200, dict(client))

    @route("POST", "/accounts/api/organizations/{org_id}/clients/validate")
    def validate_client(self, request):
        session = self._session(request)
        org = self._org(request, session)
        if not self._may(session, org["id"], ("admin:orgclients", "read:orgclients")):
            raise forbidden()
        body = request.json() or {}
        self.remember_secret(body.get("client_secret"))
        client = self.clients.get(body.get("client_id"))
        if client is None or client["org_id"] != org["id"] or client["client_secret"] != body.get("client_secret"):
            status = int(self.config["validate_mismatch_status"])
            raise HttpError(status, {"status": status, "message": "Invalid client credentials"})
        return Response(200, {k: v for k, v in client.items() if k != "client_secret"})

    # ---- connected apps ------------------------------------------------------------------
    def _app_view(self, app):
        return {k: v for k, v in app.items() if k in CONNAPP_FIELDS}

    def _user_admin(self, session, org_id):
        if session["kind"] == "connapp" and self.config["connected_app_manager"] == "scoped":
            if not self._may(session, org_id, ("admin:connectedapps",)):
                raise forbidden()
            return
        if session["kind"] != "user" or not self._may(session, org_id, ()):
            raise forbidden()

    def _find_app(self, request, session):
        app = self.apps.get(request.params["app_id"])
        org_id = request.params.get("org_id") or (app or {}).get("owner_org_id")
        if app is None or app["owner_org_id"] != org_id:
            raise not_found("Connected application with that clientId could not be found")
        self._user_admin(session, org_id)
        return app

    @route("GET", "/accounts/api/connectedApplications")
    def list_apps(self, request):
        return self._list_apps(request, request.arg("organizationId") or request.arg("orgId"))

    @route("GET", "/accounts/api/organizations/{org_id}/connectedApplications")
    def list_org_apps(self, request):
        return self._list_apps(request, request.params["org_id"])

    def _list_apps(self, request, org_id):
        session = self._session(request)
        org_id = org_id or session["org_id"]
        self._user_admin(session, org_id)
        offset, limit = request.int_arg("offset", 0), request.int_arg("limit", 20)
        if limit > 20 or limit < 0:
            raise HttpError(400, {"status": 400, "message": "limit must be between 0 and 20"})
        apps = sorted((a for a in self.apps.values() if a["owner_org_id"] == org_id), key=lambda a: a["client_name"] or "")
        return Response(200, {"data": [self._app_view(a) for a in apps[offset:offset + limit]], "total": len(apps)})

    @route("GET", "/accounts/api/connectedApplications/{app_id}")
    def get_app(self, request):
        return Response(200, self._app_view(self._find_app(request, self._session(request))))

    @route("GET", "/accounts/api/organizations/{org_id}/connectedApplications/{app_id}")
    def get_org_app(self, request):
        return self.get_app(request)

    @route("PATCH", "/accounts/api/connectedApplications/{app_id}")
    def patch_app(self, request):
        session = self._session(request)
        app = self._find_app(request, session)
        body = request.json() or {}
        unknown = sorted(set(body) - set(CONNAPP_FIELDS))
        if unknown:
            raise HttpError(400, {"status": 400, "message": "Unknown properties: %s" % ", ".join(unknown)})
        if truthy(request.arg("resetSecret", "false")):
            body["client_secret"] = new_secret()
        if "client_secret" in body:
            if not isinstance(body["client_secret"], str) or not 1 <= len(body["client_secret"]) <= 255:
                raise HttpError(400, {"status": 400, "message": "client_secret must be 1 to 255 characters"})
            self.remember_secret(body["client_secret"])
        if "grant_types" in body and not body["grant_types"]:
            raise HttpError(400, {"status": 400, "message": "grant_types must have at least 1 item"})
        for field in CONNAPP_FIELDS:
            if field in body and field not in ("client_id", "scopes"):
                app[field] = body[field]
        return Response(200, self._app_view(app))

    @route("PATCH", "/accounts/api/organizations/{org_id}/connectedApplications/{app_id}")
    def patch_org_app(self, request):
        return self.patch_app(request)

    # ---- connected-app scopes (spec: GET, PUT, PATCH and DELETE on both paths) ---------------------
    @route("GET", "/accounts/api/connectedApplications/{app_id}/scopes")
    def get_app_scopes(self, request):
        """Context-aware scopes, kept apart from the PATCH body (contract 4.3); ``profile`` comes with client_credentials."""
        app = self._find_app(request, self._session(request))
        data = [{"scope": g["scope"], "context_params": scope_context(g)} for g in app["context_scopes"]]
        if "client_credentials" in (app["grant_types"] or []):
            data.append({"scope": "profile", "context_params": {}})
        offset, limit = request.int_arg("offset", 0), request.int_arg("limit", 25)
        if limit > 500 or limit < 0 or offset < 0:
            raise bad_request("limit must be between 0 and 500")
        return Response(200, {"data": data[offset:offset + limit], "total": len(data)})

    @route("GET", "/accounts/api/organizations/{org_id}/connectedApplications/{app_id}/scopes")
    def get_org_app_scopes(self, request):
        return self.get_app_scopes(request)

    @route("PUT", "/accounts/api/connectedApplications/{app_id}/scopes")
    def put_app_scopes(self, request):
        """Replaces every scope; the spec's body needs at least one (``empty_scope_list``)."""
        app = self._find_app(request, self._session(request))
        app["context_scopes"] = self._scope_body(request, ("scopes",))["scopes"]
        return Response(204)

    @route("PUT", "/accounts/api/organizations/{org_id}/connectedApplications/{app_id}/scopes")
    def put_org_app_scopes(self, request):
        return self.put_app_scopes(request)

    @route("PATCH", "/accounts/api/connectedApplications/{app_id}/scopes")
    def patch_app_scopes(self, request):
        """Adds scopes (duplicates ignored, nothing unassigned), and removes ``scopesToDelete`` if the switch says so."""
        app = self._find_app(request, self._session(request))
        body = self._scope_body(request, ("scopes", "scopesToDelete"))
        kept = app["context_scopes"]
        if self.config["patch_scopes_to_delete"] == "honoured":
            kept = [g for g in kept if g not in body.get("scopesToDelete", [])]
        app["context_scopes"] = kept + [g for g in body["scopes"] if g not in kept]
        return Response(204)

    @route("PATCH", "/accounts/api/organizations/{org_id}/connectedApplications/{app_id}/scopes")
    def patch_org_app_scopes(self, request):
        return self.patch_app_scopes(request)

    @route("DELETE", "/accounts/api/connectedApplications/{app_id}/scopes")
    def delete_app_scopes(self, request):
        """Unassigns the scopes named in the body; only an exact match (scope and context) is removed."""
        app = self._find_app(request, self._session(request))
        doomed = self._scope_body(request, ("scopes",))["scopes"]
        app["context_scopes"] = [g for g in app["context_scopes"] if g not in doomed]
        return Response(204)

    @route("DELETE", "/accounts/api/organizations/{org_id}/connectedApplications/{app_id}/scopes")
    def delete_org_app_scopes(self, request):
        return self.delete_app_scopes(request)

    def _scope_body(self, request, fields):
        """The spec's request bodies: ``additionalProperties: false``, ``scopes`` required with ``minItems: 1``."""
        body = request.json()
        if not isinstance(body, dict):
            raise bad_request("request body must be an object with scopes")
        unknown = sorted(set(body) - set(fields))
        if unknown:
            raise bad_request("Unknown properties: %s" % ", ".join(unknown))
        if "scopes" not in body:
            raise bad_request("scopes is required")
        # Only PATCH's body lets context_params carry more than org and envId.
        limit = 7 if request.method == "PATCH" else 2
        return {field: self._scope_list(field, body[field], limit) for field in fields if field in body}

    def _scope_list(self, field, items, limit):
        if not isinstance(items, list):
            raise bad_request("%s must be an array" % field)
        if not items and self.config["empty_scope_list"] == "reject":
            raise bad_request("%s must have at least 1 item" % field)
        entries = []
        for item in items:
            if not isinstance(item, dict) or set(item) != {"scope", "context_params"}:
                raise bad_request("each item of %s needs exactly scope and context_params" % field)
            scope, context = item["scope"], item["context_params"]
            if not isinstance(scope, str) or not 1 <= len(scope) <= 255:
                raise bad_request("scope must be 1 to 255 characters")
            if not isinstance(context, dict) or len(context) > limit:
                raise bad_request("context_params must be an object of at most %d properties" % limit)
            if scope != "profile":  # always there for client_credentials apps, not stored
                entries.append(dict(context, scope=scope))
        return entries

    @route("DELETE", "/accounts/api/connectedApplications/{app_id}/revoke")
    def revoke(self, request):
        session = self._session(request)
        app = self._find_app(request, session)
        for token, held in list(self.tokens.items()):
            if held["kind"] == "connapp" and held["subject"] == app["client_id"]:
                del self.tokens[token]
        return Response(204, None)

    @route("DELETE", "/accounts/api/organizations/{org_id}/connectedApplications/{app_id}/revoke")
    def revoke_org(self, request):
        return self.revoke(request)

    def _control(self, request):
        """Adds ``POST /_emulator/token_for`` {client_id, client_secret}: would a Mule app with this env secret get in?"""
        if request.path.rstrip("/") == "/_emulator/token_for":
            body = json.loads(request.body or b"{}")
            client = self.clients.get(body.get("client_id"))
            return Response(200, {"valid": bool(client) and client["client_secret"] == body.get("client_secret")})
        return super()._control(request)


if __name__ == "__main__":
    sys.exit(main(AnypointEmulator))
