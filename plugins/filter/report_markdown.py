# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""report_markdown: a report as the Markdown the rotation tasks write next to their JSON report."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.apiops.credentials.plugins.plugin_utils import _report


def report_markdown(report):
    """``plugin_utils/_report.py`` markdown: the one rendering of every report, also for a merged one."""
    if not isinstance(report, dict) or report.get("schema") != _report.SCHEMA:
        raise AnsibleFilterError("report_markdown takes a report of this collection (schema %s)" % _report.SCHEMA)
    return _report.markdown(report)


class FilterModule:
    def filters(self):
        return {"report_markdown": report_markdown}
