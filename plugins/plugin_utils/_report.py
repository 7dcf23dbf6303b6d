# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the apiops.credentials collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""The report: one schema for every platform (docs/schema/report.schema.json), its names, and its views.

A report is what a change manager attaches to a ticket: which credentials, what
was planned or done, by whom, with which versions, and when. It never holds a
secret: rows come from :meth:`Work.row` of the engine (or the API Connect v10
catalog's own columns), whose fields are names, outcomes and digests.

This module imports nothing of the engine, so the engine can re-export it.
"""

from __future__ import annotations

import functools
import getpass
import hashlib
import html
import json
import os
import time
from datetime import datetime, timezone

SCHEMA = "apiops.credentials/report/1"
FAILING = ("failed", "would fail", "unknown")  # the results that count as failures (an audit's "unknown" too)
# The role's well-known report names end so (<host>-plan.json ...); a run's own file replaces the ending.
WELL_KNOWN_ENDINGS = ("-plan", "-report", "-audit")
# What an operation is called in report names and titles.
OPERATIONS = {"rotate": "rotation", "rollback": "rollback", "restore": "restore", "audit": "audit", "verify": "verification"}
TITLES = {"rotation": "rotation", "rollback": "roll back", "restore": "restore"}
READ_ONLY = ("audit", "verification")
# AWX (and Tower before it) set these as extra variables of a job; the first one set wins.
AWX_VARIABLES = {
    "awx_job_id": ("awx_job_id", "tower_job_id"),
    "awx_job_template_name": ("awx_job_template_name", "tower_job_template_name"),
    "awx_launched_by": ("awx_user_name", "tower_user_name"),
    # A sliced job template runs as a workflow of one job per slice: its slices share this id, each has its own job id.
    "awx_workflow_job_id": ("awx_workflow_job_id", "tower_workflow_job_id"),
}
COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# ---- names and titles ------------------------------------------------------------------------------------
def operation_of(operation="rotate", audit=False, verify_only=False):
    """The report's ``operation``: rotation, rollback, restore, audit or verification."""
    if audit:
        return "audit"
    if verify_only:
        return "verification"
    return OPERATIONS.get(operation or "rotate", operation)


def kind(data):
    """What a report is, as in its file name: ``rotation-plan``, ``rotation``, ``rollback-plan``, ``audit`` ..."""
    operation = data.get("operation") or operation_of(audit=data.get("audit"))
    if data.get("check_mode") and operation not in READ_ONLY:
        return operation + "-plan"
    return operation


def title(data):
    """The heading a change manager reads first: "Credential rotation plan", "Credential roll back report" ..."""
    operation = data.get("operation") or operation_of(audit=data.get("audit"))
    if operation in READ_ONLY:
        return "Credential " + operation
    return "Credential %s %s" % (TITLES.get(operation, operation), "plan" if data.get("check_mode") else "report")


def stamp(iso):
    """``2026-03-01T09:30:00Z`` as in a file name: ``20260301T093000Z``."""
    return (iso or "").replace("-", "").replace(":", "")


def run_tag(run_id):
    """Eight hex characters for the run: a digest, because ansible's task ids begin with the controller's MAC address."""
    return hashlib.sha256(str(run_id).encode("utf-8")).hexdigest()[:8]


def name_stem(path):
    """The part of a report path a run's own files start with: the well-known ending (``-plan`` ...) left out."""
    base = os.path.splitext(path)[0]
    for ending in WELL_KNOWN_ENDINGS:
        if base.endswith(ending) and len(os.path.basename(base)) > len(ending):
            return base[:-len(ending)]
    return base


def run_path(path, data, started=None):
    """The file of this run next to ``path``: ``<dir>/<host>-<kind>-<YYYYmmddTHHMMSSZ>-<tag>.json``."""
    started = started or (data.get("run") or {}).get("started") or data.get("generated_at")
    return "%s-%s-%s-%s%s" % (name_stem(path), kind(data), stamp(started), run_tag(data.get("run_id")),
                              os.path.splitext(path)[1] or ".json")


def html_path(markdown_path):
    base, extension = os.path.splitext(markdown_path)
    return (base if extension == ".md" else markdown_path) + ".html"


# ---- run metadata ----------------------------------------------------------------------------------------
def now_iso(epoch=None):
    moment = datetime.now(timezone.utc) if epoch is None else datetime.fromtimestamp(epoch, timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@functools.lru_cache(maxsize=1)
def collection_version():
    """The installed collection's version (MANIFEST.json), or the source tree's (galaxy.yml); None when neither says."""
    try:
        with open(os.path.join(COLLECTION_ROOT, "MANIFEST.json"), encoding="utf-8") as handle:
            return str(json.load(handle)["collection_info"]["version"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    try:
        with open(os.path.join(COLLECTION_ROOT, "galaxy.yml"), encoding="utf-8") as handle:
            for line in handle:
                # galaxy.yml's version is a plain top-level scalar; a YAML parser is not needed for one key.
                if line.startswith("version:"):
                    return line.split(":", 1)[1].split("#", 1)[0].strip().strip("'\"") or None
    except OSError:
        pass
    return None


def ansible_core_version():
    try:
        from ansible.release import __version__  # pylint: disable=import-outside-toplevel
    except ImportError:
        return None
    return __version__


def controller_user():
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # a container user without a passwd entry and no LOGNAME/USER
        return None


def _variable(task_vars, names):
    for name in names:
        value = task_vars.get(name)
        if value not in (None, ""):
            text = str(value)
            return int(text) if text.isdigit() else text
    return None


def run_metadata(task_vars, started, ended=None):
    """Who ran it, with what, and when: the report's ``run`` object (``plan_digest`` is filled by approved plans)."""
    awx = {field: _variable(task_vars or {}, names) for field, names in AWX_VARIABLES.items()}
    launcher = awx["awx_launched_by"]
    meta = {"user": str(launcher) if launcher is not None else controller_user(), "collection_version": collection_version(),
            "ansible_core_version": ansible_core_version()}
    meta.update(awx)
    meta.update(started=now_iso(started), ended=now_iso(ended if ended is not None else time.time()), plan_digest=None)
    return meta


# ---- the data --------------------------------------------------------------------------------------------
def summed(data, rows):
    """``data`` with ``rows`` as its credentials, and their counts."""
    summary = {}
    for row in rows:
        summary[row["result"]] = summary.get(row["result"], 0) + 1
    # The API Connect v10 catalog's audit has always counted its findings as failed; the engine's audit counts
    # only what could not be audited.
    failing = ("findings",) + FAILING if data.get("audit") and data.get("catalog") else FAILING
    return dict(data, credentials=rows, summary=summary, failed=sum(1 for row in rows if row["result"] in failing))


def report(platform, works, meta):
    """The engine's report of ``works``; ``meta`` gives run_id, check_mode, policy, partial, audit and run."""
    data = {"schema": SCHEMA, "generated_at": now_iso()}
    data.update(meta)
    policy = meta.get("policy") or {}
    data.setdefault("operation", operation_of(policy.get("operation"), meta.get("audit"), policy.get("verify_only")))
    return summed(data, [work.row(platform) for work in works])


def settled(data):
    """``data`` whose ``run.plan_digest`` is its ``plan_digest`` (a plan's own, or the approved plan a run carried out)."""
    if isinstance(data.get("run"), dict) and data.get("plan_digest") is not None:
        return dict(data, run=dict(data["run"], plan_digest=data["plan_digest"]))
    return data


def continued(row, later):
    """A credential's report row after the hook pass ``later`` (None: it had none): one row for the whole run."""
    if later is None:
        return row
    merged = dict(row, steps=list(row.get("steps") or []) + list(later.get("steps") or []))
    if later.get("result") in ("delivered", "unchanged"):
        return merged  # the first run's outcome stands; the hook delivered it
    merged.update(result="rotated" if (row.get("result"), later.get("result")) == ("added", "retired") else later.get("result"),
                  error=later.get("error"), next=later.get("next"))
    return merged


def merge_reports(existing, data):
    """``data`` with the rows of other targets (or, for a partial run, other credentials) of the same run kept from ``existing``."""
    if not existing or existing.get("schema") != SCHEMA or existing.get("run_id") != data.get("run_id"):
        return data
    if data.get("partial"):
        # A second run over some credentials of a target (after the delivery hook): it continues their rows.
        later = {(row["target"], row["credential"]): row for row in data["credentials"]}
        rows = [continued(row, later.pop((row.get("target"), row.get("credential")), None))
                for row in existing.get("credentials", [])] + list(later.values())
        data = dict(data, partial=existing.get("partial", False))
    else:
        targets = {row["target"] for row in data["credentials"]}
        rows = [row for row in existing.get("credentials", []) if row.get("target") not in targets] + data["credentials"]
    before, now = existing.get("run"), data.get("run")
    if isinstance(before, dict) and isinstance(now, dict):
        # One run, several hosts or passes: it started with the first and ended with the last (ISO UTC sorts as text).
        data = dict(data, run=dict(now, started=min(before.get("started") or now["started"], now["started"]),
                                   ended=max(before.get("ended") or now["ended"], now["ended"])))
    return summed(data, rows)


def credential_key(row):
    """What names one credential across reports: its platform, target, location and name."""
    return (row.get("platform"), row.get("target"), row.get("location"), row.get("credential"))


def _shared(values):
    """The one value all of ``values`` have, else None (as the AWX job id of slices, each their own)."""
    values = list(values)
    return values[0] if values and all(value == values[0] for value in values) else None


def _merged_run(runs):
    runs = [run for run in runs if isinstance(run, dict)]
    if not runs:
        return None
    merged = {name: _shared(run.get(name) for run in runs) for name in runs[0]}
    # ISO UTC times sort as text: the merged run started with the first slice and ended with the last.
    merged.update(started=min(run["started"] for run in runs), ended=max(run["ended"] for run in runs))
    return merged


def _source(data):
    run = data.get("run") or {}
    return {"run_id": data.get("run_id"), "awx_job_id": run.get("awx_job_id"), "awx_workflow_job_id": run.get("awx_workflow_job_id"),
            "started": run.get("started"), "ended": run.get("ended"), "credentials": len(data.get("credentials") or []),
            "failed": data.get("failed", 0)}


# What is recomputed or listed in a merged report, rather than kept where all reports agree.
OWN_FIELDS = ("generated_at", "run_id", "run", "credentials", "summary", "failed", "actions", "merged", "plan_digest")


def merge_slices(reports, targets=None):
    """One report of several runs, each over a part of one inventory: the slices of a sliced AWX job, or runs
    given --limit. Rows are concatenated and counts summed. A credential in the reports of two runs is a problem
    (the slices overlapped: it may have been rotated twice), and so is a target of ``targets`` in none (skipped).

    The same run's report read twice (its latest copy and its own file) counts once.
    """
    reports = list(reports)
    if not reports:
        raise ValueError("no report to merge: give the JSON reports of the slices")
    for number, data in enumerate(reports, 1):
        if not isinstance(data, dict) or data.get("schema") != SCHEMA:
            raise ValueError("item %d is not a report of this collection (schema %s)" % (number, SCHEMA))
        if kind(data) != kind(reports[0]):
            raise ValueError("item %d is a %s report and item 1 a %s report: merge reports of one kind" % (number, kind(data), kind(reports[0])))
    rows, problems, sources, counted = [], [], [], []
    first_run = {}  # credential -> the run whose report named it first
    kept = set()  # (credential, run): a run's row is kept once
    for data in reports:
        run_id, fresh = data.get("run_id"), 0
        for row in data.get("credentials") or []:
            key = credential_key(row)
            if (key, run_id) in kept:
                continue  # this run's row again: the same report read twice
            kept.add((key, run_id))
            first = first_run.setdefault(key, run_id)
            if first != run_id:
                problems.append("%s/%s on %s is in the reports of two runs (%s and %s): the slices overlapped, so it may have "
                                "been rotated twice" % (row.get("location") or "", row.get("credential"), row.get("target"), first, run_id))
            rows.append(row)
            fresh += 1
        if fresh or not any(source["run_id"] == run_id for source in sources):
            sources.append(_source(data))
            counted.append(data)
    reported = {row.get("target") for row in rows}
    problems += ["%s is in no report: its slice did not run, or failed before its report" % target
                 for target in (targets or []) if target not in reported]
    data = {name: value for name, value in reports[0].items()
            if name not in OWN_FIELDS and all(other.get(name) == value for other in reports)}
    run_ids = list(dict.fromkeys(str(source["run_id"]) for source in sources))
    data.update(schema=SCHEMA, generated_at=now_iso(), run_id=" + ".join(run_ids),
                merged={"reports": sources, "problems": problems})
    run = _merged_run(other.get("run") for other in counted)
    if run is not None:
        data["run"] = run
    if any("actions" in other for other in counted):
        data["actions"] = {}
        for other in counted:
            for action, count in (other.get("actions") or {}).items():
                data["actions"][action] = data["actions"].get(action, 0) + count
    return summed(data, rows)


# ---- the views (Markdown and HTML, the same content) -------------------------------------------------------
def _result(row):
    text = row.get("result") or ""
    if row.get("error") and row.get("error") != row.get("reason"):
        text += ": " + row["error"]
    return text


def _field(name):
    return lambda row: row.get(name)


ENGINE_COLUMNS = (("Platform", _field("platform")), ("Target", _field("target")), ("Location", _field("location")),
                  ("Credential", _field("credential")), ("Action", _field("action")), ("Reason", _field("reason")),
                  ("Overlap", _field("overlap")), ("Result", _result), ("Steps", _field("steps")), ("Next", _field("next")))
AUDIT_COLUMNS = (("Platform", _field("platform")), ("Target", _field("target")), ("Location", _field("location")),
                 ("Credential", _field("credential")), ("Age (days)", _field("age_days")), ("Result", _result),
                 ("Findings", _field("findings")))
CATALOG_COLUMNS = (("Consumer org", _field("consumer_org")), ("Owner", _field("owner_email")), ("App", _field("app")),
                   ("Credential", _field("credential")), ("Age (days)", _field("age_days")),
                   ("Action", lambda row: _text(row.get("action")).replace("_", " ")),
                   ("Reason", _field("reason")), ("Result", _result))
NUMERIC = ("Age (days)",)


def _counts(counts):
    return ", ".join("%s: %d" % item for item in sorted(counts.items()))


def _mode(data):
    if data.get("operation") == "verification":
        return "verify only (nothing was changed)"
    return "dry run (nothing was changed)" if data.get("check_mode") else "applied"


def _run_facts(data):
    run = data.get("run") or {}
    facts = [("Run", data.get("run_id"))]
    if run:
        facts += [("Started", run.get("started")), ("Ended", run.get("ended")), ("By", run.get("user"))]
        if run.get("awx_job_id") is not None:
            job = "%s" % run["awx_job_id"]
            if run.get("awx_job_template_name"):
                job += " (template %s)" % run["awx_job_template_name"]
            if run.get("awx_launched_by"):
                job += ", launched by %s" % run["awx_launched_by"]
            if run.get("awx_workflow_job_id") is not None:
                job += ", in workflow job %s" % run["awx_workflow_job_id"]
            facts.append(("AWX job", job))
        versions = (run.get("collection_version") or "unknown", run.get("ansible_core_version") or "unknown")
        facts.append(("Versions", "apiops.credentials %s, ansible-core %s" % versions))
    return facts


def _merged_facts(data):
    merged = data.get("merged")
    if not merged:
        return []
    parts = []
    for source in merged.get("reports") or []:
        part = "run %s, %d credentials" % (source.get("run_id"), source.get("credentials") or 0)
        if source.get("awx_job_id") is not None:
            part += ", AWX job %s" % source["awx_job_id"]
        parts.append(part)
    return [("Merged from", "%d reports: %s" % (len(parts), "; ".join(parts))),
            ("Problems", merged.get("problems") or "none")]


def layout(data):
    """(title, facts, columns) of a report: the audit's, the API Connect v10 catalog's, or the engine's."""
    rows = data.get("credentials") or []
    heading = title(data)
    if data.get("audit"):
        facts = [("Generated", data.get("generated_at")), ("Read only", "nothing was changed"),
                 ("Credentials", "%d (%s)" % (len(rows), _counts(data.get("summary") or {}))),
                 ("With findings", sum(1 for row in rows if row.get("result") != "compliant"))]
        columns = AUDIT_COLUMNS
    elif data.get("catalog"):
        heading += ": %s / %s" % (data.get("org"), data.get("catalog"))
        actions = {}
        for row in rows:
            actions[row.get("action")] = actions.get(row.get("action"), 0) + 1
        facts = [("Generated", data.get("generated_at")),
                 ("Policy", "new credential after %s days, old one deleted after %s days" % (data.get("expiry_days"), data.get("deletion_days"))),
                 ("Mode", _mode(data)), ("Credentials", "%d (%s)" % (len(rows), _counts(actions))), ("Failed", data.get("failed", 0))]
        columns = CATALOG_COLUMNS
    else:
        facts = [("Generated", data.get("generated_at")), ("Mode", _mode(data)),
                 ("Credentials", "%d (%s)" % (len(rows), _counts(data.get("summary") or {}))), ("Failed", data.get("failed", 0))]
        columns = ENGINE_COLUMNS
    return heading, facts + _run_facts(data) + _merged_facts(data), columns


def _text(value):
    if isinstance(value, list):
        value = "; ".join(str(each) for each in value)
    return str("" if value is None else value)


def _cell(value):
    return _text(value).replace("|", "\\|").replace("\n", " ")


def markdown(data):
    """The report as Markdown, for a change request."""
    heading, facts, columns = layout(data)
    lines = ["# " + heading, ""] + ["- %s: %s" % (label, _cell(value)) for label, value in facts] + [""]
    lines.append("| %s |" % " | ".join(name for name, _get in columns))
    lines.append("|%s|" % "|".join("---:" if name in NUMERIC else "---" for name, _get in columns))
    for row in data.get("credentials") or []:
        lines.append("| %s |" % " | ".join(_cell(get(row)) for _name, get in columns))
    return "\n".join(lines) + "\n"


STYLE = ("body{font-family:system-ui,sans-serif;margin:2em;color:#222}"
         "table{border-collapse:collapse;font-size:90%}th,td{border:1px solid #bbb;padding:.3em .5em;text-align:left;"
         "vertical-align:top}th{background:#eee}td.number{text-align:right}tr.failed td{background:#fde8e8}"
         "dt{font-weight:bold;float:left;clear:left;width:9em}dd{margin-left:10em}")


def render_html(data):
    """The report as one self-contained HTML page: no script, no external asset, every value escaped."""
    heading, facts, columns = layout(data)
    escape = html.escape
    parts = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
             # The page loads nothing: a stray link in a value could not fetch anything either.
             "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
             "<title>%s</title>" % escape(heading), "<style>%s</style>" % STYLE, "</head>", "<body>",
             "<h1>%s</h1>" % escape(heading), "<dl>"]
    parts += ["<dt>%s</dt><dd>%s</dd>" % (escape(label), escape(_text(value))) for label, value in facts]
    parts += ["</dl>", "<table>", "<thead><tr>%s</tr></thead>" % "".join("<th>%s</th>" % escape(name) for name, _get in columns),
              "<tbody>"]
    for row in data.get("credentials") or []:
        cells = "".join('<td%s>%s</td>' % (' class="number"' if name in NUMERIC else "", escape(_text(get(row))))
                        for name, get in columns)
        parts.append("<tr%s>%s</tr>" % (' class="failed"' if row.get("result") in FAILING + ("findings",) else "", cells))
    parts += ["</tbody>", "</table>", "</body>", "</html>"]
    return "\n".join(parts) + "\n"
