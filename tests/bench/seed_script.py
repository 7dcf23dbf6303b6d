# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The sample rotation script of the procedure write-up (seed 002), configured for an emulator.

The script is read from the write-up at run time, so no copy of it lives here.
Only its configuration lines are replaced (ExpiryDays, DeletionDays, outputdir,
porg, catalog, providerurl, tokendata); every other line runs as published.
"""

from __future__ import annotations

import glob
import os
import re

DEFAULT_SEEDS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "seeds")
CONFIG_LINES = ("ExpiryDays", "DeletionDays", "outputdir", "porg", "catalog", "providerurl", "tokendata")


def seeds_dir():
    return os.environ.get("APIOPS_SEEDS_DIR") or DEFAULT_SEEDS_DIR


def published_script(directory=None):
    """The Python block of seed 002, from its first import on (the line above it is prose)."""
    paths = glob.glob(os.path.join(directory or seeds_dir(), "002_*.txt"))
    if not paths:
        raise FileNotFoundError("seed 002 not found in %s (set APIOPS_SEEDS_DIR)" % (directory or seeds_dir()))
    with open(paths[0], encoding="utf-8") as handle:
        text = handle.read()
    block = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    return block[block.index("import json"):]


def configured(script, settings):
    """``script`` with each configuration line set from ``settings`` (name -> Python value); the rest untouched."""
    lines = script.split("\n")
    out = []
    skipping = False
    replaced = set()
    for line in lines:
        if skipping:
            # tokendata spans two lines joined by a backslash.
            skipping = line.rstrip().endswith("\\")
            continue
        match = re.match(r"^(%s)\s*=" % "|".join(CONFIG_LINES), line)
        if match and match.group(1) in settings:
            name = match.group(1)
            out.append("%s = %r" % (name, settings[name]))
            replaced.add(name)
            skipping = line.rstrip().endswith("\\")
            continue
        out.append(line)
    missing = set(settings) - replaced
    if missing:
        raise ValueError("configuration lines not found in the script: %s" % ", ".join(sorted(missing)))
    return "\n".join(out)


def for_emulator(url, porg, catalog, username, password, client_id, client_secret, outputdir, expiry_days=90,
                 deletion_days=100, directory=None):
    return configured(published_script(directory), {
        "ExpiryDays": expiry_days, "DeletionDays": deletion_days, "outputdir": outputdir.rstrip("/") + "/",
        "porg": porg, "catalog": catalog, "providerurl": url.rstrip("/") + "/api/",
        "tokendata": {"username": username, "password": password, "realm": "provider/default-idp-2",
                      "client_id": client_id, "client_secret": client_secret, "grant_type": "password"},
    })
