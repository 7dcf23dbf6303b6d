# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Keycloak emulator: the token endpoint and the Admin REST API's client and client-secret resources.

    python -m tests.emulators.keycloak [--seed state.json]

``POST /realms/{realm}/protocol/openid-connect/token`` (``client_credentials``, ``password``); under
``/admin/realms/{realm}/clients``: ``GET`` (``clientId``, ``search``, ``first``, ``max``), ``GET|PUT /{id}`` (the
client's UUID), ``GET|POST /{id}/client-secret``, ``GET|DELETE /{id}/client-secret/rotated``.

As keycloak/keycloak's ``ClientResource``, ``ClientsResource``, ``RealmsAdminResource``, ``TokenEndpoint``,
``ClientIdAndSecretAuthenticator``, ``AuthenticationProcessor``, the ``*GrantType`` classes,
``ClientSecretRotationExecutor(Factory)``, ``OIDCClientSecretConfigWrapper``, ``RepresentationToModel.updateClient``,
``KeycloakModelUtils.generateSecret``, ``StripSecretsUtils`` and ``KeycloakErrorHandler`` have it:

* A realm's tokens carry ``realm-management`` roles (``realm-admin`` is all); master tokens the realm role ``admin``
  (everything) or roles of the master client ``<realm>-realm``; another realm's token is 403. ``view-clients``
  reads, ``manage-clients`` writes and reads secrets, ``query-clients`` lists (and sees nothing). An unknown client
  UUID is 404 ``{"error": "Could not find client"}`` to one who may list, else 403; an unknown realm is 404.
* PUT (204) honours ``secret`` and each attribute given; a public or bearer-only client loses its secret; without
  the rotation policy the rotation attributes go.
* Regenerate: 32 characters of ``[A-Za-z0-9]``, ``client.secret.creation.time`` stamped. Under the
  ``secret-rotation`` executor the old secret becomes ``client.secret.rotated`` (``.creation.time``,
  ``.expiration.time`` = now + ``rotated-expiration-period``; 0 keeps none) and ``client.secret.expiration.time`` =
  now + ``expiration-period``; without it the old secret stops at once. A secret authenticates until its expiration
  time passes, the rotated one until its own (and only while the current one has not expired). ``GET .../rotated``
  is 404 ``{"error": "Client does not have a rotated secret"}`` when none is stored (a stored one is returned even
  once expired); ``DELETE .../rotated`` is 204 either way.
* Token errors: unknown or disabled client 401 ``invalid_client``; wrong or missing secret 401
  ``unauthorized_client``; no ``client_id`` 400 ``invalid_client``; ``client_credentials`` for a public, bearer-only
  or service-account-less client 401 ``unauthorized_client``; ``password`` without direct access grants 400
  ``unauthorized_client``, bad user credentials 401 ``invalid_grant``.

Seed realms use the realm representation's keys (``realm``, ``accessTokenLifespan``, ``clients``, ``users``). A
realm's ``secretRotation`` stands for an enabled client policy with the ``secret-rotation`` executor: its
configuration keys (defaults 30 d / 2 d / 10 d; ``remaining-rotation-period`` acts on dynamic client registration
only) and an optional ``clients`` list for the policy's conditions. It runs on regenerate and PUT; its token-request
hook serves only the authorization code grant, not emulated here.
Tokens are JWT-shaped, looked up by value, and outlive secret changes as Keycloak's do. Switches (``--config`` or
``POST /_emulator/config``), default first:

======================  ===========================================================================================
``auth_error_wording``  ``current`` ("Invalid client or Invalid client credentials" for a wrong or missing secret)
                        or ``legacy`` ("Invalid client secret" / "Client secret not provided in request", releases
                        before secret rotation)
``forbidden_body``      ``current`` (``{"error": "HTTP 403 Forbidden"}``, ``jakarta.ws.rs.ForbiddenException``) or
                        ``legacy`` (``{"error": "unknown_error"}``, the old ``LoggableFailure``; seen on 21 and 23)
``secret_read_role``    ``manage`` (reading ``client-secret`` and ``.../rotated`` needs manage-clients; GET client
                        masks secrets for viewers) or ``view`` (view-clients reads them, unmasked: older releases)
``list_without_role``   ``forbidden`` (``requireList``) or ``empty`` (200 ``[]``, reported on 26.2.5, keycloak#40192)
``null_fields``         ``omit`` (a public client's secret is ``{"type": "secret"}``) or ``null`` (``"value": null``)
``rotation_feature``    true; false: the ``client-secret-rotation`` preview feature is off, no policy runs (stored
                        rotation attributes still count)
``secret_length``       32 (``SecretGenerator.SECRET_LENGTH_256_BITS``)
``token_ttl``           null: each realm's ``accessTokenLifespan`` (master 60 s, others 300 s)
``http_relative_path``  ``""`` (the Quarkus distribution, 17 and later) or ``/auth`` (the WildFly one, or
                        ``--http-relative-path=/auth``): every route lives under it
======================  ===========================================================================================
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import sys
import uuid

from tests.emulators.framework import Emulator, HttpError, Response, main, route

ALPHANUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
CREATION = "client.secret.creation.time"
EXPIRATION = "client.secret.expiration.time"
REMAINING = "client.secret.remaining.expiration.time"
ROTATED = "client.secret.rotated"
ROTATED_CREATION = "client.secret.rotated.creation.time"
ROTATED_EXPIRATION = "client.secret.rotated.expiration.time"
ROTATION_DEFAULTS = {"expiration-period": 2592000, "rotated-expiration-period": 172800, "remaining-rotation-period": 864000}
MASK = "**********"
BAD_CLIENT = "Invalid client or Invalid client credentials"
TEXTS = ("clientId", "name", "description", "rootUrl", "adminUrl", "baseUrl", "protocol", "clientAuthenticatorType",
         "nodeReRegistrationTimeout", "notBefore")
FLAG_DEFAULTS = {"enabled": True, "publicClient": False, "bearerOnly": False, "serviceAccountsEnabled": False,
                 "directAccessGrantsEnabled": False, "standardFlowEnabled": True, "implicitFlowEnabled": False,
                 "consentRequired": False, "fullScopeAllowed": True, "frontchannelLogout": True,
                 "alwaysDisplayInConsole": False, "surrogateAuthRequired": False}
FLAGS = tuple(FLAG_DEFAULTS)
SIGNING_KEY = b"apiops-keycloak-emulator-signing-key"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def oauth_error(status, error, description, headers=None):
    return HttpError(status, {"error": error, "error_description": description}, headers)


class KeycloakEmulator(Emulator):
    name = "keycloak"
    # The state it starts from (the launcher and the fixtures use it): three realms, a rotator client in each that may
    # manage clients, and clients of every kind a rotation meets.
    SEED = {
        "realms": [
            {
                "realm": "master",
                "accessTokenLifespan": 60,
                "users": [
                    {"username": "admin", "password": "Adm1n-Passw0rd-keycloak-seed-4c1", "realmRoles": ["admin"]},
                    {"username": "apps-viewer", "password": "V1ewer-Passw0rd-keycloak-seed-8e2", "clientRoles": {"apps-realm": ["view-clients"]}}
                ],
                "clients": [
                    {"id": "6d1c7c57-0f6b-4a51-9b1e-6f3f1a0c0001", "clientId": "admin-cli", "name": "${client_admin-cli}",
                     "publicClient": True, "directAccessGrantsEnabled": True, "standardFlowEnabled": False}
                ]
            },
            {
                "realm": "apps",
                "accessTokenLifespan": 300,
                "clients": [
                    {"id": "0b5d9a3e-51c2-4d0e-8a57-2e7f0c1a0001", "clientId": "rotator", "secret": "r0tator-S3cret-keycloak-seed-51c2a9",
                     "serviceAccountsEnabled": True, "serviceAccountRoles": {"realm-management": ["manage-clients", "view-clients"]}},
                    {"id": "0b5d9a3e-51c2-4d0e-8a57-2e7f0c1a0002", "clientId": "auditor", "secret": "aud1tor-S3cret-keycloak-seed-7d30e4",
                     "serviceAccountsEnabled": True, "serviceAccountRoles": {"realm-management": ["view-clients"]}},
                    {"id": "0b5d9a3e-51c2-4d0e-8a57-2e7f0c1a0003", "clientId": "orders-api", "name": "Orders API",
                     "secret": "0rders-S3cret-keycloak-seed-9b04f1", "serviceAccountsEnabled": True},
                    {"id": "0b5d9a3e-51c2-4d0e-8a57-2e7f0c1a0004", "clientId": "billing-api", "name": "Billing API",
                     "secret": "b1lling-S3cret-keycloak-seed-2f6c88", "serviceAccountsEnabled": True},
                    {"id": "0b5d9a3e-51c2-4d0e-8a57-2e7f0c1a0005", "clientId": "reports-api", "name": "Reports API",
                     "secret": "rep0rts-S3cret-keycloak-seed-e5a713", "serviceAccountsEnabled": True},
                    {"id": "0b5d9a3e-51c2-4d0e-8a57-2e7f0c1a0006", "clientId": "web-portal", "publicClient": True,
                     "standardFlowEnabled": True, "redirectUris": ["https://portal.example.com/*"]},
                    {"id": "0b5d9a3e-51c2-4d0e-8a57-2e7f0c1a0007", "clientId": "legacy-api", "bearerOnly": True}
                ]
            },
            {
                "realm": "rotating",
                "accessTokenLifespan": 300,
                "secretRotation": {"expiration-period": 2592000, "rotated-expiration-period": 172800, "remaining-rotation-period": 864000},
                "clients": [
                    {"id": "9e3f6b21-7a4c-4b8e-a0d2-5c1e7f2b0001", "clientId": "rotator", "secret": "r0tator-S3cret-rotating-seed-06dd4e",
                     "serviceAccountsEnabled": True, "serviceAccountRoles": {"realm-management": ["manage-clients", "view-clients"]}},
                    {"id": "9e3f6b21-7a4c-4b8e-a0d2-5c1e7f2b0002", "clientId": "payments-api", "name": "Payments API",
                     "secret": "paym3nts-S3cret-rotating-seed-b7a2c0", "serviceAccountsEnabled": True},
                    {"id": "9e3f6b21-7a4c-4b8e-a0d2-5c1e7f2b0003", "clientId": "ledger-api", "name": "Ledger API",
                     "secret": "l3dger-S3cret-rotating-seed-41f9d3", "serviceAccountsEnabled": True}
                ]
            }
        ]
    }

    def default_config(self):
        return {"auth_error_wording": "current", "forbidden_body": "current", "secret_read_role": "manage",
                "list_without_role": "forbidden", "null_fields": "omit", "rotation_feature": True, "secret_length": 32,
                "token_ttl": None, "http_relative_path": ""}

    # ---- state -------------------------------------------------------------------
    def load(self, seed):
        self.realms, self.tokens = {}, {}
        for realm in seed.get("realms", []):
            name = realm["realm"]
            rotation = realm.get("secretRotation")
            self.realms[name] = {
                "name": name, "enabled": realm.get("enabled", True),
                "token_ttl": int(realm.get("accessTokenLifespan", 60 if name == "master" else 300)),
                "rotation": None if rotation is None else dict(ROTATION_DEFAULTS, **rotation),
                "clients": {}, "users": {}}
            for client in realm.get("clients", []):
                self._store_client(name, client)
            for user in realm.get("users", []):
                self.realms[name]["users"][user["username"].lower()] = {
                    "id": user.get("id") or str(uuid.uuid4()), "username": user["username"].lower(),
                    "password": user["password"], "enabled": user.get("enabled", True),
                    "realm_roles": list(user.get("realmRoles", [])), "client_roles": dict(user.get("clientRoles", {}))}
                self.remember_secret(user["password"])

    def _store_client(self, realm, rep):
        client = {key: rep.get(key, default) for key, default in FLAG_DEFAULTS.items()}
        client.update({"id": rep.get("id") or str(uuid.uuid4()), "clientId": rep["clientId"], "protocol": "openid-connect",
                       "clientAuthenticatorType": "client-secret", "redirectUris": list(rep.get("redirectUris", [])),
                       "webOrigins": list(rep.get("webOrigins", [])), "attributes": dict(rep.get("attributes", {})),
                       "realm_roles": list(rep.get("serviceAccountRealmRoles", [])),
                       "client_roles": dict(rep.get("serviceAccountRoles", {}))})
        client.update({key: rep[key] for key in TEXTS if key in rep})
        confidential = not (client["publicClient"] or client["bearerOnly"])
        client["secret"] = rep.get("secret") if confidential else None
        if confidential and client["secret"] is None:
            self._generate(client)
        self.remember_secret(client["secret"], client["attributes"].get(ROTATED))
        self.realms[realm]["clients"][client["id"]] = client

    def dump(self):
        return {name: {c["clientId"]: {"id": c["id"], "fingerprints": sorted(self._working(c)),
                                       "attributes": {k: v for k, v in c["attributes"].items() if k != ROTATED}}
                       for c in realm["clients"].values()} for name, realm in self.realms.items()}

    def secret_fingerprints(self):
        return {"%s/%s" % (name, c["clientId"]): self._working(c) for name, realm in self.realms.items()
                for c in realm["clients"].values() if not (c["publicClient"] or c["bearerOnly"])}

    def _working(self, client):
        """Fingerprints of the secrets that would authenticate the client now."""
        if not client["enabled"] or client["publicClient"] or not client["secret"] or self._expired(client, EXPIRATION):
            return set()
        prints = {self.fingerprint(client["secret"])}
        if self._has_rotated(client) and not self._expired(client, ROTATED_EXPIRATION, missing=True):
            prints.add(self.fingerprint(client["attributes"][ROTATED]))
        return prints

    # ---- secrets and the rotation executor -------------------------------------------------
    def _now(self):
        return int(self.clock.now())  # Time.currentTime(): whole seconds

    def _expired(self, client, attribute, missing=False):
        """isClientSecretExpired / isClientRotatedSecretExpired: the time has passed (no time: ``missing``)."""
        value = client["attributes"].get(attribute)
        return int(value) < self._now() if value else missing

    @staticmethod
    def _has_rotated(client):
        return bool(client["attributes"].get(ROTATED)) and bool(client["attributes"].get(ROTATED_CREATION))

    def _generate(self, client):
        """KeycloakModelUtils.generateSecret: a new secret and its creation time."""
        secret = "".join(secrets.choice(ALPHANUM) for _position in range(int(self.config["secret_length"])))
        client["secret"] = secret
        client["attributes"][CREATION] = str(self._now())
        self.remember_secret(secret)
        return secret

    def _policy(self, realm, client):
        """The realm's secret-rotation configuration when it applies to this client (the executor skips public and
        bearer-only clients), else None."""
        policy = self.realms[realm]["rotation"]
        if not self.config["rotation_feature"] or policy is None or client["publicClient"] or client["bearerOnly"]:
            return None
        return policy if policy.get("clients") is None or client["clientId"] in policy["clients"] else None

    def _rotate_into_rotated(self, client, policy, old):
        attributes = client["attributes"]
        if int(policy["rotated-expiration-period"]) > 0:
            attributes.update({ROTATED: old, ROTATED_CREATION: str(self._now()),
                               ROTATED_EXPIRATION: str(self._now() + int(policy["rotated-expiration-period"]))})
            self.remember_secret(old)
        else:
            self._drop_rotated(client)
        attributes[CREATION] = str(self._now())
        attributes[EXPIRATION] = str(self._now() + int(policy["expiration-period"]))

    @staticmethod
    def _drop_rotated(client):
        for key in (ROTATED, ROTATED_CREATION, ROTATED_EXPIRATION):
            client["attributes"].pop(key, None)

    def _drop_rotation_info(self, client):
        """OIDCClientSecretConfigWrapper.removeClientSecretRotationInfo (the creation time stays)."""
        for key in (EXPIRATION, REMAINING):
            client["attributes"].pop(key, None)
        self._drop_rotated(client)

    # ---- tokens ------------------------------------------------------------------------------
    def _realm(self, name, admin=False):
        if name not in self.realms:
            raise HttpError(404, {"error": "Realm not found." if admin else "Realm does not exist"})
        return self.realms[name]

    def _authenticate_client(self, request, realm, form):
        """ClientIdAndSecretAuthenticator, then AuthenticationProcessor's answers for its failures."""
        legacy = self.config["auth_error_wording"] == "legacy"
        client_id = secret = None
        if request.headers.get("authorization"):
            basic = request.basic_auth()
            if basic:
                client_id, secret = basic
            elif "client_id" not in form:
                raise HttpError(401, None, {"WWW-Authenticate": 'Basic realm="%s"' % realm["name"]})
        client_id = form.get("client_id", client_id)
        secret = form.get("client_secret", secret)
        if client_id is None:
            raise oauth_error(400, "invalid_client", "Missing client_id parameter")
        client = next((c for c in realm["clients"].values() if c["clientId"] == client_id), None)
        if client is None or not client["enabled"]:
            raise oauth_error(401, "invalid_client", BAD_CLIENT)
        if client["publicClient"]:
            return client
        if secret is None:
            raise oauth_error(401, "unauthorized_client", "Client secret not provided in request" if legacy else BAD_CLIENT)
        matches = client["secret"] is not None and (
            hmac.compare_digest(secret.encode(), client["secret"].encode())
            or (self._has_rotated(client) and not self._expired(client, ROTATED_EXPIRATION, missing=True)
                and hmac.compare_digest(secret.encode(), client["attributes"][ROTATED].encode())))
        if not matches or self._expired(client, EXPIRATION):
            raise oauth_error(401, "unauthorized_client", "Invalid client secret" if legacy else BAD_CLIENT)
        return client

    def _mint(self, request, realm, client, subject, username, realm_roles, client_roles, session=False):
        now = self._now()
        ttl = int(self.config["token_ttl"] or realm["token_ttl"])
        claims = {"exp": now + ttl, "iat": now, "jti": str(uuid.uuid4()), "typ": "Bearer", "azp": client["clientId"],
                  "iss": "%s://%s/realms/%s" % (self.scheme, request.headers.get("host", "localhost"), realm["name"]),
                  "sub": subject, "preferred_username": username, "scope": "profile email",
                  "realm_access": {"roles": list(realm_roles)},
                  "resource_access": {name: {"roles": list(roles)} for name, roles in client_roles.items()}}
        header = b64url(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "emulator"}).encode())
        body = "%s.%s" % (header, b64url(json.dumps(claims).encode()))
        token = body + "." + b64url(hmac.new(SIGNING_KEY, body.encode(), hashlib.sha256).digest())
        self.tokens[token] = {"realm": realm["name"], "exp": claims["exp"], "realm_roles": set(realm_roles),
                              "client_roles": {name: set(roles) for name, roles in client_roles.items()}}
        self.remember_secret(token)
        answer = {"access_token": token, "expires_in": ttl, "refresh_expires_in": 0, "token_type": "Bearer",
                  "not-before-policy": 0, "scope": "profile email"}
        if session:
            refresh = uuid.uuid4().hex + uuid.uuid4().hex
            self.remember_secret(refresh)
            answer.update(refresh_expires_in=1800, refresh_token=refresh, session_state=str(uuid.uuid4()))
        return Response(200, answer, {"Cache-Control": "no-store", "Pragma": "no-cache"})

    @route("POST", "/realms/{realm}/protocol/openid-connect/token")
    def token(self, request):
        realm = self._realm(request.params["realm"])
        form = request.form()
        grant = form.get("grant_type")
        if not realm["enabled"]:
            raise oauth_error(403, "access_denied", "Realm not enabled")
        if grant is None:
            raise oauth_error(400, "invalid_request", "Missing form parameter: grant_type")
        if grant not in ("client_credentials", "password"):
            raise oauth_error(400, "unsupported_grant_type", "Unsupported grant_type")
        client = self._authenticate_client(request, realm, form)
        if client["bearerOnly"]:
            raise oauth_error(400, "invalid_client", "Bearer-only not allowed")
        if grant == "client_credentials":
            for refused, message in ((client["publicClient"], "Public client not allowed to retrieve service account"),
                                     (not client["serviceAccountsEnabled"], "Client not enabled to retrieve service account")):
                if refused:
                    raise oauth_error(401, "unauthorized_client", message)
            return self._mint(request, realm, client, "service-account-" + client["id"], "service-account-" + client["clientId"].lower(),
                              client["realm_roles"], client["client_roles"])
        if not client["directAccessGrantsEnabled"]:
            raise oauth_error(400, "unauthorized_client", "Client not allowed for direct access grants")
        user = realm["users"].get((form.get("username") or "").lower())
        if user is None or form.get("password") is None or not hmac.compare_digest(form["password"].encode(), user["password"].encode()):
            raise oauth_error(401, "invalid_grant", "Invalid user credentials")
        if not user["enabled"]:
            raise oauth_error(400, "invalid_grant", "Account disabled")
        return self._mint(request, realm, client, user["id"], user["username"], user["realm_roles"], user["client_roles"], session=True)

    # ---- admin authentication and permissions ------------------------------------------------
    def _forbidden(self):
        return HttpError(403, {"error": "HTTP 403 Forbidden" if self.config["forbidden_body"] == "current" else "unknown_error"})

    def _admin(self, request):
        """AdminRoot.authenticateRealmAdminRequest, RealmsAdminResource.getRealmAdmin and the caller's client
        permissions for the realm in the path: a subset of {"query", "view", "manage"}."""
        record = self.tokens.get(request.bearer() or "")
        if record is None or record["exp"] < self._now() or record["realm"] not in self.realms:
            raise HttpError(401, {"error": "HTTP 401 Unauthorized"}, {"WWW-Authenticate": "Bearer"})
        name = request.params["realm"]
        self._realm(name, admin=True)
        if record["realm"] not in ("master", name):
            raise self._forbidden()
        if record["realm"] == "master":
            roles = {"realm-admin"} if "admin" in record["realm_roles"] else record["client_roles"].get(name + "-realm", set())
        else:
            roles = record["client_roles"].get("realm-management", set())
        if "realm-admin" in roles or "manage-clients" in roles:
            return {"query", "view", "manage"}
        if "view-clients" in roles:
            return {"query", "view"}
        return {"query"} if "query-clients" in roles else set()

    def _target(self, request, need):
        """ClientsResource.getClient (404 to those who may list clients, 403 to others), then the permission ``need``
        ("secret": reading secrets, per ``secret_read_role``)."""
        perms = self._admin(request)
        client = self.realms[request.params["realm"]]["clients"].get(request.params["id"])
        if client is None and perms:
            raise HttpError(404, {"error": "Could not find client"})
        if need == "secret":
            need = "manage" if self.config["secret_read_role"] == "manage" else "view"
        if client is None or need not in perms:
            raise self._forbidden()
        return perms, client

    def _representation(self, client, perms, strip=False):
        rep = {key: value for key, value in client.items() if key not in ("realm_roles", "client_roles", "secret")}
        rep["attributes"] = dict(client["attributes"])
        if client["secret"] is not None:
            rep["secret"] = client["secret"]
        if strip:  # StripSecretsUtils.stripClient
            rep.update({"secret": MASK} if "secret" in rep else {})
            rep["attributes"].update({ROTATED: MASK} if ROTATED in rep["attributes"] else {})
        rep["access"] = {"view": "view" in perms, "configure": "manage" in perms, "manage": "manage" in perms}
        return rep

    def _credential(self, value):
        keep = value is not None or self.config["null_fields"] == "null"
        return Response(200, {"type": "secret", "value": value} if keep else {"type": "secret"})

    def not_found(self, request):
        return Response(404, {"error": "Unable to find matching target resource method"})

    def _dispatch(self, request):
        prefix = self.config["http_relative_path"].rstrip("/")
        if prefix and not request.path.startswith(prefix + "/"):
            return self.not_found(request)
        request.path = request.path[len(prefix):]
        return super()._dispatch(request)

    # ---- admin routes ----------------------------------------------------------------------------
    @route("GET", "/admin/realms/{realm}/clients")
    def list_clients(self, request):
        perms = self._admin(request)
        if not perms and self.config["list_without_role"] == "forbidden":
            raise self._forbidden()  # else 200 [], as nothing below is viewable
        clients = sorted(self.realms[request.params["realm"]]["clients"].values(), key=lambda c: c["clientId"])
        wanted = (request.arg("clientId") or "").strip()
        first, most = max(request.int_arg("first", 0), 0), request.int_arg("max", -1)
        if wanted and request.arg("search", "false").lower() != "true":
            clients = [c for c in clients if c["clientId"] == wanted]  # getClientByClientId: no paging
        else:
            if wanted:
                clients = [c for c in clients if wanted.lower() in c["clientId"].lower()]
            clients = clients[first:] if most < 0 else clients[first:first + most]
        return Response(200, [self._representation(c, perms) for c in clients if "view" in perms])

    @route("GET", "/admin/realms/{realm}/clients/{id}")
    def get_client(self, request):
        perms, client = self._target(request, "view")
        strip = "manage" not in perms and self.config["secret_read_role"] == "manage"
        return Response(200, self._representation(client, perms, strip=strip))

    @route("PUT", "/admin/realms/{realm}/clients/{id}")
    def update_client(self, request):
        realm = request.params["realm"]
        _perms, client = self._target(request, "manage")
        try:
            rep = json.loads(request.body.decode("utf-8") or "{}")
            rep.get("secret")
        except (ValueError, AttributeError) as exc:
            raise HttpError(400, {"error": "invalid_request", "error_description": "Cannot parse the JSON"}) from exc
        new_id = rep.get("clientId")
        if new_id is not None and any(c["clientId"] == new_id and c is not client for c in self.realms[realm]["clients"].values()):
            raise HttpError(409, {"errorMessage": "Client already exists"})
        self.remember_secret(rep.get("secret"), (rep.get("attributes") or {}).get(ROTATED))
        client.update({key: rep[key] for key in FLAGS + TEXTS if rep.get(key) is not None})
        client.update({key: list(rep[key]) for key in ("redirectUris", "webOrigins") if rep.get(key) is not None})
        for key, value in (rep.get("attributes") or {}).items():  # RepresentationToModel.updateClient
            if value is None:
                client["attributes"].pop(key, None)
            else:
                client["attributes"][key] = value if isinstance(value, str) else json.dumps(value)
        if client["publicClient"] or client["bearerOnly"]:
            client["secret"] = None
        elif rep.get("secret") is not None:
            client["secret"] = rep["secret"]
        elif client["secret"] is None:
            self._generate(client)
        policy = self._policy(realm, client)
        if policy is None:
            self._drop_rotation_info(client)
        elif not client["attributes"].get(EXPIRATION):  # executor, UPDATED event: a first expiration time
            client["attributes"][EXPIRATION] = str(self._now() + int(policy["expiration-period"]))
        elif self._expired(client, EXPIRATION):  # ... or the typical rotation of an expired secret
            old = client["secret"]
            self._generate(client)
            self._rotate_into_rotated(client, policy, old)
        return Response(204)

    @route("GET", "/admin/realms/{realm}/clients/{id}/client-secret")
    def get_secret(self, request):
        _perms, client = self._target(request, "secret")
        return self._credential(client["secret"])

    @route("POST", "/admin/realms/{realm}/clients/{id}/client-secret")
    def regenerate_secret(self, request):
        _perms, client = self._target(request, "manage")
        old = client["secret"]
        secret = self._generate(client)  # generated before the policy runs, as ClientResource.regenerateSecret does
        policy = self._policy(request.params["realm"], client)
        if policy is None:
            self._drop_rotation_info(client)
        elif old:  # ClientSecretRotationContext.isForceRotation: only when there was a secret
            self._rotate_into_rotated(client, policy, old)
        return self._credential(secret)

    @route("GET", "/admin/realms/{realm}/clients/{id}/client-secret/rotated")
    def get_rotated(self, request):
        _perms, client = self._target(request, "secret")
        if not self._has_rotated(client):
            raise HttpError(404, {"error": "Client does not have a rotated secret"})
        return self._credential(client["attributes"][ROTATED])

    @route("DELETE", "/admin/realms/{realm}/clients/{id}/client-secret/rotated")
    def invalidate_rotated(self, request):
        _perms, client = self._target(request, "manage")
        self._drop_rotated(client)
        return Response(204)


# ---- the contract suite's and the benchmark's row (tests/platforms.py collects it) ---------------------------------
BENCH_ROTATOR = ("rotator", "r0tator-S3cret-bench-keycloak-0001")


def bench_secret(number):
    return "bench-Keycl0ak-S3cret-%05d-3c9d" % number


def bench_seed(count):
    rotator = {"clientId": BENCH_ROTATOR[0], "secret": BENCH_ROTATOR[1], "serviceAccountsEnabled": True,
               "serviceAccountRoles": {"realm-management": ["manage-clients"]}}
    clients = [{"clientId": "svc-%05d" % n, "secret": bench_secret(n), "serviceAccountsEnabled": True} for n in range(count)]
    return {"realms": [{"realm": "bench", "clients": [rotator] + clients}]}


def bench_inventory(url, count, sink, concurrency, _workdir, _password):
    return {"keycloak_realms": {"hosts": {"keycloak-bench": {
        "keycloak_url": url, "keycloak_realm": "bench", "keycloak_auth_client_id": BENCH_ROTATOR[0],
        "keycloak_auth_client_secret": BENCH_ROTATOR[1], "keycloak_secret_rotation_sink_dir": sink,
        "keycloak_secret_rotation_clients": [{"client_id": "svc-%05d" % n} for n in range(count)],
        "keycloak_secret_rotation_concurrency": concurrency}}}}


def token_works(url, client_id, secret, session=None):
    import requests  # pylint: disable=import-outside-toplevel  # the tests' client, not the emulator's
    return (session or requests).post(url + "/realms/bench/protocol/openid-connect/token", timeout=10, data={
        "grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}).status_code == 200


def bench_done(url, count):
    import requests  # pylint: disable=import-outside-toplevel
    with requests.Session() as session:
        return not any(token_works(url, "svc-%05d" % n, bench_secret(n), session) for n in range(count))


def contract_rows():
    """Find the client, read the secret, regenerate, read the rotated secret, new token, old refused; once: login."""
    from tests.platforms import Platform, secret_protocol  # pylint: disable=import-outside-toplevel  # it imports this file
    return [Platform("keycloak-reset", "keycloak", "keycloak_rotate.yml", 200, bench_seed, bench_inventory, 6, lambda n: 1, bench_done,
                     product="keycloak", host="keycloak-bench",
                     **secret_protocol(lambda url, key, _record, secret: token_works(url, key.split("/")[-1], secret)),
                     writes=r"(POST|PUT|DELETE) /admin/realms/[^/]+/clients/(?P<credential>[^/]+)(/client-secret(/rotated)?)?",
                     lost_answer={"method": "POST", "path": "/client-secret$"},
                     rollback=("keycloak_rotate.yml", "-e", "keycloak_secret_rotation_operation=rollback"))]


if __name__ == "__main__":
    sys.exit(main(KeycloakEmulator))
