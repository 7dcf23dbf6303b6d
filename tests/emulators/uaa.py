# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Cloud Foundry UAA emulator (client administration and secret rotation).

Faithful to ``shared/contracts/uaa.md``; section numbers below refer to it.
Run it from the repository root::

    python -m tests.emulators.uaa --seed tests/emulators/seeds/uaa.json

Switches (``--config '{"version": "73.7.0"}'`` or ``POST /_emulator/config``). UAA's source settles most
answers; the table lists what it leaves open (section 12) and the releases that differ:

==========================================  ===============================================
question                                    switch: answers (default first)
==========================================  ===============================================
release                                     ``version``: 77.18.0, or any other. Before 74.0.0
                                            only client tokens may call ``/secret`` ("Only a
                                            client can change client secret", 5.6); before
                                            76.26.0 bad credentials answer ``unauthorized``
                                            instead of ``invalid_client`` (2.3)
wording of a grant the client lacks         ``grant_type_wording``: ``plain`` ("Unauthorized
(UNCONFIRMED before 77)                     grant type") or ``with_type`` ("Unauthorized grant
                                            type: client_credentials")
access token lifetime                       ``token_ttl``: 43200 seconds
refresh tokens only for the offline scope   ``refresh_restrict_grant``: false, or true (UAA's
(operator setting)                          ``jwt.token.refresh.restrict_grant``: a refresh
                                            token only when the granted scopes hold
                                            ``uaa.offline_token``; without it a refresh grant
                                            is 403 "Expected scope uaa.offline_token is
                                            missing")
a new refresh token on every refresh        ``refresh_rotate``: false (the same value comes
(operator setting)                          back), or true (``jwt.token.refresh.rotate``: a new
                                            value, the old one stops working)
refresh token lifetime                      ``refresh_token_ttl``: 2592000 seconds, unless the
                                            client's ``refresh_token_validity`` says otherwise
refresh token format (operator setting)     not switched: opaque, UAA's default; no module
                                            uses refresh tokens
PUT body ``client_id`` other than the path  not switched: no module sends one
``changeMode`` case, ADD without a secret   not switched: modules send ``ADD`` / ``UPDATE`` /
                                            ``DELETE`` upper case, and ADD always with a secret
401 / 403 / 404 bodies without              not switched: modules read the status, and
``error_description`` (zone switch, no      ``error_description`` only where UAA's source
token)                                      gives it
==========================================  ===============================================

Refresh tokens (2.2): a token answer carries ``refresh_token`` only when the client has ``refresh_token`` in
``authorized_grant_types`` and the grant is a user grant (``password``, ``authorization_code``, ``user_token``,
``refresh_token``, SAML2 and JWT bearer); ``client_credentials`` never gets one (UaaTokenServices.createAccessToken,
RefreshTokenCreator.isRefreshTokenSupported). They are opaque (32 hex characters and ``-r``, UAA's default
``jwt.token.refresh.format``), are checked against the client's secrets like access tokens (``rev_sig``), so a
secret change that drops the secret they were issued under ends them, and ``grant_type=refresh_token`` trades one
for a new access token.

Zones: the token endpoint picks its zone from the request host (``zone1.host``)
as UAA does; since tests cannot rely on DNS for subdomains of 127.0.0.1, a path
prefix ``/zones/<subdomain>/`` is accepted as a stand-in for the host name.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import sys
import time
import uuid

from tests.emulators.framework import Emulator, HttpError, Response, main, route

VALID_GRANTS = (
    "implicit", "password", "client_credentials", "authorization_code", "refresh_token", "user_token",
    "urn:ietf:params:oauth:grant-type:saml2-bearer", "urn:ietf:params:oauth:grant-type:jwt-bearer",
)
# Grants that come with a refresh token when the client has the refresh_token grant (RefreshTokenCreator).
REFRESH_GRANTS = ("authorization_code", "password", "user_token", "refresh_token",
                  "urn:ietf:params:oauth:grant-type:saml2-bearer", "urn:ietf:params:oauth:grant-type:jwt-bearer")
OFFLINE_SCOPE = "uaa.offline_token"
LIST_FIELDS = ("scope", "resource_ids", "authorized_grant_types", "authorities", "redirect_uri", "autoapprove",
               "allowedproviders", "required_user_groups")
INFO_FIELDS = ("name", "allowedproviders", "token_salt", "createdwith")
SCIM_SCHEMA = "http://cloudfoundry.org/schema/scim/oauth-clients-1.0"
DEFAULT_POLICY = {"minLength": 0, "maxLength": 255, "requireUpperCaseCharacter": 0, "requireLowerCaseCharacter": 0,
                  "requireDigit": 0, "requireSpecialCharacter": 0}
SIGNING_KEY = b"apiops-uaa-emulator-signing-key"


def version_tuple(text):
    return tuple(int(part) for part in str(text).split(".")[:3])


def as_set(value):
    """UAA's Jackson2ArrayOrStringDeserializer: an array, or one string split on commas/white space."""
    if value is None:
        return None
    if isinstance(value, bool):
        return ["true"] if value else []
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    result = []
    for item in value:
        for part in str(item).split(","):
            part = part.strip()
            if part and part not in result:
                result.append(part)
    return result


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def insufficient_scope(scopes):
    return insufficient_scope_message("Insufficient scope for this resource", scopes)


def insufficient_scope_message(message, scopes=None):
    body = {"error": "insufficient_scope", "error_description": message}
    if scopes is not None:
        body["scope"] = " ".join(scopes)
    return HttpError(403, body)


def invalid_client(message, status=400):
    return HttpError(status, {"error": "invalid_client", "error_description": message})


def invalid_token(message):
    return HttpError(401, {"error": "invalid_token", "error_description": message})


def java_date(epoch):
    """java.util.Date.toString(), as UAA puts it in its expiry messages."""
    return time.strftime("%a %b %d %H:%M:%S UTC %Y", time.gmtime(epoch))


class UaaEmulator(Emulator):
    name = "uaa"

    def default_config(self):
        return {"version": "77.18.0", "grant_type_wording": "plain", "token_ttl": 43200, "refresh_restrict_grant": False,
                "refresh_rotate": False, "refresh_token_ttl": 2592000}

    # ---- state -------------------------------------------------------------------
    def load(self, seed):
        self.zones = {"uaa": {"id": "uaa", "subdomain": "", "client_secret_policy": dict(DEFAULT_POLICY)}}
        for zone in seed.get("zones", []):
            policy = dict(DEFAULT_POLICY, **zone.get("client_secret_policy", {}))
            self.zones[zone["id"]] = {"id": zone["id"], "subdomain": zone.get("subdomain", zone["id"]),
                                      "client_secret_policy": policy}
        self.clients = {zone_id: {} for zone_id in self.zones}
        self.users = {zone_id: {} for zone_id in self.zones}
        self.refresh_tokens = {}
        for client in seed.get("clients", []):
            zone_id = client.get("zone", "uaa")
            stored = self._normalise(client, creating=True)
            secret = client.get("client_secret")
            plain = secret if isinstance(secret, list) else ([] if secret is None else [secret])
            stored["_hashes"] = [self._hash(s) for s in plain]
            stored["lastModified"] = int(self.clock.now() * 1000)
            self.remember_secret(*plain)
            self.clients[zone_id][stored["client_id"]] = stored
        for user in seed.get("users", []):
            zone_id = user.get("zone", "uaa")
            self.users[zone_id][user["username"]] = {"id": user.get("id", str(uuid.uuid4())), "password": user["password"],
                                                     "groups": list(user.get("groups", []))}
            self.remember_secret(user["password"])

    def dump(self):
        clients = {}
        for zone_id, zone_clients in self.clients.items():
            for client_id, client in zone_clients.items():
                public = self._public(client)
                public["secret_count"] = len(client["_hashes"])
                public["secret_fingerprints"] = [h["fingerprint"] for h in client["_hashes"]]
                clients.setdefault(zone_id, {})[client_id] = public
        return {"zones": sorted(self.zones), "clients": clients}

    def secret_fingerprints(self):
        return {"%s/%s" % (zone_id, client_id): {h["fingerprint"] for h in client["_hashes"]}
                for zone_id, zone_clients in self.clients.items() for client_id, client in zone_clients.items()}

    def _hash(self, secret):
        """A salted hash, re-salted on every change like bcrypt (so rev_sig changes too)."""
        salt = secrets.token_hex(8)
        return {"salt": salt, "digest": hashlib.sha256((salt + secret).encode()).hexdigest(),
                "fingerprint": hashlib.sha256(secret.encode()).hexdigest()[:16]}

    @staticmethod
    def _matches(hashed, secret):
        return hmac.compare_digest(hashed["digest"], hashlib.sha256((hashed["salt"] + secret).encode()).hexdigest())

    def _normalise(self, body, creating, existing=None):
        client = dict(existing) if existing else {"client_id": body.get("client_id")}
        for field in LIST_FIELDS:
            value = as_set(body.get(field))
            if field == "autoapprove":
                if field in body:
                    client[field] = value or []
                continue
            if value:  # merge semantics: null or empty keeps the existing value (4.4)
                client[field] = value
        for field in ("access_token_validity", "refresh_token_validity"):
            if body.get(field) is not None:
                client[field] = int(body[field])
        for field in INFO_FIELDS:
            if field in body:
                if body[field] is None:
                    client.pop(field, None)
                elif field != "allowedproviders":
                    client[field] = body[field]
        if body.get("allowpublic"):
            client["allowpublic"] = True
        if creating:
            client.setdefault("scope", ["uaa.none"])
            client.setdefault("authorities", ["uaa.none"])
        client["resource_ids"] = ["none"]  # always overwritten (3)
        grants = client.get("authorized_grant_types") or []
        if ("authorization_code" in grants or "password" in grants) and "refresh_token" not in grants:
            client["authorized_grant_types"] = grants + ["refresh_token"]
        return client

    @staticmethod
    def _public(client):
        return {k: v for k, v in client.items() if not k.startswith("_")}

    # ---- zones and tokens --------------------------------------------------------
    def _request_zone(self, request):
        """Zone of the request host (or the /zones/<subdomain> stand-in)."""
        subdomain = getattr(request, "zone_subdomain", None)
        if subdomain is None:
            host = request.headers.get("host", "").split(":")[0]
            label = host.split(".")[0] if "." in host else ""
            subdomain = label if any(z["subdomain"] == label and label for z in self.zones.values()) else ""
        for zone in self.zones.values():
            if zone["subdomain"] == subdomain:
                return zone["id"]
        raise HttpError(404, {"error": "not_found", "error_description": "Identity zone with subdomain %s does not exist" % subdomain})

    def _dispatch(self, request):
        if request.path.startswith("/zones/"):
            parts = request.path.split("/", 3)
            request.zone_subdomain = parts[2]
            request.path = "/" + (parts[3] if len(parts) > 3 else "")
        return super()._dispatch(request)

    def _rev_sig(self, client_id, hashed, token_salt, user_id=""):
        material = "%s|%s|%s|%s" % (client_id, hashed["digest"] if hashed else "", token_salt or "", user_id)
        return hashlib.sha256(material.encode()).hexdigest()[:16]

    def _mint(self, zone_id, client, scopes, grant_type, user=None, username=None):
        now = int(self.clock.now())
        newest = client["_hashes"][-1] if client["_hashes"] else None
        claims = {
            "jti": uuid.uuid4().hex, "client_id": client["client_id"], "cid": client["client_id"],
            "azp": client["client_id"], "scope": scopes, "grant_type": grant_type, "zid": zone_id,
            "rev_sig": self._rev_sig(client["client_id"], newest, client.get("token_salt"), user["id"] if user else ""),
            "iat": now, "exp": now + int(self.config["token_ttl"]), "iss": "http://localhost/oauth/token",
            "aud": sorted({s.split(".")[0] for s in scopes}), "revocable": True,
        }
        if user:
            claims.update({"sub": user["id"], "user_id": user["id"], "user_name": username, "origin": "uaa"})
        else:
            claims.update({"sub": client["client_id"], "authorities": scopes})
        header = b64url(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "emulator"}).encode())
        payload = b64url(json.dumps(claims).encode())
        signature = b64url(hmac.new(SIGNING_KEY, ("%s.%s" % (header, payload)).encode(), hashlib.sha256).digest())
        token = "%s.%s.%s" % (header, payload, signature)
        self.remember_secret(token)
        return token, claims

    def _bad_credentials(self):
        legacy = version_tuple(self.config["version"]) < (76, 26, 0)
        error = "unauthorized" if legacy else "invalid_client"
        return HttpError(401, {"error": error, "error_description": "Bad credentials"},
                         {"WWW-Authenticate": 'Basic realm="UAA/client", error="unauthorized", error_description="Bad credentials"'})

    def _authenticate_client(self, zone_id, client_id, secret):
        client = self.clients[zone_id].get(client_id)
        if client is None:
            raise self._bad_credentials()
        if not client["_hashes"]:
            raise invalid_client("Missing credentials", 401)
        if secret is None or not any(self._matches(h, secret) for h in client["_hashes"]):
            raise self._bad_credentials()
        return client

    def _authorize(self, request):
        """Validate the bearer token; return (zone_id, claims, effective scopes)."""
        token = request.bearer()
        if not token:
            raise HttpError(401, {"error": "unauthorized", "error_description": "Full authentication is required to access this resource"},
                            {"WWW-Authenticate": 'Bearer realm="UAA/oauth", error="unauthorized"'})
        try:
            header, payload, signature = token.split(".")
            expected = b64url(hmac.new(SIGNING_KEY, ("%s.%s" % (header, payload)).encode(), hashlib.sha256).digest())
            if not hmac.compare_digest(expected, signature):
                raise ValueError("signature")
            claims = json.loads(unb64url(payload))
        except (ValueError, TypeError) as exc:
            raise HttpError(401, {"error": "invalid_token", "error_description": "Invalid token"}) from exc
        if claims["exp"] <= self.clock.now():
            raise HttpError(401, {"error": "invalid_token", "error_description": "Token expired"})
        token_zone = claims["zid"]
        client = self.clients.get(token_zone, {}).get(claims["cid"])
        user_id = claims.get("user_id", "")
        if client is None or not any(claims["rev_sig"] == self._rev_sig(client["client_id"], h, client.get("token_salt"), user_id)
                                     for h in client["_hashes"] or [None]):
            raise HttpError(401, {"error": "invalid_token", "error_description": "revocable signature mismatch"})
        zone_id = self._request_zone(request)
        if zone_id != token_zone:
            raise HttpError(401, {"error": "invalid_token", "error_description": "Invalid issuer for token"})
        scopes = list(claims["scope"])
        switch = request.headers.get("x-identity-zone-id") or request.headers.get("x-identity-zone-subdomain")
        if switch and zone_id == "uaa":
            by_id = "x-identity-zone-id" in request.headers
            target = next((z["id"] for z in self.zones.values()
                           if (z["id"] if by_id else z["subdomain"]) == switch), None)
            if target is None:
                raise HttpError(404, {"error": "not_found", "error_description": "Identity zone with id/subdomain %s does not exist" % switch})
            scopes = self._zone_switch_scopes(scopes, target)
            if not scopes:
                raise HttpError(403, {"error": "access_denied",
                                      "error_description": "User is not authorized to switch to IdentityZone with id %s" % target})
            zone_id = target
        return zone_id, claims, scopes

    @staticmethod
    def _zone_switch_scopes(scopes, zone_id):
        """ZONE_SWITCH_SCOPES: keep or rename the zone scopes, drop everything else (1.3)."""
        prefix = "zones.%s." % zone_id
        kept = []
        for scope in scopes:
            if scope in ("uaa.admin", prefix + "admin", prefix + "read"):
                kept.append(scope)
            elif scope.startswith(prefix) and scope[len(prefix):].split(".")[0] in ("clients", "scim", "idps"):
                kept.append(scope[len(prefix):])
        return kept

    @staticmethod
    def _require(scopes, zone_id, allowed):
        needed = ["uaa.admin"] + list(allowed) + ["zones.%s.admin" % zone_id]
        if not set(needed) & set(scopes):
            raise insufficient_scope(needed)

    @staticmethod
    def _is_admin(scopes, zone_id):
        return bool({"uaa.admin", "clients.admin", "zones.%s.admin" % zone_id} & set(scopes))

    # ---- endpoints ---------------------------------------------------------------
    @route("GET", "/login")
    def login_info(self, request):
        return Response(200, {"app": {"version": self.config["version"]}, "prompts": {
            "username": ["text", "Email"], "password": ["password", "Password"]}})

    @route("GET", "/info")
    def info(self, request):
        return self.login_info(request)

    @route("POST", "/oauth/token")
    def token(self, request):
        zone_id = self._request_zone(request)
        form = request.form()
        client = self._token_client(zone_id, request, form)
        grant_type = form["grant_type"]
        if grant_type == "refresh_token":
            return self._refresh(zone_id, client, form)
        requested = form.get("scope", "").split()
        user = None
        username = form.get("username")
        if grant_type == "client_credentials":
            allowed = client.get("authorities", [])
        else:
            user = self.users[zone_id].get(username)
            if user is None or user["password"] != form.get("password"):
                raise self._bad_credentials()
            allowed = [s for s in client.get("scope", []) if s in user["groups"] or s == "uaa.user"]
        invalid = [s for s in requested if s not in allowed]
        if invalid:
            raise HttpError(400, {"error": "invalid_scope", "error_description": "Invalid scope: %s" % " ".join(invalid),
                                  "scope": " ".join(allowed)})
        scopes = requested or allowed
        token, claims = self._mint(zone_id, client, scopes, grant_type, user, username)
        refresh = None
        if self._issues_refresh_token(client, grant_type, scopes, user):
            refresh = self._store_refresh(zone_id, claims, self._refresh_expiry(client))
        return self._token_answer(token, claims, refresh)

    def _token_client(self, zone_id, request, form):
        """The authenticated client, once the grant is one it may use."""
        basic = request.basic_auth(url_decode=True)
        client_id, secret = basic if basic else (form.get("client_id"), form.get("client_secret"))
        if client_id is None:
            raise HttpError(401, {"error": "unauthorized", "error_description": "Full authentication is required to access this resource"})
        client = self._authenticate_client(zone_id, client_id, secret)
        grant_type = form.get("grant_type")
        if not grant_type:
            raise HttpError(400, {"error": "invalid_request", "error_description": "Missing grant type"})
        if grant_type not in ("client_credentials", "password", "refresh_token"):
            raise HttpError(400, {"error": "unsupported_grant_type", "error_description": "Unsupported grant type"})
        if grant_type not in client.get("authorized_grant_types", []):
            raise invalid_client("Unauthorized grant type" if self.config["grant_type_wording"] == "plain"
                                 else "Unauthorized grant type: %s" % grant_type, 401)
        return client

    def _token_answer(self, token, claims, refresh):
        body = {"access_token": token, "token_type": "bearer"}
        if refresh:
            body["refresh_token"] = refresh
        body.update(expires_in=int(self.config["token_ttl"]) - 1, scope=" ".join(claims["scope"]), jti=claims["jti"])
        return Response(200, body, {"Cache-Control": "no-store", "Pragma": "no-cache"})

    # ---- refresh tokens ----------------------------------------------------------
    def _issues_refresh_token(self, client, grant_type, scopes, user):
        """UaaTokenServices.createAccessToken + RefreshTokenCreator.isRefreshTokenSupported."""
        if "refresh_token" not in client.get("authorized_grant_types", []):
            return False
        if self.config["refresh_restrict_grant"]:
            return user is not None and OFFLINE_SCOPE in scopes
        return grant_type in REFRESH_GRANTS

    def _refresh_expiry(self, client):
        validity = client.get("refresh_token_validity") or int(self.config["refresh_token_ttl"])
        return int(self.clock.now()) + int(validity)

    def _store_refresh(self, zone_id, claims, expires):
        """An opaque refresh token: UAA answers with the jti and keeps the token in its revocable-token store."""
        value = uuid.uuid4().hex + "-r"
        self.refresh_tokens[value] = {"zid": zone_id, "cid": claims["cid"], "user_id": claims["user_id"],
                                      "user_name": claims["user_name"], "scope": list(claims["scope"]),
                                      "grant_type": claims["grant_type"], "rev_sig": claims["rev_sig"], "exp": expires}
        self.remember_secret(value)
        return value

    def _refresh_record(self, zone_id, value):
        """TokenValidationService.validateToken for a refresh token: known, of a live client, same secrets."""
        if not value:
            raise invalid_token("Invalid refresh token (empty token)")
        self.remember_secret(value)
        if value.count(".") == 2:
            raise invalid_token("Invalid refresh token.")  # an access token offered as a refresh token
        record = self.refresh_tokens.get(value)
        if record is None or record["zid"] != zone_id:
            raise invalid_token("The token expired, was revoked, or the token ID is incorrect.")
        client = self.clients[zone_id].get(record["cid"])
        if client is None:
            raise invalid_token("The token refers to a non-existent client: %s" % record["cid"])
        if not any(record["rev_sig"] == self._rev_sig(client["client_id"], h, client.get("token_salt"), record["user_id"])
                   for h in client["_hashes"] or [None]):
            raise invalid_token("revocable signature mismatch")
        return record

    def _refresh(self, zone_id, client, form):
        """grant_type=refresh_token (UaaTokenServices.refreshAccessToken)."""
        value = form.get("refresh_token")
        record = self._refresh_record(zone_id, value)
        if self.config["refresh_restrict_grant"] and OFFLINE_SCOPE not in record["scope"]:
            raise insufficient_scope_message("Expected scope %s is missing" % OFFLINE_SCOPE)
        if record["cid"] != client["client_id"]:
            raise HttpError(400, {"error": "invalid_grant", "error_description": "Wrong client for this refresh token: %s" % record["cid"]})
        if record["exp"] <= self.clock.now():
            raise invalid_token("Invalid refresh token expired at %s" % java_date(record["exp"]))
        requested = form.get("scope", "").split() or record["scope"]
        if not record["scope"] or not set(requested) <= set(record["scope"]):
            raise HttpError(400, {"error": "invalid_scope", "scope": " ".join(record["scope"]), "error_description":
                                  "Unable to narrow the scope of the client authentication to [%s]." % ", ".join(requested)})
        user = self.users[zone_id].get(record["user_name"])
        if user is None:
            raise HttpError(400, {"error": "invalid_grant", "error_description": "user not found"})
        token, claims = self._mint(zone_id, client, requested, record["grant_type"], user, record["user_name"])
        if self.config["refresh_rotate"]:
            del self.refresh_tokens[value]
            value = self._store_refresh(zone_id, dict(claims, scope=record["scope"]), record["exp"])
        return self._token_answer(token, claims, value)

    @route("GET", "/oauth/clients")
    def list_clients(self, request):
        zone_id, _claims, scopes = self._authorize(request)
        self._require(scopes, zone_id, ["clients.read", "clients.admin"])
        matching = [c for c in self.clients[zone_id].values() if self._filter(request.arg("filter", "client_id pr"), c)]
        matching.sort(key=lambda c: c["client_id"], reverse=request.arg("sortOrder", "ascending") == "descending")
        start = max(request.int_arg("startIndex", 1), 1)
        count = min(request.int_arg("count", 100), 500)
        page = matching[start - 1:start - 1 + count]
        attributes = [a.strip() for a in request.arg("attributes", "").split(",") if a.strip()]
        resources = []
        for client in page:
            public = self._public(client)
            public.pop("required_user_groups", None)  # list rows use another row mapper (4.1)
            if attributes:
                public = {k: v for k, v in public.items() if k in attributes}
            resources.append(public)
        return Response(200, {"resources": resources, "startIndex": start, "itemsPerPage": min(count, len(matching)),
                              "totalResults": len(matching), "schemas": [SCIM_SCHEMA]})

    @staticmethod
    def _filter(expression, client):
        expression = expression.strip()
        if expression.lower() in ("client_id pr", ""):
            return True
        parts = expression.split(None, 2)
        if len(parts) == 3 and parts[1].lower() == "eq":
            field, value = parts[0], parts[2].strip('"')
            actual = client.get(field)
            return value in actual if isinstance(actual, list) else str(actual) == value
        raise HttpError(400, {"error": "invalid_scim_filter", "error_description": "Invalid filter expression: [%s] [client_id]" % expression})

    def _get_or_404(self, zone_id, client_id):
        client = self.clients[zone_id].get(client_id)
        if client is None:
            raise HttpError(404, None)  # NoSuchClientException: empty body (1.1)
        return client

    @route("GET", "/oauth/clients/{client_id}")
    def get_client(self, request):
        zone_id, _claims, scopes = self._authorize(request)
        self._require(scopes, zone_id, ["clients.read", "clients.admin"])
        return Response(200, self._public(self._get_or_404(zone_id, request.params["client_id"])))

    @route("GET", "/oauth/clients/{client_id}/meta")
    def get_meta(self, request):
        zone_id, _claims, _scopes = self._authorize(request)
        client = self._get_or_404(zone_id, request.params["client_id"])
        return Response(200, {"clientId": client["client_id"], "clientName": client.get("name"), "showOnHomePage": False})

    def _validate(self, client, scopes, zone_id, claims, creating, secret=None):
        grants = client.get("authorized_grant_types") or []
        if not grants:
            raise invalid_client("An authorized grant type must be provided. Must be one of: %s" % ", ".join(VALID_GRANTS))
        for grant in grants:
            if grant not in VALID_GRANTS:
                raise invalid_client("%s is not an allowed grant type. Must be one of: %s" % (grant, ", ".join(VALID_GRANTS)))
        if ("authorization_code" in grants or "implicit" in grants) and not client.get("redirect_uri"):
            raise invalid_client("A redirect_uri must be provided for authorization_code or implicit grant types.")
        if not self._is_admin(scopes, zone_id):
            caller = claims["cid"]
            if "password" in grants:
                raise invalid_client("password is not an allowed grant type for non-admin caller.")
            permitted = ["uaa.none"] + (["uaa.resource"] if "client_credentials" in grants else [])
            for authority in client.get("authorities", []):
                if authority not in permitted:
                    raise invalid_client("%s is not an allowed authority for caller=%s. Must be one of: [%s]"
                                         % (authority, caller, ", ".join(permitted)))
        if "implicit" in grants and secret:
            raise invalid_client("Implicit grant should not have a client_secret")
        if creating:
            if "client_credentials" in grants and not secret:
                raise invalid_client("Client secret is required for client_credentials grant type")
            if secret:
                self._check_policy(zone_id, secret)

    def _check_policy(self, zone_id, secret):
        policy = self.zones[zone_id]["client_secret_policy"]
        problems = []
        if len(secret) < max(1, policy["minLength"]):
            problems.append("Client Secret must be at least %d characters in length." % policy["minLength"])
        if policy["maxLength"] and len(secret) > policy["maxLength"]:
            problems.append("Client Secret must be no more than %d characters in length." % policy["maxLength"])
        for key, label, test in (("requireUpperCaseCharacter", "uppercase", str.isupper),
                                 ("requireLowerCaseCharacter", "lowercase", str.islower),
                                 ("requireDigit", "digit", str.isdigit),
                                 ("requireSpecialCharacter", "special", lambda c: not c.isalnum())):
            if sum(1 for c in secret if test(c)) < policy[key]:
                problems.append("Client Secret must contain at least %d %s characters." % (policy[key], label))
        if problems:
            raise invalid_client(" ".join(sorted(problems)))

    @route("POST", "/oauth/clients")
    def create_client(self, request):
        zone_id, claims, scopes = self._authorize(request)
        self._require(scopes, zone_id, ["clients.write", "clients.admin"])
        body = request.json() or {}
        client_id = body.get("client_id")
        if not client_id or client_id == "uaa" or "/" in client_id or "\\" in client_id:
            raise invalid_client("Client ID is invalid: %s" % client_id)
        secret = body.get("client_secret")
        secondary = body.get("secondary_client_secret")
        client = self._normalise(body, creating=True)
        self._validate(client, scopes, zone_id, claims, creating=True, secret=secret)
        if secondary:
            self._check_policy(zone_id, secondary)
        if client_id in self.clients[zone_id]:
            raise HttpError(409, {"error": "invalid_client", "error_description": "Client already exists: %s" % client_id})
        client["_hashes"] = [self._hash(s) for s in (secret, secondary) if s is not None]
        client["lastModified"] = int(self.clock.now() * 1000)
        self.remember_secret(secret, secondary)
        self.clients[zone_id][client_id] = client
        return Response(201, self._public(client))

    @route("PUT", "/oauth/clients/{client_id}")
    def update_client(self, request):
        zone_id, claims, scopes = self._authorize(request)
        self._require(scopes, zone_id, ["clients.write", "clients.admin"])
        body = request.json() or {}
        path_id = request.params["client_id"]
        if body.get("client_id") not in (None, path_id):
            raise invalid_client("The client id (%s) does not match the URL (%s)" % (body.get("client_id"), path_id))
        existing = self._get_or_404(zone_id, path_id)
        merged = self._normalise(body, creating=False, existing=existing)
        self._validate(merged, scopes, zone_id, claims, creating=False, secret=body.get("client_secret"))
        self.remember_secret(body.get("client_secret"))  # sent, and (as in UAA) not persisted by PUT
        merged["lastModified"] = int(self.clock.now() * 1000)
        self.clients[zone_id][path_id] = merged
        return Response(200, self._public(merged))

    @route("DELETE", "/oauth/clients/{client_id}")
    def delete_client(self, request):
        zone_id, _claims, scopes = self._authorize(request)
        self._require(scopes, zone_id, ["clients.write", "clients.admin"])
        client = self._get_or_404(zone_id, request.params["client_id"])
        del self.clients[zone_id][client["client_id"]]
        return Response(200, self._public(client))

    @route("PUT", "/oauth/clients/{client_id}/secret")
    def change_secret(self, request):
        zone_id, claims, scopes = self._authorize(request)
        if not {"clients.secret", "clients.admin", "uaa.admin", "zones.%s.admin" % zone_id} & set(scopes):
            raise insufficient_scope(["uaa.admin", "clients.secret", "clients.admin", "zones.%s.admin" % zone_id])
        body = request.json() or {}
        client = self._get_or_404(zone_id, request.params["client_id"])
        self.remember_secret(body.get("secret"), body.get("oldSecret"))
        if version_tuple(self.config["version"]) < (74, 0, 0) and "user_id" in claims:
            raise invalid_client("Only a client can change client secret")
        if not self._is_admin(scopes, zone_id):
            if claims["cid"] != client["client_id"]:
                raise invalid_client("Bad request. Not permitted to change another client's secret")
            old = body.get("oldSecret")
            if old is None or not any(self._matches(h, old) for h in client["_hashes"]):
                raise invalid_client("Previous secret is required and must be valid")
        mode = body.get("changeMode", "UPDATE")
        secret = body.get("secret")
        if mode == "UPDATE":
            if secret:
                self._check_policy(zone_id, secret)
            # An absent secret clears it; "" stores a working empty secret (5.4).
            client["_hashes"] = [] if secret is None else [self._hash(secret)]
            message = "secret updated"
        elif mode == "ADD":
            if len(client["_hashes"]) != 1:
                raise invalid_client("client secret is either empty or client already has two secrets.")
            if secret is None:
                raise HttpError(500, {"error": "server_error", "error_description": "rawPassword cannot be null"})
            if secret:
                self._check_policy(zone_id, secret)
            client["_hashes"] = client["_hashes"] + [self._hash(secret)]
            message = "Secret is added"
        elif mode == "DELETE":
            if len(client["_hashes"]) != 2:
                raise invalid_client("client secret is either empty or client has only one secret.")
            client["_hashes"] = client["_hashes"][1:]
            message = "Secret is deleted"
        else:
            raise HttpError(400, {"error": "invalid_request", "error_description": "Invalid changeMode: %s" % mode})
        client["lastModified"] = int(self.clock.now() * 1000)
        return Response(200, {"status": "ok", "message": message})


if __name__ == "__main__":
    sys.exit(main(UaaEmulator))
