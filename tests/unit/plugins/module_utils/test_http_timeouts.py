# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The shared HTTP client's connect and read timeouts, against sockets that never answer; a login that gets no answer."""

from __future__ import annotations

import threading
import time

import pytest

from ansible_collections.apiops.credentials.plugins.module_utils._http import ApiError, FailOnce, HttpClient
from tests.silent_server import FullBacklog, SilentServer


def no_sleep(_seconds):
    pass


def timed(call):
    started = time.monotonic()
    with pytest.raises(ApiError) as failed:
        call()
    return failed.value, time.monotonic() - started


def test_the_read_timeout_is_request_timeout_and_the_connect_timeout_does_not_stretch_it():
    with SilentServer(lifetime=20) as server:
        http = HttpClient(server.url, "UAA", timeout=0.5, connect_timeout=5, retries=0)
        error, took = timed(lambda: http.request("GET", "/info"))
    assert "no answer within 0.5 s" in error.message and "request_timeout" in error.message
    assert error.transient and error.status is None
    assert 0.4 < took < 3
    assert server.accepted == 1


def test_the_connect_timeout_bounds_a_connection_that_is_never_set_up():
    with FullBacklog() as port:
        http = HttpClient(port.url, "UAA", timeout=30, connect_timeout=0.5, retries=0)
        error, took = timed(lambda: http.request("GET", "/info"))
    assert "no connection to %s within 0.5 s" % port.url in error.message and "connect_timeout" in error.message
    assert 0.4 < took < 3, "the read timeout (30 s) was used to connect"


def test_a_login_that_gets_no_answer_is_sent_twice_at_most_and_other_requests_keep_their_retries():
    with SilentServer(lifetime=20) as server:
        warnings = []
        http = HttpClient(server.url, "UAA", timeout=0.3, connect_timeout=0.3, retries=5, sleep=no_sleep, warn=warnings.append)
        error, _took = timed(lambda: http.request("POST", "/oauth/token", idempotent=True, login=True))
        assert "no answer within 0.3 s" in error.message
        assert http.request_count == 2
        assert len(warnings) == 1 and warnings[0].endswith("(attempt 2 of 2)"), warnings
        timed(lambda: http.request("GET", "/oauth/clients"))
        assert http.request_count == 2 + 6
    with FullBacklog() as port:
        http = HttpClient(port.url, "UAA", timeout=0.3, connect_timeout=0.3, retries=5, sleep=no_sleep)
        error, _took = timed(lambda: http.request("POST", "/oauth/token", idempotent=True, login=True))
    assert "no connection" in error.message and http.request_count == 2


def test_a_refused_login_connection_is_not_retried():
    with SilentServer(lifetime=1) as server:
        url = server.url
    http = HttpClient(url, "UAA", timeout=0.3, connect_timeout=0.3, retries=5, sleep=no_sleep)
    error, _took = timed(lambda: http.request("POST", "/oauth/token", idempotent=True, login=True))
    assert "cannot connect" in error.message and http.request_count == 1


def test_a_failed_login_is_kept_and_raised_again_in_every_thread_without_a_second_try():
    calls = []

    def login():
        calls.append(1)
        time.sleep(0.2)  # the others queue behind it, as workers do behind a login that times out
        raise ApiError("UAA", "POST", "/oauth/token", description="no answer within 2 s")

    once, errors = FailOnce(), []

    def worker():
        try:
            once.get(("zone", None), login)
        except ApiError as error:
            errors.append(error)

    threads = [threading.Thread(target=worker) for _unused in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert len(calls) == 1
    assert [error.message for error in errors] == ["UAA POST /oauth/token failed: no answer within 2 s."] * 4
    assert len({id(error) for error in errors}) == 4, "one exception object raised by several threads"
    assert once.get("other", lambda: "token") == "token" and once.get("other", login) == "token"
