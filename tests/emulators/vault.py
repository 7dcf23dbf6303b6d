# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""HashiCorp Vault emulator: the KV secrets engine version 2 and token / AppRole auth, as Vault's API docs give them.

    python -m tests.emulators.vault --seed tests/emulators/seeds/vault.json

``X-Vault-Token`` authenticates every call (a missing, unknown or revoked token: 403 ``{"errors": ["permission
denied"]}``); a token's ``paths`` (prefixes of ``<mount>/<path>``) limit what it may read and write.
``X-Vault-Namespace`` selects a namespace (Vault Enterprise); each namespace has its own mounts, tokens and
AppRoles, and an unknown one answers 403 like a bad token.

KV v2 (``/v1/<mount>/...``):

==========================================  ===============================================
request                                     answer
==========================================  ===============================================
``POST|PUT  data/<path>``                   ``{"data": {...}, "options": {"cas": N}}``: a new version;
                                            200 ``{"data": {"version", "created_time", ...}}``.
                                            ``cas`` 0 writes only a new key; another ``cas``
                                            than the current version: 400 ``{"errors":
                                            ["check-and-set parameter did not match the current
                                            version"]}``. A mount with ``cas_required`` refuses
                                            a write without ``cas`` (400)
``GET  data/<path>[?version=N]``            200 ``{"data": {"data": {...}, "metadata": {...}}}``;
                                            404 ``{"errors": []}`` for no key, or a deleted
                                            version (then with its metadata)
``GET  metadata/<path>``                    ``current_version``, ``versions`` {N: {created_time,
                                            deletion_time, destroyed}}
``GET  metadata/<folder>?list=true``        LIST: 200 ``{"data": {"keys": [...]}}``, the keys and
                                            folders (ending in ``/``) right under the folder;
                                            404 when there are none
``DELETE  metadata/<path>``                 204: the key and every version are gone
``DELETE  data/<path>``                     204: the newest version is deleted (soft)
==========================================  ===============================================

``POST /v1/auth/approle/login`` ``{"role_id", "secret_id"}`` answers ``{"auth": {"client_token", ...}}``;
a wrong pair is 400 ``{"errors": ["invalid role or secret ID"]}``.

Switches (``--config`` or ``POST /_emulator/config``): ``max_versions`` (10, as Vault keeps by default).
"""

from __future__ import annotations

import sys
import uuid
from datetime import datetime, timezone

from tests.emulators.framework import Emulator, HttpError, Response, main, route

ROOT_NAMESPACE = ""


def errors(status, *messages):
    return HttpError(status, {"errors": list(messages)})


class VaultEmulator(Emulator):
    name = "vault"

    def default_config(self):
        return {"max_versions": 10}

    def load(self, seed):
        self.spaces = {}
        for space in seed.get("namespaces", [{"name": ROOT_NAMESPACE}]):
            name = space.get("name", ROOT_NAMESPACE).strip("/")
            self.spaces[name] = {
                "mounts": {mount: {"cas_required": bool(options.get("cas_required")), "keys": {}}
                           for mount, options in (space.get("mounts") or {"secret": {}}).items()},
                "tokens": {token["id"]: {"paths": token.get("paths") or [""]} for token in space.get("tokens", [])},
                "approles": {role["role_id"]: dict(role) for role in space.get("approles", [])},
            }
            for token in space.get("tokens", []):
                self.remember_secret(token["id"])
            for role in space.get("approles", []):
                self.remember_secret(role["secret_id"])

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
                    if version and not version["deleted"]:
                        prints["%s/%s/%s" % (name, mount, path)] = {self.fingerprint(repr(sorted(version["data"].items())))}
        return prints

    # ---- auth -------------------------------------------------------------------------
    def _space(self, request):
        space = self.spaces.get((request.headers.get("x-vault-namespace") or ROOT_NAMESPACE).strip("/"))
        if space is None:
            raise errors(403, "permission denied")
        return space

    def _allowed(self, request, mount, path):
        space = self._space(request)
        token = space["tokens"].get(request.headers.get("x-vault-token") or "")
        if token is None or not any(("%s/%s" % (mount, path)).startswith(prefix) for prefix in token["paths"]):
            raise errors(403, "permission denied")
        if mount not in space["mounts"]:
            raise errors(403, "permission denied")  # Vault answers an unmounted path like a forbidden one
        return space["mounts"][mount]

    @route("POST", "/v1/auth/approle/login")
    def approle_login(self, request):
        space = self._space(request)
        body = request.json() or {}
        role = space["approles"].get(body.get("role_id"))
        if role is None or role["secret_id"] != body.get("secret_id"):
            raise errors(400, "invalid role or secret ID")
        token = "hvs." + uuid.uuid4().hex
        space["tokens"][token] = {"paths": role.get("paths") or [""]}
        self.remember_secret(token)
        return Response(200, {"auth": {"client_token": token, "accessor": uuid.uuid4().hex, "policies": ["default"],
                                       "lease_duration": 3600, "renewable": True}})

    # ---- KV v2 --------------------------------------------------------------------------
    def _stamp(self):
        return datetime.fromtimestamp(self.clock.now(), timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    @staticmethod
    def _metadata(key, number):
        version = key["versions"][number]
        return {"created_time": version["created_time"], "custom_metadata": None,
                "deletion_time": version["deletion_time"] or "", "destroyed": False, "version": number}

    @route("POST", "/v1/{mount}/data/{path:path}")
    def write(self, request):
        mount = self._allowed(request, request.params["mount"], request.params["path"])
        body = request.json() or {}
        if not isinstance(body.get("data"), dict):
            raise errors(400, "no data provided")
        cas = (body.get("options") or {}).get("cas")
        key = mount["keys"].get(request.params["path"])
        current = key["current"] if key else 0
        if cas is None and mount["cas_required"]:
            raise errors(400, "check-and-set parameter required for this call")
        if cas is not None and int(cas) != current:
            raise errors(400, "check-and-set parameter did not match the current version")
        if key is None:
            key = mount["keys"][request.params["path"]] = {"current": 0, "versions": {}}
        number = current + 1
        key["versions"][number] = {"data": dict(body["data"]), "created_time": self._stamp(), "deletion_time": None, "deleted": False}
        key["current"] = number
        for old in sorted(key["versions"])[:-int(self.config["max_versions"])]:
            del key["versions"][old]
        self._remember_values(body["data"])
        return Response(200, {"data": self._metadata(key, number)})

    @route("PUT", "/v1/{mount}/data/{path:path}")
    def write_put(self, request):
        return self.write(request)

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

    @route("GET", "/v1/{mount}/data/{path:path}")
    def read(self, request):
        mount = self._allowed(request, request.params["mount"], request.params["path"])
        key = mount["keys"].get(request.params["path"])
        if key is None:
            raise errors(404)
        number = request.int_arg("version", key["current"]) or key["current"]
        version = key["versions"].get(number)
        if version is None:
            raise errors(404)
        if version["deleted"]:
            return Response(404, {"data": {"data": None, "metadata": self._metadata(key, number)}})
        return Response(200, {"data": {"data": dict(version["data"]), "metadata": self._metadata(key, number)}})

    @route("DELETE", "/v1/{mount}/data/{path:path}")
    def soft_delete(self, request):
        mount = self._allowed(request, request.params["mount"], request.params["path"])
        key = mount["keys"].get(request.params["path"])
        if key is not None and key["current"] in key["versions"]:
            key["versions"][key["current"]].update(deleted=True, deletion_time=self._stamp())
        return Response(204)

    @route("GET", "/v1/{mount}/metadata/{path:path}")
    def metadata(self, request):
        if request.arg("list") == "true":
            return self._list(request)
        mount = self._allowed(request, request.params["mount"], request.params["path"])
        key = mount["keys"].get(request.params["path"])
        if key is None:
            raise errors(404)
        return Response(200, {"data": {"current_version": key["current"], "max_versions": 0, "cas_required": mount["cas_required"],
                                       "versions": {str(n): {k: v for k, v in self._metadata(key, n).items() if k != "version"}
                                                    for n in sorted(key["versions"])}}})

    def _list(self, request):
        """KV v2 LIST (GET ?list=true): the keys and folders (ending in /) right under a folder; 404 when there are none."""
        folder = request.params["path"].strip("/")
        mount = self._allowed(request, request.params["mount"], folder)
        base = folder + "/" if folder else ""
        children = set()
        for path in mount["keys"]:
            if path.startswith(base):
                rest = path[len(base):]
                children.add(rest.split("/", 1)[0] + "/" if "/" in rest else rest)
        if not children:
            raise errors(404)
        return Response(200, {"data": {"keys": sorted(children)}})

    @route("DELETE", "/v1/{mount}/metadata/{path:path}")
    def delete_key(self, request):
        mount = self._allowed(request, request.params["mount"], request.params["path"])
        mount["keys"].pop(request.params["path"], None)
        return Response(204)


if __name__ == "__main__":
    sys.exit(main(VaultEmulator))
