# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Notices and metrics end to end: playbooks/uaa_rotate.yml posts its run's notice to a webhook on 127.0.0.1 in each
format, and playbooks/credential_audit.yml writes node_exporter's textfile."""

from __future__ import annotations

import json
import os
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from tests.exposition import parse
from tests.system.test_audit import uaa_change
from tests.system.test_leaks import assert_no_leak, sink_secrets
from tests.system.test_uaa_rotation import CLIENTS

# The path of a Slack or Teams webhook is its secret: it must never be printed.
HOOK_PATH = "/services/T0APIOPS/B0NOTICE/wh00kT0ken-S3cret-e41a7c"
LIFETIME = 120  # seconds; the server stops itself even if a test hangs


class Webhook:
    """A tiny webhook on 127.0.0.1: it keeps every JSON body POSTed to HOOK_PATH and answers as Slack does."""

    def __init__(self):
        self.bodies = []
        received = self.bodies

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                received.append({"path": self.path, "content_type": self.headers.get("Content-Type"), "body": json.loads(body)})
                status, answer = (200, b"ok") if self.path == HOOK_PATH else (404, b"no_service")
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):  # pylint: disable=arguments-differ
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d%s" % (self.server.server_address[1], HOOK_PATH)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.stopper = threading.Timer(LIFETIME, self.server.shutdown)
        self.stopper.daemon = True

    def __enter__(self):
        self.thread.start()
        self.stopper.start()
        return self

    def __exit__(self, *exc):
        self.stopper.cancel()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def take(self):
        bodies = list(self.bodies)
        del self.bodies[:]
        return bodies


@pytest.fixture
def webhook():
    with Webhook() as server:
        yield server


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def settings(**webhook):
    return json.dumps({"apiops_webhook": webhook})


def known_secrets(workspace):
    found = sink_secrets(workspace) | workspace.inventory_secrets
    for platform in workspace.emulators:
        found |= set(workspace.control("secrets", method="GET", platform=platform))
    return {secret for secret in found if len(secret) >= 8}


def no_secret_in(workspace, posted):
    text = json.dumps(posted)
    secrets = known_secrets(workspace)
    assert len(secrets) > 10
    assert not [s[:6] for s in secrets if s in text], "a notice holds a secret"


def one_notice(webhook, url=None):
    posted = webhook.take()
    assert len(posted) == 1, posted
    assert posted[0]["path"] == urlsplit(url or webhook.url).path and posted[0]["content_type"] == "application/json"
    return posted[0]["body"]


@pytest.mark.newest_only  # the role's own logic in every format; the AWX credential test below runs it on both legs
def test_notices_in_every_format_and_the_audit_metrics(workspace, webhook):
    report = os.path.join(workspace.path, "report.json")
    workspace.inventory(CLIENTS[:2], uaa_secret_rotation_report_path=report)
    nowhere = "http://127.0.0.1:%d%s" % (closed_port(), HOOK_PATH)
    gone = webhook.url.replace("B0NOTICE", "B0GONE")  # the webhook answers 404, as Slack does for a removed one

    # Check mode sends nothing unless check_mode: true asks (nothing is even tried: no warning).
    plan = workspace.play("uaa_rotate.yml", "-e", settings(url=nowhere), check=True)
    assert plan.rc == 0 and "was not sent" not in plan.output, plan.output[-3000:]

    real = workspace.play("uaa_rotate.yml", "-e", settings(url=webhook.url, format="json"))
    assert real.rc == 0, real.output[-3000:]
    body = one_notice(webhook)
    assert body["schema"] == "apiops.credentials/notice/1"
    assert (body["platform"], body["target"], body["operation"], body["outcome"]) == ("uaa", "uaa-test", "rotation", "succeeded")
    assert body["summary"] == {"rotated": 2} and body["failed"] == 0 and body["failures"] == [] and body["changed"] is True
    assert body["report"] == report and body["check_mode"] is False and body["msg"] == "2 clients: rotated 2"

    # Slack's shape; and a notice that cannot be sent (this webhook is gone: 404) warns, clearly and without the URL,
    # and the run's outcome stands.
    unsent = workspace.play("uaa_rotate.yml", "-e", settings(url=gone, format="slack"))
    assert unsent.rc == 0, unsent.output[-3000:]
    assert "[WARNING] The slack notice for uaa-test was not sent: the webhook answered HTTP 404" in unsent.output
    assert "(no_service)" in unsent.output and "The run's outcome stands: 2 clients: unchanged 2" in unsent.output
    slack = one_notice(webhook, gone)
    assert slack["text"].startswith("Credential rotation on uaa-test (Cloud Foundry UAA): succeeded. 2 clients: unchanged 2")
    assert [block["type"] for block in slack["blocks"]] == ["header", "section", "section"]
    assert slack["blocks"][0]["text"] == {"type": "plain_text", "text": "Credential rotation on uaa-test (Cloud Foundry UAA): succeeded", "emoji": False}

    # A client that cannot be rotated: the run fails, and the notice (when: failure) says which and why.
    workspace.control("faults", {"method": "PUT", "path": "/oauth/clients/billing-service/secret$", "status": 403, "count": 50})
    failed = workspace.play("uaa_rotate.yml", "-e", settings(url=webhook.url, format="teams", when="failure"),
                            "-e", "uaa_retries=0 uaa_secret_rotation_max_age_days=0")
    workspace.control("faults", method="DELETE")
    assert failed.rc != 0 and failed.recap("uaa-test")["failed"] == 1
    teams = one_notice(webhook)
    assert teams["type"] == "message" and teams["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = teams["attachments"][0]["content"]
    assert card["type"] == "AdaptiveCard" and card["body"][0]["text"] == "Credential rotation on uaa-test (Cloud Foundry UAA): failed"
    assert card["body"][-1]["text"].startswith("uaa/billing-service: ")

    # The re-run finishes billing-service (a change, so when: change sends); required: true fails the host when the
    # notice cannot be sent, with the reason and the run's own outcome, and the rotation is done all the same.
    resumed = workspace.play("uaa_rotate.yml", "-e", settings(url=gone, when="change", required=True))
    assert resumed.rc != 0
    assert "The json notice for uaa-test was not sent: the webhook answered HTTP 404" in resumed.output
    assert "The run itself: 2 clients: " in resumed.output
    assert workspace.record("billing-service")["state"] == "complete"
    assert one_notice(webhook, gone)["changed"] is True

    # The audit: node_exporter's textfile, and a notice of the findings (when: failure).
    uaa_change(workspace, "reports-service", "changed-by-hand-S3cret-5c2e91", "UPDATE")  # drift: the sink's secret no longer works
    textfiles = os.path.join(workspace.path, "textfile")
    os.makedirs(textfiles)
    audit = workspace.play("credential_audit.yml", "-e", json.dumps({"apiops_audit_textfile_dir": textfiles,
                                                                     "apiops_webhook": {"url": webhook.url, "when": "failure"}}))
    assert audit.rc != 0 and "1 credential(s) have findings" in audit.output, audit.output[-3000:]
    assert os.listdir(textfiles) == ["apiops_credentials_uaa_uaa-test.prom"], "a temporary file was left"
    with open(os.path.join(textfiles, "apiops_credentials_uaa_uaa-test.prom"), encoding="utf-8") as handle:
        families = parse(handle.read())
    target = {"platform": "uaa", "target": "uaa-test"}
    assert families["apiops_audit_success"]["samples"] == [(target, 1.0)]
    (labels, stamp), = families["apiops_audit_timestamp_seconds"]["samples"]
    assert labels == target and stamp > 1.7e9
    by_credential = {name: {labels["credential"]: value for labels, value in families[name]["samples"]}
                     for name in ("apiops_credential_compliant", "apiops_credential_findings", "apiops_credential_age_days")}
    assert by_credential["apiops_credential_compliant"] == {"billing-service": 1.0, "reports-service": 0.0}
    assert by_credential["apiops_credential_findings"]["billing-service"] == 0.0
    assert by_credential["apiops_credential_findings"]["reports-service"] >= 1.0
    assert by_credential["apiops_credential_age_days"] == {"billing-service": 0.0, "reports-service": 0.0}
    assert {labels["location"] for labels, _value in families["apiops_credential_compliant"]["samples"]} == {"uaa"}
    audited = one_notice(webhook)
    assert (audited["operation"], audited["outcome"], audited["failed"]) == ("audit", "findings", 1)
    assert audited["failures"][0]["credential"] == "reports-service" and "drift" in audited["failures"][0]["error"]
    assert audited["report"] == report

    no_secret_in(workspace, [body, slack, teams, audited])
    assert_no_leak(workspace, extra=[HOOK_PATH.rsplit("/", 1)[1]])


def test_an_awx_webhook_credential_turns_notices_on_without_the_url_in_any_variable(workspace, webhook):
    # AWX injects the credential type "apiops webhook notice" (docs/awx/credential_types/webhook_notice.yml).
    workspace.inventory(CLIENTS[:1])
    job = workspace.job("uaa_rotate.yml", credential=("webhook_notice", {"url": webhook.url, "format": "slack", "when": "always"}),
                        verbosity=3)
    assert job.rc == 0, job.output[-3000:]
    slack = one_notice(webhook)
    assert slack["text"].startswith("Credential rotation on uaa-test (Cloud Foundry UAA): succeeded")
    assert_no_leak(workspace, extra=[HOOK_PATH.rsplit("/", 1)[1]])


def test_a_webhook_whose_url_is_not_defined_does_not_stop_the_rotation(workspace):
    """The rotation task only asks whether the notice variables are set; their values are the notify role's, after
    the rotation (a webhook URL from a variable this host lacks fails the notice there on ansible-core 2.19 and later,
    and skips it before; never the rotation)."""
    report = os.path.join(workspace.path, "report.json")
    workspace.inventory(CLIENTS[:1], uaa_secret_rotation_report_path=report)
    run = workspace.play("uaa_rotate.yml", "-e", json.dumps({"apiops_webhook": {"url": "{{ webhook_url_of_this_host }}"}}))
    with open(report, encoding="utf-8") as handle:
        assert [row["result"] for row in json.load(handle)["credentials"]] == ["rotated"], run.output[-3000:]
    assert "1 clients: rotated 1" in run.output, run.output[-3000:]  # the outcome is shown, whatever the notice does
