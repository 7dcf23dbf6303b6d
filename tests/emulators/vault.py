# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""HashiCorp Vault emulator: the KV secrets engine version 2, ACL policies, token and AppRole auth, as Vault answers.

Faithful to ``shared/contracts/vault.md`` (Vault's API docs, the KV v2 plugin and Vault's router and ACL code).
Run it from the repository root::

    python -m tests.emulators.vault --seed tests/emulators/seeds/vault.json

Seed: ``{"namespaces": [{"name": "", "mounts": {"secret": {"cas_required": false, "version": "2"}},
"policies": {"name": "<HCL>"}, "tokens": [{"id", "policies"}], "approles": [{"role_id", "secret_id",
"policies"}]}]}``. A token without ``policies`` is a root token; every other token also gets Vault's ``default``
policy (``auth/token/lookup-self``, ``sys/capabilities-self`` ...). Policies are Vault's path rules: ``path "<glob>"
{ capabilities = [...] }`` with ``*`` (at the end) and ``+`` (one segment), capabilities ``create read update patch
delete list sudo deny``; the best-matching rule decides (Vault's priority order), ``deny`` wins over everything.

Every request but ``sys/health`` and the AppRole login needs a token (``X-Vault-Token`` or ``Authorization:
Bearer``), checked as Vault does before routing: the capability the operation needs on the request path (``read``
for GET, ``list`` for LIST, ``delete`` for DELETE, ``patch`` for PATCH, and for POST/PUT ``create`` when the KV key
does not exist, else ``update``; ``update`` where a path has no existence check). A missing, unknown token or a
missing capability: 403 ``{"errors": ["permission denied"]}``. A path under no mount, for a token that may use it:
404 ``{"errors": ["no handler for route \\"<path>\\". route entry not found."]}``. The namespace (Enterprise) is
``X-Vault-Namespace`` or a path prefix (``/v1/team-a/secret/...``), or both (nested); each has its own mounts,
policies, tokens and AppRoles, and an unknown one answers 403. ``LIST`` and ``GET ...?list=true`` are the same
request; POST and PUT too.

==========================================  ===============================================
request (``/v1/...``)                       answer
==========================================  ===============================================
``POST|PUT <mount>/data/<path>``            ``{"data": {...}, "options": {"cas": N}}``: a new
                                            version; 200 ``{"data": {"version", ...}}``. ``cas``
                                            0 writes only a new key; another ``cas`` than the
                                            current version: 400 "check-and-set parameter did
                                            not match the current version"; a ``cas`` that is
                                            no integer: 400 "error parsing check-and-set
                                            parameter"; none where the mount or key has
                                            ``cas_required``: 400
``PATCH <mount>/data/<path>``               ``Content-Type: application/merge-patch+json``
                                            (else 415): RFC 7386 merge into the newest version,
                                            a new version; 404 for no key or a deleted newest
``GET <mount>/data/<path>[?version=N]``     200 ``{"data": {"data", "metadata"}}``; 404
                                            ``{"errors": []}`` for no key, or a deleted or
                                            destroyed version (then with its metadata)
``DELETE <mount>/data/<path>``              204: the newest version is deleted (soft)
``POST <mount>/delete|undelete|destroy/``   ``{"versions": [N...]}``: soft delete, bring back,
                                            destroy for good; 204
``GET <mount>/metadata/<path>``             ``current_version``, ``oldest_version``,
                                            ``max_versions``, ``cas_required``,
                                            ``custom_metadata``, ``versions``
``POST <mount>/metadata/<path>``            sets ``max_versions``, ``cas_required``,
                                            ``delete_version_after``, ``custom_metadata``; 204
``DELETE <mount>/metadata/<path>``          204: the key and every version are gone
``LIST <mount>/metadata/<folder>``          200 ``{"data": {"keys": [...]}}``, keys and folders
                                            (ending in ``/``); 404 ``{"errors": []}`` if none
``GET <mount>/subkeys/<path>``, ``config``  the newest version's keys; the mount's settings
``GET auth/token/lookup-self``              the token's policies, ttl, accessor
``POST auth/token/create``                  ``{"policies", "no_default_policy", "ttl"}``
``POST auth/approle/login``                 ``{"role_id", "secret_id"}``: ``{"auth": {...}}``;
                                            a wrong pair: 400 "invalid role or secret ID"
``POST sys/capabilities-self``              ``{"paths": [...]}``: each path's capabilities
``PUT|GET|DELETE|LIST sys/policies/acl/``   ACL policies (``{"policy": "<HCL>"}``)
``GET sys/mounts``                          the mounts, with ``type`` and ``options.version``
``GET sys/internal/ui/mounts/<path>``       the mount holding the path, for a token with any
                                            right under it; else 403 (also for no mount)
``GET sys/health``                          no token: 200 active; 473 performance standby
                                            (unless ``?perfstandbyok=true``), 503 sealed
==========================================  ===============================================

Switches (``--config`` or ``POST /_emulator/config``):

==========================================  ===============================================
question                                    switch: answers (default first)
==========================================  ===============================================
versions a key keeps                        ``max_versions``: 10 (Vault's default), unless the
                                            key's metadata says otherwise
a performance standby (Enterprise) serves   ``stale_reads``: 0, or N: after every write of a
reads before a write reached it             key, its next N reads (data, metadata, a version
                                            not replicated yet: 404) answer as before the
                                            write; writes go to the active node. ``sys/health``
                                            then answers 473
sealed                                      ``sealed``: false, or true: 503 "Vault is sealed"
==========================================  ===============================================
"""

from __future__ import annotations

import copy
import re
import sys
import uuid
from datetime import datetime, timezone

from tests.emulators.framework import Emulator, HttpError, Response, main

ROOT_NAMESPACE = ""
CAPABILITIES = ("create", "read", "update", "patch", "delete", "list", "sudo", "deny")
KV_KINDS = ("data", "metadata", "delete", "undelete", "destroy", "subkeys", "config")
# Vault's built-in default policy, the part that concerns the endpoints emulated here.
DEFAULT_POLICY = """
path "auth/token/lookup-self" { capabilities = ["read"] }
path "auth/token/renew-self" { capabilities = ["update"] }
path "auth/token/revoke-self" { capabilities = ["update"] }
path "sys/capabilities-self" { capabilities = ["update"] }
"""
RULE = re.compile(r'path\s+"([^"]+)"\s*\{([^{}]*)\}', re.S)
RULE_CAPABILITIES = re.compile(r'capabilities\s*=\s*\[([^\]]*)\]', re.S)
JSON = {"Content-Type": "application/json"}  # exactly, as Vault sends it: clients such as hvac compare it verbatim


def answer(status, body=None):
    return Response(status, body, JSON if body is not None else {})


def errors(status, *messages):
    return HttpError(status, {"errors": list(messages)}, JSON)


def denied():
    return errors(403, "permission denied")


def parse_policy(text):
    """{path glob: set of capabilities} from a policy in Vault's HCL; ValueError when it is not one."""
    text = "\n".join(line for line in text.splitlines() if not line.strip().startswith(("#", "//")))
    rules = {}
    for path, body in RULE.findall(text):
        found = RULE_CAPABILITIES.search(body)
        capabilities = set(re.findall(r'"([^"]*)"', found.group(1))) if found else set()
        unknown = capabilities - set(CAPABILITIES)
        if unknown or not capabilities:
            raise ValueError("path %r: invalid capabilities %s" % (path, sorted(unknown) or "(none)"))
        if "*" in path[:-1]:
            raise ValueError("path %r: the glob * may only end a path" % path)
        rules.setdefault(path, set()).update(capabilities)
    if not rules and RULE.sub("", text).strip() == text.strip() and text.strip():
        raise ValueError("no path rules")
    return rules


def _priority(pattern):
    """Sort key of a matching rule, highest first wins (Vault's policy priority rules; an exact path above all)."""
    wild = [pos for pos in (pattern.find("+"), pattern.find("*")) if pos >= 0]
    if not wild:
        return (1, 0, 0, 0, 0, pattern)
    return (0, min(wild), not pattern.endswith("*"), -pattern.count("+"), len(pattern), pattern)


def _matches(pattern, path):
    regex = "".join("[^/]+" if part == "+" else re.escape(part) for part in re.split(r"(\+)", pattern.rstrip("*")))
    return re.fullmatch(regex + (".*" if pattern.endswith("*") else ""), path, re.S) is not None


class Acl:
    """A token's policies merged as Vault merges them: rules for the same path add up; the best match decides."""

    def __init__(self, policies, texts):
        self.root = "root" in policies
        self.rules = {}
        for name in policies:
            for path, capabilities in parse_policy(texts.get(name, "")).items():
                self.rules.setdefault(path, set()).update(capabilities)

    def capabilities(self, path):
        if self.root:
            return ["root"]
        matching = [pattern for pattern in self.rules if _matches(pattern, path)]
        if not matching:
            return ["deny"]
        capabilities = self.rules[max(matching, key=_priority)]
        return ["deny"] if "deny" in capabilities else sorted(capabilities)

    def allows(self, path, capability):
        capabilities = self.capabilities(path)
        return "root" in capabilities or capability in capabilities

    def reaches(self, prefix):
        """Has the token any right on some path under ``prefix`` (Vault's hasMountAccess)?"""
        if self.root:
            return True
        for pattern, capabilities in self.rules.items():
            literal = re.split(r"[+*]", pattern, maxsplit=1)[0]
            wild = literal != pattern
            if capabilities - {"deny"} and (literal.startswith(prefix) or (wild and prefix.startswith(literal))):
                return True
        return False


def parse_cas(options):
    """The check-and-set version, None when not given; 400 as Vault's parseutil.ParseInt refuses it."""
    if not isinstance(options, dict) or "cas" not in options:
        return None
    value = options["cas"]
    if isinstance(value, bool):
        raise errors(400, "error parsing check-and-set parameter")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    raise errors(400, "error parsing check-and-set parameter")


def merge_patch(target, patch):
    """RFC 7386: objects merge, null removes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    merged = dict(target) if isinstance(target, dict) else {}
    for name, value in patch.items():
        if value is None:
            merged.pop(name, None)
        else:
            merged[name] = merge_patch(merged.get(name), value)
    return merged


class VaultEmulator(Emulator):
    name = "vault"

    def default_config(self):
        return {"max_versions": 10, "stale_reads": 0, "sealed": False}

    def load(self, seed):
        self.spaces = {}
        self.lagging = {}  # (namespace, mount, path): {"left": reads, "view": the key as the standby still has it}
        for space in seed.get("namespaces", [{"name": ROOT_NAMESPACE}]):
            name = space.get("name", ROOT_NAMESPACE).strip("/")
            policies = dict({"default": DEFAULT_POLICY}, **(space.get("policies") or {}))
            for text in policies.values():
                parse_policy(text)  # a seed with a broken policy fails at once
            self.spaces[name] = {
                "mounts": {mount.strip("/"): self._mount(options) for mount, options in (space.get("mounts") or {"secret": {}}).items()},
                "policies": policies,
                "tokens": {},
                "approles": {role["role_id"]: dict(role) for role in space.get("approles", [])},
            }
            for token in space.get("tokens", []):
                self._issue(self.spaces[name], token.get("policies"), token["id"], display_name="token")
            for role in space.get("approles", []):
                self.remember_secret(role["secret_id"])

    @staticmethod
    def _mount(options):
        return {"cas_required": bool(options.get("cas_required")), "version": str(options.get("version", "2")),
                "max_versions": int(options.get("max_versions", 0)), "accessor": "kv_" + uuid.uuid4().hex[:8], "keys": {}}

    def dump(self):
        return {name: {mount: {path: {"current_version": key["current"], "versions": sorted(key["versions"])}
                               for path, key in data["keys"].items()} for mount, data in space["mounts"].items()}
                for name, space in self.spaces.items()}

    def secret_fingerprints(self):
        # What a consumer reads: the newest live version of each key, by its digest (values may be secrets).
        prints = {}
        for name, space in self.spaces.items():
            for mount, data in space["mounts"].items():
                for path, key in data["keys"].items():
                    version = key["versions"].get(key["current"])
                    if version and not version["deleted"] and not version["destroyed"]:
                        prints["%s/%s/%s" % (name, mount, path)] = {self.fingerprint(repr(sorted(version["data"].items())))}
        return prints

    # ---- dispatch: namespace, token, ACL, then the route ----------------------------------------------
    def _dispatch(self, request):
        method = request.method
        try:
            return self._serve(request)
        except HttpError as exc:
            return exc.response
        finally:
            request.method = method  # the log keeps the verb the client sent

    def _serve(self, request):
        if not request.path.startswith("/v1/"):
            raise errors(404)
        namespace, path = self._namespace(request)
        if request.method == "GET" and request.arg("list") == "true":
            request.method = "LIST"
        if request.method == "PUT":
            request.method = "POST"
        if path == "sys/health":
            return self._health(request)
        if self.config["sealed"]:
            raise errors(503, "Vault is sealed")
        space = self.spaces[namespace]
        if path == "auth/approle/login" and request.method == "POST":
            return self._approle_login(request, space)
        token = space["tokens"].get(request.headers.get("x-vault-token") or request.bearer() or "")
        if token is None:
            raise denied()
        acl = Acl(token["policies"], space["policies"])
        if path.startswith("sys/internal/ui/mounts/"):
            return self._mount_info(space, acl, path[len("sys/internal/ui/mounts/"):])
        acl_path = path + "/" if request.method == "LIST" and not path.endswith("/") else path
        if not acl.allows(acl_path, self._capability(request.method, space, path)):
            raise denied()
        request.space, request.token, request.acl, request.namespace = space, token, acl, namespace
        return self._route(request, path)

    def _namespace(self, request):
        """(namespace, path below /v1/ without it) from the header and any namespace segments leading the path."""
        namespace = (request.headers.get("x-vault-namespace") or ROOT_NAMESPACE).strip("/")
        if namespace not in self.spaces:
            raise denied()
        path = request.path[len("/v1/"):]
        while "/" in path:
            head, rest = path.split("/", 1)
            nested = (namespace + "/" + head).strip("/")
            if nested not in self.spaces or head in self.spaces[namespace]["mounts"]:
                break
            namespace, path = nested, rest
        return namespace, path

    def _capability(self, method, space, path):
        if method == "POST":
            found = self._locate(space, path)
            if found and found[1] in ("data", "metadata"):
                return "update" if found[2] in found[0]["keys"] else "create"  # KV v2's existence check
            return "update"  # no existence check: Vault treats the write as an update
        return {"GET": "read", "LIST": "list", "DELETE": "delete", "PATCH": "patch"}.get(method, "read")

    @staticmethod
    def _locate(space, path):
        """(mount, kind, key) for a KV path, or None when no mount holds it."""
        for name in sorted(space["mounts"], key=len, reverse=True):
            if path == name or path.startswith(name + "/"):
                kind, _sep, key = path[len(name) + 1:].partition("/")
                return space["mounts"][name], kind, key
        return None

    def _route(self, request, path):
        handler = {"auth/token/lookup-self": self._lookup_self, "auth/token/create": self._token_create,
                   "sys/capabilities-self": self._capabilities_self, "sys/mounts": self._mounts}.get(path)
        if handler is not None:
            return handler(request)
        if path == "sys/policies/acl" or path.startswith("sys/policies/acl/"):
            return self._policy(request, path[len("sys/policies/acl"):].strip("/"))
        found = self._locate(request.space, path)
        if found is None or path.startswith(("sys/", "auth/")):
            raise errors(404, 'no handler for route "%s". route entry not found.' % path)
        mount, kind, key = found
        if mount["version"] != "2":
            raise errors(404)  # KV version 1 keeps "data/<path>" as a plain key: none here
        handler = getattr(self, "_kv_%s_%s" % (kind, request.method.lower()), None) if kind in KV_KINDS else None
        if handler is None:
            raise errors(405, "1 error occurred:\n\t* unsupported operation\n\n")
        request.mount, request.key = mount, key
        return handler(request)

    # ---- auth and sys -----------------------------------------------------------------------------------
    def _issue(self, space, policies, token_id=None, **extra):
        token_id = token_id or "hvs." + uuid.uuid4().hex
        policies = ["root"] if policies is None else sorted(set(policies) | ({"default"} if not extra.pop("no_default", False) else set()))
        space["tokens"][token_id] = dict({"id": token_id, "policies": policies, "accessor": uuid.uuid4().hex,
                                          "creation_time": int(self.clock.now()), "ttl": 0 if "root" in policies else 3600,
                                          "meta": None}, **extra)
        self.remember_secret(token_id)
        return space["tokens"][token_id]

    def _health(self, request):
        standby = int(self.config["stale_reads"] or 0) > 0
        body = {"initialized": True, "sealed": bool(self.config["sealed"]), "standby": standby, "performance_standby": standby,
                "replication_performance_mode": "disabled", "replication_dr_mode": "disabled",
                "server_time_utc": int(self.clock.now()), "version": "1.19.0+ent", "enterprise": True,
                "cluster_name": "vault-cluster-apiops", "cluster_id": "5d1b4a3e-apiops-emulator"}
        if self.config["sealed"]:
            return answer(503, body)
        if standby and request.arg("perfstandbyok") != "true":
            return answer(473, body)
        return answer(200, body)

    def _approle_login(self, request, space):
        body = request.json() or {}
        role = space["approles"].get(body.get("role_id"))
        if role is None or role["secret_id"] != body.get("secret_id"):
            raise errors(400, "invalid role or secret ID")
        token = self._issue(space, role.get("policies") or [], display_name="approle", meta={"role_name": role.get("name", "apiops")})
        return answer(200, {"auth": {"client_token": token["id"], "accessor": token["accessor"], "policies": token["policies"],
                                     "token_policies": token["policies"], "metadata": token["meta"], "lease_duration": token["ttl"],
                                     "renewable": True, "entity_id": "", "token_type": "service", "orphan": True},
                            "data": None, "warnings": None})

    def _lookup_self(self, request):
        token = request.token
        return answer(200, {"data": {"accessor": token["accessor"], "creation_time": token["creation_time"],
                                     "creation_ttl": token["ttl"], "display_name": token["display_name"], "entity_id": "",
                                     "expire_time": None, "explicit_max_ttl": 0, "id": token["id"], "meta": token["meta"],
                                     "num_uses": 0, "orphan": True, "path": "auth/token/create", "policies": token["policies"],
                                     "renewable": token["ttl"] > 0, "ttl": token["ttl"], "type": "service",
                                     "namespace_path": request.namespace + "/" if request.namespace else ""}})

    def _token_create(self, request):
        body = request.json() or {}
        wanted = list(body.get("policies") or [])
        if "root" not in request.token["policies"] and not set(wanted) <= set(request.token["policies"]):
            raise errors(400, "child policies must be subset of parent")
        token = self._issue(request.space, wanted if wanted else [p for p in request.token["policies"] if p != "default"],
                            no_default=bool(body.get("no_default_policy")), display_name="token-" + str(body.get("display_name", "")),
                            meta=body.get("meta"))
        return answer(200, {"auth": {"client_token": token["id"], "accessor": token["accessor"], "policies": token["policies"],
                                     "token_policies": token["policies"], "metadata": token["meta"], "lease_duration": token["ttl"],
                                     "renewable": token["ttl"] > 0, "orphan": False, "token_type": "service"}})

    def _capabilities_self(self, request):
        body = request.json() or {}
        paths = body.get("paths") or ([body["path"]] if body.get("path") else [])
        if not paths:
            raise errors(400, "paths must be supplied")
        result = {path: request.acl.capabilities(path.lstrip("/")) for path in paths}
        if len(paths) == 1:
            result["capabilities"] = result[paths[0]]
        return answer(200, dict(result, data=dict(result)))

    def _mount_entry(self, name, mount):
        return {"type": "kv", "options": {"version": mount["version"]}, "path": name + "/", "description": "",
                "accessor": mount["accessor"], "local": False, "seal_wrap": False, "external_entropy_access": False,
                "config": {"default_lease_ttl": 0, "max_lease_ttl": 0, "force_no_cache": False},
                "plugin_version": "", "running_plugin_version": "v0.21.0+builtin"}

    def _mounts(self, request):
        if request.method != "GET":
            raise errors(405, "1 error occurred:\n\t* unsupported operation\n\n")
        mounts = {name + "/": self._mount_entry(name, mount) for name, mount in request.space["mounts"].items()}
        mounts["sys/"] = {"type": "system", "options": None, "path": "sys/", "description": "system endpoints"}
        return answer(200, dict(mounts, data=dict(mounts)))

    def _mount_info(self, space, acl, path):
        found = self._locate(space, path.strip("/"))
        name = next((n for n, m in space["mounts"].items() if found and m is found[0]), None)
        if found is None or not acl.reaches(name + "/"):
            # Vault answers an unknown mount like a forbidden one, so the endpoint cannot list mounts.
            raise errors(403, 'preflight capability check returned 403, please ensure client\'s policies grant access to path "%s/"'
                         % path.strip("/"))
        return answer(200, {"data": self._mount_entry(name, found[0])})

    def _policy(self, request, name):
        policies = request.space["policies"]
        if request.method == "LIST" or (not name and request.method == "GET"):
            return answer(200, {"data": {"keys": sorted(set(policies) | {"root"})}})
        if request.method == "GET":
            if name not in policies:
                raise errors(404)
            return answer(200, {"data": {"name": name, "policy": policies[name]}})
        if name == "root" or (name == "default" and request.method == "DELETE"):
            raise errors(400, 'cannot delete or update "%s" policy' % name)
        if request.method == "DELETE":
            policies.pop(name, None)
            return answer(204)
        text = (request.json() or {}).get("policy") or ""
        try:
            parse_policy(text)
        except ValueError as exc:
            raise errors(400, "failed to parse policy: %s" % exc) from exc
        policies[name] = text
        return answer(204)

    # ---- KV v2 ------------------------------------------------------------------------------------------
    def _stamp(self):
        return datetime.fromtimestamp(self.clock.now(), timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    @staticmethod
    def _version_metadata(key, number):
        version = key["versions"][number]
        return {"created_time": version["created_time"], "custom_metadata": key["custom_metadata"],
                "deletion_time": version["deletion_time"] or "", "destroyed": version["destroyed"], "version": number}

    def _lag_id(self, request):
        return (request.namespace, id(request.mount), request.key)

    def _before_write(self, request):
        """A performance standby lags one write behind: keep the key as it was for the next reads (switch stale_reads)."""
        reads = int(self.config["stale_reads"] or 0)
        if reads > 0:
            self.lagging[self._lag_id(request)] = {"left": reads, "view": copy.deepcopy(request.mount["keys"].get(request.key))}

    def _view(self, request):
        """The key as this read sees it: from the standby while it lags, else as it is."""
        lag = self.lagging.get(self._lag_id(request))
        if lag and lag["left"] > 0:
            lag["left"] -= 1
            return lag["view"]
        return request.mount["keys"].get(request.key)

    def _max_versions(self, request, key):
        return key["max_versions"] or request.mount["max_versions"] or int(self.config["max_versions"])

    def _new_key(self):
        stamp = self._stamp()
        return {"current": 0, "versions": {}, "max_versions": 0, "cas_required": False, "custom_metadata": None,
                "delete_version_after": "0s", "created_time": stamp, "updated_time": stamp}

    def _add_version(self, request, data, cas):
        key = request.mount["keys"].get(request.key)
        current = key["current"] if key else 0
        if cas is None and (request.mount["cas_required"] or (key and key["cas_required"])):
            raise errors(400, "check-and-set parameter required for this call")
        if cas is not None and cas != current:
            raise errors(400, "check-and-set parameter did not match the current version")
        self._before_write(request)
        if key is None:
            key = request.mount["keys"][request.key] = self._new_key()
        number = current + 1
        key["versions"][number] = {"data": data, "created_time": self._stamp(), "deletion_time": None, "deleted": False, "destroyed": False}
        key["current"], key["updated_time"] = number, self._stamp()
        for old in sorted(key["versions"])[:-self._max_versions(request, key)]:
            del key["versions"][old]
        self._remember_values(data)
        return answer(200, {"data": self._version_metadata(key, number)})

    def _kv_data_post(self, request):
        body = request.json() or {}
        if not isinstance(body.get("data"), dict):
            raise errors(400, "no data provided")
        return self._add_version(request, copy.deepcopy(body["data"]), parse_cas(body.get("options")))

    def _kv_data_patch(self, request):
        if not (request.headers.get("content-type") or "").startswith("application/merge-patch+json"):
            raise errors(415, "PATCH requires Content-Type: application/merge-patch+json")
        body = request.json() or {}
        if not isinstance(body.get("data"), dict):
            raise errors(400, "no data provided")
        key = request.mount["keys"].get(request.key)
        newest = key and key["versions"].get(key["current"])
        if not newest or newest["deleted"] or newest["destroyed"]:
            raise errors(404)
        return self._add_version(request, merge_patch(newest["data"], body["data"]), parse_cas(body.get("options")))

    def _remember_values(self, value):
        """Every value stored under a key that names a secret, at any depth (for the leak check)."""
        if isinstance(value, dict):
            for name, item in value.items():
                if "secret" in name and isinstance(item, str):
                    self.remember_secret(item)
                else:
                    self._remember_values(item)
        elif isinstance(value, list):
            for item in value:
                self._remember_values(item)

    def _kv_data_get(self, request):
        key = self._view(request)
        if key is None or not key["versions"]:
            raise errors(404)
        number = request.int_arg("version", 0) or key["current"]
        version = key["versions"].get(number)
        if version is None:
            raise errors(404)
        if version["deleted"] or version["destroyed"]:
            return answer(404, {"data": {"data": None, "metadata": self._version_metadata(key, number)}})
        return answer(200, {"data": {"data": copy.deepcopy(version["data"]), "metadata": self._version_metadata(key, number)}})

    def _kv_data_delete(self, request):
        key = request.mount["keys"].get(request.key)
        if key is not None and key["current"] in key["versions"]:
            self._before_write(request)
            key["versions"][key["current"]].update(deleted=True, deletion_time=self._stamp())
        return answer(204)

    def _change_versions(self, request, change):
        numbers = (request.json() or {}).get("versions")
        if not isinstance(numbers, list) or not numbers:
            raise errors(400, "no version number provided")
        key = request.mount["keys"].get(request.key)
        if key is None:
            return answer(204)
        self._before_write(request)
        for number in numbers:
            version = key["versions"].get(int(number))
            if version is not None and not version["destroyed"]:
                change(version)
        return answer(204)

    def _kv_delete_post(self, request):
        return self._change_versions(request, lambda version: version.update(deleted=True, deletion_time=self._stamp()))

    def _kv_undelete_post(self, request):
        return self._change_versions(request, lambda version: version.update(deleted=False, deletion_time=None))

    def _kv_destroy_post(self, request):
        return self._change_versions(request, lambda version: version.update(destroyed=True, data=None))

    def _kv_metadata_get(self, request):
        key = self._view(request)
        if key is None:
            raise errors(404)
        return answer(200, {"data": {
            "cas_required": key["cas_required"], "created_time": key["created_time"], "current_version": key["current"],
            "custom_metadata": key["custom_metadata"], "delete_version_after": key["delete_version_after"],
            "max_versions": key["max_versions"], "oldest_version": min(key["versions"]) if key["versions"] else 0,
            "updated_time": key["updated_time"],
            "versions": {str(n): {k: v for k, v in self._version_metadata(key, n).items() if k not in ("version", "custom_metadata")}
                         for n in sorted(key["versions"])}}})

    def _kv_metadata_post(self, request):
        body = request.json() or {}
        custom = body.get("custom_metadata")
        if custom is not None and not (isinstance(custom, dict) and all(isinstance(v, str) for v in custom.values())):
            raise errors(400, "custom_metadata must be a map of strings")
        self._before_write(request)
        key = request.mount["keys"].setdefault(request.key, self._new_key())
        if "max_versions" in body:
            key["max_versions"] = int(body["max_versions"])
        if "cas_required" in body:
            key["cas_required"] = bool(body["cas_required"])
        if "delete_version_after" in body:
            key["delete_version_after"] = str(body["delete_version_after"])
        if custom is not None:
            key["custom_metadata"] = dict(custom)
        key["updated_time"] = self._stamp()
        return answer(204)

    def _kv_metadata_delete(self, request):
        if request.key in request.mount["keys"]:
            self._before_write(request)
            del request.mount["keys"][request.key]
        return answer(204)

    def _kv_metadata_list(self, request):
        """The keys and folders (ending in /) right under a folder; 404 when there are none."""
        folder = request.key.strip("/")
        base = folder + "/" if folder else ""
        children = {path[len(base):].split("/", 1)[0] + ("/" if "/" in path[len(base):] else "")
                    for path in request.mount["keys"] if path.startswith(base)}
        if not children:
            raise errors(404)
        return answer(200, {"data": {"keys": sorted(children)}})

    def _kv_subkeys_get(self, request):
        key = self._view(request)
        version = key and key["versions"].get(key["current"])
        if not version or version["deleted"] or version["destroyed"]:
            raise errors(404)

        def shape(value):
            return {name: shape(item) for name, item in value.items()} if isinstance(value, dict) else None
        return answer(200, {"data": {"subkeys": shape(version["data"]), "metadata": self._version_metadata(key, key["current"])}})

    def _kv_config_get(self, request):
        mount = request.mount
        return answer(200, {"data": {"cas_required": mount["cas_required"], "delete_version_after": "0s",
                                     "max_versions": mount["max_versions"]}})

    def _kv_config_post(self, request):
        body = request.json() or {}
        if "cas_required" in body:
            request.mount["cas_required"] = bool(body["cas_required"])
        if "max_versions" in body:
            request.mount["max_versions"] = int(body["max_versions"])
        return answer(204)


if __name__ == "__main__":
    sys.exit(main(VaultEmulator))
