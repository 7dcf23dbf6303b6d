# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""AWX / Automation Controller emulator: the few endpoints of ``/api/v2/`` that writing a secret back and registering
credential types use, as AWX answers them.

Written from AWX's own source (ansible/awx at e21dd0a):

* ``awx/api/serializers.py`` CredentialSerializer: ``inputs`` is shown through ``Credential.display_inputs``, every
  secret input as ``$encrypted$``; ``summary_fields.user_capabilities`` has ``edit``, ``delete``, ``copy``, ``use``;
  a managed credential refuses changes (403 "Modifications not allowed for managed credentials").
* ``awx/main/models/credential/__init__.py`` ``Credential.save``: a secret input (``secret: true`` in its type's
  ``inputs.fields``) sent as ``$encrypted$`` takes the stored value; ``CredentialType.secret_fields``. A PATCH of
  ``inputs`` is a DRF field update: the dict replaces the stored one, so an input left out is gone.
* ``awx/main/fields.py`` CredentialInputField: inputs are checked against a JSON schema of the type's fields
  (``additionalProperties: false``); a secret value must be a string; ``$encrypted$`` is refused on a new credential.
* CredentialTypeSerializer: only ``cloud`` and ``net`` may be created or set; a managed type refuses changes; the
  inputs of a type in use by a credential may not change (403). Only a superuser may create or change a type.
* ``/api/v2/me/`` is a list view of the one user (``UserMeList``); pages are ``{"count", "next", "previous",
  "results"}``; errors are ``{"detail": ...}`` (401 without a valid token, 403, 404 "Not found.").

Run it from the repository root::

    python -m tests.emulators.awx_controller --seed tests/emulators/seeds/awx_controller.json

Seed: ``{"users": [{"id", "username", "token", "is_superuser", "admin_of": [credential ids], "read_of": [...]}],
"credential_types": [{"id", "name", "kind", "managed", "inputs", "injectors"}], "credentials": [{"id", "name",
"description", "credential_type", "organization", "managed", "inputs"}]}``. Tokens go in ``Authorization: Bearer``.
``GET /_emulator/state`` shows every stored input in the clear: the way tests read the secret AWX holds.

Switches (``--config`` or ``POST /_emulator/config``):

==========================================  ===============================================
question                                    switch: answers (default first)
==========================================  ===============================================
what a PATCH of ``inputs`` does             ``inputs_patch``: ``replace`` (AWX: the dict
                                            replaces the stored one), or ``merge``
a 400 that repeats a refused value          ``refuse_secret_values``: false, or true: a PATCH
(a JSON schema message names it)            that sets a secret input answers 400 with the
                                            value in ``detail`` and under ``inputs``
==========================================  ===============================================
"""

from __future__ import annotations

import copy
import sys
from datetime import datetime, timezone

from tests.emulators.framework import Emulator, HttpError, Response, main, route

API = "/api/v2"
KEEP = "$encrypted$"
VERSION = "24.6.1"


def detail(status, text):
    return HttpError(status, {"detail": text})


def page(results):
    return {"count": len(results), "next": None, "previous": None, "results": results}


class AwxControllerEmulator(Emulator):
    name = "awx_controller"

    def default_config(self):
        return {"inputs_patch": "replace", "refuse_secret_values": False}

    # ---- state ------------------------------------------------------------------------------------
    def load(self, seed):
        seed = copy.deepcopy(seed or {})
        self.last_stamp = ""
        self.users = {user["token"]: user for user in seed.get("users", [])}
        self.types = {int(kind["id"]): self._stamped(kind) for kind in seed.get("credential_types", [])}
        self.credentials = {int(item["id"]): self._stamped(item) for item in seed.get("credentials", [])}
        for item in self.credentials.values():
            self.remember_secret(*[item["inputs"].get(field) for field in self._secret_fields(item)])
        self.remember_secret(*self.users)

    def dump(self):
        return {"users": list(self.users.values()), "credential_types": list(self.types.values()),
                "credentials": list(self.credentials.values())}

    def _stamped(self, item):
        now = self._now()
        item.setdefault("description", "")
        item.setdefault("managed", False)
        item.setdefault("inputs", {})
        item.setdefault("created", now)
        item.setdefault("modified", now)
        return item

    def _now(self):
        """AWX's time stamps (DRF, microseconds); each one later than the one before, as a database clock gives."""
        stamp = datetime.fromtimestamp(self.clock.now(), timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        if stamp <= self.last_stamp:
            stamp = self.last_stamp[:-7] + "%06dZ" % (int(self.last_stamp[-7:-1]) + 1)
        self.last_stamp = stamp
        return stamp

    def not_found(self, request):
        return Response(404, {"detail": "Not found."})

    # ---- who asks ---------------------------------------------------------------------------------
    def _user(self, request):
        user = self.users.get(request.bearer() or "")
        if user is None:
            raise detail(401, "Authentication credentials were not provided. To establish a login session, visit /api/login/.")
        return user

    @staticmethod
    def _may_read(user, number):
        return user.get("is_superuser") or number in user.get("admin_of", []) or number in user.get("read_of", [])

    @staticmethod
    def _may_edit(user, number):
        return bool(user.get("is_superuser") or number in user.get("admin_of", []))

    # ---- credentials ------------------------------------------------------------------------------
    def _secret_fields(self, item):
        kind = self.types.get(int(item["credential_type"])) or {}
        return [field["id"] for field in (kind.get("inputs") or {}).get("fields", []) if field.get("secret") is True]

    def _show(self, item, user):
        secret = self._secret_fields(item)
        kind = self.types.get(int(item["credential_type"])) or {}
        shown = {key: value for key, value in item.items() if key not in ("inputs",)}
        shown.update(type="credential", url="%s/credentials/%d/" % (API, item["id"]), kind=kind.get("namespace"),
                     inputs={key: KEEP if key in secret and value not in ("", None) else value for key, value in item["inputs"].items()},
                     summary_fields={"credential_type": {"id": kind.get("id"), "name": kind.get("name"), "description": ""},
                                     "user_capabilities": {"edit": self._may_edit(user, item["id"]),
                                                           "delete": self._may_edit(user, item["id"]),
                                                           "copy": self._may_edit(user, item["id"]), "use": True}},
                     related={"credential_type": "%s/credential_types/%d/" % (API, item["credential_type"])})
        return shown

    def _credential(self, request, user):
        try:
            number = int(request.params["id"])
        except ValueError as exc:
            raise detail(404, "Not found.") from exc
        if number not in self.credentials or not self._may_read(user, number):
            raise detail(404, "Not found.")
        return self.credentials[number]

    @route("GET", API + "/ping/")
    def ping(self, request):
        return Response(200, {"ha": False, "version": VERSION, "active_node": "awx-emulator", "install_uuid": "00000000-apiops-awx",
                              "instances": [{"node": "awx-emulator", "node_type": "hybrid", "heartbeat": self._now(),
                                             "capacity": 100, "version": VERSION}],
                              "instance_groups": [{"name": "default", "capacity": 100, "instances": ["awx-emulator"]}]})

    @route("GET", API + "/me/")
    def me(self, request):
        user = self._user(request)
        return Response(200, page([{"id": user["id"], "type": "user", "url": "%s/users/%d/" % (API, user["id"]),
                                    "username": user["username"], "first_name": "", "last_name": "", "email": "",
                                    "is_superuser": bool(user.get("is_superuser")), "is_system_auditor": False}]))

    @route("GET", API + "/credentials/")
    def list_credentials(self, request):
        user = self._user(request)
        name = request.arg("name")
        found = [self._show(item, user) for number, item in sorted(self.credentials.items())
                 if self._may_read(user, number) and (name is None or item["name"] == name)]
        return Response(200, page(found))

    @route("GET", API + "/credentials/{id}/")
    def get_credential(self, request):
        user = self._user(request)
        return Response(200, self._show(self._credential(request, user), user))

    @route("PATCH", API + "/credentials/{id}/")
    def patch_credential(self, request):
        user = self._user(request)
        item = self._credential(request, user)
        if not self._may_edit(user, item["id"]):
            raise detail(403, "You do not have permission to perform this action.")
        if item.get("managed"):
            raise detail(403, "Modifications not allowed for managed credentials")
        body = request.json()
        if not isinstance(body, dict):
            raise HttpError(400, {"detail": "JSON parse error - Expecting value"})
        changes = {key: body[key] for key in ("name", "description") if key in body}
        if "inputs" in body:
            changes["inputs"] = self._inputs(item, body["inputs"])
        item.update(changes)
        item["modified"] = self._now()
        self.remember_secret(*[item["inputs"].get(field) for field in self._secret_fields(item)])
        return Response(200, self._show(item, user))

    def _inputs(self, item, sent):
        """The inputs a PATCH leaves stored, as Credential.save and CredentialInputField make them."""
        if not isinstance(sent, dict):
            raise HttpError(400, {"inputs": ['Expected a dictionary of items but got type "%s".' % type(sent).__name__]})
        kind = self.types[int(item["credential_type"])]
        fields = {field["id"]: field for field in (kind.get("inputs") or {}).get("fields", [])}
        unknown = sorted(set(sent) - set(fields))
        if unknown:
            raise HttpError(400, {"inputs": ["Additional properties are not allowed (%s was unexpected)" % ", ".join(map(repr, unknown))]})
        secret = self._secret_fields(item)
        errors = {}
        for key, value in sent.items():
            if key in secret and value != KEEP and not isinstance(value, str):
                errors[key] = ["secret values must be of type string, not %s" % type(value).__name__]
            elif fields[key].get("type", "string") == "string" and not isinstance(value, str):
                errors[key] = ["%r is not of type 'string'" % value]
        refused = [key for key in secret if key in sent and sent[key] != KEEP]
        if self.config["refuse_secret_values"] and refused:
            value = sent[refused[0]]
            raise HttpError(400, {"detail": "'%s' does not match '^x$'" % value, "inputs": {refused[0]: ["'%s' does not match '^x$'" % value]}})
        if errors:
            raise HttpError(400, {"inputs": errors})
        stored = dict(item["inputs"]) if self.config["inputs_patch"] == "merge" else {}
        for key, value in sent.items():
            if key in secret and value == KEEP:
                if key in item["inputs"]:
                    stored[key] = item["inputs"][key]
            else:
                stored[key] = value
        return stored

    # ---- credential types (the registration playbook) ----------------------------------------------
    def _show_type(self, kind, user):
        shown = dict(kind, type="credential_type", url="%s/credential_types/%d/" % (API, kind["id"]))
        shown.setdefault("namespace", None)
        shown.setdefault("injectors", {})
        shown["summary_fields"] = {"user_capabilities": {"edit": bool(user.get("is_superuser")) and not kind.get("managed"),
                                                         "delete": bool(user.get("is_superuser")) and not kind.get("managed")}}
        return shown

    def _type(self, request):
        try:
            number = int(request.params["id"])
        except ValueError as exc:
            raise detail(404, "Not found.") from exc
        if number not in self.types:
            raise detail(404, "Not found.")
        return self.types[number]

    @route("GET", API + "/credential_types/")
    def list_types(self, request):
        user = self._user(request)
        name, kind_of = request.arg("name"), request.arg("kind")
        return Response(200, page([self._show_type(kind, user) for _number, kind in sorted(self.types.items())
                                   if (name is None or kind["name"] == name) and (kind_of is None or kind["kind"] == kind_of)]))

    @route("GET", API + "/credential_types/{id}/")
    def get_type(self, request):
        user = self._user(request)
        return Response(200, self._show_type(self._type(request), user))

    def _type_changes(self, body, kind=None):
        if not isinstance(body, dict):
            raise HttpError(400, {"detail": "JSON parse error - Expecting value"})
        changes = {key: body[key] for key in ("name", "description", "kind", "inputs", "injectors") if key in body}
        if "kind" in changes and changes["kind"] not in ("cloud", "net"):
            raise HttpError(400, {"kind": ["Must be 'cloud' or 'net', not %s" % changes["kind"]]})
        for key in ("inputs", "injectors"):
            if key in changes and not isinstance(changes[key], dict):
                raise HttpError(400, {key: ["Must be an object."]})
        name = changes.get("name", (kind or {}).get("name"))
        kind_of = changes.get("kind", (kind or {}).get("kind"))
        if any(other["name"] == name and other["kind"] == kind_of and other is not kind for other in self.types.values()):
            raise HttpError(400, {"__all__": ["Credential type with this Name and Kind already exists."]})
        return changes

    @route("POST", API + "/credential_types/")
    def create_type(self, request):
        user = self._user(request)
        if not user.get("is_superuser"):
            raise detail(403, "You do not have permission to perform this action.")
        body = request.json()
        changes = self._type_changes(body)
        missing = [key for key in ("name", "kind") if not changes.get(key)]
        if missing:
            raise HttpError(400, {key: ["This field is required."] for key in missing})
        number = max(list(self.types) + [0]) + 1
        kind = self._stamped(dict({"inputs": {}, "injectors": {}, "namespace": None}, id=number, **changes))
        self.types[number] = kind
        return Response(201, self._show_type(kind, user))

    @route("PATCH", API + "/credential_types/{id}/")
    def patch_type(self, request):
        user = self._user(request)
        kind = self._type(request)
        if not user.get("is_superuser"):
            raise detail(403, "You do not have permission to perform this action.")
        if kind.get("managed"):
            raise detail(403, "Modifications not allowed for managed credential types")
        changes = self._type_changes(request.json(), kind)
        in_use = any(int(item["credential_type"]) == kind["id"] for item in self.credentials.values())
        if in_use and "inputs" in changes and changes["inputs"] != kind.get("inputs"):
            raise detail(403, "Modifications to inputs are not allowed for credential types that are in use")
        kind.update(changes)
        kind["modified"] = self._now()
        return Response(200, self._show_type(kind, user))


if __name__ == "__main__":
    sys.exit(main(AwxControllerEmulator))
