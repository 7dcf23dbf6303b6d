# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the apiops.credentials collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""The rotation engine's pure part: what the journal and the policy call for, and what an approved plan binds.

Nothing here makes a request or writes a file: unit tests call these functions without a server or a sink.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import string
from datetime import datetime, timezone

from ansible_collections.apiops.credentials.plugins.plugin_utils._report import SCHEMA

PHASES = ("all", "add", "retire")
# How consumers live through the change, per adapter and strategy (the report's "overlap").
OVERLAP = {
    "two_secrets": "two secrets at once",
    "second_credential": "second credential",
    "settable": "settable value",
    "hard_cut": "hard cut with a gap",
}
RESULTS = ("planned", "unchanged", "would fail", "rotated", "added", "retired", "repaired", "delivered", "rolled back",
           "restored", "restored (unproven)", "failed", "skipped", "compliant", "findings", "unknown")
DONE = ("rotated", "added", "retired", "repaired", "delivered", "rolled back", "restored", "restored (unproven)")
CHAR_SETS = {name: getattr(string, name) for name in
             ("ascii_letters", "ascii_lowercase", "ascii_uppercase", "digits", "hexdigits", "punctuation")}


class PolicyError(ValueError):
    """Bad policy input, with a message that names the option and the fix."""


def now_iso(epoch=None):
    stamp = datetime.now(timezone.utc) if epoch is None else datetime.fromtimestamp(epoch, timezone.utc)
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value, name):
    """An aware datetime from an ISO-8601 string (``Z`` allowed) or a datetime; None and "" stay None."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            raise PolicyError("%s is not an ISO-8601 time (%r); write it like 2026-11-30T09:00:00Z" % (name, value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def check_policy(max_age_days=None, rotate_before=None, min_overlap=0, secret_length=None, secret_chars=None):
    """Why the policy options cannot work, or None."""
    if max_age_days is not None and (isinstance(max_age_days, bool) or int(max_age_days) < -1):
        return "max_age_days must be -1 (never rotate by age), 0 (always) or a number of days, not %s" % max_age_days
    try:
        parse_time(rotate_before, "rotate_before")
    except PolicyError as error:
        return str(error)
    if min_overlap is not None and int(min_overlap) < 0:
        return "min_overlap is a number of seconds, 0 or more, not %s" % min_overlap
    if secret_length is not None and not 16 <= int(secret_length) <= 255:
        return "secret_length must be between 16 and 255 (platforms store at most 255 characters), not %s" % secret_length
    if secret_chars is not None:
        try:
            alphabet(secret_chars)
        except PolicyError as error:
            return str(error)
    return None


def alphabet(names):
    """The characters of generated secrets: named sets of the ``string`` module, or literal characters."""
    chars = "".join(CHAR_SETS.get(name, name) for name in names or ())
    chars = "".join(sorted(set(chars)))
    if len(chars) < 10:
        raise PolicyError("secret_chars gives %d distinct characters; use at least ascii_letters and digits" % len(chars))
    return chars


def generate_secret(length, chars):
    return "".join(secrets.choice(chars) for _position in range(length))


def plan_rotation(record, max_age_days=90, rotate_before=None, phase="all", now=None):
    """What the journal and the policy call for: ``{"action", "reason", "age_days"}``.

    Actions: ``resume`` (a pending secret is journaled but not proven in place),
    ``retire`` (the new secret is current; the old one still has to go, or its
    rejection is not proven yet), ``rotate`` or ``none``. ``rotate_before`` is a
    compare-and-swap guard: rotate only if the last rotation is older, so a
    re-run after an emergency rotation does not rotate again.
    """
    if phase not in PHASES:
        raise PolicyError("phase must be one of %s, not %s" % (", ".join(PHASES), phase))
    record = record or {}
    now = parse_time(now, "now") or datetime.now(timezone.utc)
    rotated_at = parse_time(record.get("rotated_at"), "rotated_at")
    age_days = (now - rotated_at).days if rotated_at else None
    if record.get("operation") == "rollback" and record.get("state") == "pending":
        return dict(action="blocked", reason="a roll back of this credential was interrupted: run the roll back playbook, "
                                             "which finishes it, before rotating again", age_days=age_days)
    if record.get("pending_secret") or record.get("state") in ("pending", "rotating"):
        # pending: a generated secret was persisted; rotating: the secret was recorded before a server-side reset
        # (Anypoint). Either way the last run stopped before it recorded the end.
        if phase == "retire":
            return dict(action="none", reason="a rotation is still in progress; run phase add or all first", age_days=age_days)
        return dict(action="resume", reason="a new secret was persisted but not yet proven in place", age_days=age_days)
    if record.get("state") == "added":
        if phase == "add":
            return dict(action="none", reason="new secret added; the old one is retired in phase retire", age_days=age_days)
        return dict(action="retire", reason="the old secret is still active next to the new one", age_days=age_days)
    if record.get("state") == "retiring":
        return dict(action="retire", reason="an interrupted run did not prove the old secret rejected", age_days=age_days)
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


def plan_rollback(record, restores=False, settable=True):
    """Roll back to the previous secret in the journal: ``{"action": "rollback" | "undo" | "finish" | "none" |
    "blocked", "reason"}``.

    ``restores``: the platform takes a client id and a secret together (API Connect v5), and the journal's previous
    value is the one an earlier restore put in place. ``settable``: a given value can be put in place (not so for a
    UAA grant dance, whose UAA lets only the client change its secret).
    """
    record = record or {}
    if record.get("operation") == "rollback" and record.get("state") == "pending":
        return dict(action="rollback", reason="an interrupted roll back is finished")
    if not restores and record.get("state") in ("pending", "rotating"):
        # A rotation stopped midway (a crash, a kill): its new secret may or may not be in place on the platform.
        if record.get("secret") and settable:
            return dict(action="undo", reason="a rotation was interrupted midway: the secret proven before it is put back")
        why = ("no secret from before it is known (it was not given as current_secret)" if settable else
               "this platform cannot be given a chosen secret for this credential")
        return dict(action="finish", reason="a rotation was interrupted midway, and %s: the rotation is finished instead, "
                                            "so the secret that works is the one in the sink" % why)
    if record.get("state") == "rolled_back":
        return dict(action="none", reason="already rolled back to the secret before the last %s" % ("restore" if restores else "rotation"))
    if restores:
        if not record.get("previous_client_id"):
            return dict(action="blocked", reason="the sink holds no value from before the last restore: the portal never "
                                                 "shows a secret, so only a value an earlier restore put in place can be put "
                                                 "back. Restore from a backup instead")
        return dict(action="rollback", reason="put back the client id and secret before the last restore")
    if not record.get("previous_secret") and record.get("rotated_at"):
        return dict(action="blocked", reason="the last rotation (%s) replaced a secret this collection was never given (no "
                                             "current_secret, or it no longer worked), so there is none to put back; rotate "
                                             "again instead if the new secret is the problem" % record["rotated_at"])
    if not record.get("previous_secret"):
        return dict(action="blocked", reason="the sink has no previous secret for this credential: it was never rotated "
                                             "by this collection, so there is nothing to roll back to")
    return dict(action="rollback", reason="put back the secret before the last rotation")


def plan_restore(record, current_id, desired_id, update_secret="on_change_of_client_id"):
    """Restore a known value (a backup): ``{"action": "restore" | "none", "reason"}`` from the journal and the platform."""
    record = record or {}
    if record.get("operation") == "restore" and record.get("state") == "pending":
        return dict(action="restore", reason="an interrupted restore is finished")
    if current_id != desired_id:
        return dict(action="restore", reason="the platform has client id %s, the backup %s" % (current_id, desired_id))
    if update_secret == "always":
        return dict(action="restore", reason="update_secret=always sends the secret again")
    return dict(action="none", reason="the client id already matches (the secret is not compared: the portal never shows it)")


def secret_digest(secret):
    """A short digest of a secret, to note in its own record what a delivery hook was given (it cannot be reversed)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()[:16]


def secret_of(record):
    """The secret a record makes current (API Connect v10's records name it client_secret)."""
    return record.get("secret") or record.get("client_secret")


def hook_pending(record):
    """Has the delivery hook yet to be given the secret this record makes current?"""
    secret = secret_of(record)
    return bool(secret) and record.get("hook_delivered") != secret_digest(secret)


def delivered_copy(record):
    """What a further sink is given: the record without the journal's unfinished steps."""
    copy = {name: value for name, value in record.items() if not name.startswith("pending") and name not in (
        "hook_delivered", "lease_note", "notice_due", "notified_at")}
    if copy.get("state") in ("pending", "rotating"):
        # Unfinished steps are the journal's own; a copy in that state would look like another run's rotation.
        copy.pop("state")
    return copy


def record_digest(record):
    """A short digest of a journal record (time stamps of the last write left out), for approved plans.

    It changes when anything the plan was made from changes in the sink; it cannot be turned back into the record.
    """
    # A lease taken over between the dry run and the approved run is not a change of the plan.
    material = json.dumps({k: v for k, v in (record or {}).items() if k not in ("updated_at", "lease_note")}, sort_keys=True)
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:16]


# What an approved plan pins per credential, and how a difference is named. The sink record and the platform's state
# are compared as digests: what they were made from is not in the plan.
BOUND_FIELDS = (("action", "action"), ("result", "expected result"), ("strategy", "strategy"), ("overlap", "overlap"),
                ("sink", "sink"), ("deliveries", "further sinks and hook"), ("digest", None), ("fingerprint", None))
BOUND_POLICY = ("operation", "phase", "max_age_days", "rotate_before", "min_overlap", "verify_only", "require_rollback")


def plan_rows(plan, platform, target):
    """The rows of ``plan`` for one platform and target, keyed by (location, credential)."""
    return {(row.get("location"), row.get("credential")): row for row in (plan or {}).get("credentials") or []
            if row.get("platform") == platform and row.get("target") == target}


def plan_digest(plan, platform, target):
    """The digest of what a plan binds for one target: each credential's pinned fields and the policy.

    The check run prints it; an approver passes on the one they saw, and the real run refuses a plan whose content
    gives another (a hand edit). Free text (reasons, steps, times) is left out, so the digest says what will be done.
    """
    rows = plan_rows(plan, platform, target)
    material = {"platform": platform, "target": target,
                "policy": {name: ((plan or {}).get("policy") or {}).get(name) for name in BOUND_POLICY},
                "credentials": [[list(key)] + [rows[key].get(field) for field, _words in BOUND_FIELDS] for key in sorted(rows, key=str)]}
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode("utf-8")).hexdigest()[:32]


def plan_differences(plan, rows, platform, target, policy=None):
    """What differs between an approved plan (a check-mode report) and the rows of a fresh check: [] when nothing.

    One line per difference, naming the credential and the field; ``policy`` (this run's) is compared with the plan's.
    """
    if not isinstance(plan, dict) or plan.get("schema") != SCHEMA or not plan.get("check_mode"):
        return ["the plan is not a plan written by a check-mode run of this collection"]
    approved = plan_rows(plan, platform, target)
    if not approved:
        return ["the plan has no %s credentials of %s" % (platform, target)]
    differences = ["option %s was %s in the plan, is %s now" % (name, (plan.get("policy") or {}).get(name), policy.get(name))
                   for name in BOUND_POLICY if policy is not None and (plan.get("policy") or {}).get(name) != policy.get(name)]
    seen = set()
    for row in rows:
        key = (row["location"], row["credential"])
        seen.add(key)
        name = "%s/%s" % key
        then = approved.get(key)
        if then is None:
            differences.append("%s is not in the plan" % name)
            continue
        for field, words in BOUND_FIELDS:
            if then.get(field) == row.get(field):
                continue
            if field == "digest":
                differences.append("%s: its sink record changed since the plan" % name)
            elif field == "fingerprint":
                differences.append("%s: the platform changed since the plan (%s, now %s)" % (name, then.get(field), row.get(field)))
            else:
                differences.append("%s: %s was %s in the plan, is %s now" % (name, words, then.get(field), row.get(field)))
    for key in sorted(set(approved) - seen, key=str):
        differences.append("%s/%s is in the plan but not in this run" % key)
    return differences


def overlap_elapsed(record, min_overlap, now=None):
    """Has the new secret been in place (both secrets working) for at least ``min_overlap`` seconds?"""
    added = parse_time(record.get("added_at"), "added_at")
    if added is None:
        return True
    now = parse_time(now, "now") or datetime.now(timezone.utc)
    return (now - added).total_seconds() >= int(min_overlap or 0)
