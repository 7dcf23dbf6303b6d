# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A strict reader of the Prometheus text exposition format (version 0.0.4), as node_exporter's textfile collector
reads it: every line must be a HELP, TYPE, comment or sample line; a family's HELP and TYPE come once, before its
samples, which are together; no series twice; label values with only the three escapes; the text ends with a newline."""

from __future__ import annotations

import re

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r"[a-zA-Z_][a-zA-Z0-9_]*"
VALUE = r"(?:[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|NaN|[+-]Inf)"
LABEL_PAIR = re.compile(r'(%s)="((?:[^"\\\n]|\\\\|\\"|\\n)*)"' % LABEL)
SAMPLE = re.compile(r"^(%s)(\{.*\})? (%s)(?: -?\d+)?$" % (NAME, VALUE))
HELP = re.compile(r"^# HELP (%s) ((?:[^\\\n]|\\\\|\\n)*)$" % NAME)
TYPE = re.compile(r"^# TYPE (%s) (counter|gauge|histogram|summary|untyped)$" % NAME)
UNESCAPE = {"\\\\": "\\", '\\"': '"', "\\n": "\n"}


class ExpositionError(ValueError):
    pass


def _labels(text, line):
    if not text:
        return {}
    inner, labels, position = text[1:-1], {}, 0
    while position < len(inner):
        match = LABEL_PAIR.match(inner, position)
        if not match:
            raise ExpositionError("bad labels in %r" % line)
        if match.group(1) in labels:
            raise ExpositionError("label %s twice in %r" % (match.group(1), line))
        labels[match.group(1)] = re.sub(r'\\\\|\\"|\\n', lambda m: UNESCAPE[m.group(0)], match.group(2))
        position = match.end()
        if position < len(inner):
            if inner[position] != ",":
                raise ExpositionError("bad labels in %r" % line)
            position += 1
    return labels


def parse(text):
    """{family: {"help", "type", "samples": [(labels, value)]}}; raises ExpositionError on any line the format refuses."""
    if text and not text.endswith("\n"):
        raise ExpositionError("the text does not end with a newline")
    families, current, done = {}, None, set()
    for line in text.split("\n")[:-1]:
        if not line.strip():
            continue
        for pattern, field in ((HELP, "help"), (TYPE, "type")):
            match = pattern.match(line)
            if match:
                family = families.setdefault(match.group(1), {"help": None, "type": None, "samples": []})
                if family[field] is not None or family["samples"]:
                    raise ExpositionError("%s of %s twice or after its samples" % (field.upper(), match.group(1)))
                family[field] = match.group(2)
                break
        else:
            if line.startswith("#"):
                continue  # a comment
            match = SAMPLE.match(line)
            if not match:
                raise ExpositionError("not a sample line: %r" % line)
            name = match.group(1)
            if name != current:
                if name in done:
                    raise ExpositionError("the samples of %s are not together" % name)
                if current:
                    done.add(current)
                current = name
            family = families.setdefault(name, {"help": None, "type": None, "samples": []})
            labels = _labels(match.group(2), line)
            if any(known == labels for known, _value in family["samples"]):
                raise ExpositionError("series twice: %r" % line)
            family["samples"].append((labels, float(match.group(3))))
    return families
