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

* Before any platform is touched, :meth:`KvRecords.preflight` proves the token
  works (``auth/token/lookup-self``), the mount is KV version 2
  (``sys/internal/ui/mounts/<mount>``) and the token has every capability the run
  will use on every path (``sys/capabilities-self``): ``data/`` for the records
  and their locks, and ``metadata/`` too (a lock is released by deleting its
  metadata, records are listed there, a lost answer is settled there).
* Every write is check-and-set against the version this run last saw, and is
  proven by version: the version the write returned is read back explicitly
  (``?version=N``) and must hold what was written. Another writer in between is
  an error, never a silent overwrite.
* KV keeps versions, so the secret a rotation replaced stays readable in the
  key's history besides ``previous_secret``.
* The per-credential lease (``_lease.py``) is a key next to the record
  (``<record key>.lock``), created with ``cas=0`` so only one run can hold it,
  renewed and taken over with check-and-set on the version read, and deleted
  after.
* A path under no mount answers 404 "no handler for route" in Vault: that is a
  wrong ``hashicorp_vault.mount`` (or namespace), never "no record".
"""

from __future__ import annotations

import time
from urllib.parse import quote

from ansible.errors import AnsibleActionFail

from ansible_collections.apiops.credentials.plugins.module_utils._http import ApiError, HttpClient, PerThread
from ansible_collections.apiops.credentials.plugins.plugin_utils._remote_records import RemoteRecords

PLATFORM = "HashiCorp Vault"
CAS_MISMATCH = "check-and-set parameter did not match the current version"
NO_ROUTE = "no handler for route"
POLICY_FIX = "the minimum policy in the README of apiops.credentials (section HashiCorp Vault)"
PATHS_PER_QUERY = 200  # sys/capabilities-self takes a list; a catalog of thousands of credentials is asked in parts


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


def _lost_answer(error):
    """Did the write perhaps happen although no answer said so (timeout, lost connection, 5xx)?"""
    return error.transient or error.maybe_applied


class KvRecords(RemoteRecords):
    """The records of one target in Vault KV v2, with the interface of ``RecordFile``.

    Performance standbys (Vault Enterprise) answer reads themselves and may not
    have a write of the active node yet, so a read right after a write can show
    the version before. The sink never takes such an answer as proof or as the
    current record: a write is proven by reading the version it returned
    (``?version=N``), and a read that shows an older version than this run
    already knows of is repeated, briefly and a bounded number of times
    (``stale_wait``), until the standby caught up; otherwise the run stops with a
    message saying so. A write whose answer was lost (timeout, dropped
    connection, 5xx) is settled by reading ``metadata/`` and the version it
    would have made, for up to ``settle`` seconds, never by assuming it landed:
    a check-and-set rejection after such a loss is this run's own late write
    only when that version holds exactly this run's record.
    """

    stale_wait = 3.0  # seconds a read older than what this run knows is repeated before the run gives up

    def __init__(self, settings, platform, target, timeout=30.0, retries=3, warn=None, settle=None, connect_timeout=None):
        super().__init__()
        self.settings = settings
        self.mount = settings["mount"].strip("/")
        self.prefix = settings["path"].format(platform=platform, target=target).strip("/")
        self.path = "HashiCorp Vault %s/%s" % (self.mount, self.prefix)
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.retries = retries
        self.warn = warn
        self.settle = max(2.0, 3.0 * timeout) if settle is None else settle
        self.versions = {}  # key: its KV version as this run last saw it (the next write's check-and-set)
        self._token = settings.get("token")
        self._clients = PerThread(self._new_client)  # one per worker thread

    # ---- HTTP ---------------------------------------------------------------------------
    def _http(self):
        return self._clients.get()

    def _new_client(self, _key):
        return HttpClient(self.settings["url"].rstrip("/") + "/v1", PLATFORM, validate_certs=self.settings["validate_certs"],
                          ca_path=self.settings.get("ca_path"), timeout=self.timeout, connect_timeout=self.connect_timeout,
                          retries=self.retries, warn=self.warn)

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
                                              label="/v1/auth/approle/login", login=True)
            except ApiError as error:
                raise AnsibleActionFail("HashiCorp Vault refused the AppRole login (%s): check hashicorp_vault.role_id and "
                                        "secret_id (or VAULT_ROLE_ID and VAULT_SECRET_ID)" % error)
            self._token = ((answer.body or {}).get("auth") or {}).get("client_token")
            if not self._token:
                raise AnsibleActionFail("HashiCorp Vault answered the AppRole login without a token")
            return self._token

    def _where(self, key=None):
        return "%s/%s" % (self.mount, self.prefix) + ("/" + key if key else "")

    def _no_mount(self):
        namespace = self.settings.get("namespace")
        return AnsibleActionFail(
            "HashiCorp Vault has no secrets engine mounted at hashicorp_vault.mount %r%s (404 \"no handler for route\"): "
            "check the mount's name (a KV version 2 engine, secret by default)%s"
            % (self.mount, " in namespace %r" % namespace if namespace else "",
               " and hashicorp_vault.namespace" if namespace else " and, on Vault Enterprise, hashicorp_vault.namespace"))

    def _api(self, method, path, label, expected=(200,), **kwargs):
        """One request; a route Vault does not know (an unmounted mount) is a configuration error, never "no record"."""
        try:
            answer = self._http().request(method, path, headers=self._headers(), expected=expected, label=label, **kwargs)
        except ApiError as error:
            if error.status == 404 and NO_ROUTE in (error.description or ""):
                raise self._no_mount()
            raise
        if answer.status == 404 and NO_ROUTE in " ".join(str(item) for item in (answer.body or {}).get("errors") or []):
            raise self._no_mount()
        return answer

    def _url(self, kind, key):
        return "/%s/%s/%s/%s" % (quote(self.mount), kind, quote(self.prefix), quote(key))

    def _kv(self, method, kind, key, expected=(200,), **kwargs):
        return self._api(method, self._url(kind, key), "/v1/%s/%s/<path>" % (self.mount, kind), expected=expected, **kwargs)

    def _failure(self, error):
        if error.status == 403:
            return AnsibleActionFail("HashiCorp Vault refused access to %s (403): check the token or AppRole, its policy on "
                                     "that path (%s), and hashicorp_vault.namespace" % (self._where(), POLICY_FIX))
        return AnsibleActionFail("HashiCorp Vault: %s" % error)

    def _call(self, method, kind, key, expected=(200,), **kwargs):
        try:
            return self._kv(method, kind, key, expected=expected, **kwargs)
        except ApiError as error:
            raise self._failure(error)

    def _versioned(self, key, version=None):
        """(record, version) as Vault answers them now (the newest, or ``version``); ({}, 0) when there is none."""
        answer = self._call("GET", "data", key, expected=(200, 404), params={"version": version} if version else None)
        data = (answer.body or {}).get("data") or {}
        number = int((data.get("metadata") or {}).get("version") or 0)
        if answer.status == 404 or not data.get("data"):
            # A deleted version answers 404 with its metadata: the next write must name that version.
            return {}, number
        return dict(data["data"]), number

    def _current_version(self, key):
        answer = self._call("GET", "metadata", key, expected=(200, 404))
        return int(((answer.body or {}).get("data") or {}).get("current_version") or 0) if answer.status == 200 else 0

    # ---- versions: what proves a write ---------------------------------------------------------
    def _caught_up(self, key, wanted, read):
        """``read()`` -> (record, version), repeated while it shows a version older than ``wanted`` (a lagging standby)."""
        deadline = time.monotonic() + self.stale_wait
        pause = 0.05
        while True:
            record, version = read()
            if version >= wanted:
                return record, version
            if time.monotonic() >= deadline:
                raise AnsibleActionFail(
                    "HashiCorp Vault still answers version %d of %s after %.0f s although version %d was written: a performance "
                    "standby that has not caught up with the active node. Nothing was taken from that answer; re-run, or point "
                    "hashicorp_vault.url at the active node" % (version, self._where(key), self.stale_wait, wanted))
            time.sleep(pause)
            pause = min(pause * 2, 0.5)

    def _holds(self, key, version, record):
        """Does ``version`` of ``key`` exist and hold exactly ``record``? (metadata first: a lagging read says no)"""
        if self._current_version(key) < version:
            return False
        return self._versioned(key, version) == (record, version)

    def _settled(self, key, version, record, window):
        """Look for ``version`` holding ``record`` for up to ``window`` seconds (a write applied late may land meanwhile)."""
        deadline = time.monotonic() + window
        pause = 0.1
        while True:
            if self._holds(key, version, record):
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(pause)
            pause = min(pause * 2, 1.0)

    def _another_writer(self, key):
        return AnsibleActionFail("another writer changed %s in HashiCorp Vault since this run read it; nothing was "
                                 "overwritten. Re-run (the run reads it again)" % self._where(key))

    def _put_version(self, key, record, version):
        """Write ``record`` with check-and-set ``version``; the version Vault gave it (proven when an answer was lost)."""
        lost = []  # an attempt whose answer was lost: a check-and-set rejection after it may be this run's own write

        def confirm():
            lost.append(True)
            return self._holds(key, version + 1, record)

        try:
            answer = self._kv("POST", "data", key, json={"data": record, "options": {"cas": version}}, idempotent=False,
                              confirm=confirm)
        except ApiError as error:
            if error.status == 400 and CAS_MISMATCH in (error.description or ""):
                if lost and self._settled(key, version + 1, record, self.settle):
                    return version + 1
                raise self._another_writer(key)
            if not _lost_answer(error):
                raise self._failure(error)
            if self._settled(key, version + 1, record, self.settle if error.status is None else 0):
                return version + 1
            raise AnsibleActionFail(
                "HashiCorp Vault did not confirm the write of %s (%s), and version %d holding this run's record did not "
                "appear within %.0f s: the record is not proven written, so the run does not go on with it. Re-run (the "
                "run reads the record again)" % (self._where(key), error, version + 1, self.settle))
        if answer.confirmed:
            return version + 1
        return int(((answer.body or {}).get("data") or {}).get("version") or 0)

    # ---- what RemoteRecords asks --------------------------------------------------------------
    def _read(self, key):
        with self._guard:
            known = self.versions.get(key, 0)
        record, version = self._caught_up(key, known, lambda: self._versioned(key))
        with self._guard:
            self.versions[key] = version
        return record

    def _write(self, key, record):
        """Check-and-set against the version last seen, then read that very version back; AnsibleActionFail otherwise."""
        with self._guard:
            version = self.versions.get(key)
        if version is None:
            _record, version = self._versioned(key)
        written = self._put_version(key, record, version)
        if written <= version:
            raise AnsibleActionFail("HashiCorp Vault answered the write of %s without a new version" % self._where(key))
        stored, _number = self._caught_up(key, written, lambda: self._versioned(key, written))
        if stored != record:
            raise AnsibleActionFail("HashiCorp Vault does not read back what was written to %s" % self._where(key))
        with self._guard:
            self.versions[key] = written
        self._written(key, stored)

    def _keys(self, folder=""):
        """Every key under the prefix: KV's LIST (GET with list=true), one folder at a time."""
        answer = self._call("GET", "metadata", folder, expected=(200, 404), params={"list": "true"})
        keys = []
        for name in ((answer.body or {}).get("data") or {}).get("keys") or [] if answer.status == 200 else []:
            keys += self._keys(folder + name) if name.endswith("/") else [folder + name]
        return keys

    # -- a lease per credential (_lease.py): a key created only if absent (cas=0), changed by check-and-set
    def _take_lock(self, key, line):
        lock, mine = key + ".lock", {"owner": line}
        lost = []

        def confirm():
            lost.append(True)
            return self._holds(lock, 1, mine)

        try:
            answer = self._kv("POST", "data", lock, expected=(200, 400), json={"data": mine, "options": {"cas": 0}},
                              idempotent=False, confirm=confirm)
        except ApiError as error:
            if not _lost_answer(error):
                raise self._failure(error)
            if self._settled(lock, 1, mine, self.settle if error.status is None else 0):
                return self._lease_at(lock, 1)
            raise AnsibleActionFail("HashiCorp Vault did not confirm the creation of the lock %s (%s): re-run; a lock this "
                                    "run may have left is taken over once its process is gone" % (self._where(lock), error))
        if answer.confirmed or answer.status == 200:
            return self._lease_at(lock, 1)
        # 400: the lock exists. It is this run's own only when an earlier attempt's answer was lost and it holds our owner line.
        return bool(lost) and self._settled(lock, 1, mine, self.settle) and self._lease_at(lock, 1)

    def _lease_at(self, lock, version):
        """Note the version of a lease this store wrote: its later reads must be at least that new (a lagging standby
        would otherwise show the lease as it was before, and a release would leave it in place)."""
        with self._guard:
            self.versions[lock] = version
        return True

    def _lease_read(self, key):
        """The lease as it is, at least as new as the version this store last wrote of it. A lease that stays absent
        for ``stale_wait`` was deleted (broken by an operator), not merely not replicated yet."""
        lock = key + ".lock"
        with self._guard:
            known = self.versions.get(lock, 0)
        try:
            return self._caught_up(lock, known, lambda: self._versioned(lock))
        except AnsibleActionFail:
            record, version = self._versioned(lock)
            if version:
                raise
            return record, version

    def _lock_fields(self, key):
        return self._lease_read(key)[0].get("owner", "").split()

    def _replace_lock(self, key, fields, line):
        """Check-and-set on the version whose owner line was ``fields``: of two runs, one replaces it."""
        lock = key + ".lock"
        record, version = self._lease_read(key)
        if not version or record.get("owner", "").split() != list(fields):
            return False
        try:
            self._put_version(lock, {"owner": line}, version)
        except AnsibleActionFail:
            # another run's check-and-set came first, or the answer was lost: what the lease reads now decides
            return self._lease_read(key)[0].get("owner") == line and self._lease_at(lock, version + 1)
        return self._lease_at(lock, version + 1)

    def _drop_lock(self, key, fields, fresh=False):
        # KV offers no delete-if-version. A lease this run renewed a moment ago (fresh) cannot have been taken over:
        # it is deleted as it is. Another one is read first (at least as new as this run's last write), then deleted.
        if fresh or self._lock_fields(key) == list(fields):
            self._call("DELETE", "metadata", key + ".lock", expected=(204, 200, 404))
        with self._guard:
            self.versions.pop(key + ".lock", None)  # deleted: its versions start again at 1

    # ---- before the platform is touched --------------------------------------------------------
    def preflight(self, keys, write=True):
        """Prove the token, the mount (KV version 2) and every capability the run will use; one AnsibleActionFail if not."""
        self._check_token()
        self._check_mount()
        self._check_capabilities(keys, write)

    def _sys(self, method, path, **kwargs):
        return self._api(method, "/" + path, "/v1/" + path, **kwargs)

    def _check_token(self):
        try:
            self._sys("GET", "auth/token/lookup-self")
        except ApiError as error:
            if error.status == 403:
                raise AnsibleActionFail(
                    "HashiCorp Vault refused access with this token (auth/token/lookup-self: 403): it is unknown, expired or "
                    "revoked, belongs to another namespace (hashicorp_vault.namespace), or lacks Vault's default policy. "
                    "Check hashicorp_vault.token or the AppRole (role_id, secret_id)")
            raise self._failure(error)

    def _check_mount(self):
        try:
            answer = self._sys("GET", "sys/internal/ui/mounts/" + quote(self.mount))
        except ApiError as error:
            if error.status == 403:
                raise AnsibleActionFail(
                    "HashiCorp Vault has no mount hashicorp_vault.mount %r this token may use: nothing is mounted there (check "
                    "the name; secret by default, and hashicorp_vault.namespace), or the token's policy grants nothing under "
                    "it (see %s)" % (self.mount, POLICY_FIX))
            raise self._failure(error)
        data = (answer.body or {}).get("data") or {}
        kind, version = data.get("type"), str((data.get("options") or {}).get("version") or "1")
        if kind != "kv" or version != "2":
            raise AnsibleActionFail(
                "hashicorp_vault.mount %r is a %s secrets engine%s, not KV version 2: mount one (vault secrets enable "
                "-version=2 -path=%s kv) or upgrade it (vault kv enable-versioning %s)"
                % (self.mount, kind or "unknown", " version %s" % version if kind == "kv" else "", self.mount, self.mount))

    def _needs(self, keys, write):
        """{path: capabilities} this run uses: records and locks in data/, and metadata/ (settle, release, list)."""
        needs = {"%s/metadata/%s/" % (self.mount, self.prefix): {"list"}}
        for key in keys:
            data, metadata = "%s/data/%s/%s" % (self.mount, self.prefix, key), "%s/metadata/%s/%s" % (self.mount, self.prefix, key)
            needs[data] = {"read", "create", "update"} if write else {"read"}
            needs[metadata] = {"read"}
            if write:
                needs[data + ".lock"] = {"read", "create", "update"}
                needs[metadata + ".lock"] = {"read", "delete"}
        return needs

    def _check_capabilities(self, keys, write):
        needs = self._needs(keys, write)
        paths = sorted(needs)
        missing = []
        for start in range(0, len(paths), PATHS_PER_QUERY):
            part = paths[start:start + PATHS_PER_QUERY]
            try:
                answer = self._sys("POST", "sys/capabilities-self", json={"paths": part}, idempotent=True)
            except ApiError as error:
                if error.status == 403:
                    raise AnsibleActionFail("HashiCorp Vault does not let this token ask for its own capabilities "
                                            "(sys/capabilities-self: 403): attach Vault's default policy to it")
                raise self._failure(error)
            granted = (answer.body or {}).get("data") or answer.body or {}
            for path in part:
                have = set(granted.get(path) or ["deny"])
                lacking = set() if "root" in have else needs[path] if "deny" in have else needs[path] - have
                if lacking:
                    missing.append((path, sorted(lacking)))
        if missing:
            path, lacking = missing[0]
            raise AnsibleActionFail(
                "the HashiCorp Vault token lacks %s on %s%s, which this run needs; nothing was changed on any platform. Grant "
                "it with %s: path \"%s/data/%s/*\" with read, create and update, and path \"%s/metadata/%s/*\" with read, "
                "list and delete" % (", ".join(lacking), path, " (and %d more paths)" % (len(missing) - 1) if len(missing) > 1 else "",
                                     POLICY_FIX, self.mount, self.prefix, self.mount, self.prefix))
