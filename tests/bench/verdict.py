# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""How every benchmark judges: all its runs, then its whole table, then one line per target it missed.

A target missed is a line ``MISSED <what>``; a run that failed (so a figure is missing) is a line ``FAILED <what>``,
with the end of that run's output indented under it. A benchmark exits 1 when it printed any of them, else 0;
``tests.bench.run_all`` repeats those lines at the end of ``make bench``.
"""

from __future__ import annotations

MISSED = "MISSED "
FAILED = "FAILED "


class RunFailed(Exception):
    """A run of a benchmark failed: there is no figure to judge. The message ends with the end of its output."""


def failed(what, failure):
    """The FAILED line of ``what``, and what the failure said, indented under it."""
    lines = str(failure).splitlines()
    return "\n".join([FAILED + what] + ["    | " + line for line in lines])


def missed(what):
    return MISSED + what


def verdicts(problems):
    """Print the MISSED and FAILED lines (or that every target was met); the exit status of the benchmark."""
    for problem in problems:
        print("  " + problem)
    if not problems:
        print("  every target met")
    return 1 if problems else 0
