# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the apiops.credentials collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""Leases: the lock of one credential in a sink, which a run that died cannot hold for ever.

A lease is one line that anyone may read (no secret in it)::

    <pid> <host> <acquired> <expires> <AWX job id, or ->

An AWX job runs in a pod that is thrown away, on any node, with a hostname of its own: nobody can ask whether its
process still lives. So a lease expires (``APIOPS_LEASE_SECONDS``, 300 by default) unless its holder renews it, which a
run does every third of that while it holds it. A lease past its expiry is taken over, with a note in the journal and
the report. A live lease is never taken: one on this host whose process runs is waited for even past its expiry, and
one of another host is waited for until it expires. A lease of this host whose process is gone (``kill -9``) is taken
over at once. A lock line of an earlier release (``<pid> <host> <acquired>``) expires one lease after it was taken.

Every change of a lease is a compare-and-swap in the store (``_replace_lock``): two runs that find one expired lease
cannot both take it, and a holder whose lease was taken over while it was stopped learns so at its next renewal
(:attr:`Lease.lost`); the engine then writes nothing more for that credential.

A store gives:

``_take_lock(key, line)``              create the lease only if there is none; True if this call created it
``_lock_fields(key)``                  the lease as it is now, split; [] when there is none
``_replace_lock(key, fields, line)``   replace the lease only if it still reads ``fields``; True if replaced
``_drop_lock(key, fields, fresh)``     delete the lease only if it still reads ``fields``; ``fresh``: this run renewed it so
                                       lately that no other run can have taken it over (a store whose reads may lag
                                       need not read it first)
"""

from __future__ import annotations

import calendar
import contextlib
import functools
import os
import socket
import threading
import time

LEASE_SECONDS = 300.0  # without renewal a lease outlives its holder by this much at most
LEASE_ENV = "APIOPS_LEASE_SECONDS"


def lease_seconds():
    """The lease duration: APIOPS_LEASE_SECONDS, or 300 s (a value that is not a number of 1 s or more is ignored)."""
    try:
        seconds = float(os.environ.get(LEASE_ENV, LEASE_SECONDS))
    except ValueError:
        return LEASE_SECONDS
    return seconds if seconds >= 1 else LEASE_SECONDS


def _iso(epoch):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))


@functools.lru_cache(maxsize=256)
def _epoch(text):
    # Cached: the leases of one run are taken and renewed within a few seconds of each other, so they share their
    # times, and time.strptime is slow enough to show when thousands of leases are released.
    try:
        return calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ"))
    except (TypeError, ValueError):
        return None


def job_id():
    """The AWX / Automation Controller job this process runs in (AWX sets JOB_ID in every job's environment), or None."""
    return os.environ.get("JOB_ID") or None


def lease_line(acquired=None, seconds=None, job=None, now=None):
    """A lease held by this process from ``acquired`` (now by default) until ``seconds`` from ``now``."""
    now = time.time() if now is None else now
    acquired = _iso(now) if acquired is None else acquired
    return "%d %s %s %s %s" % (os.getpid(), socket.gethostname(), acquired, _iso(now + (seconds or lease_seconds())),
                               job or job_id() or "-")


def parse_lease(fields):
    """A lease line, split, as a dict: pid, host, acquired, expires (epoch seconds) and job (None when not in AWX)."""
    fields = list(fields) + [None] * 5
    acquired = _epoch(fields[2])
    expires = _epoch(fields[3])
    if expires is None and acquired is not None:  # an earlier release's lock line: pid host acquired
        expires = acquired + lease_seconds()
    return {"pid": fields[0], "host": fields[1], "acquired": fields[2], "expires": expires,
            "job": fields[4] if fields[4] not in (None, "-") else None}


def _process_lives(pid):
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, ValueError, TypeError):
        return True  # another user's process, or a line that names none: not provably gone
    return True


def lease_free(fields, now=None):
    """Why the lease ``fields`` may be taken over (its process is gone, or it expired), or None while it is live."""
    if not fields:
        return None
    lease = parse_lease(fields)
    if lease["host"] == socket.gethostname():
        # This host can tell: a live process keeps its lease even past the expiry (it may be stopped, not dead).
        return None if _process_lives(lease["pid"]) else "its process %s on this host is gone" % lease["pid"]
    now = time.time() if now is None else now
    if lease["expires"] is not None and lease["expires"] < now:
        return "it expired at %s" % _iso(lease["expires"])
    return None


def describe(fields):
    """Who holds the lease ``fields``, in words (no secret: pid, host, AWX job, acquired, expires)."""
    if not fields:
        return "a run that has just ended"
    lease = parse_lease(fields)
    job = ", AWX job %s" % lease["job"] if lease["job"] else ""
    expires = ", expires %s" % _iso(lease["expires"]) if lease["expires"] is not None else ""
    return "process %s on %s%s since %s%s" % (lease["pid"], lease["host"], job, lease["acquired"], expires)


class Lease:
    """A lease this run holds: truthy. ``took_over`` says whose expired lease it replaced; ``lost`` that another run
    took it over while this one was stopped (its renewal found someone else's line)."""

    def __init__(self, key, line, took_over=None):
        self.key = key
        self.line = line
        self.took_over = took_over
        self.lost = False
        self.released = False
        self.guard = threading.Lock()  # a renewal and the release never cross


class Leases:
    """The lease protocol over a store's four lock primitives (see the module's docstring)."""

    def _lease_state(self):
        # Made on first use, so that stores keep their own __init__.
        if not hasattr(self, "_lease_mutex"):
            self._lease_mutex = threading.Lock()
            self._leases = {}  # key: Lease this process holds in this store
            self._renewer = None
        return self._lease_mutex

    @contextlib.contextmanager
    def lock(self, key, timeout=60.0, poll=0.25):
        """Hold the lease of ``key`` while the block runs; yields the Lease, or None when a live one outlasted ``timeout``."""
        lease = self._acquire(key, timeout, poll)
        try:
            yield lease
        finally:
            if lease is not None:
                self._release(lease)

    def lock_owner(self, key):
        """Who holds the lease of ``key``, in words."""
        return describe(self._lock_fields(key))

    def _acquire(self, key, timeout, poll):
        deadline = time.monotonic() + timeout
        while True:
            line = lease_line()
            if self._take_lock(key, line):
                return self._hold(Lease(key, line))
            fields = self._lock_fields(key)
            why = lease_free(fields)
            if why and self._replace_lock(key, fields, line):
                return self._hold(Lease(key, line, took_over="took over the lease of %s: %s" % (describe(fields), why)))
            if time.monotonic() >= deadline:
                return None
            time.sleep(poll)

    def break_lease(self, key, attempts=5):
        """Release whatever lease ``key`` has, live or not (the break-lock playbook); the holder it had, or None."""
        for _attempt in range(attempts):
            fields = self._lock_fields(key)
            if not fields:
                return None
            mine = lease_line()
            if self._replace_lock(key, fields, mine):  # first made ours, so that a renewal meanwhile is not lost
                self._drop_lock(key, mine.split(), True)
                return describe(fields)
        raise RuntimeError("the lease of %s changed under each of %d attempts to break it" % (key, attempts))

    def _hold(self, lease):
        with self._lease_state():
            self._leases[lease.key] = lease
            if self._renewer is None or not self._renewer.is_alive():
                self._renewer = threading.Thread(target=self._renew_all, daemon=True)
                self._renewer.start()
        return lease

    def _release(self, lease):
        with self._lease_state():
            self._leases.pop(lease.key, None)
        with lease.guard:
            lease.released = True
            if not lease.lost:
                fields = lease.line.split()
                fresh = parse_lease(fields)["expires"] - time.time() > lease_seconds() / 3.0
                self._drop_lock(lease.key, fields, fresh)

    def _renew_all(self):
        """Renew every lease this store holds every third of a lease, until it holds none."""
        while True:
            time.sleep(lease_seconds() / 3.0)
            with self._lease_state():
                held = list(self._leases.values())
                if not held:
                    self._renewer = None
                    return
            for lease in held:
                self._renew(lease)

    def _renew(self, lease):
        with lease.guard:
            if lease.released:
                return
            fields = lease.line.split()
            line = lease_line(acquired=fields[2])
            try:
                if self._replace_lock(lease.key, fields, line):
                    lease.line = line
                elif self._lock_fields(lease.key) != fields:
                    lease.lost = True
            except Exception:  # pylint: disable=broad-exception-caught
                pass  # the store did not answer: the lease runs on until it expires, and the next renewal tries again
