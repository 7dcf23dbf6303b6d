# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the apiops.credentials collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""What the engine asks of its journal, for a secret store reached over the network (one entry per record).

``RecordFile`` (``_vault_sink.py``) is the same interface on a local file. A store
here writes each record on its own, so there is no group commit to wait for: a
``put`` returns once the record is written and read back. A subclass gives:

``_read(key)``                   the record as the store holds it now ({} when there is none)
``_write(key, record)``          write it, read it back, raise AnsibleActionFail when either fails
``_take_lock(key, line)``        create the lease of ``key`` holding ``line`` only if there is none; True if it did
``_lock_fields(key)``            what the lease holds, split (see ``_lease.py``), or [] when there is none
``_replace_lock(key, fields, line)``  replace the lease only if it still holds ``fields``; True if it did
``_drop_lock(key, fields, fresh)``  delete the lease only if it still holds ``fields`` (``fresh``: renewed so lately that
                                 no other run can have taken it over)
``_keys()``                      the keys of every record (and lock) under the store's prefix
``preflight(keys, write)``       (optional) prove, before any platform is touched, that the store is reachable and
                                 that this run may read (and with ``write``, write and lock) those keys
"""

from __future__ import annotations

import threading

from ansible_collections.apiops.credentials.plugins.plugin_utils._lease import Leases


class RemoteRecords(Leases):
    path = None  # where the records are, in words (reports and messages)
    journals = True  # a run may have this store as its journal: the engine takes up what such a run did

    def __init__(self):
        self.records = {}  # key: the record as last read back
        self.writes = 0
        self._dirty = {}  # key: a record queued by put(wait=False) until flush()
        self._guard = threading.Lock()

    def get(self, key):
        with self._guard:
            if key in self._dirty:
                return dict(self._dirty[key])
            if key in self.records:
                return dict(self.records[key])
        return self.current(key)

    def current(self, key):
        """The record as the store holds it now (the caller holds the credential's lock: another run may have left it)."""
        with self._guard:
            if key in self._dirty:
                return dict(self._dirty[key])
        record = self._read(key)
        with self._guard:
            self.records[key] = record
        return dict(record)

    def holds(self, key, there, record):  # pylint: disable=unused-argument
        """Does ``there`` (this store's record of ``key``, as read) hold ``record``'s secret? (a further sink's question)"""
        return there.get("secret") == record["secret"]

    def put(self, key, record, wait=True):
        with self._guard:
            if not wait:
                self._dirty[key] = dict(record)
                return
            self._dirty.pop(key, None)
        self._write(key, dict(record))

    def flush(self, key=None):
        with self._guard:
            keys = [key] if key is not None else list(self._dirty)
            pending = [(name, self._dirty.pop(name)) for name in keys if name in self._dirty]
        for name, record in pending:
            self._write(name, record)

    def keys(self):
        """The keys of every record the store holds (locks left out): what a run that lists its records reads."""
        with self._guard:
            queued = set(self._dirty)
        found = set(self._keys()) | queued  # one listing: for some stores it is many requests
        return sorted(key for key in found if not key.endswith(".lock"))

    def durable(self, key):
        with self._guard:
            return dict(self.records.get(key) or {})

    def _written(self, key, record):
        """Note a write that was read back."""
        with self._guard:
            self.records[key] = record
            self.writes += 1

    def preflight(self, keys, write=True):
        """Before the platform is touched: raise AnsibleActionFail naming what this run could not do in the store.

        A store that can say more than "the first read works" overrides it (Vault's capabilities, AWS's permissions).
        """
        for key in list(keys)[:1]:
            self.current(key)

    def _read(self, key):
        raise NotImplementedError

    def _write(self, key, record):
        raise NotImplementedError

    def _take_lock(self, key, line):
        raise NotImplementedError

    def _replace_lock(self, key, fields, line):
        raise NotImplementedError

    def _lock_fields(self, key):
        raise NotImplementedError

    def _drop_lock(self, key, fields, fresh=False):
        raise NotImplementedError

    def _keys(self):
        raise NotImplementedError
