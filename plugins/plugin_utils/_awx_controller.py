# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the apiops.credentials collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""A further sink (``deliver_to: [awx_controller]``): the new secret written back into an AWX / Automation Controller
credential, so that AWX's next job logs in with it.

What AWX does (ansible/awx: ``awx/api/serializers.py`` CredentialSerializer, ``awx/main/models/credential/__init__.py``
Credential, ``awx/main/fields.py`` CredentialInputField):

* A credential's secret inputs (the fields of its type with ``secret: true``) are shown as ``$encrypted$``
  (``Credential.display_inputs``): the secret cannot be read back.
* ``PATCH /api/v2/credentials/{id}/`` with ``inputs`` replaces the whole dict. A secret input sent as ``$encrypted$``
  keeps its stored value (``Credential.save``); one left out is gone. So a write sends every input as read, with the
  one input replaced.
* Every save moves ``modified``; ``summary_fields.user_capabilities.edit`` says whether the token's user may change
  the credential; a managed credential refuses changes (403).

What the secret is cannot be read, so what proves a delivery is a line this collection keeps in the credential's
``description`` (written by the same PATCH, so it lands with the input or not at all)::

    apiops.credentials: secret digest <salt>:<digest>, rotated <time>

``<digest>`` is ``secret_digest(<salt> + secret)`` with a random ``<salt>`` per write: it cannot be turned back
into the secret, and it tells one write from another. AWX has no lock and holds no journal: the journal's lock
serialises runs, and the engine takes up no other run's rotation from here (``journals = False``).

Credentials that ``awx_controller.credentials`` does not name are not delivered here: for them this store holds
everything and does nothing.
"""

from __future__ import annotations

import contextlib
import hmac
import re
import secrets
import threading
import time
from urllib.parse import quote

from ansible.errors import AnsibleActionFail

from ansible_collections.apiops.credentials.plugins.module_utils._http import ApiError, HttpClient, PerThread
from ansible_collections.apiops.credentials.plugins.plugin_utils._engine import secret_digest

PLATFORM = "AWX"
KEEP = "$encrypted$"  # what AWX shows for a stored secret input, and keeps it for when it is sent back
DEFAULT_INPUT = "client_secret"
MARKER = re.compile(r"^apiops\.credentials: secret digest ([0-9a-f]+):([0-9a-f]+), rotated (\S+)$", re.M)
SETTLE = 3.0  # seconds a write whose answer was lost is looked for before the run says it is not proven


def host_url(host):
    """The base URL of AWX; a host without a scheme is HTTPS, as awx.awx takes it."""
    host = (host or "").strip().rstrip("/")
    return host if host.startswith(("https://", "http://")) else "https://" + host


def settings_problem(settings):
    """Why the ``awx_controller`` options cannot work, or None (the message names the option)."""
    if not (settings or {}).get("host"):
        return "awx_controller.host is not set (or CONTROLLER_HOST): give the address of AWX / Automation Controller"
    if not settings.get("token"):
        return ("awx_controller.token is not set (or CONTROLLER_OAUTH_TOKEN): give an OAuth2 token of an AWX user who may "
                "edit the credentials named in awx_controller.credentials")
    mapped = settings.get("credentials") or {}
    if not mapped:
        return ("awx_controller.credentials is empty: name each rotated credential (client id or record key) whose AWX "
                "credential gets its new secret, for example {admin: {id: 12, input: client_secret}}")
    for name, entry in mapped.items():
        problem = entry_problem(name, entry)
        if problem:
            return problem
    return None


def entry_problem(name, entry):
    where = "awx_controller.credentials[%s]" % name
    if not isinstance(entry, dict):
        return "%s must be a dict with id (or name) and input, not %s" % (where, type(entry).__name__)
    unknown = sorted(set(entry) - {"id", "name", "input"})
    if unknown:
        return "%s has unknown keys %s: give id (or name) and input" % (where, ", ".join(map(str, unknown)))
    if ("id" in entry) == ("name" in entry):
        return "%s needs exactly one of id (the AWX credential's number) and name" % where
    if "id" in entry and not str(entry["id"]).isdigit():
        return "%s.id must be the number of the AWX credential, not %r" % (where, entry["id"])
    if not isinstance(entry.get("input", DEFAULT_INPUT), str) or not entry.get("input", DEFAULT_INPUT):
        return "%s.input must name an input of the AWX credential (its id, such as client_secret)" % where
    return None


def bind(mapped, works):
    """{record key: {"ref", "input"}} for the credentials of this run that ``mapped`` names (by record key or by its
    credential, such as a client id); AnsibleActionFail for an entry that names none of them, or more than one."""
    bound = {}
    for name, entry in (mapped or {}).items():
        found = [work for work in works if name in (work.key, work.credential)]
        if not found:
            raise AnsibleActionFail(
                "awx_controller.credentials names %s, which is not a credential of this run (give a client id or a record "
                "key of a credential the task rotates, such as %s)" % (name, ", ".join(sorted(w.key for w in works)[:3]) or "none"))
        if len(found) > 1:
            raise AnsibleActionFail("awx_controller.credentials names %s, which is more than one credential of this run (%s): "
                                    "name it by its record key" % (name, ", ".join(sorted(w.key for w in found))))
        key = found[0].key
        if key in bound:
            raise AnsibleActionFail("awx_controller.credentials names credential %s twice" % key)
        bound[key] = {"ref": int(entry["id"]) if "id" in entry else str(entry["name"]), "input": entry.get("input") or DEFAULT_INPUT}
    return bound


# ---- the pure parts: the inputs sent, the marker --------------------------------------------------------------
def patch_inputs(shown, name, secret):
    """What a PATCH sends as ``inputs``: every input as AWX showed it (secret ones as ``$encrypted$``, which AWX keeps),
    with ``name`` replaced by ``secret``."""
    inputs = dict(shown or {})
    inputs[name] = secret
    return inputs


def marker_line(salt, secret, rotated_at):
    return "apiops.credentials: secret digest %s:%s, rotated %s" % (salt, secret_digest(salt + secret), rotated_at or "unknown")


def parse_marker(description):
    """{"salt", "digest", "rotated_at"} of the last marker line in ``description``, or {} when there is none."""
    found = MARKER.findall(description or "")
    if not found:
        return {}
    salt, digest, rotated = found[-1]
    return {"salt": salt, "digest": digest, "rotated_at": None if rotated == "unknown" else rotated}


def with_marker(description, line):
    """``description`` with its marker line (if any) replaced by ``line``; the operator's own text is kept."""
    own = MARKER.sub("", description or "").rstrip()
    own = re.sub(r"\n{2,}", "\n", own)
    return (own + "\n" + line) if own else line


def marks(marker, secret):
    """Does a parsed marker name ``secret``?"""
    if not marker or not secret:
        return False
    return hmac.compare_digest(secret_digest(marker["salt"] + secret), marker["digest"])


class AwxCredentials:
    """The AWX credentials of one run's mapped credentials, with what the engine asks of a further sink."""

    journals = False  # a further sink the engine may take up another run's rotation from: not this one

    def __init__(self, settings, works, timeout=30.0, retries=3, warn=None, connect_timeout=None, settle=SETTLE):
        self.settings = settings
        self.base = host_url(settings["host"])
        self.path = "AWX %s" % self.base
        self.mapping = bind(settings.get("credentials"), works)
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.retries = retries
        self.warn = warn
        self.settle = settle
        self.writes = 0
        self._ids = {}  # record key: the AWX credential's id, once a name was looked up
        self._types = {}  # credential type id: {input id: field}
        self._guard = threading.Lock()
        self._clients = PerThread(self._new_client)  # one per worker thread

    # ---- HTTP ---------------------------------------------------------------------------------------------
    def _http(self):
        return self._clients.get()

    def _new_client(self, _key):
        return HttpClient(self.base + "/api/v2", PLATFORM, validate_certs=self.settings["validate_certs"], ca_path=self.settings.get("ca_path"),
                          timeout=self.timeout, connect_timeout=self.connect_timeout, retries=self.retries, warn=self.warn)

    def _call(self, method, path, label, **kwargs):
        headers = {"Authorization": "Bearer %s" % self.settings["token"]}
        return self._http().request(method, path, headers=headers, label=label, **kwargs)

    def _get(self, path, label, what):
        try:
            return self._call("GET", path, label).body or {}
        except ApiError as error:
            raise self._failure(error, what)

    def _failure(self, error, what):
        if error.status == 401:
            return AnsibleActionFail("AWX refused the token (401) at %s: check awx_controller.token (or CONTROLLER_OAUTH_TOKEN); "
                                     "it may have expired" % self.base)
        if error.status == 403:
            return AnsibleActionFail("AWX does not let this token's user change %s (403): give the user the admin role on it "
                                     "(a managed credential cannot be changed)" % what)
        if error.status == 404:
            return AnsibleActionFail("AWX has no %s that this token's user may see (404): check awx_controller.credentials "
                                     "and the user's read role" % what)
        return AnsibleActionFail("%s: %s" % (what, error))

    # ---- credentials -------------------------------------------------------------------------------------
    @staticmethod
    def _words(entry, number=None):
        ref = number if number is not None else entry["ref"]
        return "AWX credential %s (input %s)" % (ref if isinstance(ref, int) else repr(ref), entry["input"])

    def _id(self, key):
        entry = self.mapping[key]
        if isinstance(entry["ref"], int):
            return entry["ref"]
        with self._guard:
            if key in self._ids:
                return self._ids[key]
        found = self._get("/credentials/?name=%s" % quote(entry["ref"]), "/api/v2/credentials/?name=", self._words(entry))
        results = found.get("results") or []
        if len(results) != 1:
            raise AnsibleActionFail("%s: AWX has %s credential of that name this token's user may see; give its id instead"
                                    % (self._words(entry), "no" if not results else "more than one"))
        with self._guard:
            self._ids[key] = int(results[0]["id"])
        return self._ids[key]

    def _read(self, key):
        number = self._id(key)
        return self._get("/credentials/%d/" % number, "/api/v2/credentials/{id}/", self._words(self.mapping[key], number))

    # ---- what the engine asks of a further sink ----------------------------------------------------------
    def current(self, key):
        """What the credential says of its secret (never the secret): the digest of the last delivery, and its time."""
        if key not in self.mapping:
            return {}
        marker = parse_marker(self._read(key).get("description"))
        return {"marker": marker, "rotated_at": marker.get("rotated_at")}

    def holds(self, key, there, record):
        """Does the credential hold ``record``'s secret? A credential this run does not deliver to holds everything."""
        if key not in self.mapping:
            return True
        return marks(there.get("marker"), record.get("secret"))

    def put(self, key, record, wait=True):  # pylint: disable=unused-argument
        """Write ``record``'s secret into the mapped input, the marker into the description; read both back."""
        if key not in self.mapping:
            return
        entry, number = self.mapping[key], self._id(key)
        what = self._words(entry, number)
        before = self._read(key)
        line = marker_line(secrets.token_hex(4), record["secret"], record.get("rotated_at"))
        body = {"inputs": patch_inputs(before.get("inputs"), entry["input"], record["secret"]),
                "description": with_marker(before.get("description"), line)}
        path = "/credentials/%d/" % number
        try:
            self._call("PATCH", path, "/api/v2/credentials/{id}/", json=body, idempotent=False,
                       confirm=lambda: self._landed(key, line))
        except ApiError as error:
            if not (error.transient or error.maybe_applied) or not self._settled(key, line):
                raise self._unwritten(error, what, record["secret"])
        after = self._read(key)
        if parse_marker(after.get("description")) != parse_marker(line) or after.get("modified") == before.get("modified"):
            raise AnsibleActionFail("%s does not read back the write (its description has no marker of this secret, or "
                                    "modified did not change); re-run, which writes it again" % what)
        with self._guard:
            self.writes += 1

    def _landed(self, key, line):
        """After a lost answer: did the PATCH land? The marker it carried says so (the salt is this write's own)."""
        try:
            return parse_marker(self._read(key).get("description")) == parse_marker(line)
        except AnsibleActionFail:
            return False

    def _settled(self, key, line):
        deadline = time.monotonic() + self.settle
        pause = 0.1
        while True:
            if self._landed(key, line):
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(pause)
            pause = min(pause * 2, 1.0)

    def _unwritten(self, error, what, secret):
        # AWX may repeat a refused value in a 400 (a JSON schema message names the value): such an answer is not shown.
        if secret in str(error):
            error.code, error.description = None, "the answer is not shown: it repeats the request"
        failure = self._failure(error, what)
        if error.transient or error.maybe_applied:
            return AnsibleActionFail("%s: the write was not answered (%s), and the credential does not show it within %.0f s; "
                                     "it is not proven written. Re-run, which reads it again" % (what, error, self.settle))
        return failure

    @contextlib.contextmanager
    def lock(self, key, timeout=60.0):  # pylint: disable=unused-argument
        """AWX has no lock: the journal's lock of the credential already keeps two runs from writing it at once."""
        yield True

    def lock_owner(self, key):  # pylint: disable=unused-argument
        return "no one (AWX has no lock)"

    # ---- before any platform is touched ------------------------------------------------------------------
    def preflight(self, keys, write=True):
        """The token works (``/api/v2/me/``); each mapped credential exists, is not managed, has the input as a secret
        input of its type, and (``write``) the token's user may edit it."""
        me = self._get("/me/", "/api/v2/me/", "AWX's /api/v2/me/")
        if not me.get("results"):
            raise AnsibleActionFail("AWX answered /api/v2/me/ without a user: check awx_controller.token")
        for key in keys:
            if key in self.mapping:
                self._check(key, write)

    def _check(self, key, write):
        entry = self.mapping[key]
        credential = self._read(key)
        what = self._words(entry, credential.get("id"))
        if credential.get("managed"):
            raise AnsibleActionFail("%s is managed by AWX, which refuses any change to it: map another credential" % what)
        fields = self._fields(credential.get("credential_type"), what)
        field = fields.get(entry["input"])
        if field is None:
            raise AnsibleActionFail("%s: its credential type has no input %s (it has %s): set input in awx_controller.credentials"
                                    % (what, entry["input"], ", ".join(sorted(fields)) or "none"))
        if field.get("secret") is not True:
            raise AnsibleActionFail("%s: input %s is not a secret input of its type, so AWX would show the secret to everyone "
                                    "who may read the credential; nothing was changed" % (what, entry["input"]))
        capabilities = (credential.get("summary_fields") or {}).get("user_capabilities") or {}
        if write and not capabilities.get("edit"):
            raise AnsibleActionFail("%s: this token's user may not edit it (user_capabilities.edit is false); nothing was "
                                    "changed on any platform. Give the user the credential's admin role" % what)

    def _fields(self, type_id, what):
        with self._guard:
            if type_id in self._types:
                return self._types[type_id]
        kind = self._get("/credential_types/%d/" % int(type_id), "/api/v2/credential_types/{id}/", "the credential type of " + what)
        fields = {field.get("id"): field for field in (kind.get("inputs") or {}).get("fields") or []}
        with self._guard:
            self._types[type_id] = fields
        return fields
