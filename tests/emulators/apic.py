# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""IBM API Connect v10 platform API emulator (``/api``), per ``shared/contracts/apic.md`` parts A and D.

    python -m tests.emulators.apic --seed tests/emulators/seeds/apic.json

Every path segment takes a name or an id; returned URLs are absolute and id-based.
Collections are ``{"total_results": N, "results": [...]}`` with ``limit``,
``offset``, ``fields`` (projection, ``add(...)`` for extra fields) and
``expand=owner`` on consumer orgs. Errors are ``{"status": N, "message": [...]}``.

Where the contract says UNCONFIRMED this emulator picks the most plausible answer,
and the collection is written so that each choice is one place to change:

===============================================  ==================================================
question (UNCONFIRMED)                           switch: answers (default first)
===============================================  ==================================================
page size when ``limit`` is absent               ``default_limit``: null (everything) or a number;
                                                 ``limit`` is capped at ``max_limit`` (1000)
2xx of reset / reset-client-secret               ``reset_status``: 200 or 201
2xx of verify-client-secret                      ``verify_status``: 200 (a message body) or 204
verify mismatch                                  ``verify_mismatch_status``: 400 or 401 "The client
                                                 secret is not valid ..."
DELETE credential answer                         ``delete_status``: 200 with the deleted credential,
                                                 or 204 with no body
duplicate ``client_id`` in the catalog           ``duplicate_client_id_status``: 409 or 400, "The
                                                 client_id X already exists in catalog."
PATCH ``client_id: null``                        ``null_client_id_status``: 400 or 422 (no module
                                                 sends it; the switch keeps the table whole)
``client_secret_hashed`` with the catalog        ``hashed_secret_unless_hashing``: ``refused`` (400)
setting ``hash_client_secret`` false             or ``accepted``
``client_secret_hashed`` in GET                  ``hashed_in_get``: ``always``, or
                                                 ``only_when_hashing`` (absent while the catalog
                                                 setting ``hash_client_secret`` is off)
plaintext ``client_secret`` on PATCH             ``plaintext_secret_change``: ``always`` (as IBM's
                                                 CLI docs show it), or, while ``hash_client_secret``
                                                 is off (a published walkthrough says it must be on
                                                 to change a secret), ``ignored_unless_hashing``
                                                 (200, secret unchanged) or ``refused_unless_hashing``
                                                 (400)
credential ``name`` when only a title is sent,   ``name_from_title``: ``lowercase``
and the name of an app's first credential        (``credential-for-app``) or ``keep_case``
                                                 (``Credential-for-app``, as seen in 2023)
platform rate limits                             none, unless a test injects a 429 storm
===============================================  ==================================================

Switches are set with ``--config`` or ``POST /_emulator/config``; the tests of the modules that meet a switch run
under each of its answers.

Permissions: a user with ``"role": "viewer"`` may read but every write answers
403; a user's ``orgs`` (default all) limits the provider orgs they can see.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import sys
import uuid
from datetime import datetime, timezone

from tests.emulators.framework import Emulator, HttpError, Response, main, route

ID_NAMESPACE = uuid.UUID("6c1b6a4e-27f5-4d4e-9a4c-0a9c1b5b7e10")
TOKEN_LIFETIME = 28800
DAY = 86400


def secret_hash(plaintext):
    """``client_secret_hashed``: standard Base64 of the SHA-256 of the UTF-8 secret (contract A.4)."""
    return base64.b64encode(hashlib.sha256(plaintext.encode("utf-8")).digest()).decode("ascii")


def stable_id(*parts):
    """Ids derived from names, so a seed gives the same URLs on every start."""
    return str(uuid.uuid5(ID_NAMESPACE, "/".join(parts)))


def error(status, *messages):
    return HttpError(status, {"status": status, "message": list(messages)})


def iso(epoch):
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def parse_iso(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def catalog_apps(catalog):
    return [app for corg in catalog["corgs"].values() for app in corg["apps"].values()]


def catalog_credentials(catalog):
    return [cred for app in catalog_apps(catalog) for cred in app["credentials"].values()]


def project(view, fields):
    """The ``fields`` query: a comma list of keys, or ``add(a,b)`` for extra fields on top of the default view."""
    if not fields:
        return view
    fields = fields.strip()
    if fields.startswith("add(") and fields.endswith(")"):
        return view
    wanted = [name.strip() for name in fields.split(",") if name.strip()]
    return {key: view[key] for key in wanted if key in view}


class ApicEmulator(Emulator):
    name = "apic"
    mailbox = None  # an SmtpSink whose messages /_emulator/mail shows

    def default_config(self):
        return {"max_limit": 1000, "default_limit": None, "reset_status": 200, "verify_status": 200,
                "verify_mismatch_status": 400, "delete_status": 200, "duplicate_client_id_status": 409,
                "null_client_id_status": 400, "hashed_secret_unless_hashing": "refused", "hashed_in_get": "always",
                "plaintext_secret_change": "always", "name_from_title": "lowercase"}

    def secret_fingerprints(self):
        """Per app: its consumers keep working while any of its credentials has a secret they know."""
        return {"%s/%s/%s" % (catalog["name"], app["corg"]["name"], app["name"]): {cred["hash"] for cred in app["credentials"].values()}
                for org in self.orgs.values() for catalog in org["catalogs"].values() for app in catalog_apps(catalog)}

    def fingerprint(self, secret):
        return secret_hash(secret)

    # ---- seed ------------------------------------------------------------------------
    def load(self, seed):
        now = self.clock.now()
        self.toolkit_clients = {c["client_id"]: c["client_secret"] for c in seed.get("toolkit_clients", [])}
        self.users = {u["username"]: dict(u) for u in seed.get("users", [])}
        self.remember_secret(*self.toolkit_clients.values())
        for user in self.users.values():
            self.remember_secret(user.get("password"), user.get("api_key"))
        self.tokens = {}
        self.orgs = {}
        for org_seed in seed.get("orgs", []):
            org = {"id": org_seed.get("id") or stable_id(org_seed["name"]), "name": org_seed["name"], "catalogs": {}}
            for cat_seed in org_seed.get("catalogs", []):
                cat_id = cat_seed.get("id") or stable_id(org["name"], cat_seed["name"])
                catalog = {"id": cat_id, "name": cat_seed["name"], "org": org, "corgs": {},
                           "settings": dict({"hash_client_secret": False}, **cat_seed.get("settings", {}))}
                for corg_seed in cat_seed.get("consumer_orgs", []):
                    corg = self._new_corg(catalog, corg_seed, now)
                    for app_seed in corg_seed.get("apps", []):
                        app = self._new_app(corg, app_seed, now)
                        for cred_seed in app_seed.get("credentials", []):
                            self._new_credential(app, cred_seed, now)
                org["catalogs"][cat_id] = catalog
            self.orgs[org["id"]] = org

    def _new_corg(self, catalog, seed, now):
        owner = dict(seed.get("owner") or {"username": seed["name"] + "-owner", "email": seed["name"] + "-owner@example.com"})
        owner.setdefault("id", stable_id("user", owner["username"]))
        owner.setdefault("first_name", owner["username"])
        owner.setdefault("last_name", "Owner")
        corg = {"id": seed.get("id") or stable_id(catalog["id"], seed["name"]), "name": seed["name"],
                "title": seed.get("title", seed["name"]), "owner": owner, "catalog": catalog, "apps": {},
                "created": now - seed.get("age_days", 400) * DAY}
        catalog["corgs"][corg["id"]] = corg
        return corg

    def _new_app(self, corg, seed, now):
        app = {"id": seed.get("id") or stable_id(corg["id"], seed["name"]), "name": seed["name"],
               "title": seed.get("title", seed["name"]), "corg": corg, "credentials": {},
               "created": now - seed.get("age_days", 365) * DAY}
        corg["apps"][app["id"]] = app
        return app

    def _new_credential(self, app, seed, now):
        plaintext = seed.get("client_secret") or secrets.token_hex(16)
        self.remember_secret(plaintext, secret_hash(plaintext))
        if "created_at" in seed:
            created = parse_iso(seed["created_at"])
        else:
            created = now - float(seed.get("age_days", 0)) * DAY
        name = seed.get("name") or "credential-for-%s" % app["name"]
        cred_id = seed.get("id") or stable_id(app["id"], name)
        if cred_id in app["credentials"]:
            # The name was another credential's before a rename (<name>_new renamed to <name>): the platform gives
            # every credential its own id, so a name used again never takes over the credential that had it.
            cred_id = str(uuid.uuid4())
        cred = {"id": cred_id, "name": name,
                "title": seed.get("title", "Credential for %s" % app["name"] if not seed.get("name") else name),
                "summary": seed.get("summary", ""), "client_id": seed.get("client_id") or secrets.token_hex(16),
                "hash": secret_hash(plaintext), "created": created, "updated": created, "app": app}
        app["credentials"][cred["id"]] = cred
        return cred

    def dump(self):
        now = self.clock.now()
        return {org["name"]: {cat["name"]: {
            "settings": dict(cat["settings"]),
            "consumer_orgs": {corg["name"]: {
                "owner": corg["owner"]["email"],
                "apps": {app["name"]: {"credentials": {cred["name"]: {
                    "id": cred["id"], "title": cred["title"], "summary": cred["summary"], "client_id": cred["client_id"],
                    "age_days": int((now - cred["created"]) // DAY), "fingerprint": cred["hash"][:12]}
                    for cred in app["credentials"].values()}} for app in corg["apps"].values()}}
                for corg in cat["corgs"].values()}} for cat in org["catalogs"].values()} for org in self.orgs.values()}

    def _catalogs(self):
        return [catalog for org in self.orgs.values() for catalog in org["catalogs"].values()]

    # ---- auth ------------------------------------------------------------------------
    @route("POST", "/api/token")
    def token(self, request):
        body = request.json() or {}
        grant = body.get("grant_type")
        if grant not in ("password", "api_key", "client_credentials"):
            raise error(400, "Unsupported grant_type %s" % grant)
        if self.toolkit_clients.get(body.get("client_id")) != body.get("client_secret") or not body.get("client_id"):
            raise error(401, "Invalid client_id or client_secret")
        user = None
        if grant == "password":
            candidate = self.users.get(body.get("username"))
            if not candidate or candidate.get("password") != body.get("password") or candidate.get("realm") != body.get("realm"):
                raise error(401, "Authentication failed: invalid username, password or realm")
            user = candidate
        elif grant == "api_key":
            user = next((u for u in self.users.values() if u.get("api_key") and u["api_key"] == body.get("api_key")), None)
            if user is None:
                raise error(401, "Authentication failed: invalid api_key")
        else:
            user = {"username": "client:" + body["client_id"], "role": "viewer"}
        access_token = "eyJhcGljIjoiZW11bGF0b3IifQ." + secrets.token_urlsafe(32)
        self.remember_secret(access_token)
        self.tokens[access_token] = {"user": user, "expires": self.clock.now() + TOKEN_LIFETIME}
        return Response(200, {"access_token": access_token, "token_type": "Bearer", "expires_in": TOKEN_LIFETIME})

    @route("GET", "/api/cloud/provider/identity-providers")
    def identity_providers(self, request):
        realms = sorted({u["realm"] for u in self.users.values() if u.get("realm")})
        results = [{"name": r.split("/", 1)[1], "title": r, "default": False, "registry_type": "lur", "user_managed": True,
                    "realm": r} for r in realms]
        return Response(200, {"total_results": len(results), "results": results})

    def _user(self, request, write=False):
        token = request.bearer()
        grant = self.tokens.get(token) if token else None
        if grant is None or grant["expires"] <= self.clock.now():
            raise error(401, "Invalid or expired token")
        user = grant["user"]
        if write and user.get("role", "manager") != "manager":
            raise error(403, "The user %s does not have the permission app:manage" % user["username"])
        return user

    # ---- resolution (name or id) -------------------------------------------------------
    @staticmethod
    def _find(items, wanted, kind, parent):
        for item in items.values():
            if item["id"] == wanted or item["name"] == wanted:
                return item
        raise error(404, "The %s %s was not found in %s." % (kind, wanted, parent))

    def _catalog(self, request, write=False):
        user = self._user(request, write)
        org = self._find(self.orgs, request.params["org"], "organization", "this platform")
        if user.get("orgs") and org["name"] not in user["orgs"]:
            raise error(403, "The user %s is not a member of organization %s" % (user["username"], org["name"]))
        return self._find(org["catalogs"], request.params["catalog"], "catalog", org["name"])

    def _corg(self, request, write=False):
        catalog = self._catalog(request, write)
        return self._find(catalog["corgs"], request.params["corg"], "consumer_org", catalog["name"])

    def _app(self, request, write=False):
        corg = self._corg(request, write)
        return self._find(corg["apps"], request.params["app"], "app", corg["name"])

    def _cred(self, request, write=False):
        app = self._app(request, write)
        return self._find(app["credentials"], request.params["cred"], "credential", app["name"])

    # ---- views -------------------------------------------------------------------------
    def _base(self, request):
        return "%s://%s/api" % (self.scheme, request.headers.get("host", "localhost"))

    def _envelope(self, request, kind, obj, catalog):
        base = self._base(request)
        org = catalog["org"]
        created = obj.get("created", 0)
        return {"type": kind, "api_version": "2.0.0", "id": obj["id"], "name": obj["name"], "title": obj.get("title", obj["name"]),
                "summary": obj.get("summary", ""), "created_at": iso(created), "updated_at": iso(obj.get("updated", created)),
                "org_url": "%s/orgs/%s" % (base, org["id"]), "catalog_url": "%s/catalogs/%s/%s" % (base, org["id"], catalog["id"])}

    def _corg_view(self, request, corg, expand_owner):
        catalog = corg["catalog"]
        view = self._envelope(request, "consumer_org", corg, catalog)
        base = self._base(request)
        owner = corg["owner"]
        view.update(state="enabled", url="%s/consumer-orgs/%s/%s/%s" % (base, catalog["org"]["id"], catalog["id"], corg["id"]),
                    owner_url="%s/user-registries/%s/%s/users/%s" % (base, catalog["org"]["id"], stable_id("registry", catalog["id"]), owner["id"]))
        if expand_owner:
            view["owner"] = {"id": owner["id"], "username": owner["username"], "email": owner["email"],
                             "first_name": owner["first_name"], "last_name": owner["last_name"], "url": view["owner_url"]}
        return view

    def _app_url(self, request, app):
        corg = app["corg"]
        catalog = corg["catalog"]
        return "%s/apps/%s/%s/%s/%s" % (self._base(request), catalog["org"]["id"], catalog["id"], corg["id"], app["id"])

    def _app_view(self, request, app):
        corg = app["corg"]
        catalog = corg["catalog"]
        view = self._envelope(request, "app", app, catalog)
        url = self._app_url(request, app)
        view.update(state="enabled", lifecycle_state="production", redirect_endpoints=[],
                    consumer_org_url="%s/consumer-orgs/%s/%s/%s" % (self._base(request), catalog["org"]["id"], catalog["id"], corg["id"]),
                    url=url, app_credential_urls=["%s/credentials/%s" % (url, c["id"]) for c in app["credentials"].values()])
        return view

    def _cred_view(self, request, cred, plaintext=None):
        app = cred["app"]
        corg = app["corg"]
        catalog = corg["catalog"]
        view = self._envelope(request, "credential", cred, catalog)
        app_url = self._app_url(request, app)
        view.update(client_id=cred["client_id"],
                    consumer_org_url="%s/consumer-orgs/%s/%s/%s" % (self._base(request), catalog["org"]["id"], catalog["id"], corg["id"]),
                    app_url=app_url, url="%s/credentials/%s" % (app_url, cred["id"]))
        if self.config["hashed_in_get"] == "always" or catalog["settings"].get("hash_client_secret"):
            view["client_secret_hashed"] = cred["hash"]
        if plaintext is not None:
            view["client_secret"] = plaintext
        return view

    def _page(self, request, items, view):
        offset = max(0, request.int_arg("offset", 0))
        limit = request.int_arg("limit", self.config["default_limit"])
        if limit is not None:
            limit = max(0, min(limit, int(self.config["max_limit"])))
        chosen = items[offset:] if limit is None else items[offset:offset + limit]
        fields = request.arg("fields")
        return Response(200, {"total_results": len(items), "results": [project(view(item), fields) for item in chosen]})

    # ---- consumer orgs and apps ----------------------------------------------------------
    @route("GET", "/api/catalogs/{org}/{catalog}/consumer-orgs")
    def list_corgs(self, request):
        catalog = self._catalog(request)
        expand = "owner" in (request.arg("expand") or "").split(",")
        return self._page(request, list(catalog["corgs"].values()), lambda c: self._corg_view(request, c, expand))

    @route("GET", "/api/consumer-orgs/{org}/{catalog}/{corg}")
    def get_corg(self, request):
        corg = self._corg(request)
        return Response(200, project(self._corg_view(request, corg, "owner" in (request.arg("expand") or "")), request.arg("fields")))

    @route("GET", "/api/consumer-orgs/{org}/{catalog}/{corg}/apps")
    def list_corg_apps(self, request):
        corg = self._corg(request)
        return self._page(request, list(corg["apps"].values()), lambda a: self._app_view(request, a))

    @route("POST", "/api/consumer-orgs/{org}/{catalog}/{corg}/apps")
    def create_app(self, request):
        corg = self._corg(request, write=True)
        body = request.json() or {}
        if not body.get("name"):
            raise error(400, "name is required")
        if any(a["name"] == body["name"] for a in corg["apps"].values()):
            existing = next(a for a in corg["apps"].values() if a["name"] == body["name"])
            raise error(409, "The App cannot be created with name '%s'. Another resource of type app (id: %s) already exists "
                             "with the same name." % (body["name"], existing["id"]))
        now = self.clock.now()
        self._check_client_id(corg["catalog"], body.get("client_id"))
        app = self._new_app(corg, {"name": body["name"], "title": body.get("title", body["name"]), "age_days": 0}, now)
        plaintext = body.get("client_secret") or secrets.token_hex(16)
        cred = self._new_credential(app, {"client_id": body.get("client_id"), "client_secret": plaintext}, now)
        cred.update(name=self._name_from_title("Credential for %s" % app["name"]), title="Credential for %s" % app["name"],
                    summary="Credential for %s" % app["name"])
        view = self._app_view(request, app)
        view.update(client_id=cred["client_id"], client_secret=plaintext)
        return Response(201, view)

    @route("GET", "/api/catalogs/{org}/{catalog}/apps")
    def list_catalog_apps(self, request):
        catalog = self._catalog(request)
        return self._page(request, catalog_apps(catalog), lambda a: self._app_view(request, a))

    @route("GET", "/api/apps/{org}/{catalog}/{corg}/{app}")
    def get_app(self, request):
        return Response(200, project(self._app_view(request, self._app(request)), request.arg("fields")))

    # ---- credentials -----------------------------------------------------------------------
    @route("GET", "/api/catalogs/{org}/{catalog}/credentials")
    def list_catalog_credentials(self, request):
        catalog = self._catalog(request)
        return self._page(request, catalog_credentials(catalog), lambda c: self._cred_view(request, c))

    @route("DELETE", "/api/apps/{org}/{catalog}/{corg}/{app}")
    def delete_app(self, request):
        """The app and its credentials go (the answer's shape is not documented; the app, like a credential DELETE)."""
        app = self._app(request, write=True)
        view = self._app_view(request, app)
        del app["corg"]["apps"][app["id"]]
        return Response(200, view)

    @route("GET", "/api/apps/{org}/{catalog}/{corg}/{app}/credentials")
    def list_credentials(self, request):
        app = self._app(request)
        return self._page(request, list(app["credentials"].values()), lambda c: self._cred_view(request, c))

    def _check_client_id(self, catalog, client_id, allowed=None):
        if client_id and any(cred["client_id"] == client_id and cred is not allowed for cred in catalog_credentials(catalog)):
            raise error(int(self.config["duplicate_client_id_status"]), "The client_id %s already exists in catalog." % client_id)

    def _name_from_title(self, title):
        name = title.replace(" ", "-")
        return name.lower() if self.config["name_from_title"] == "lowercase" else name

    def _check_name(self, app, name, allowed=None):
        for cred in app["credentials"].values():
            if cred["name"] == name and cred is not allowed:
                raise error(409, "The Credential cannot be created with name '%s'. Another resource of type credential "
                                 "(id: %s) already exists with the same name." % (name, cred["id"]))

    def _secret_from(self, body, catalog):
        """(hash, plaintext) from a create/update body; plaintext is None when the caller sent a hash."""
        if body.get("client_secret") is not None and body.get("client_secret_hashed") is not None:
            raise error(400, "Specify client_secret or client_secret_hashed, not both")
        if body.get("client_secret_hashed") is not None:
            if not catalog["settings"].get("hash_client_secret") and self.config["hashed_secret_unless_hashing"] == "refused":
                raise error(400, "client_secret_hashed can only be set when the catalog setting hash_client_secret is true")
            self.remember_secret(body["client_secret_hashed"])
            return body["client_secret_hashed"], None
        if body.get("client_secret") is not None:
            if not str(body["client_secret"]):
                raise error(400, "client_secret must not be empty")
            self.remember_secret(body["client_secret"], secret_hash(body["client_secret"]))
            return secret_hash(body["client_secret"]), body["client_secret"]
        return None, None

    @route("POST", "/api/apps/{org}/{catalog}/{corg}/{app}/credentials")
    def create_credential(self, request):
        app = self._app(request, write=True)
        catalog = app["corg"]["catalog"]
        body = request.json() or {}
        name = body.get("name") or self._name_from_title(body.get("title") or "Credential for %s" % app["name"])
        self._check_name(app, name)
        self._check_client_id(catalog, body.get("client_id"))
        hashed, plaintext = self._secret_from(body, catalog)
        if hashed is None:
            plaintext = secrets.token_hex(16)
            self.remember_secret(plaintext, secret_hash(plaintext))
            hashed = secret_hash(plaintext)
        cred = self._new_credential(app, {"name": name, "title": body.get("title") or name, "summary": body.get("summary", ""),
                                          "client_id": body.get("client_id")}, self.clock.now())
        cred["hash"] = hashed
        return Response(201, self._cred_view(request, cred, plaintext))

    @route("GET", "/api/apps/{org}/{catalog}/{corg}/{app}/credentials/{cred}")
    def get_credential(self, request):
        return Response(200, project(self._cred_view(request, self._cred(request)), request.arg("fields")))

    @route("PATCH", "/api/apps/{org}/{catalog}/{corg}/{app}/credentials/{cred}")
    def update_credential(self, request):
        cred = self._cred(request, write=True)
        app = cred["app"]
        catalog = app["corg"]["catalog"]
        body = request.json() or {}
        if "client_id" in body and not body["client_id"]:
            raise error(int(self.config["null_client_id_status"]), "client_id may not be null")
        if body.get("name"):
            self._check_name(app, body["name"], allowed=cred)
        self._check_client_id(catalog, body.get("client_id"), allowed=cred)
        hashed, plaintext = self._secret_from(body, catalog)
        if plaintext is not None and not catalog["settings"].get("hash_client_secret"):
            if self.config["plaintext_secret_change"] == "refused_unless_hashing":
                raise error(400, "client_secret can only be changed when the catalog setting hash_client_secret is true")
            if self.config["plaintext_secret_change"] == "ignored_unless_hashing":
                hashed = None
        for key in ("name", "title", "summary", "client_id"):
            if body.get(key) is not None:
                cred[key] = body[key]
        if hashed:
            cred["hash"] = hashed
        cred["updated"] = self.clock.now()
        return Response(200, self._cred_view(request, cred))

    @route("DELETE", "/api/apps/{org}/{catalog}/{corg}/{app}/credentials/{cred}")
    def delete_credential(self, request):
        cred = self._cred(request, write=True)
        del cred["app"]["credentials"][cred["id"]]
        if int(self.config["delete_status"]) == 204:
            return Response(204)
        return Response(200, self._cred_view(request, cred))

    @route("POST", "/api/apps/{org}/{catalog}/{corg}/{app}/credentials/{cred}/reset")
    def reset_credential(self, request):
        cred = self._cred(request, write=True)
        plaintext = secrets.token_hex(16)
        self.remember_secret(plaintext, secret_hash(plaintext))
        cred.update(client_id=secrets.token_hex(16), hash=secret_hash(plaintext), updated=self.clock.now())
        return Response(int(self.config["reset_status"]), self._cred_view(request, cred, plaintext))

    @route("POST", "/api/apps/{org}/{catalog}/{corg}/{app}/credentials/{cred}/reset-client-secret")
    def reset_client_secret(self, request):
        cred = self._cred(request, write=True)
        plaintext = secrets.token_hex(16)
        self.remember_secret(plaintext, secret_hash(plaintext))
        cred.update(hash=secret_hash(plaintext), updated=self.clock.now())
        return Response(int(self.config["reset_status"]), self._cred_view(request, cred, plaintext))

    @route("POST", "/api/apps/{org}/{catalog}/{corg}/{app}/credentials/{cred}/verify-client-secret")
    def verify_client_secret(self, request):
        cred = self._cred(request)
        body = request.json() or {}
        if not body.get("client_secret"):
            raise error(400, "client_secret is required")
        if body.get("client_id", cred["client_id"]) != cred["client_id"] or secret_hash(body["client_secret"]) != cred["hash"]:
            raise error(int(self.config["verify_mismatch_status"]), "The client secret is not valid for credential %s" % cred["name"])
        if int(self.config["verify_status"]) == 204:
            return Response(204)
        return Response(200, {"status": 200, "message": ["The client secret is valid"]})

    # ---- catalog settings --------------------------------------------------------------------
    @route("GET", "/api/catalogs/{org}/{catalog}/settings")
    def get_settings(self, request):
        catalog = self._catalog(request)
        return Response(200, dict(catalog["settings"], type="catalog_setting", api_version="2.0.0"))

    @route("PATCH", "/api/catalogs/{org}/{catalog}/settings")
    def update_settings(self, request):
        catalog = self._catalog(request, write=True)
        body = request.json() or {}
        if "hash_client_secret" in body:
            catalog["settings"]["hash_client_secret"] = bool(body["hash_client_secret"])
        return Response(200, dict(catalog["settings"], type="catalog_setting", api_version="2.0.0"))

    # ---- platform shapes for errors the framework produces ------------------------------------
    def not_found(self, request):
        return Response(404, {"status": 404, "message": ["No route for %s %s" % (request.method, request.path)]})

    def rate_limited_response(self, retry_after, status):
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        return Response(status, {"status": status, "message": ["Too Many Requests"]} if status == 429 else None, headers)

    def _control(self, request):
        """Adds ``POST /_emulator/check_credentials`` {client_id, client_secret}: would the gateway accept the pair?

        ``POST /_emulator/age`` {"days": N} makes every object N days older, and
        ``/_emulator/mail`` for the SMTP sink attached as ``mailbox``: ``GET`` the
        messages, ``DELETE`` forgets them, ``POST {"fail_next": N}`` fails the next N.
        """
        what = request.path.rstrip("/")
        if what == "/_emulator/mail" and self.mailbox is not None:
            with self.mailbox.lock:
                if request.method == "DELETE":
                    self.mailbox.messages.clear()
                elif request.method == "POST":
                    self.mailbox.fail_next = int((request.json() or {}).get("fail_next", 0))
                return Response(200, list(self.mailbox.messages))
        if what == "/_emulator/reset" and self.mailbox is not None:
            with self.mailbox.lock:
                self.mailbox.messages.clear()
                self.mailbox.fail_next = 0
        if what == "/_emulator/age" and request.method == "POST":
            # Let time pass for the data: every object becomes ``days`` older (the tests' view of the calendar).
            shift = float((request.json() or {}).get("days", 0)) * DAY
            for catalog in self._catalogs():
                for corg in catalog["corgs"].values():
                    corg["created"] -= shift
                for app in catalog_apps(catalog):
                    app["created"] -= shift
                for cred in catalog_credentials(catalog):
                    cred["created"] -= shift
                    cred["updated"] -= shift
            return Response(200, {"aged_days": shift / DAY})
        if what == "/_emulator/check_credentials":
            body = request.json() or {}
            wanted = secret_hash(body.get("client_secret", ""))
            for cred in (c for catalog in self._catalogs() for c in catalog_credentials(catalog)):
                if cred["client_id"] == body.get("client_id"):
                    return Response(200, {"valid": cred["hash"] == wanted, "app": cred["app"]["name"], "credential": cred["name"]})
            return Response(200, {"valid": False, "app": None, "credential": None})
        return super()._control(request)


def bulk_seed(consumer_orgs=100, credentials=2000, expired=0.30, past_deletion=0.10, expiry_days=90, deletion_days=100,
              base=None):
    """A large catalog for benchmarks: ``credentials`` over ``consumer_orgs``.

    A share ``expired`` of the credentials is past ``expiry_days`` (but not
    ``deletion_days``); a share ``past_deletion`` is past ``deletion_days`` and
    sits in an app that already has its ``<name>_new`` (created when it expired,
    so the grace period is over). The rest is fresh, ``_new`` ones included.
    """
    seed = dict(base or {})
    n_retire = int(credentials * past_deletion)
    n_expired = int(credentials * expired)
    n_single = credentials - 2 * n_retire
    plan = ["retire"] * n_retire + ["expired"] * n_expired + ["fresh"] * (n_single - n_expired)
    corgs = [{"name": "corg-%03d" % i, "title": "Consumer org %d" % i,
              "owner": {"username": "owner%03d" % i, "email": "owner%03d@example.com" % i}, "apps": []}
             for i in range(consumer_orgs)]
    for index, kind in enumerate(plan):
        name = "credential-for-app-%04d" % index
        if kind == "retire":
            creds = [{"name": name, "title": "Credential for app %d" % index, "age_days": deletion_days + 5 + index % 20},
                     {"name": name + "_new", "title": "Credential for app %d_new" % index,
                      "age_days": deletion_days - expiry_days + 5}]
        elif kind == "expired":
            creds = [{"name": name, "title": "Credential for app %d" % index, "age_days": expiry_days + index % (deletion_days - expiry_days)}]
        else:
            creds = [{"name": name, "title": "Credential for app %d" % index, "age_days": index % expiry_days}]
        corgs[index % consumer_orgs]["apps"].append({"name": "app-%04d" % index, "credentials": creds})
    seed["orgs"] = [{"name": "bench-porg", "catalogs": [{"name": "production", "consumer_orgs": corgs}]}]
    return seed


if __name__ == "__main__":
    sys.exit(main(ApicEmulator))
