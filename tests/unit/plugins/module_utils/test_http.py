# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The shared HTTP client against a real emulator: retries, Retry-After, no blind retry, TLS, errors."""

from __future__ import annotations

import random
import threading
import time
from email.utils import formatdate

import pytest

from ansible_collections.apiops.credentials.plugins.module_utils._http import (
    ApiError,
    HttpClient,
    PerThread,
    RateGate,
    backoff_delays,
    describe_error_body,
    paginate,
    parse_retry_after,
)
from tests.emulators.framework import Server
from tests.emulators.uaa import UaaEmulator
from tests.unit.conftest import control


class Recorder:
    def __init__(self):
        self.sleeps, self.warnings = [], []

    def sleep(self, seconds):
        self.sleeps.append(seconds)

    def warn(self, message):
        self.warnings.append(message)


def client(server, recorder, **kwargs):
    kwargs.setdefault("retries", 3)
    return HttpClient(server.url, "UAA", timeout=5, warn=recorder.warn, sleep=recorder.sleep, **kwargs)


def test_parse_retry_after_seconds_and_dates():
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("0") == 0.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None
    now = time.time()
    assert 58 <= parse_retry_after(formatdate(now + 60, usegmt=True), now=now) <= 60
    assert parse_retry_after(formatdate(now - 60, usegmt=True), now=now) == 0.0


def test_backoff_grows_with_jitter_and_cap():
    delays = backoff_delays(base=1.0, factor=2.0, cap=5.0, rng=random.Random(7))
    values = [next(delays) for _attempt in range(6)]
    assert 0.5 <= values[0] <= 1.0
    assert 1.0 <= values[1] <= 2.0
    assert all(2.5 <= v <= 5.0 for v in values[3:])


def test_describe_error_body_shapes():
    assert describe_error_body({"error": "invalid_client", "error_description": "Bad credentials"}) == ("invalid_client", "Bad credentials")
    assert describe_error_body({"status": 409, "message": ["already exists", "twice"]}) == (None, "already exists; twice")
    assert describe_error_body("not json") == (None, None)
    assert len(describe_error_body({"message": "x" * 1000})[1]) < 400


def test_get_retries_429_honouring_retry_after(uaa):
    recorder = Recorder()
    control(uaa, "rate_limit", {"count": 2, "retry_after": 4})
    response = client(uaa, recorder).request("GET", "/login")
    assert response.status == 200
    assert recorder.sleeps == [4.0, 4.0]
    assert "rate limited" in recorder.warnings[0]
    statuses = [r["status"] for r in control(uaa, "requests", method="GET")]
    assert statuses == [429, 429, 200]


def test_get_retries_503_then_gives_up_with_clear_message(uaa):
    recorder = Recorder()
    control(uaa, "faults", {"method": "GET", "path": "^/login$", "status": 503, "count": 10})
    with pytest.raises(ApiError) as caught:
        client(uaa, recorder, retries=2).request("GET", "/login")
    assert caught.value.status == 503
    assert "Gave up after 3 attempts" in caught.value.message
    assert len(recorder.sleeps) == 2


def test_post_is_not_retried_blindly_after_503(uaa):
    recorder = Recorder()
    control(uaa, "faults", {"method": "POST", "path": "^/oauth/token$", "status": 503, "count": 1})
    with pytest.raises(ApiError) as caught:
        client(uaa, recorder).request("POST", "/oauth/token", data={"grant_type": "client_credentials"},
                                      auth=("admin", "adm1n-S3cret-seed-7f3a9c"), idempotent=False)
    assert caught.value.maybe_applied
    assert len(control(uaa, "requests", method="GET")) == 1


def test_post_is_retried_after_confirm_says_it_did_not_land(uaa):
    recorder = Recorder()
    control(uaa, "faults", {"method": "POST", "path": "^/oauth/token$", "status": 502, "count": 1})
    checks = []
    response = client(uaa, recorder).request("POST", "/oauth/token", data={"grant_type": "client_credentials"},
                                             auth=("admin", "adm1n-S3cret-seed-7f3a9c"), idempotent=False,
                                             confirm=lambda: checks.append(1) or False)
    assert response.status == 200 and checks == [1]


def test_lost_answer_of_a_write_is_confirmed_not_resent(uaa):
    """The emulator applies the request, then drops the connection: the client must re-read, not resend."""
    recorder = Recorder()
    control(uaa, "faults", {"method": "POST", "path": "^/oauth/token$", "drop": True, "after": True, "count": 1})
    response = client(uaa, recorder).request("POST", "/oauth/token", data={"grant_type": "client_credentials"},
                                             auth=("admin", "adm1n-S3cret-seed-7f3a9c"), idempotent=False,
                                             confirm=lambda: True)
    assert response.confirmed
    assert len(control(uaa, "requests", method="GET")) == 1


def test_429_on_a_write_is_retried_because_nothing_was_processed(uaa):
    recorder = Recorder()
    control(uaa, "rate_limit", {"count": 1, "retry_after": 0})
    response = client(uaa, recorder).request("POST", "/oauth/token", data={"grant_type": "client_credentials"},
                                             auth=("admin", "adm1n-S3cret-seed-7f3a9c"), idempotent=False)
    assert response.status == 200


def test_unexpected_status_names_platform_method_path_and_code(uaa):
    with pytest.raises(ApiError) as caught:
        client(uaa, Recorder()).request("GET", "/oauth/clients", label="/oauth/clients")
    message = caught.value.message
    assert message.startswith("UAA GET /oauth/clients failed: HTTP 401 (unauthorized: Full authentication")


def test_connection_refused_is_clear_and_fast():
    recorder = Recorder()
    broken = HttpClient("http://127.0.0.1:1", "UAA", timeout=2, warn=recorder.warn, sleep=recorder.sleep)
    with pytest.raises(ApiError) as caught:
        broken.request("GET", "/login")
    assert "cannot connect to http://127.0.0.1:1" in caught.value.message
    assert "Connection refused" in caught.value.message
    assert recorder.sleeps == []


def test_timeout_is_reported(uaa):
    control(uaa, "faults", {"method": "GET", "path": "^/login$", "delay": 1.5, "status": 200, "count": 5})
    slow = HttpClient(uaa.url, "UAA", timeout=0.5, retries=1, sleep=lambda s: None)
    with pytest.raises(ApiError) as caught:
        slow.request("GET", "/login")
    assert "no answer within 0.5 s" in caught.value.message


def test_tls_verification_on_by_default_and_ca_path_works(tls_files):
    ca_cert, cert, key = tls_files
    with Server(UaaEmulator({}), certfile=cert, keyfile=key) as server:
        with pytest.raises(ApiError) as caught:
            HttpClient(server.url, "UAA", timeout=5, sleep=lambda s: None).request("GET", "/login")
        assert "TLS verification failed" in caught.value.message
        assert "certificate verify failed" in caught.value.message and "ca_path" in caught.value.message
        assert "SSLCertVerificationError" not in caught.value.message
        assert HttpClient(server.url, "UAA", timeout=5, ca_path=ca_cert).request("GET", "/login").status == 200
        assert HttpClient(server.url, "UAA", timeout=5, validate_certs=False).request("GET", "/login").status == 200


def test_paginate_follows_totals_and_caps_pages():
    data = list(range(7))
    assert list(paginate(lambda offset, limit: (data[offset:offset + limit], len(data)), 3)) == data
    assert list(paginate(lambda offset, limit: (data[offset:offset + limit], None), 1)) == data
    with pytest.raises(ApiError):
        list(paginate(lambda offset, limit: ([1], None), 1, max_pages=5))


def test_a_429_seen_by_one_worker_holds_back_the_others(uaa):
    """The engine's workers share a RateGate: after one 429 with Retry-After, no worker sends before it has passed."""
    clock = {"now": 100.0}
    pauses = []

    def sleep(seconds):
        pauses.append(seconds)
        clock["now"] += seconds

    gate = RateGate(concurrency=2, clock=lambda: clock["now"], sleep=sleep)
    first, second = (HttpClient(uaa.url, "UAA", timeout=5, retries=3, sleep=sleep, gate=gate) for _worker in range(2))
    control(uaa, "rate_limit", {"count": 1, "retry_after": 7})
    assert first.request("GET", "/info").status == 200
    assert gate.until == 107.0  # the pause the platform asked for, for everyone
    clock["now"] = 101.0  # a moment later another worker wants to send
    assert second.request("GET", "/info").status == 200
    assert pauses[-1] == 6.0  # it waited out the rest of the first worker's Retry-After


def test_per_thread_clients_are_made_once_per_thread_and_key_and_every_one_is_counted():
    made = []

    class Client:
        def __init__(self, key):
            self.key, self.request_count = key, 1
            made.append(self)

    def ready(client, key):
        if key == "refused":
            raise ApiError("test", "POST", "/login", status=401)

    pool = PerThread(Client, ready=ready)
    assert pool.get() is pool.get() and pool.get("zone") is not pool.get()
    other = []
    worker = threading.Thread(target=lambda: other.append(pool.get()))
    worker.start()
    worker.join()
    assert other[0] is not pool.get()
    with pytest.raises(ApiError):
        pool.get("refused")
    with pytest.raises(ApiError):
        pool.get("refused")  # not kept: made again, and counted again
    pool.track(Client("own"))
    assert pool.request_count == len(made) == 6
