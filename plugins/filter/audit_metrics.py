# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""audit_metrics: an audit's rows in the Prometheus text exposition format, for node_exporter's textfile collector.

The rows are the audit task's ``credentials`` (the report schema's rows: names, results, ages and findings in words).
Only names, counts and ages go out; no secret is ever in a row.
"""

from __future__ import annotations

import math
import time

from ansible.errors import AnsibleFilterError

from ansible_collections.apiops.credentials.plugins.plugin_utils._platforms import PLATFORMS

COMPLIANT = "compliant"
# name, type, help; in the order they are written (each family's samples together, after its HELP and TYPE lines).
FAMILIES = (
    ("apiops_audit_success", "gauge", "1 when the audit of the target ran, 0 when it could not (no credential metrics then)."),
    ("apiops_audit_timestamp_seconds", "gauge", "When the audit of the target ended, in seconds since the Unix epoch."),
    ("apiops_audit_credentials", "gauge", "Credentials of the target by audit result."),
    ("apiops_credential_age_days", "gauge", "Days since the credential's last recorded rotation (absent when none is recorded)."),
    ("apiops_credential_compliant", "gauge", "1 when the audit found nothing for the credential, 0 otherwise."),
    ("apiops_credential_findings", "gauge", "Findings of the audit for the credential (drift, age, orphans, unretired secrets)."),
)


def _label_value(value):
    # The exposition format's three escapes in label values: backslash, double quote and line feed.
    return str("" if value is None else value).replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n")


def _labels(pairs):
    return "{%s}" % ",".join('%s="%s"' % (name, _label_value(value)) for name, value in pairs)


def _number(value):
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    value = float(value)
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(value)


def _findings(row):
    findings = row.get("findings")
    if isinstance(findings, list):
        return len(findings)
    return 1 if findings else 0


def _samples(rows, platform, target, success, timestamp):
    """{family: [(labels, value)]} for one target's audit."""
    samples = {name: [] for name, _type, _help in FAMILIES}
    where = (("platform", platform), ("target", target))
    samples["apiops_audit_success"].append((where, 1 if success else 0))
    samples["apiops_audit_timestamp_seconds"].append((where, timestamp))
    if not success:
        return samples
    counts, seen = {}, set()
    for row in rows:
        result = row.get("result") or "unknown"
        counts[result] = counts.get(result, 0) + 1
        # The host's names, not the rows' (an API Connect catalog's rows say org/catalog), so every family agrees.
        labels = where + (("location", row.get("location") or ""), ("credential", row.get("credential") or ""))
        if labels in seen:
            continue  # one series per credential, or node_exporter rejects the whole file
        seen.add(labels)
        if isinstance(row.get("age_days"), (int, float)) and not isinstance(row.get("age_days"), bool):
            samples["apiops_credential_age_days"].append((labels, row["age_days"]))
        samples["apiops_credential_compliant"].append((labels, 1 if result == COMPLIANT else 0))
        samples["apiops_credential_findings"].append((labels, _findings(row)))
    for result, count in sorted(counts.items()):
        samples["apiops_audit_credentials"].append((where + (("result", result),), count))
    return samples


def audit_metrics(rows, platform, target, success=True, timestamp=None):
    """The text of ``<dir>/apiops_credentials_<platform>_<host>.prom`` for one target's audit.

    ``rows`` are the audit task's ``credentials``; ``success`` false (the audit could not run) writes only
    ``apiops_audit_success 0`` and the time, so an alert fires instead of old ages being scraped as current.
    """
    if rows is None:
        rows = []
    if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
        raise AnsibleFilterError("audit_metrics needs the audit task's credentials (a list of dicts)")
    if not platform or not target:
        raise AnsibleFilterError("audit_metrics needs the platform and the target")
    if platform not in PLATFORMS:
        # The platform names the metrics file (the notify role has no list of platforms to check it against).
        raise AnsibleFilterError("audit_metrics: platform %s is not one of %s" % (platform, ", ".join(sorted(PLATFORMS))))
    samples = _samples(rows, platform, target, bool(success), time.time() if timestamp is None else float(timestamp))
    lines = []
    for name, kind, text in FAMILIES:
        if samples[name]:
            lines += ["# HELP %s %s" % (name, text), "# TYPE %s %s" % (name, kind)]
            lines += ["%s%s %s" % (name, _labels(labels), _number(value)) for labels, value in samples[name]]
    return "\n".join(lines) + "\n"


class FilterModule:
    def filters(self):
        return {"audit_metrics": audit_metrics}
