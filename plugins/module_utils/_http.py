# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the apiops.credentials collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""The one HTTP client every module of the collection uses.

What it guarantees:

* a connect and a read timeout on every request, TLS verification on unless told otherwise
  (``validate_certs``, ``ca_path``), proxies from the environment
  (``https_proxy``/``no_proxy``, read once per host) and ``REQUESTS_CA_BUNDLE``;
* retries with jittered exponential backoff for 429 and for 502/503/504 and
  lost connections, honouring ``Retry-After`` (seconds or HTTP date) and a
  platform hook for other rate-limit headers;
* no blind retry of a request that may have changed state: a non-idempotent
  request whose outcome is unknown is retried only after ``confirm`` re-read the
  platform and says the write did not happen;
* errors as :class:`ApiError`, whose message names what failed, the URL path,
  the platform's own error code and text, and what to do; never a response body.
"""

from __future__ import annotations

import email.utils
import os
import random
import re
import threading
import time
import traceback
from urllib.parse import urlsplit

try:
    import requests
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None

USER_AGENT = "apiops.credentials"
IDEMPOTENT_METHODS = ("GET", "HEAD", "OPTIONS", "PUT", "DELETE")
RETRY_STATUSES = (429, 502, 503, 504)
MAX_DESCRIPTION = 300
# A login that got no answer is sent once more at most: every credential of the run waits on it, and a platform that
# did not answer twice is down or unreachable (429 and 5xx answers are still retried ``retries`` times).
LOGIN_UNANSWERED_RETRIES = 1


class ApiError(Exception):
    """A failed call to a platform, ready to become one ``fail_json`` message."""

    def __init__(self, platform, method, path, status=None, code=None, description=None, hint=None, maybe_applied=False,
                 transient=False):
        self.platform = platform
        self.method = method
        self.path = path
        self.status = status
        self.code = code
        self.description = description
        self.hint = hint
        self.maybe_applied = maybe_applied
        self.transient = transient  # the request may succeed if sent again (timeout, lost connection)
        super().__init__(self.message)

    @property
    def message(self):
        what = "%s %s %s failed" % (self.platform, self.method, self.path)
        if self.status is not None:
            what += ": HTTP %s" % self.status
        detail = ": ".join(part for part in (self.code, self.description) if part)
        if detail:
            what += " (%s)" % detail if self.status is not None else ": %s" % detail
        return "%s. %s" % (what, self.hint) if self.hint else what + "."

    def __str__(self):
        return self.message  # the hint may be set after construction

    def with_hint(self, hint):
        self.hint = hint
        return self

    def again(self):
        """The same failure as a new exception, for another thread to raise (one object raised by several threads would
        share its traceback and any hint a caller adds)."""
        return ApiError(self.platform, self.method, self.path, status=self.status, code=self.code, description=self.description,
                        hint=self.hint, maybe_applied=self.maybe_applied, transient=self.transient)


class FailOnce:
    """A login (or a list) shared by every worker thread of a run, fetched once per key; a failure is kept as well.

    Without it, a platform that cannot be reached costs each credential a login timeout in turn (the workers wait on
    one lock); with it, the first failure's message is every credential's, at once. Only the message is kept.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._fetching = {}  # key: the lock of its one fetch (fetches of different keys run at once)
        self._done = {}  # endpoint key: (value, None) or (None, ApiError)

    def get(self, key, fetch):
        with self._lock:
            mine = self._fetching.setdefault(key, threading.Lock())
        with mine:
            if key not in self._done:
                try:
                    self._done[key] = (fetch(), None)
                except ApiError as error:
                    self._done[key] = (None, error)
            value, error = self._done[key]
        if error is not None:
            raise error.again()
        return value


class PerThread:
    """Clients of one run, one per worker thread and key (requests sessions are not thread-safe), each made on first
    use; ``request_count`` sums the requests of every client made, for the run's figures.

    ``make(key)`` builds a client; ``ready(client, key)`` readies it (a shared login): when that fails, the client is
    counted but not kept. ``count(client)`` is its requests (a client of two HTTP sessions counts both).
    """

    def __init__(self, make, count=lambda client: client.request_count, ready=None):
        self._make = make
        self._count = count
        self._ready = ready
        self._local = threading.local()
        self._made = []
        self._lock = threading.Lock()

    def get(self, key=None):
        mine = self._local.__dict__.setdefault("clients", {})
        if key not in mine:
            client = self.track(self._make(key))
            if self._ready is not None:
                self._ready(client, key)
            mine[key] = client
        return mine[key]

    def track(self, client):
        """Count a client made outside the pool (one not to be shared with the thread's later calls)."""
        with self._lock:
            self._made.append(client)
        return client

    @property
    def request_count(self):
        with self._lock:
            return sum(self._count(client) for client in self._made)


class ApiResponse:
    """Status, headers and parsed body of a response; ``confirmed`` when a lost write was confirmed by a re-read."""

    def __init__(self, status, headers=None, body=None, confirmed=False):
        self.status = status
        self.headers = headers or {}
        self.body = body
        self.confirmed = confirmed


def describe_error_body(body):
    """(code, description) from a platform error body, never the body itself.

    Knows the shapes of the platforms we speak to: UAA/OAuth
    ``{"error", "error_description"}``, Anypoint ``{"status", "message"}``,
    API Connect ``{"status", "message": [..]}`` and ``{"errors": [..]}``.
    """
    if not isinstance(body, dict):
        return None, None
    code = body.get("error") or body.get("code") or body.get("name")
    description = body.get("error_description") or body.get("message") or body.get("errors") or body.get("detail")
    if isinstance(code, dict):
        code = code.get("code") or code.get("name")
    if isinstance(description, list):
        description = "; ".join(str(item.get("message", item)) if isinstance(item, dict) else str(item) for item in description)
    if description is not None:
        description = str(description)
        if len(description) > MAX_DESCRIPTION:
            description = description[:MAX_DESCRIPTION] + "..."
    return (str(code) if code else None), description


def parse_retry_after(value, now=None):
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date), or None."""
    if value is None:
        return None
    value = str(value).strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def backoff_delays(base=0.5, factor=2.0, cap=30.0, rng=None):
    """Full-jitter exponential backoff: base, base*factor, ... each capped, each drawn from [cap/2, cap]."""
    rng = rng or random.Random()
    delay = base
    while True:
        ceiling = min(delay, cap)
        yield rng.uniform(ceiling / 2.0, ceiling)
        delay *= factor


def _is_connect_failure(exc):
    """True when the request never reached the server (safe to report as not applied)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    text = repr(exc)
    return "NewConnectionError" in text or "Connection refused" in text or "Name or service not known" in text


def ca_bundle(ca_path):
    """What requests verifies with: ``ca_path``, or True (the default trust store) when it names no certificate.

    AWX writes a file for every file injector, also for an empty CA field of a credential, so an empty file means
    "no CA given", not "trust nothing".
    """
    if not ca_path:
        return True
    try:
        with open(ca_path, "rb") as handle:
            if not handle.read(4096).strip():
                return True
    except OSError:
        pass  # a path that cannot be read is left to requests, whose error names it
    return ca_path


class RateGate:
    """What the clients of one run share: a pause after a 429, and a bound on requests in flight.

    Without the pause, N workers that each honour ``Retry-After`` alone keep
    hitting a platform that already said "wait", and every one of them gets its
    own 429. The bound (``concurrency``) lets a run keep many credentials in
    progress (waiting for the journal, say) while the platform never sees more
    than ``concurrency`` requests at once.
    """

    def __init__(self, concurrency=None, clock=time.monotonic, sleep=time.sleep):
        self.clock = clock
        self.sleep = sleep
        self.until = 0.0
        self.slots = threading.BoundedSemaphore(concurrency) if concurrency else None

    def hold(self, seconds):
        self.until = max(self.until, self.clock() + seconds)

    def wait(self):
        pause = self.until - self.clock()
        if pause > 0:
            self.sleep(pause)


class HttpClient:
    """requests.Session with the collection's timeouts, TLS, retry and error rules."""

    def __init__(self, base_url, platform, validate_certs=True, ca_path=None, timeout=30.0, retries=5,
                 warn=None, wait_hint=None, retry_statuses=RETRY_STATUSES, sleep=time.sleep, max_wait=300.0,
                 backoff_base=0.5, gate=None, connect_timeout=None):
        self.base_url = base_url.rstrip("/")
        self.platform = platform
        self.timeout = timeout  # the read timeout: the longest wait for an answer (or the next bytes of one)
        # A host that is down or filtered is known within seconds; a platform may take its time to answer.
        self.connect_timeout = timeout if connect_timeout is None else connect_timeout
        self.retries = max(0, int(retries))
        self.warn = warn or (lambda message: None)
        self.wait_hint = wait_hint
        self.retry_statuses = tuple(retry_statuses)
        self.sleep = sleep
        self.max_wait = max_wait
        self.backoff_base = backoff_base
        self.gate = gate
        self.request_count = 0
        self.session = requests.Session()
        # The environment is read here, once, not by requests on every request (trust_env scans it twice a request
        # and looks for a ~/.netrc: at thousands of requests that is CPU the workers wait for). No login of this
        # collection comes from a .netrc.
        self.session.trust_env = False
        self._proxies = {}  # (scheme, host) -> the proxies from http(s)_proxy / no_proxy for it
        self.verify = ca_bundle(ca_path) if validate_certs else False
        if self.verify is True:  # as requests does: the environment's CA bundle, where ca_path names none
            self.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        self.session.headers["User-Agent"] = USER_AGENT
        self.session.headers["Accept"] = "application/json"
        if not validate_certs:
            try:
                import urllib3  # pylint: disable=import-outside-toplevel
                urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
            except ImportError:
                pass

    def proxies(self, url):
        """The environment's proxies for ``url``'s host ({} where no_proxy exempts it), read once per host."""
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc)
        found = self._proxies.get(key)
        if found is None:
            found = self._proxies[key] = requests.utils.get_environ_proxies(url)
        return found

    def url(self, path):
        if path.startswith("http://") or path.startswith("https://"):
            return path
        return self.base_url + path

    def request(self, method, path, params=None, json=None, data=None, headers=None, auth=None,
                expected=(200,), idempotent=None, confirm=None, label=None, login=False):
        """Send one request; return :class:`ApiResponse` for an expected status, raise :class:`ApiError` otherwise.

        ``label`` names the path in messages (a template such as
        ``/oauth/clients/{id}``); it defaults to the path without its query.
        ``confirm`` is called after an ambiguous failure of a non-idempotent
        request; it returns True when the write is visible on the platform (the
        response is then ``ApiResponse(None, confirmed=True)``), False when it
        did not happen (the request is retried). A ``login`` that gets no answer
        (a timeout, a refused or lost connection) is sent once more at most.
        """
        method = method.upper()
        label = label or path.split("?")[0]
        if not self.url(path).startswith(("http://", "https://")):
            # An empty or scheme-less URL (an unset AWX credential field, "uaa.example.com") is refused before sending.
            raise ApiError(self.platform, method, label,
                           description="the %s URL %r has no http:// or https:// scheme" % (self.platform, self.base_url),
                           hint="Set the %s URL option (or its APIOPS_* environment variable) to https://host[:port]" % self.platform)
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS
        delays = backoff_delays(base=self.backoff_base)
        waited = 0.0
        attempt = unanswered = 0
        while True:
            attempt += 1
            outcome = self._send(method, path, params, json, data, headers, auth, label)
            if isinstance(outcome, ApiError):
                error, response = outcome, None
                unanswered += 1
            else:
                error, response = None, outcome
                if response.status_code in expected:
                    return ApiResponse(response.status_code, response.headers, _parse_body(response))
            retryable, wait, reason = self._classify(error, response, delays)
            if login and unanswered > LOGIN_UNANSWERED_RETRIES:
                retryable = False
            if self.gate is not None and reason == "rate limited":
                self.gate.hold(wait)
            if retryable and not idempotent and reason != "rate limited":
                # The write may have happened: look before sending it again.
                if confirm is not None and confirm():
                    return ApiResponse(None, confirmed=True)
                if confirm is None:
                    retryable = False
            if not retryable or attempt > self.retries or waited + wait > self.max_wait:
                if error is None:
                    error = self._error_from(method, label, response)
                    if response.status_code in self.retry_statuses and attempt > 1:
                        error.hint = "Gave up after %d attempts; try again later or raise 'retries'." % attempt
                if not idempotent and error.maybe_applied is False and error.status in (None, 500, 502, 503, 504):
                    error.maybe_applied = True
                raise error
            last = self.retries + 1
            if login and error is not None:
                last = min(last, attempt + 1 + LOGIN_UNANSWERED_RETRIES - unanswered)
            self.warn("%s %s %s: %s, retrying in %.1f s (attempt %d of %d)"
                      % (self.platform, method, label, reason, wait, attempt + 1, last))
            self.sleep(wait)
            waited += wait

    def _send(self, method, path, params, json_body, data, headers, auth, label):
        if self.gate is None or self.gate.slots is None:
            return self._send_now(method, path, params, json_body, data, headers, auth, label)
        self.gate.wait()
        with self.gate.slots:
            return self._send_now(method, path, params, json_body, data, headers, auth, label)

    def _send_now(self, method, path, params, json_body, data, headers, auth, label):
        self.request_count += 1
        url = self.url(path)
        try:
            return self.session.request(method, url, params=params, json=json_body, data=data, proxies=self.proxies(url),
                                        headers=headers, auth=auth, timeout=(self.connect_timeout, self.timeout),
                                        verify=self.verify, allow_redirects=False)
        except requests.exceptions.SSLError as exc:
            return ApiError(self.platform, method, label, description="TLS verification failed (%s)" % _short(exc),
                            hint="Point ca_path at the CA bundle that signed the server certificate; "
                                 "turn validate_certs off only for a lab system")
        except requests.exceptions.ConnectTimeout:
            return ApiError(self.platform, method, label, transient=True,
                            description="no connection to %s within %g s" % (self.base_url, self.connect_timeout),
                            hint="Check the URL, the network path and any proxy settings (https_proxy, no_proxy), "
                                 "or raise connect_timeout")
        except requests.exceptions.Timeout:
            return ApiError(self.platform, method, label, description="no answer within %g s" % self.timeout, transient=True,
                            hint="Check that the URL is right and the platform is up, or raise request_timeout")
        except requests.exceptions.ConnectionError as exc:
            if _is_connect_failure(exc):
                return ApiError(self.platform, method, label, description="cannot connect to %s (%s)" % (self.base_url, _short(exc)),
                                hint="Check the URL, the network path and any proxy settings (https_proxy, no_proxy)")
            return ApiError(self.platform, method, label, description="the connection was lost before an answer arrived",
                            maybe_applied=method not in IDEMPOTENT_METHODS, transient=True)
        except requests.exceptions.RequestException as exc:
            return ApiError(self.platform, method, label, description="request failed (%s)" % _short(exc))

    def _classify(self, error, response, delays):
        """(retryable, seconds to wait, reason) for a failed attempt."""
        if error is not None:
            return error.transient, next(delays), error.description
        status = response.status_code
        if status not in self.retry_statuses:
            return False, 0.0, "HTTP %d" % status
        wait = parse_retry_after(response.headers.get("Retry-After"))
        if wait is None and status == 429 and self.wait_hint is not None:
            # Platform rate-limit headers (Anypoint's X-RateLimit-Reset) say when the window opens again; they are
            # sent on every response, so they mean nothing for a 5xx.
            wait = self.wait_hint(response.headers)
        backoff = next(delays)
        if wait is None:
            wait = backoff
        # A 429 was refused before processing, so even a create may be sent again;
        # for a 5xx the caller decides with ``confirm`` (see request()).
        return True, wait, "rate limited" if status == 429 else "HTTP %d" % status

    def _error_from(self, method, label, response):
        code, description = describe_error_body(_parse_body(response))
        return ApiError(self.platform, method, label, status=response.status_code, code=code, description=description)


def _parse_body(response):
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None


def _short(exc):
    """The useful tail of a requests/urllib3 exception text ('[Errno 111] Connection refused', ...)."""
    text = str(exc)
    verify = re.search(r"certificate verify failed: [^(']*", text)
    if verify:
        return verify.group(0).strip()
    errno = re.search(r"\[Errno -?\d+\][^'\")]*", text)
    if errno:
        return errno.group(0).strip()
    for marker in ("Caused by ", "SSLError(", "NewConnectionError("):
        if marker in text:
            text = text.split(marker, 1)[1]
    return text[:200].strip(")('\" ")


def paginate(fetch_page, page_size, max_pages=1000, what="items"):
    """Yield every item of an offset-paged collection.

    ``fetch_page(offset, limit)`` returns ``(items, total)``; ``total`` may be
    None when the platform does not say, then an empty or short page ends it.
    """
    offset = 0
    for _page in range(max_pages):
        items, total = fetch_page(offset, page_size)
        yield from items
        offset += len(items)
        if not items or (total is not None and offset >= total) or (total is None and len(items) < page_size):
            return
    raise ApiError("paginate", "GET", what, description="more than %d pages of %s" % (max_pages, what),
                   hint="Narrow the query")
