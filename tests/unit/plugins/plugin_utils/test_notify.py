# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Owner e-mail over SMTP, against the local SMTP sink."""

from __future__ import annotations

import pytest

from ansible_collections.apiops.credentials.plugins.plugin_utils import _notify
from tests.emulators.smtp import SmtpSink

ITEMS = [{"consumer_org": "PartnerOrg", "app": "partner-app", "credential": "cred", "new_credential": "cred_new",
          "new_client_id": "0a1b2c3d4e5f60718293a4b5c6d7e8f9"}]


@pytest.fixture
def smtp():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


def settings(sink):
    return {"host": "127.0.0.1", "port": sink.port, "timeout": 5, "sender": "api@example.com", "security": "none"}


def test_one_message_per_owner_naming_app_credential_and_client_id(smtp):
    message = _notify.compose("api@example.com", "owner@example.org", ITEMS, "acme", "sandbox", "Switch within 10 days.")
    assert _notify.send(settings(smtp), {"owner@example.org": message}) == {"owner@example.org": None}
    received = smtp.messages[0]
    assert received["to"] == ["owner@example.org"]
    assert "partner-app" in received["body"] and "cred_new" in received["body"] and ITEMS[0]["new_client_id"] in received["body"]
    assert "secret" in received["body"]  # it says the secret is not in it
    assert "Switch within 10 days." in received["body"]


def test_a_refused_message_is_reported_and_the_next_one_still_goes(smtp):
    smtp.fail_next = 1
    messages = {owner: _notify.compose("api@example.com", owner, ITEMS, "acme", "sandbox", "") for owner in ("a@x.org", "b@x.org")}
    outcome = _notify.send(settings(smtp), messages)
    assert "451" in outcome["a@x.org"] and outcome["b@x.org"] is None
    assert [m["to"] for m in smtp.messages] == [["b@x.org"]]


def test_no_server_is_a_clear_error():
    outcome = _notify.send({"host": "127.0.0.1", "port": 1, "timeout": 2, "sender": "s", "security": "none"}, {"k": object()})
    assert "cannot connect to SMTP server 127.0.0.1:1" in outcome["k"]
