# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Platforms that never answer, on 127.0.0.1: a host whose backend hangs, and one that takes no connection at all."""

from __future__ import annotations

import socket
import threading
import time


class SilentServer:
    """Accepts every connection and never sends a byte (a load balancer whose backend hangs).

    Its thread holds the connections until :meth:`stop`, or ``lifetime`` seconds at most, so a test that forgets it
    leaves nothing running. ``accepted`` counts the connections, that is, the requests that were tried.
    """

    def __init__(self, lifetime=60.0):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.1)  # the loop looks at the clock and the stop flag this often
        self.url = "http://127.0.0.1:%d" % self.sock.getsockname()[1]
        self.accepted = 0
        self._stop = threading.Event()
        self._deadline = time.monotonic() + lifetime
        self._thread = threading.Thread(target=self._serve, name="silent-server", daemon=True)
        self._thread.start()

    def _serve(self):
        held = []
        try:
            while not self._stop.is_set() and time.monotonic() < self._deadline:
                try:
                    connection, _peer = self.sock.accept()
                except socket.timeout:
                    continue
                held.append(connection)  # kept open, never read from or written to
                self.accepted += 1
        finally:
            for connection in held:
                connection.close()
            self.sock.close()

    def stop(self):
        self._stop.set()
        self._thread.join(5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class FullBacklog:
    """A listening port whose accept queue is full, so that a new connection is never set up (a filtered port).

    Linux drops the SYN of a connection to a listener whose queue is full, and the client's connect() waits: what a
    firewall that drops packets looks like, without leaving 127.0.0.1.
    """

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(0)
        port = self.sock.getsockname()[1]
        self.url = "http://127.0.0.1:%d" % port
        self._fill = socket.create_connection(("127.0.0.1", port), timeout=1)  # the one place in the queue

    def stop(self):
        self._fill.close()
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
