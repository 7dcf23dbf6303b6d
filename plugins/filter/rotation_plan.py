# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""rotation_plan: what a rotation role should do next for one credential, from its sink record."""

from __future__ import annotations

from datetime import datetime, timezone

from ansible.errors import AnsibleFilterError

PHASES = ("all", "add", "retire")


def parse_time(value, name):
    """An aware datetime from an ISO-8601 string (``Z`` allowed) or a datetime; None stays None."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            raise AnsibleFilterError("%s is not an ISO-8601 time: %s" % (name, value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def plan_rotation(record, max_age_days=90, rotate_before=None, phase="all", now=None):
    """Decide from a sink record (only its time stamps and state keys are read).

    Returns ``{"action", "reason", "age_days"}`` where action is one of
    ``resume`` (a persisted pending secret is not yet in place: finish it),
    ``retire`` (a dual rotation added a secret; the old one is still active),
    ``rotate`` (start a rotation) or ``none``. ``rotate_before`` is a
    compare-and-swap guard: rotate only if the last rotation is older, so a
    re-run after an emergency rotation does not rotate again.
    """
    if phase not in PHASES:
        raise AnsibleFilterError("phase must be one of %s, not %s" % (", ".join(PHASES), phase))
    record = record or {}
    now = parse_time(now, "now") or datetime.now(timezone.utc)
    rotated_at = parse_time(record.get("rotated_at"), "rotated_at")
    age_days = (now - rotated_at).days if rotated_at else None
    if record.get("pending_secret") or record.get("state") == "rotating":
        # pending_secret: a generated secret was persisted; state rotating: the secret was recorded before a
        # server-side reset (Anypoint). Either way the last run stopped before it recorded the end.
        if phase == "retire":
            return dict(action="none", reason="a rotation is still in progress; run phase add or all first", age_days=age_days)
        return dict(action="resume", reason="a new secret was persisted but not yet confirmed in place", age_days=age_days)
    if record.get("state") == "added":
        if phase == "add":
            return dict(action="none", reason="new secret added; the old one is retired in phase retire", age_days=age_days)
        return dict(action="retire", reason="the old secret is still active next to the new one", age_days=age_days)
    if phase == "retire":
        return dict(action="none", reason="no added secret waiting to be retired", age_days=age_days)
    if rotated_at is None:
        return dict(action="rotate", reason="no rotation recorded in the sink", age_days=None)
    age_days = (now - rotated_at).days  # known from here on (and to pylint)
    guard = parse_time(rotate_before, "rotate_before")
    if guard is not None and rotated_at < guard:
        return dict(action="rotate", reason="last rotation (%s) is older than rotate_before" % record["rotated_at"], age_days=age_days)
    if max_age_days is not None and int(max_age_days) >= 0 and age_days >= int(max_age_days):
        return dict(action="rotate", reason="secret is %d days old (max %d)" % (age_days, int(max_age_days)), age_days=age_days)
    return dict(action="none", reason="rotated %d days ago" % age_days, age_days=age_days)


class FilterModule:
    def filters(self):
        return {"rotation_plan": plan_rotation}
