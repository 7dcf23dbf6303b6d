# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the apiops.credentials collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""Writing the engine's report (JSON and Markdown, never a secret).

Hosts of one run may share a report path: each host's worker merges its rows
into the file under an exclusive lock, keeping the rows of the other hosts of
the same run (same ``run_id``) and replacing a report of an earlier run.
"""

from __future__ import annotations

import fcntl
import json
import os

from ansible_collections.apiops.credentials.plugins.plugin_utils._engine import markdown, merge_reports


def write_reports(json_path, markdown_path, data, render=markdown):
    """Write ``data`` to ``json_path`` (merged, see above) and ``render(data)`` to ``markdown_path``; either may be None."""
    if not json_path:
        if markdown_path:
            _replace(markdown_path, render(data))
        return data
    os.makedirs(os.path.dirname(os.path.abspath(json_path)), exist_ok=True)
    handle = os.open(json_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        with os.fdopen(os.dup(handle), "r+", encoding="utf-8") as stream:
            text = stream.read()
            try:
                existing = json.loads(text) if text.strip() else None
            except ValueError:
                existing = None  # not ours (or cut short): replaced
            data = merge_reports(existing if isinstance(existing, dict) else None, data)
            stream.seek(0)
            stream.truncate()
            stream.write(json.dumps(data, indent=2) + "\n")
            stream.flush()
            if markdown_path:
                _replace(markdown_path, render(data))
    finally:
        os.close(handle)  # releases the lock
    return data


def _replace(path, text):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    temp = "%s.%d.tmp" % (path, os.getpid())
    with open(temp, "w", encoding="utf-8") as stream:
        stream.write(text)
    os.replace(temp, path)
