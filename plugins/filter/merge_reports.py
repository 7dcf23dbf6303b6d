# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""merge_reports: one report of the slices of a sliced AWX job (or of runs --limit'ed to parts of an inventory)."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.apiops.credentials.plugins.plugin_utils import _report


def merge_reports(reports, targets=None):
    """The reports merged by ``plugin_utils/_report.py`` merge_slices: rows concatenated, counts summed, overlaps named."""
    if not isinstance(reports, (list, tuple)):
        raise AnsibleFilterError("merge_reports takes a list of reports (the JSON reports of the slices, parsed)")
    try:
        return _report.merge_slices(reports, targets)
    except ValueError as error:
        raise AnsibleFilterError("merge_reports: %s" % error)


class FilterModule:
    def filters(self):
        return {"merge_reports": merge_reports}
