# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the apiops.credentials collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""Writing the report (JSON, Markdown and HTML, never a secret).

Every run has its own files, never overwritten: next to the report path
``<dir>/<host>-plan.json`` a run writes ``<dir>/<host>-<kind>-<started>-<tag>.json``
(see :func:`_report.run_path`) with its ``.md`` and ``.html``; the report path
itself then gets a copy, the latest report, which existing readers keep reading.

Hosts (and the delivery hook's second pass) of one run may share a report path:
each merges its rows into the run's file, under an exclusive lock of the
directory, keeping the rows of the others of the same run (same ``run_id``).
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import json
import os

from ansible_collections.apiops.credentials.plugins.plugin_utils._report import html_path, markdown, merge_reports, render_html, run_path, settled


def write_reports(json_path, markdown_path, data):
    """Write ``data`` as this run's files and as the latest at ``json_path`` and ``markdown_path`` (either may be None).

    Returns the merged data and the paths of this run's own files.
    """
    data = settled(data)
    if not json_path:
        if markdown_path:
            _write_views(markdown_path, data)
        return data, []
    folder = os.path.dirname(os.path.abspath(json_path))
    os.makedirs(folder, exist_ok=True)
    with _locked(folder):
        own = _run_file(json_path, data)
        existing = _read(own) or _read(json_path)  # the latest, when the run's own file went missing
        data = merge_reports(existing, data)
        text = json.dumps(data, indent=2) + "\n"
        _replace(own, text)
        _replace(json_path, text)
        written = [own]
        if markdown_path:
            views = _views(data)  # rendered once for both copies (a large catalog's views take a while)
            written += _write_views(os.path.splitext(own)[0] + ".md", data, views)
            _write_views(markdown_path, data, views)
    return data, written


def _run_file(json_path, data):
    """The file this run wrote already (an earlier host or pass: its name has the run's start), or a new one."""
    fresh = run_path(json_path, data)
    stem, tag_and_extension = fresh.rsplit("-", 2)[0], fresh.rsplit("-", 1)[1]
    for path in sorted(glob.glob(glob.escape(stem) + "-*-" + glob.escape(tag_and_extension))):
        found = _read(path)
        if found and found.get("run_id") == data.get("run_id"):
            return path
    return fresh


def _views(data):
    return markdown(data), render_html(data)


def _write_views(markdown_path, data, views=None):
    text, html = views or _views(data)
    _replace(markdown_path, text)
    _replace(html_path(markdown_path), html)
    return [markdown_path, html_path(markdown_path)]


@contextlib.contextmanager
def _locked(folder):
    # The directory, not a report, is locked: reports are replaced whole (a reader never sees half of one), and a
    # replaced file's lock would no longer be the one the next writer takes.
    handle = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # releases the lock


def _read(path):
    try:
        with open(path, encoding="utf-8") as stream:
            found = json.load(stream)
    except (OSError, ValueError):
        return None  # none yet, not ours, or cut short: replaced
    return found if isinstance(found, dict) else None


def _replace(path, text):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    temp = "%s.%d.tmp" % (path, os.getpid())
    with open(temp, "w", encoding="utf-8") as stream:
        stream.write(text)
    os.replace(temp, path)
