# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A platform that takes connections and never answers costs a run one login, not one login timeout per credential.

Each run here is timed against one login's budget (two attempts of connect_timeout + request_timeout, and a backoff):
before the failed login was kept for the run, the workers tried it one after another, ``retries`` times each, and the
same runs took minutes.
"""

from __future__ import annotations


import json
import os
import re
import threading
import time

from tests.silent_server import SilentServer

TIMEOUT = 2  # request_timeout and connect_timeout of the runs
LOGIN_BUDGET = 2 * (TIMEOUT + TIMEOUT) + 1  # two attempts at most, each within connect + read, and one backoff
STARTUP = 15  # ansible-playbook's own start and the role's tasks on a loaded 2-core machine
UAA_CLIENTS = [{"client_id": "billing-service"}, {"client_id": "reports-service"}, {"client_id": "orders-service"}]
ANYPOINT_TARGETS = [{"environment": "Production"}, {"environment": "Sandbox"}]
ANYPOINT_LOGIN = {"anypoint_client_id": "c0ffee00c0ffee00c0ffee00c0ffee01", "anypoint_client_secret": "R0tat1onB0tSecretValue0000000001"}


def timed_plays(workspace, playbook):
    """The dry run and the real run side by side (they share nothing a silent platform could hold); (run, seconds) each."""
    outcomes = {}

    def play(check):
        started = time.monotonic()
        run = workspace.play(playbook, check=check)
        outcomes[check] = (run, time.monotonic() - started)

    threads = [threading.Thread(target=play, args=(check,)) for check in (True, False)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    return outcomes[True], outcomes[False]


def rows(path):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)["credentials"]


def assert_failed_fast(run, took, report, host, login_path, expected):
    assert run.rc != 0, run.output[-3000:]
    assert run.recap(host)["failed"] == 1
    assert took < STARTUP + 3 * LOGIN_BUDGET, "%.1f s: the login was tried per credential" % took
    failed = rows(report)
    assert sorted(row["credential"] for row in failed) == sorted(expected)
    messages = {row["error"] for row in failed}
    assert len(messages) == 1, messages  # the first failure's message, for every credential
    message = messages.pop()
    assert login_path in message and "no answer within %s s" % TIMEOUT in message, message
    assert all(row["result"] in ("failed", "would fail") for row in failed)
    # The play's failure names each credential with the login's failure: once per credential, no other error.
    fatal = re.search(r"^fatal: \[%s\]: FAILED! => (.*)$" % re.escape(host), run.output, re.M)
    assert fatal, run.output[-3000:]
    text = json.loads(fatal.group(1))["msg"]
    assert text.count(message) == len(expected), text
    for credential in expected:
        assert "%s: %s" % (credential, message) in text, text


def test_uaa_that_never_answers_fails_every_client_with_one_login(workspace):
    with SilentServer(lifetime=120) as server:
        report = os.path.join(workspace.path, "{{ 'uaa-dry' if ansible_check_mode else 'uaa-real' }}.json")
        workspace.inventory(UAA_CLIENTS, uaa_url=server.url, uaa_request_timeout=TIMEOUT, uaa_connect_timeout=TIMEOUT,
                            uaa_secret_rotation_report_path=report)
        (dry, dry_took), (real, real_took) = timed_plays(workspace, "uaa_rotate.yml")
        # Two logins per run at most, whatever the number of clients: a run that retried per client would make more.
        assert server.accepted <= 4, server.accepted
    clients = [client["client_id"] for client in UAA_CLIENTS]
    assert_failed_fast(dry, dry_took, os.path.join(workspace.path, "uaa-dry.json"), "uaa-test", "/oauth/token", clients)
    assert_failed_fast(real, real_took, os.path.join(workspace.path, "uaa-real.json"), "uaa-test", "/oauth/token", clients)


def test_anypoint_that_never_answers_fails_every_target_with_one_login(workspace):
    with SilentServer(lifetime=120) as server:
        host = dict(ANYPOINT_LOGIN, anypoint_url=server.url, anypoint_request_timeout=TIMEOUT, anypoint_connect_timeout=TIMEOUT,
                    anypoint_secret_rotation_sink_dir=workspace.sink_dir, anypoint_secret_rotation_targets=ANYPOINT_TARGETS,
                    anypoint_secret_rotation_report_path=os.path.join(workspace.path, "{{ 'any-dry' if ansible_check_mode else "
                                                                                      "'any-real' }}.json"))
        workspace.write_inventory({"anypoint_orgs": {"hosts": {"acme": host}}})
        (dry, dry_took), (real, real_took) = timed_plays(workspace, "anypoint_rotate.yml")
        assert server.accepted <= 4, server.accepted
    targets = ["environment-Production", "environment-Sandbox"]
    login = "/accounts/api/v2/oauth2/token"
    assert_failed_fast(dry, dry_took, os.path.join(workspace.path, "any-dry.json"), "acme", login, targets)
    assert_failed_fast(real, real_took, os.path.join(workspace.path, "any-real.json"), "acme", login, targets)
