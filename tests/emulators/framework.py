# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The machinery every platform emulator shares.

A platform emulator subclasses :class:`Emulator`, declares its routes with
:func:`route` and keeps its state in plain dicts. This module adds what tests
need around it: a threaded HTTP(S) server on 127.0.0.1, a request log, injected
latency and faults, a 429 storm with ``Retry-After``, a settable clock and a
ledger of every secret the emulator has ever known (for the leak check).

Test controls live under ``/_emulator/`` and need no authentication:

=========================  =====================================================
``GET    /_emulator/state``     the platform state (JSON)
``POST   /_emulator/state``     replace the state with the posted seed
``POST   /_emulator/reset``     back to the seed it started with; clears log, faults, latency
``GET    /_emulator/requests``  the request log; ``DELETE`` clears it
``POST   /_emulator/latency``   ``{"seconds": 0.02}`` added to every request
``POST   /_emulator/faults``    ``{"method": "PUT", "path": "regex", "count": 1,
                                "status": 503, "body": ..., "headers": {...},
                                "drop": false, "after": false, "delay": 0, "skip": 0}``
                                (``after``: apply the request, then fail or drop the answer;
                                ``skip``: let the first N matching requests through)
``DELETE /_emulator/faults``    forget every pending fault
``POST   /_emulator/rate_limit`` ``{"count": 3, "retry_after": 1, "status": 429}``
``GET    /_emulator/clock``     ``{"now": epoch}``; ``POST`` ``{"advance": s}`` or
                                ``{"set": epoch}``
``GET    /_emulator/secrets``   every secret ever known, for the leak check
``POST   /_emulator/config``    platform switches (see each emulator)
``POST   /_emulator/track``     start secret tracking: after every write, each credential's
                                working secrets (as fingerprints) are compared with before,
                                and each change is kept with its time and request; ``GET``
                                returns them, ``DELETE`` stops
``POST   /_emulator/track/verdict``  ``{"known": [secrets]}``: every moment after a write when a
                                credential had no working secret (``gaps``), or none of the
                                known ones (``unrecoverable``)
=========================  =====================================================
"""

from __future__ import annotations

import argparse
import base64
import copy
import hashlib
import json
import re
import socket
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

CONTROL_PREFIX = "/_emulator/"


class Clock:
    """Wall-clock time plus an offset the tests can move."""

    def __init__(self):
        self.offset = 0.0

    def now(self):
        return time.time() + self.offset

    def set(self, epoch):
        self.offset = float(epoch) - time.time()

    def advance(self, seconds):
        self.offset += float(seconds)


class Request:
    """One parsed HTTP request, as handlers see it."""

    def __init__(self, method, target, headers, body):
        parts = urlsplit(target)
        self.method = method
        self.path = unquote(parts.path)
        self.original_path = self.path
        self.query = parse_qs(parts.query, keep_blank_values=True)
        self.headers = {k.lower(): v for k, v in headers.items()}
        self.body = body
        self.params = {}

    def arg(self, name, default=None):
        values = self.query.get(name)
        return values[0] if values else default

    def int_arg(self, name, default):
        value = self.arg(name)
        if value in (None, ""):
            return default
        try:
            return int(value)
        except ValueError as exc:
            raise HttpError(400, {"error": "invalid_request", "message": "%s must be an integer" % name}) from exc

    def json(self):
        if not self.body:
            return None
        try:
            return json.loads(self.body.decode("utf-8"))
        except ValueError as exc:
            raise HttpError(400, {"error": "invalid_request", "message": "request body is not JSON"}) from exc

    def form(self):
        parsed = parse_qs(self.body.decode("utf-8"), keep_blank_values=True) if self.body else {}
        return {k: v[0] for k, v in parsed.items()}

    def basic_auth(self, url_decode=True):
        """(user, password) from an ``Authorization: Basic`` header, or None."""
        header = self.headers.get("authorization", "")
        if not header.lower().startswith("basic "):
            return None
        try:
            raw = base64.b64decode(header[6:].strip()).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return None
        user, sep, password = raw.partition(":")
        if not sep:
            return None
        if url_decode:
            user, password = unquote(user.replace("+", " ")), unquote(password.replace("+", " "))
        return user, password

    def bearer(self):
        header = self.headers.get("authorization", "")
        if header.lower().startswith("bearer "):
            return header[7:].strip()
        return None


class Response:
    def __init__(self, status=200, body=None, headers=None):
        self.status = status
        self.body = body
        self.headers = dict(headers or {})

    def encode(self):
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode("utf-8")
        self.headers.setdefault("Content-Type", "application/json;charset=UTF-8")
        return json.dumps(self.body).encode("utf-8")


class HttpError(Exception):
    """Raised by handlers to answer with an error status and body."""

    def __init__(self, status, body=None, headers=None):
        super().__init__(status)
        self.response = Response(status, body, headers)


class Fault:
    def __init__(self, spec):
        self.method = (spec.get("method") or "*").upper()
        self.path = re.compile(spec.get("path") or ".*")
        self.remaining = int(spec.get("count", 1))
        self.status = spec.get("status")
        self.body = spec.get("body")
        self.headers = spec.get("headers") or {}
        self.drop = bool(spec.get("drop", False))
        self.after = bool(spec.get("after", False))
        self.delay = float(spec.get("delay", 0))
        self.skip = int(spec.get("skip", 0))

    def matches(self, request):
        """Does the fault apply to this request? The first ``skip`` matching requests pass untouched."""
        if self.remaining <= 0 or self.method not in ("*", request.method) or not self.path.search(request.path):
            return False
        if self.skip > 0:
            self.skip -= 1
            return False
        return True


def route(method, pattern):
    """Mark an emulator method as the handler of ``method pattern``.

    ``{name}`` in the pattern matches one path segment, ``{name:path}`` one or
    more; either is passed to the handler in ``request.params``.
    """
    regex = re.sub(r"\{(\w+):path\}", r"(?P<\1>.+)", pattern)
    regex = "^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", regex) + "$"

    def mark(func):
        func.route = (method.upper(), re.compile(regex))
        return func

    return mark


class Emulator:
    """Base class: routing, controls, and the test hooks."""

    name = "emulator"
    scheme = "http"

    def __init__(self, seed=None):
        self.lock = threading.RLock()
        self.clock = Clock()
        self.latency = 0.0
        self.faults = []
        self.rate_limited = None
        self.request_log = []
        self.known_secrets = set()
        self.tracking = None  # {"last": {credential: fingerprints}, "timeline": [...]} while secrets are tracked
        self.config = self.default_config()
        self.initial_seed = seed or {}
        self.routes = []
        for attr in dir(self):
            handler = getattr(self, attr)
            if callable(handler) and hasattr(handler, "route"):
                self.routes.append((handler.route[0], handler.route[1], handler))
        # Literal segments win over parameters: /credentials/reset before /credentials/{id}.
        self.routes.sort(key=lambda item: (item[1].groups, -len(item[1].pattern)))
        self.load(seed or {})

    # ---- what subclasses provide -------------------------------------------------
    def default_config(self):
        return {}

    def load(self, seed):
        raise NotImplementedError

    def dump(self):
        raise NotImplementedError

    def not_found(self, request):
        return Response(404, {"error": "not_found", "message": "no route for %s %s" % (request.method, request.path)})

    def rate_limited_response(self, retry_after, status):
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        body = {"error": "rate_limited", "message": "Too Many Requests"} if status == 429 else None
        return Response(status, body, headers)

    def decorate(self, request, response):
        """Hook for headers every response carries (rate-limit headers, ...)."""

    def secret_fingerprints(self):
        """{credential: fingerprints of the secrets that authenticate it now}, for secret tracking."""
        return {}

    def fingerprint(self, secret):
        """How :meth:`secret_fingerprints` names a secret: a short digest, never the secret."""
        return hashlib.sha256(secret.encode("utf-8")).hexdigest()[:16]

    # ---- helpers for subclasses --------------------------------------------------
    def remember_secret(self, *values):
        for value in values:
            if value:
                self.known_secrets.add(value)

    # ---- dispatch ----------------------------------------------------------------
    def handle(self, request):
        """Answer one request. Returns (response, drop_connection)."""
        started = self.clock.now()
        if request.path.startswith(CONTROL_PREFIX):
            with self.lock:
                response = self._control(request)
            return response, False
        if self.latency:
            time.sleep(self.latency)
        with self.lock:
            fault = next((f for f in self.faults if f.matches(request)), None)
            if fault:
                fault.remaining -= 1
            limited = self.rate_limited
            if limited and limited["count"] > 0:
                limited["count"] -= 1
            else:
                limited = None
        if fault and fault.delay:
            time.sleep(fault.delay)
        drop = False
        if limited:
            response = self.rate_limited_response(limited.get("retry_after"), limited.get("status", 429))
        elif fault and not fault.after and (fault.drop or fault.status):
            response = Response(fault.status or 500, fault.body, fault.headers)
            drop = fault.drop
        else:
            with self.lock:
                response = self._dispatch(request)
                if self.tracking is not None and request.method != "GET":
                    self._track("%s %s" % (request.method, request.path))
            if fault and fault.after:
                drop = fault.drop
                if fault.status:
                    response = Response(fault.status, fault.body, fault.headers)
        with self.lock:
            self.decorate(request, response)
            self.request_log.append({
                "method": request.method,
                "path": request.original_path,
                "query": dict(request.query),
                "status": None if drop else response.status,
                "at": started,
            })
        return response, drop

    def _dispatch(self, request):
        for method, regex, handler in self.routes:
            if method != request.method:
                continue
            match = regex.match(request.path)
            if match:
                request.params = match.groupdict()
                try:
                    return handler(request)
                except HttpError as exc:
                    return exc.response
        return self.not_found(request)

    # ---- secret tracking: every moment a credential had no working secret, or none the operator knows -------------
    def _track(self, cause):
        now = {credential: sorted(prints) for credential, prints in self.secret_fingerprints().items()}
        last = self.tracking["last"]
        for credential in sorted(set(now) | set(last)):
            if now.get(credential, []) != last.get(credential, []):
                self.tracking["timeline"].append({"at": self.clock.now(), "after": cause, "credential": credential,
                                                  "fingerprints": now.get(credential, [])})
        self.tracking["last"] = now

    def _tracking_verdict(self, known):
        """Moments after a write when a credential that had a secret had none (gaps), or only secrets outside ``known``."""
        known_prints = {self.fingerprint(secret) for secret in known} | set(known)
        gaps, unknown = [], []
        for entry in self.tracking["timeline"]:
            if entry["after"] == "start":
                continue
            if not entry["fingerprints"]:
                gaps.append({key: entry[key] for key in ("at", "after", "credential")})
            elif not known_prints & set(entry["fingerprints"]):
                unknown.append({key: entry[key] for key in ("at", "after", "credential")})
        changes = sum(1 for entry in self.tracking["timeline"] if entry["after"] != "start")
        return {"gaps": gaps, "unrecoverable": unknown, "changes": changes}

    def _control(self, request):
        what = request.path[len(CONTROL_PREFIX):].strip("/")
        body = request.json() or {}
        if what == "state":
            if request.method == "POST":
                self.load(body)
            return Response(200, self.dump())
        if what == "reset" and request.method == "POST":
            self.load(self.initial_seed)
            self.config = self.default_config()
            self.request_log, self.faults, self.latency, self.rate_limited, self.tracking = [], [], 0.0, None, None
            self.clock.offset = 0.0
            return Response(200, {"reset": True})
        if what == "requests":
            if request.method == "DELETE":
                self.request_log = []
            return Response(200, list(self.request_log))
        if what == "latency" and request.method == "POST":
            self.latency = float(body.get("seconds", 0))
            return Response(200, {"seconds": self.latency})
        if what == "faults":
            if request.method == "DELETE":
                self.faults = []
            elif request.method == "POST":
                self.faults.append(Fault(body))
            return Response(200, {"pending": sum(f.remaining for f in self.faults)})
        if what == "rate_limit" and request.method == "POST":
            self.rate_limited = {"count": int(body.get("count", 1)), "retry_after": body.get("retry_after", 1),
                                 "status": int(body.get("status", 429))}
            return Response(200, self.rate_limited)
        if what == "clock":
            if request.method == "POST":
                if "set" in body:
                    self.clock.set(body["set"])
                if "advance" in body:
                    self.clock.advance(body["advance"])
            return Response(200, {"now": self.clock.now()})
        if what == "secrets":
            return Response(200, sorted(self.known_secrets))
        if what == "track":
            if request.method == "POST":  # start (again): the credentials as they are now are the starting point
                self.tracking = {"last": {}, "timeline": []}
                self._track("start")
            elif request.method == "DELETE":
                self.tracking = None
            return Response(200, None if self.tracking is None else self.tracking["timeline"])
        if what == "track/verdict" and request.method == "POST":
            if self.tracking is None:
                return Response(409, {"message": "tracking is off: POST /_emulator/track first"})
            return Response(200, self._tracking_verdict(body.get("known") or []))
        if what == "config":
            if request.method == "POST":
                unknown = sorted(set(body) - set(self.config))
                if unknown:
                    return Response(400, {"message": "unknown config keys: %s" % ", ".join(unknown)})
                self.config.update(body)
            return Response(200, self.config)
        return Response(404, {"message": "unknown control %s" % what})


def _make_handler(emulator):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "apiops-emulator"
        # Headers and body go out in separate writes; without TCP_NODELAY, Nagle plus the client's delayed ACK adds
        # about 40 ms to some answers, a delay no real platform has.
        disable_nagle_algorithm = True

        def _serve(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            request = Request(self.command, self.path, self.headers, body)
            response, drop = emulator.handle(request)
            if drop:
                self.close_connection = True
                try:
                    self.connection.shutdown(2)
                except OSError:
                    pass
                return
            payload = response.encode()
            self.send_response(response.status)
            for key, value in response.headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_LIST = _serve  # LIST: HashiCorp Vault's verb

        def log_message(self, format, *args):  # pylint: disable=redefined-builtin
            # The request log is kept in memory; stderr stays quiet.
            return

    return Handler


class _Listener(ThreadingHTTPServer):
    # A platform's server keeps a deep queue of connections waiting to be accepted (Go's net/http, Vault's among them,
    # asks the system's maximum). socketserver's 5 overflows when the worker threads of several jobs connect at once:
    # the kernel then drops the connection's last handshake packet, and the client's request waits unanswered until its
    # read timeout (30 s), a wait that comes from the emulator, not from any platform.
    request_queue_size = socket.SOMAXCONN
    daemon_threads = True


class Server:
    """Runs an emulator on 127.0.0.1 in a background thread."""

    def __init__(self, emulator, port=0, host="127.0.0.1", certfile=None, keyfile=None):
        self.emulator = emulator
        self.httpd = _Listener((host, port), _make_handler(emulator))
        scheme = "http"
        if certfile:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(certfile, keyfile)
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
            scheme = "https"
        emulator.scheme = scheme  # for emulators that return absolute URLs
        self.url = "%s://%s:%d" % (scheme, host, self.httpd.server_address[1])
        self.thread = None

    def start(self):
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def load_seed(path):
    if not path:
        return {}
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def main(emulator_class, argv=None, extra_args=None):
    """Command line shared by every emulator: serve until interrupted."""
    parser = argparse.ArgumentParser(description="Run the %s emulator." % emulator_class.name)
    parser.add_argument("--port", type=int, default=0, help="port to listen on (0: any free port)")
    parser.add_argument("--seed", help="JSON file with the initial state")
    parser.add_argument("--url-file", help="write the base URL to this file once listening")
    parser.add_argument("--tls-cert", help="serve HTTPS with this certificate (PEM)")
    parser.add_argument("--tls-key", help="private key for --tls-cert")
    parser.add_argument("--config", default="{}", help="JSON object of platform switches")
    for args, kwargs in extra_args or []:
        parser.add_argument(*args, **kwargs)
    options = parser.parse_args(argv)
    emulator = emulator_class(load_seed(options.seed) if options.seed else copy.deepcopy(getattr(emulator_class, "SEED", None) or {}))
    emulator.config.update(json.loads(options.config))
    server = Server(emulator, options.port, certfile=options.tls_cert, keyfile=options.tls_key)
    print(server.url, flush=True)
    if options.url_file:
        with open(options.url_file, "w", encoding="utf-8") as handle:
            handle.write(server.url + "\n")
    try:
        server.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()
    return 0


if __name__ == "__main__":
    sys.exit("run a platform emulator, e.g. python -m tests.emulators.uaa")
