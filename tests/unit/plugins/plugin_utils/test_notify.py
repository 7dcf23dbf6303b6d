# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Owner e-mail over SMTP, against the local SMTP sink."""

from __future__ import annotations

import pytest

from ansible_collections.apiops.credentials.plugins.plugin_utils import _notify
from ansible_collections.apiops.credentials.plugins.plugin_utils._vault_sink import RecordFile, VaultSink
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


def test_reach_opens_a_session_and_sends_nothing(smtp):
    assert _notify.reach(settings(smtp)) is None and smtp.messages == []
    problem = _notify.reach({"host": "127.0.0.1", "port": 1, "timeout": 2, "sender": "s", "security": "none"})
    assert problem.startswith("the SMTP server 127.0.0.1:1 cannot be used")


class Work:
    def __init__(self, key, owner):
        self.key, self.credential, self.location, self.spec = key, key, "zone", {"owner_email": owner}
        self.result, self.error, self.steps = "rotated", None, []


def told(smtp, store, works, due=lambda work, record: bool(record.get("notice_due"))):
    _notify.tell(settings(smtp), store, works, due, lambda work: work.spec["owner_email"],
                 lambda owner, owned: _notify.message("api@example.com", owner, "New", [w.key for w in owned]), lease_timeout=5)


def test_each_owner_is_told_once_about_their_credentials_and_the_sink_forgets_the_mark(smtp, tmp_path):
    store = journal(tmp_path)
    for key in ("a", "b", "c"):
        store.put(key, {"secret": "s3cret-%s" % key, "notice_due": "2026-12-04T00:00:00Z"})
    works = [Work("a", "team-1@example.org"), Work("b", "team-2@example.org"), Work("c", "team-1@example.org")]
    told(smtp, store, works)
    assert sorted((m["to"][0], m["body"].split()) for m in smtp.messages) == [
        ("team-1@example.org", ["a", "c"]), ("team-2@example.org", ["b"])]
    assert all("notice_due" not in store.get(key) and store.get(key)["notified_at"] for key in ("a", "b", "c"))
    assert [w.result for w in works] == ["rotated"] * 3 and works[0].steps == ["told team-1@example.org"]
    assert not any("s3cret" in m["body"] for m in smtp.messages)
    told(smtp, store, works)
    assert len(smtp.messages) == 2, "an owner was told twice"


def test_a_refused_message_fails_its_credentials_and_keeps_the_mark_for_the_next_run(smtp, tmp_path):
    store = journal(tmp_path)
    store.put("a", {"secret": "x", "notice_due": "t"})
    smtp.fail_next = 1
    works = [Work("a", "team@example.org")]
    told(smtp, store, works)
    assert works[0].result == "failed" and "was not told" in works[0].error and "451" in works[0].error
    assert store.get("a")["notice_due"] == "t"
    again = [Work("a", "team@example.org")]
    told(smtp, store, again)
    assert again[0].result == "rotated" and "notice_due" not in store.get("a") and len(smtp.messages) == 1


def test_a_credential_without_an_owner_fails_and_nobody_is_mailed(smtp, tmp_path):
    store = journal(tmp_path)
    store.put("a", {"secret": "x", "notice_due": "t"})
    works = [Work("a", None)]
    told(smtp, store, works)
    assert works[0].result == "failed" and "no owner e-mail" in works[0].error and smtp.messages == []


def journal(tmp_path):
    password = tmp_path / "password"
    password.write_text("unit-test-vault-password\n")
    return RecordFile(VaultSink(None, str(password)), str(tmp_path / "sink.vault"), linger=0)
