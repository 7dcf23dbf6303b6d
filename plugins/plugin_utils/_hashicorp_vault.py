# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the apiops.credentials collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""The engine's journal and sink in HashiCorp Vault's KV secrets engine, version 2.

Each credential's record is one KV key, ``<mount>/<path>/<record key>``, where
consumers read it with their own Vault policy. The record is the same as in
the file sink (``secret``, ``previous_secret``, ``state``...), so the engine
cannot tell the two apart: :class:`KvRecords` offers what ``RecordFile`` offers.

* Every write is check-and-set against the version this run last saw, and is read
  back: another writer in between is an error, never a silent overwrite.
* KV keeps versions, so the secret a rotation replaced stays readable in the
  key's history besides ``previous_secret``.
* The per-credential lock is a key next to the record (``<record key>.lock``),
  created with ``cas=0`` so only one run can hold it, and deleted after; a lock
  whose process is gone from this host is taken over, as with the file sink.
"""

from __future__ import annotations

import threading
from urllib.parse import quote

from ansible.errors import AnsibleActionFail

from ansible_collections.apiops.credentials.plugins.module_utils._http import ApiError, HttpClient
from ansible_collections.apiops.credentials.plugins.plugin_utils._remote_records import RemoteRecords

PLATFORM = "HashiCorp Vault"
CAS_MISMATCH = "check-and-set parameter did not match the current version"


def settings_problem(settings):
    """Why the ``hashicorp_vault`` options cannot work, or None (the message names the option)."""
    if not settings.get("url"):
        return "hashicorp_vault.url is not set (or VAULT_ADDR): give the address of the Vault server"
    if not settings["url"].startswith(("https://", "http://")):
        return "hashicorp_vault.url %r has no http:// or https:// scheme" % settings["url"]
    if not settings.get("token") and not (settings.get("role_id") and settings.get("secret_id")):
        return ("hashicorp_vault has no login: give token (or VAULT_TOKEN), or role_id and secret_id for AppRole "
                "(or VAULT_ROLE_ID and VAULT_SECRET_ID)")
    try:
        settings["path"].format(platform="p", target="t")
    except (KeyError, IndexError, ValueError):
        return "hashicorp_vault.path %r may use only {platform} and {target}" % settings["path"]
    return None


class KvRecords(RemoteRecords):
    """The records of one target in Vault KV v2, with the interface of ``RecordFile``."""

    def __init__(self, settings, platform, target, timeout=30.0, retries=3, warn=None):
        super().__init__()
        self.settings = settings
        self.mount = settings["mount"].strip("/")
        self.prefix = settings["path"].format(platform=platform, target=target).strip("/")
        self.path = "HashiCorp Vault %s/%s" % (self.mount, self.prefix)
        self.timeout = timeout
        self.retries = retries
        self.warn = warn
        self.versions = {}  # key: its KV version as this run last saw it (the next write's check-and-set)
        self._token = settings.get("token")
        self._local = threading.local()

    # ---- HTTP ---------------------------------------------------------------------------
    def _http(self):
        client = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = HttpClient(self.settings["url"].rstrip("/") + "/v1", PLATFORM,
                                                     validate_certs=self.settings["validate_certs"],
                                                     ca_path=self.settings.get("ca_path"), timeout=self.timeout,
                                                     retries=self.retries, warn=self.warn)
        return client

    def _headers(self):
        headers = {"X-Vault-Token": self._login()}
        if self.settings.get("namespace"):
            headers["X-Vault-Namespace"] = self.settings["namespace"]
        return headers

    def _login(self):
        with self._guard:
            if self._token:
                return self._token
            headers = {"X-Vault-Namespace": self.settings["namespace"]} if self.settings.get("namespace") else {}
            try:
                answer = self._http().request("POST", "/auth/approle/login", headers=headers, idempotent=True,
                                              json={"role_id": self.settings["role_id"], "secret_id": self.settings["secret_id"]},
                                              label="/v1/auth/approle/login")
            except ApiError as error:
                raise AnsibleActionFail("HashiCorp Vault refused the AppRole login (%s): check hashicorp_vault.role_id and "
                                        "secret_id (or VAULT_ROLE_ID and VAULT_SECRET_ID)" % error)
            self._token = ((answer.body or {}).get("auth") or {}).get("client_token")
            if not self._token:
                raise AnsibleActionFail("HashiCorp Vault answered the AppRole login without a token")
            return self._token

    def _url(self, kind, key):
        return "/%s/%s/%s/%s" % (quote(self.mount), kind, quote(self.prefix), quote(key))

    def _call(self, method, kind, key, expected=(200,), **kwargs):
        try:
            return self._http().request(method, self._url(kind, key), headers=self._headers(), expected=expected,
                                        label="/v1/%s/%s/<path>" % (self.mount, kind), **kwargs)
        except ApiError as error:
            if error.status == 403:
                raise AnsibleActionFail("HashiCorp Vault refused access to %s/%s (403): check the token or AppRole, its "
                                        "policy on that path, and hashicorp_vault.namespace" % (self.mount, self.prefix))
            raise AnsibleActionFail("HashiCorp Vault: %s" % error)

    def _versioned(self, key):
        """(record, version) as Vault holds them now; ({}, 0) when there is no such key."""
        answer = self._call("GET", "data", key, expected=(200, 404))
        data = (answer.body or {}).get("data") or {}
        if answer.status == 404 or not data.get("data"):
            # A deleted newest version answers 404 with its metadata: the next write must name that version.
            return {}, int((data.get("metadata") or {}).get("version") or 0)
        return dict(data["data"]), int((data.get("metadata") or {}).get("version") or 0)

    # ---- what RemoteRecords asks --------------------------------------------------------------
    def _read(self, key):
        record, version = self._versioned(key)
        with self._guard:
            self.versions[key] = version
        return record

    def _write(self, key, record):
        """Check-and-set against the version last seen, then read back; AnsibleActionFail when either fails."""
        with self._guard:
            version = self.versions.get(key)
        if version is None:
            _record, version = self._versioned(key)
        try:
            self._call("POST", "data", key, json={"data": record, "options": {"cas": version}}, idempotent=False,
                       confirm=lambda: self._versioned(key)[0] == record)
        except AnsibleActionFail as error:
            if CAS_MISMATCH in str(error):
                raise AnsibleActionFail("another writer changed %s/%s/%s in HashiCorp Vault since this run read it; nothing "
                                        "was overwritten. Re-run (the run reads it again)" % (self.mount, self.prefix, key))
            raise
        written, version = self._versioned(key)
        if written != record:
            raise AnsibleActionFail("HashiCorp Vault does not read back what was written to %s/%s/%s" % (self.mount, self.prefix, key))
        with self._guard:
            self.versions[key] = version
        self._written(key, written)

    def _keys(self, folder=""):
        """Every key under the prefix: KV's LIST (GET with list=true), one folder at a time."""
        answer = self._call("GET", "metadata", folder, expected=(200, 404), params={"list": "true"})
        keys = []
        for name in ((answer.body or {}).get("data") or {}).get("keys") or [] if answer.status == 200 else []:
            keys += self._keys(folder + name) if name.endswith("/") else [folder + name]
        return keys

    # -- a lock per credential: a key created only if absent (cas=0)
    def _take_lock(self, key, owner):
        answer = self._call("POST", "data", key + ".lock", expected=(200, 400), json={"data": {"owner": owner}, "options": {"cas": 0}},
                            idempotent=False, confirm=lambda: self._versioned(key + ".lock")[0].get("owner") == owner)
        return answer.status == 200 or answer.confirmed

    def _lock_fields(self, key):
        return self._versioned(key + ".lock")[0].get("owner", "").split()

    def _drop_lock(self, key):
        self._call("DELETE", "metadata", key + ".lock", expected=(204, 200, 404))
