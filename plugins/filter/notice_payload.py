# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""notice_payload: the body of a run's webhook notice (Slack, Microsoft Teams or plain JSON).

Built only from the rotation task's registered result: its message, counts, the failed credentials' names and errors,
and the report's path. None of these ever holds a secret, and nothing else is read.
"""

from __future__ import annotations

from datetime import datetime, timezone

from ansible.errors import AnsibleFilterError

from ansible_collections.apiops.credentials.plugins.plugin_utils._platforms import PLATFORMS

SCHEMA = "apiops.credentials/notice/1"
FORMATS = ("json", "slack", "teams")
OPERATIONS = {"rotate": "rotation", "rotation": "rotation", "rollback": "rollback", "restore": "restore", "audit": "audit"}
HEADINGS = {"rotation": "rotation", "rollback": "roll back", "restore": "restore", "audit": "audit"}
JSON_FAILURES = 50  # a catalog can have thousands of credentials; the report has them all
CHAT_FAILURES = 10
# Slack's block limits (docs.slack.dev, "Blocks"), in characters.
SLACK_HEADER = 150
SLACK_SECTION = 3000
SLACK_FIELD = 2000
TEAMS_CARD_VERSION = "1.2"  # the version Microsoft's incoming-webhook example uses; Teams renders it on every client


def _clip(text, limit):
    text = str(text)
    return text if len(text) <= limit else text[:limit - 1] + "\u2026"


def outcome(result, operation, check_mode=False):
    """One word for the run: failed, findings or compliant (an audit), planned (check mode) or succeeded."""
    problems = bool(result.get("failed")) or bool(result.get("failures"))
    if operation == "audit":
        if result.get("failed"):
            return "failed"  # the audit could not run at all
        return "findings" if problems else "compliant"
    if problems:
        return "failed"
    return "planned" if check_mode else "succeeded"


def platform_title(platform):
    """The platform's title from its row; the notify role has no list of platforms, so an unknown one stops here."""
    if platform not in PLATFORMS:
        raise AnsibleFilterError("notice_payload: platform %s is not one of %s (give the platform as the reports name it)"
                                 % (platform, ", ".join(sorted(PLATFORMS))))
    return PLATFORMS[platform].title


def _title(facts):
    operation = facts["operation"]
    heading = "Credential " + HEADINGS.get(operation, operation)
    if facts["check_mode"] and operation != "audit":
        heading += " plan"
    return "%s on %s (%s): %s" % (heading, facts["target"], platform_title(facts["platform"]), facts["outcome"])


def _failures(result):
    rows = []
    for failure in result.get("failures") or []:
        rows.append({"credential": failure.get("credential"), "location": failure.get("location"), "error": failure.get("error")})
    return rows


def _counts(summary):
    return ", ".join("%s %s" % (name, count) for name, count in sorted((summary or {}).items())) or "none"


def facts_of(result, platform, target, operation, check_mode=False, report="", job=None):
    """The notice's content, whatever its format: the plain JSON payload."""
    if not isinstance(result, dict):
        raise AnsibleFilterError("notice_payload needs the rotation task's registered result (a dict), not %s" % type(result).__name__)
    operation = OPERATIONS.get(operation, operation)
    check_mode = bool(check_mode) and operation != "audit"
    failures = _failures(result)
    facts = {
        "schema": SCHEMA,
        "generated_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "platform": platform, "target": target, "operation": operation, "check_mode": check_mode,
        "outcome": outcome(result, operation, check_mode), "changed": bool(result.get("changed")),
        "msg": str(result.get("msg") or ""), "summary": dict(result.get("summary") or {}), "failed": len(failures),
        "failures": failures[:JSON_FAILURES], "failures_omitted": max(0, len(failures) - JSON_FAILURES),
        "run_id": result.get("run_id"), "report": report or None,
    }
    for name, value in sorted((job or {}).items()):
        if value not in (None, ""):
            facts[name] = value  # AWX's job id and template name, when the job has them
    facts["title"] = _title(facts)
    return facts


def _failure_lines(facts, escape):
    lines = ["%s%s: %s" % (escape(row["location"] + "/") if row.get("location") else "", escape(row["credential"] or "?"),
                           escape(row.get("error") or "failed"))
             for row in facts["failures"][:CHAT_FAILURES]]
    more = facts["failed"] - len(lines)
    if more > 0:
        lines.append("\u2026 and %d more (see the report)" % more)
    return lines


def _fields(facts):
    pairs = [("Platform", platform_title(facts["platform"])), ("Target", facts["target"]),
             ("Operation", facts["operation"] + (" (check mode)" if facts["check_mode"] else "")),
             ("Outcome", facts["outcome"]), ("Credentials", _counts(facts["summary"]))]
    if facts.get("awx_job_id") is not None:
        pairs.append(("AWX job", "%s%s" % (facts["awx_job_id"], " (%s)" % facts["awx_job_template_name"]
                                           if facts.get("awx_job_template_name") else "")))
    if facts["report"]:
        pairs.append(("Report", facts["report"]))
    return pairs


def _slack_escape(text):
    # Slack's mrkdwn gives &, < and > a meaning (links, mentions); these three are all it asks to escape.
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack(facts):
    """An incoming-webhook message: ``text`` (notifications and clients without blocks) and Block Kit blocks."""
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": _clip(facts["title"], SLACK_HEADER), "emoji": False}},
        {"type": "section", "text": {"type": "mrkdwn", "text": _clip(_slack_escape(facts["msg"] or facts["outcome"]), SLACK_SECTION)}},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": _clip("*%s*\n%s" % (name, _slack_escape(value)), SLACK_FIELD)}
                                       for name, value in _fields(facts)]},
    ]
    if facts["failures"]:
        text = "*%s*\n%s" % ("Findings" if facts["operation"] == "audit" else "Failures",
                             "\n".join("\u2022 " + line for line in _failure_lines(facts, _slack_escape)))
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _clip(text, SLACK_SECTION)}})
    return {"text": _clip("%s. %s" % (facts["title"], facts["msg"]), SLACK_SECTION), "blocks": blocks}


def teams(facts):
    """An Adaptive Card in the message wrapper that Teams incoming webhooks and Workflows' webhook trigger take."""
    body = [
        {"type": "TextBlock", "text": facts["title"], "weight": "Bolder", "size": "Medium", "wrap": True,
         "color": "Attention" if facts["outcome"] in ("failed", "findings") else "Default"},
        {"type": "TextBlock", "text": facts["msg"] or facts["outcome"], "wrap": True},
        {"type": "FactSet", "facts": [{"title": name, "value": str(value)} for name, value in _fields(facts)]},
    ]
    if facts["failures"]:
        body.append({"type": "TextBlock", "text": "Findings" if facts["operation"] == "audit" else "Failures", "weight": "Bolder", "wrap": True})
        body += [{"type": "TextBlock", "text": line, "wrap": True, "spacing": "None"} for line in _failure_lines(facts, str)]
    card = {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard", "version": TEAMS_CARD_VERSION,
            "msteams": {"width": "Full"}, "body": body}
    return {"type": "message", "summary": _clip(facts["title"], 250),
            "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}]}


def notice_payload(result, platform, target, operation, notice_format="json", check_mode=False, report="", job=None):
    """The payload to POST for ``result`` (the rotation task's registered result) in ``notice_format``."""
    if notice_format not in FORMATS:
        raise AnsibleFilterError("notice_payload: format must be one of %s, not %s" % (", ".join(FORMATS), notice_format))
    facts = facts_of(result, platform, target, operation, check_mode, report, job)
    if notice_format == "slack":
        return slack(facts)
    if notice_format == "teams":
        return teams(facts)
    return facts


class FilterModule:
    def filters(self):
        return {"notice_payload": notice_payload}
