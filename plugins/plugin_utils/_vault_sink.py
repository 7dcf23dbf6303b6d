# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the apiops.credentials collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""The secret sink, controller side: JSON records in ansible-vault encrypted files, 0600, replaced atomically.

:class:`VaultSink` reads and writes one record per file. :class:`RecordFile` is
the rotation engine's journal: one file per target holding the records of all
its credentials, written with group commit (see there), with a lock per
credential next to it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
import threading
import time

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible.parsing.vault import VaultLib, VaultSecret

from ansible_collections.apiops.credentials.plugins.plugin_utils._lease import Leases


class VaultSink(Leases):
    """Reads and writes records with the vault secrets of the play, or of ``password_file``."""

    def __init__(self, loader, password_file=None, vault_id="default"):
        self.vault_id = vault_id
        self.secrets = self._secrets(loader, password_file, vault_id)
        self.vault = VaultLib(self.secrets)

    @staticmethod
    def _secrets(loader, password_file, vault_id):
        if password_file:
            try:
                with open(password_file, "rb") as handle:
                    password = handle.read().strip()
            except OSError as exc:
                raise AnsibleActionFail("Cannot read vault_password_file %s: %s" % (password_file, exc.strerror))
            if not password:
                raise AnsibleActionFail("vault_password_file %s is empty" % password_file)
            return [(vault_id, VaultSecret(password))]
        # The vault secrets ansible-playbook was given (--vault-id / --vault-password-file / AWX vault credential).
        secrets = list(getattr(getattr(loader, "_vault", None), "secrets", None) or [])
        if not secrets:
            raise AnsibleActionFail("No vault secret to encrypt the secret sink with: run ansible-playbook with "
                                    "--vault-id or --vault-password-file (in AWX: attach a Vault credential), "
                                    "or set vault_password_file")
        return secrets

    def read(self, path):
        """The record in ``path``; {} when the file does not exist."""
        if not os.path.exists(path):
            return {}
        with open(path, "rb") as handle:
            ciphertext = handle.read()
        try:
            plaintext = self.vault.decrypt(ciphertext)
        except Exception as exc:  # AnsibleError and friends: the message names no secret
            raise AnsibleActionFail("Cannot decrypt %s with the vault secrets given: %s" % (path, to_text(exc)))
        try:
            record = json.loads(to_text(plaintext))
        except ValueError:
            record = None
        if not isinstance(record, dict):
            raise AnsibleActionFail("%s decrypts, but is not a secret record (JSON object)" % path)
        return record

    def write(self, path, record):
        """Replace ``path`` with ``record``."""
        self.write_text(path, to_bytes(json.dumps(record, sort_keys=True, separators=(",", ":"))))

    def write_text(self, path, plaintext, read_back=False, replaced=None):
        """Replace ``path`` with the encrypted JSON text ``plaintext``; with ``read_back``, first prove that the file
        decrypts to exactly that text (else the previous version is kept).

        ``replaced``, when given, gives a context held around the replacement itself (RecordFile learns the file's new
        state there).
        """
        directory = os.path.dirname(os.path.abspath(path))
        os.makedirs(directory, mode=0o700, exist_ok=True)
        secret = next((s for vid, s in self.secrets if vid == self.vault_id), self.secrets[0][1])
        ciphertext = self.vault.encrypt(plaintext, secret=secret, vault_id=self.vault_id)
        handle, temp_path = tempfile.mkstemp(dir=directory, prefix=".%s." % os.path.basename(path))
        try:
            os.fchmod(handle, 0o600)
            os.write(handle, ciphertext)
            os.fsync(handle)
        finally:
            os.close(handle)
        ciphertext = None  # a large journal's text is not kept while its read back makes another copy
        if read_back and not self._reads_back(temp_path, plaintext):
            _remove(temp_path)
            raise AnsibleActionFail("%s: what was written does not read back (disk or file system problem); the "
                                    "previous version is kept" % path)
        with replaced() if replaced is not None else contextlib.nullcontext():
            os.replace(temp_path, path)  # atomic: a crash leaves the old record or the new one, never half of one

    def _reads_back(self, path, plaintext):
        """Does ``path`` decrypt to ``plaintext``, byte for byte? (A comparison, not a parse: the text is known.)"""
        try:
            with open(path, "rb") as handle:
                return self.vault.decrypt(handle.read()) == plaintext
        except Exception:  # pylint: disable=broad-exception-caught  # AnsibleError, OSError: it does not read back
            return False

    # ---- the per-credential lease: a file next to the record (see _lease.py) -------------------------
    # Creation is a hard link of a complete file (atomic, fails when one exists); a replacement or a release holds
    # ``flock`` on the directory's ``.leases.flock`` and acts only when the file still reads what was seen.
    def _take_lock(self, path, line):
        lock_path = path + ".lock"
        directory = os.path.dirname(os.path.abspath(lock_path))
        try:
            try:
                temp_path = self._lease_file(directory, line)
            except FileNotFoundError:  # the folder's first lease (made only then: a run takes thousands of leases)
                os.makedirs(directory, mode=0o700, exist_ok=True)
                temp_path = self._lease_file(directory, line)
        except OSError as error:
            raise AnsibleActionFail("cannot write the sink next to %s (%s): check sink_dir" % (path, error.strerror or type(error).__name__))
        try:
            os.link(temp_path, lock_path)
        except FileExistsError:
            return False
        finally:
            _remove(temp_path)
        return True

    @staticmethod
    def _lease_file(directory, line):
        handle, temp_path = tempfile.mkstemp(dir=directory, prefix=".lease.")
        try:
            os.write(handle, line.encode())
        finally:
            os.close(handle)
        return temp_path

    @staticmethod
    def _lock_fields(path):
        try:
            with open(path + ".lock", encoding="utf-8") as handle:
                return handle.read().split()
        except OSError:
            return []  # released in between: the next attempt takes it

    @contextlib.contextmanager
    def _lease_guard(self, path):
        with open(os.path.join(os.path.dirname(os.path.abspath(path)), ".leases.flock"), "a", encoding="utf-8") as guard:
            fcntl.flock(guard, fcntl.LOCK_EX)
            yield

    def _replace_lock(self, path, fields, line):
        with self._lease_guard(path):
            if self._lock_fields(path) != list(fields):
                return False
            os.replace(self._lease_file(os.path.dirname(os.path.abspath(path)), line), path + ".lock")
            return True

    # A file is never read stale: ``fresh`` changes nothing here.
    def _drop_lock(self, path, fields, fresh=False):  # pylint: disable=unused-argument
        with self._lease_guard(path):
            if self._lock_fields(path) == list(fields):
                _remove(path + ".lock")


def _remove(path):
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


WRITER_IDLE = 5.0  # seconds a journal's writer thread waits for more before it ends


class RecordFile:
    """One vault file holding ``{"credentials": {key: record}}`` for one target: the engine's journal.

    Group commit: a worker's :meth:`put` returns only once its record is on disk
    (and read back), but workers that call it while a write is under way are
    written together by the next one. So N workers journaling each step cost
    far fewer key derivations (an ansible-vault write derives a key every time)
    than one file per credential would, without weakening "journaled before the
    platform is touched".

    Another run may write the same file (other credentials: each credential has
    its own lock): every write holds ``flock`` on ``<path>.flock`` and re-reads
    the file first when it changed since this process last wrote it.
    """

    def __init__(self, sink, path, head=None, linger=0.1, batch=32):
        self.sink = sink
        # A write waits up to ``linger`` seconds for ``batch`` changes: workers of the engine that wait here hold no
        # HTTP slot, so the platform stays busy while one key derivation serves many steps. A batch is as many changes
        # as the engine keeps credentials in progress by default (8 HTTP slots x 4): a larger one never filled, and
        # every step waited the whole linger.
        self.linger = linger
        self.batch = batch
        self.path = path
        self.head = dict(head or {})  # fields of the file besides the records (platform, target)
        self.records = dict(sink.read(path).get("credentials") or {})
        self._texts = {}  # key: the JSON text of its record in self.records, once a write of ours made it
        self.writes = 0
        self._seen = self._stat()
        lock = threading.RLock()
        self._cond = threading.Condition(lock)  # its waiters wait for a write to be over
        # The writer thread waits on its own condition (the same lock): what wakes it (a change, a caller that waits, a
        # worker less) would else wake every worker waiting for a write, each to go back to sleep.
        self._wake = threading.Condition(lock)
        self._dirty = {}
        self._version = {}  # key: version of its newest change
        self._queued = 0  # version of the newest queued change
        self._flushed = 0  # every change up to this version is on disk (or failed)
        self._failed = []  # (first version, last version, message) of writes that failed
        self._flushing = False  # the writer thread lingers or writes
        self._wanted = 0  # the newest version a caller waits for
        self._urgent = 0  # the newest version a flush waits for: its write does not linger (nothing else will come)
        self._writer = None  # the writer thread, while there is one
        # The engine says how many of its workers may still queue a change (None: unknown); once every one of them
        # waits for a write, lingering for more changes only makes them all wait.
        self._workers = None
        self._waits = {}  # version: how many callers wait for it
        self._callbacks = []  # (version, callback) of when_durable, until that version's write is over
        # Held by a write of ours from the file's replacement until it knows the file's new stat and records: a reader
        # that finds the file changed then knows another run changed it, and reads it (decrypts the whole file) only then.
        self._replacing = threading.Lock()

    def get(self, key):
        with self._cond:
            record = self._dirty.get(key, self.records.get(key))
        return dict(record or {})

    def keys(self):
        """The keys of every record in the file (and of changes not written yet)."""
        with self._cond:
            return sorted(set(self.records) | set(self._dirty))

    def current(self, key):
        """The record of ``key`` as the file holds it now, when another run may have written it since we read it.

        Call it with the credential's lock held: then no other run changes this record meanwhile, and what it left
        (a rotation it finished while we waited for the lock) is what this run starts from.
        """
        with self._cond:
            record = self._dirty.get(key)
            if record is not None:
                return dict(record)
            with self._replacing:
                if self._stat() == self._seen:
                    return dict(self.records.get(key) or {})
        # The file changed since this process last read or wrote it (another run, or a write of ours under way): read
        # what it holds now. It is replaced atomically (os.replace), so it can be read without the writers' flock, and
        # without waiting for a write of ours.
        return dict((self.sink.read(self.path).get("credentials") or {}).get(key) or {})

    def put(self, key, record, wait=True):
        """Queue ``record`` under ``key`` and return once it is on disk; raises AnsibleActionFail if it is not.

        ``wait=False`` only queues it: it goes with the next write, or with :meth:`flush` at the end of the run.
        For records whose loss a later run recovers from (it finds the previous record and resumes).
        """
        with self._cond:
            self._dirty[key] = dict(record)
            self._queued += 1
            self._version[key] = self._queued
            if self._flushing and len(self._dirty) >= self.batch:
                self._wake.notify()  # a write that lingers for a full batch need not wait any longer
            if wait:
                self._wait_for(self._queued)

    def flush(self, key=None):
        """Until what is queued (for ``key``, or all) is written; raises AnsibleActionFail if that failed."""
        with self._cond:
            mine = self._version.get(key, 0) if key is not None else self._queued
            if mine:
                # A flush comes when its caller has nothing else to do (the end of a run): lingering for more changes
                # would only make it wait.
                self._urgent = max(self._urgent, mine)
                self._wait_for(mine)

    def workers(self, count):
        """``count`` workers may still queue changes (the engine's credentials in progress): a write lingers no longer
        once every one of them waits for it."""
        with self._cond:
            self._workers = count
            self._wake.notify()

    def _everyone_waits(self):
        """Every worker that could queue a change waits for a write (called with the condition held)."""
        if self._workers is None:
            return False
        return sum(count for version, count in self._waits.items() if version > self._flushed) >= self._workers

    def when_durable(self, key, callback):
        """Call ``callback(problem)`` once every change of ``key`` queued so far is written: ``problem`` is None when it
        is on disk, else why not. At once (in this thread) when nothing of ``key`` waits; else in the thread of the
        write that takes it (so the callback must be quick: hand the work on).

        The engine releases a credential's lease this way: its outcome is on disk before the lease goes, and the worker
        need not wait for that write to start on the next credential. It asks for that write itself (within the
        linger): else the outcome of a run's last credential, or of one whose worker then waits for another run's lease,
        would wait for a write nobody asks for, and two runs would wait for each other's leases.
        """
        with self._cond:
            mine = self._version.get(key, 0)
            if mine > self._flushed:
                self._callbacks.append((mine, callback))
                self._ask_for(mine)
                return
            problem = self._problem(mine)
        callback(problem)

    def _problem(self, version):
        """Why the change of ``version`` is not on disk, or None when it is (called with the condition held)."""
        for first, last, problem in self._failed:
            if first <= version <= last:
                return problem
        return None

    def _ask_for(self, mine):
        """Have the writer thread write every change up to version ``mine``; called with the condition held."""
        self._wanted = max(self._wanted, mine)
        if self._writer is None:
            self._writer = threading.Thread(target=self._write_queued, name="journal writer", daemon=True)
            self._writer.start()
        self._wake.notify()

    def _wait_for(self, mine):
        """Until every change up to version ``mine`` is written; called with the condition held."""
        self._ask_for(mine)
        self._waits[mine] = self._waits.get(mine, 0) + 1
        try:
            while self._flushed < mine:
                self._cond.wait()
        finally:
            self._waits[mine] -= 1
            if not self._waits[mine]:
                del self._waits[mine]
        problem = self._problem(mine)
        if problem:
            raise AnsibleActionFail(problem)

    def _write_queued(self):
        """The writer thread: writes what is queued whenever a caller waits for it, until it is idle for a while.

        One thread makes every write (rather than the first worker that waits): a write of a large journal makes
        several copies of the file's text, and the memory each thread's allocations leave behind stays with that thread.
        """
        with self._cond:
            while True:
                if self._wanted <= self._flushed:
                    # Woken for other news (a worker less), an idle writer goes on waiting out its idle time.
                    idle_until = time.monotonic() + WRITER_IDLE
                    while self._wanted <= self._flushed and time.monotonic() < idle_until:
                        self._wake.wait(idle_until - time.monotonic())
                    if self._wanted <= self._flushed:
                        self._writer = None  # the next wait starts another
                        return
                    continue
                self._flushing = True
                deadline = time.monotonic() + self.linger
                while (len(self._dirty) < self.batch and self._urgent <= self._flushed and not self._everyone_waits()
                       and time.monotonic() < deadline):
                    self._wake.wait(deadline - time.monotonic())
                batch, first, last = self._dirty, self._flushed + 1, self._queued
                self._dirty = {}
                self._cond.release()
                problem = "cannot write the sink %s: the write stopped midway" % self.path
                try:
                    self._write(batch)
                    problem = None
                except AnsibleActionFail as error:
                    problem = str(error)
                except OSError as error:
                    problem = "cannot write the sink %s: %s" % (self.path, error.strerror or type(error).__name__)
                except Exception as error:  # pylint: disable=broad-exception-caught
                    # Never "written" for a write that failed in another way; the type names what broke, never a value.
                    problem = "cannot write the sink %s: %s" % (self.path, type(error).__name__)
                finally:
                    self._cond.acquire()
                    self._flushing = False
                    self._flushed = last
                    if problem:
                        self._failed.append((first, last, problem))
                    self._cond.notify_all()
                    due = [(version, callback) for version, callback in self._callbacks if version <= last]
                    self._callbacks = [(version, callback) for version, callback in self._callbacks if version > last]
                    for version, callback in due:
                        callback(self._problem(version))

    def preflight(self, keys, write=True):
        """Before the platform is touched: the file was read (in __init__); a run that writes needs its directory."""
        if not write:
            return
        directory = os.path.dirname(os.path.abspath(self.path))
        probe = directory
        while not os.path.isdir(probe) and os.path.dirname(probe) != probe:
            probe = os.path.dirname(probe)  # the first folder that exists: the sink's folder is made under it
        if not os.access(probe, os.W_OK | os.X_OK):
            raise AnsibleActionFail("the sink %s cannot be written: %s is not writable by this user. Give a sink_dir this "
                                    "user may write, or another sink" % (self.path, probe))

    def durable(self, key):
        """The record of ``key`` as last read back from the disk."""
        with self._cond:
            return dict(self.records.get(key) or {})

    def _write(self, batch):
        directory = os.path.dirname(os.path.abspath(self.path))
        os.makedirs(directory, mode=0o700, exist_ok=True)
        with open(self.path + ".flock", "a", encoding="utf-8") as guard:
            fcntl.flock(guard, fcntl.LOCK_EX)
            base, texts = self.records, self._texts
            if self._stat() != self._seen:
                base, texts = dict(self.sink.read(self.path).get("credentials") or {}), {}  # another run wrote it meanwhile
            merged = dict(base, **batch)
            # Each record's JSON text is made once and kept: a write encodes only the records it changes, not the file.
            texts = {key: _encoded(record) if key in batch or key not in texts else texts[key] for key, record in merged.items()}
            plaintext = to_bytes(document(self.head, texts, _now()))
            self.sink.write_text(self.path, plaintext, read_back=True, replaced=lambda: self._replacement(base, batch, texts))
        self.writes += 1

    @contextlib.contextmanager
    def _replacement(self, base, batch, texts):
        # The changed records as read back from their text: what the file holds, shared with no caller.
        records = dict(base, **{key: json.loads(texts[key]) for key in batch})
        with self._replacing:
            yield
            self._seen = self._stat()
            self.records, self._texts = records, texts

    def _stat(self):
        try:
            info = os.stat(self.path)
        except OSError:  # absent, or not reachable: the write that follows says why
            return None
        return (info.st_ino, info.st_mtime_ns, info.st_size)

    # -- a lock per credential, next to the file
    def _lock_path(self, key):
        return "%s.locks/%s" % (self.path, key)

    def lock(self, key, timeout=60.0, poll=0.25):
        return self.sink.lock(self._lock_path(key), timeout, poll)

    def lock_owner(self, key):
        return self.sink.lock_owner(self._lock_path(key))

    def break_lease(self, key):
        return self.sink.break_lease(self._lock_path(key))


def _encoded(record):
    return json.dumps(record, sort_keys=True, separators=(",", ":"))


def document(head, texts, updated_at):
    """The file's JSON text from each record's text: what ``json.dumps(dict(head, credentials=records,
    updated_at=updated_at), sort_keys=True, separators=(",", ":"))`` gives, without encoding every record again."""
    top = dict(head, updated_at=updated_at, credentials=None)
    parts = []
    for name in sorted(top):
        if name == "credentials":
            value = "{%s}" % ",".join("%s:%s" % (json.dumps(key), texts[key]) for key in sorted(texts))
        else:
            value = _encoded(top[name])
        parts.append("%s:%s" % (json.dumps(name), value))
    return "{%s}" % ",".join(parts)


def _now():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
