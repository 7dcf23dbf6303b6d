# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the apiops.credentials collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""Age-based rotation of every app credential in an API Connect catalog: the plan and its execution.

The policy is the one of the published procedure (create ``<name>_new`` after
``expiry_days``, delete the old credential and rename ``<name>_new`` back after
``deletion_days``), with these safety rules on top:

* the new secret is generated here and written to the sink (state ``pending``)
  before the create request, so a crash at any point leaves a secret that
  either is not on the platform yet or is already saved;
* a new credential is verified (``verify-client-secret``) before anyone is told;
* the old credential is deleted only when ``<name>_new`` exists and has had the
  grace period (``deletion_days - expiry_days`` days), so a consumer always gets
  the full time to switch, even when a run was missed;
* a delete whose rename did not happen is finished by the next run (the sink
  says ``retiring``).

The plan is a pure function (:func:`plan_rotation`); the rotation engine carries
it out one credential at a time (``plugin_utils/_apic_catalog_rotation.py``).
The sink is one file per catalog: ``{"credentials": {"<corg>/<app>/<name>": entry}}``.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timezone

from ansible.module_utils.basic import env_fallback

from ansible_collections.apiops.credentials.plugins.module_utils._common import ENGINE_ARGSPEC, state_option

NEW_SUFFIX = "_new"


# The options of the apic_catalog_rotation action besides connection and auth (documented in its docs module).
ROTATION_ARGSPEC = dict(
    expiry_days=dict(type="int", default=90),
    deletion_days=dict(type="int", default=100),
    consumer_org=dict(type="str"),
    concurrency=dict(type="int", default=8),
    sink_path=dict(type="path"),  # deprecated for sink_dir and target (REPLACED_OPTIONS); still wins over them
    sink_dir=ENGINE_ARGSPEC["sink_dir"],
    # The journal in HashiCorp Vault or AWS Secrets Manager instead of the file sink (one record per credential
    # under apiops/apic/<target>), with the settings every rotation task takes.
    target=dict(type="str"),
    sink=ENGINE_ARGSPEC["sink"],
    hashicorp_vault=ENGINE_ARGSPEC["hashicorp_vault"],
    aws_secrets_manager=ENGINE_ARGSPEC["aws_secrets_manager"],
    vault_password_file=dict(type="path", no_log=False),
    vault_id=dict(type="str", default="default"),
    generate_secrets=dict(type="str", default="locally", choices=["locally", "platform"]),
    smtp=ENGINE_ARGSPEC["smtp"],  # the owners are the consumer orgs' (owner_email where one has none)
    owner_email=ENGINE_ARGSPEC["owner_email"],
    # The delivery hook every platform has: each new credential's secret, before its old credential is retired.
    hook_tasks=ENGINE_ARGSPEC["hook_tasks"],
    hook_delivered=ENGINE_ARGSPEC["hook_delivered"],
    hook_failed=ENGINE_ARGSPEC["hook_failed"],
    run_id=ENGINE_ARGSPEC["run_id"],  # the hook's second run adds to the first one's report
    report_json=dict(type="path"),
    report_markdown=dict(type="path"),
    fail_on_error=dict(type="bool", default=True),
    max_failures=dict(type="int", default=0),
    time_budget=dict(type="float", default=0.0, fallback=(env_fallback, ["APIOPS_TIME_BUDGET"])),
    lock_timeout=dict(type="float", default=60.0),
    plan_file=dict(type="path"),
    plan=dict(type="dict"),
    plan_digest=dict(type="str"),
    audit=dict(type="bool", default=False),
    state=state_option(["rotate", "rollback"], "rotate"),
)
ACTION_LABELS = {
    "none": "none", "create_new": "create new", "verify_new": "verify new", "retire_old": "retire old",
    "finish_retire": "retire old (finish)", "finish_record": "record the finished rotation", "blocked": "blocked",
    "restore_previous": "re-create the previous credential",
}
PREVIOUS_SUFFIX = "_previous"
REPORT_FIELDS = ("consumer_org", "owner_email", "app", "credential", "title", "client_id", "created_at", "age_days",
                 "action", "reason", "new_credential", "new_client_id", "result", "error")


def sink_key(consumer_org, app, name):
    return "%s/%s/%s" % (consumer_org, app, name)


def strip_new(text):
    return text[:-len(NEW_SUFFIX)] if text and text.endswith(NEW_SUFFIX) else text


def now_iso(epoch=None):
    stamp = datetime.now(timezone.utc) if epoch is None else datetime.fromtimestamp(epoch, timezone.utc)
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


def check_policy(expiry_days, deletion_days):
    """Why the two ages cannot work together, or None."""
    if expiry_days < 1:
        return "expiry_days must be at least 1"
    if deletion_days <= expiry_days:
        return ("deletion_days (%d) must be greater than expiry_days (%d): the difference is the time a consumer gets "
                "to switch to the new credential" % (deletion_days, expiry_days))
    return None


# ---- the plan (pure) ------------------------------------------------------------------------
def plan_rotation(rows, expiry_days, deletion_days, entries, notify=False, undelivered=()):
    """One plan item per credential row (see ``_apic.credential_rows``), in row order.

    ``entries`` are the sink entries by :func:`sink_key`. ``action`` is one of
    none, create_new, verify_new, retire_old, finish_retire, blocked; ``reason``
    says why in words an operator can put in a change request.
    """
    by_app = {}
    for row in rows:
        by_app.setdefault((row["consumer_org"], row["app"]), {})[row["name"]] = row
    items = []
    for row in rows:
        names = by_app[(row["consumer_org"], row["app"])]
        name, age = row["name"], row["age_days"]
        item = {"key": sink_key(row["consumer_org"], row["app"], name), "consumer_org": row["consumer_org"],
                "owner_email": row.get("owner_email"), "app": row["app"], "credential": name, "title": row.get("title"),
                "client_id": row.get("client_id"), "created_at": row.get("created_at"), "age_days": age,
                "new_credential": None, "path": row["path"]}
        base = strip_new(name) if name.endswith(NEW_SUFFIX) else None
        if base and base in names:
            items.append(dict(item, action="none", reason="the new credential of %s" % base))
            continue
        if base:
            base_entry = entries.get(sink_key(row["consumer_org"], row["app"], base)) or {}
            if base_entry.get("state") == "retiring" and base_entry.get("client_id") == row.get("client_id"):
                items.append(dict(item, action="finish_retire", new_credential=base, key=sink_key(row["consumer_org"], row["app"], base),
                                  reason="an interrupted run deleted %s; rename %s back to %s" % (base, name, base)))
                continue
        companion = names.get(name + NEW_SUFFIX)
        entry = entries.get(item["key"]) or {}
        if (entry.get("state") == "retiring" and not companion and entry.get("client_id")
                and entry["client_id"] == row.get("client_id")):
            # An interrupted run deleted the old credential and renamed <name>_new back, and stopped before its sink
            # write: the platform is done, only the sink has to say so.
            items.append(dict(item, action="finish_record",
                              reason="an interrupted run finished on the platform (%s has the new client id): record it" % name))
            continue
        ours = bool(companion) and _is_ours(entry, companion)
        item["ours"] = ours
        if companion:
            item.update(new_credential=companion["name"], companion_path=companion["path"],
                        companion_title=companion.get("title"), companion_client_id=companion.get("client_id"),
                        companion_age_days=companion.get("age_days"))
        items.append(dict(item, **_decide(name, age, companion, entry, ours, expiry_days, deletion_days, notify,
                                          item["key"] in undelivered)))
    return items


def _decide(name, age, companion, entry, ours, expiry_days, deletion_days, notify, undelivered=False):
    """{action, reason[, new_credential]} for one credential that is not itself a ``_new`` of another."""
    grace = deletion_days - expiry_days
    new_name = name + NEW_SUFFIX
    if age is None:
        return {"action": "blocked", "reason": "the platform gave no created_at for this credential"}
    if age < expiry_days:
        return {"action": "none", "reason": "%d days old; expires after %d days (in %d days)" % (age, expiry_days, expiry_days - age)}
    companion_age = (companion or {}).get("age_days") or 0
    if age < deletion_days:
        if not companion:
            return {"action": "create_new", "new_credential": new_name,
                    "reason": "expired (%d >= %d days): create %s" % (age, expiry_days, new_name)}
        if ours and (not entry.get("verified_at") or (notify and not entry.get("notified_at"))):
            step = "verify it and tell the owner" if not entry.get("verified_at") else "tell the owner"
            return {"action": "verify_new", "reason": "%s was created by an earlier run (secret in the sink): %s" % (new_name, step)}
        reason = "expired (%d >= %d days); %s already exists (%d days old); %s is retired after %d days"
        return {"action": "none", "reason": reason % (age, expiry_days, new_name, companion_age, name, deletion_days)}
    if not companion:
        reason = ("past deletion (%d >= %d days) but %s does not exist, so nothing was retired: create it "
                  "(apiops.credentials.apic_app_credential) and re-run; %s is deleted once the new credential is %d days old")
        return {"action": "blocked", "reason": reason % (age, deletion_days, new_name, name, grace)}
    if companion_age < grace:
        reason = "past deletion (%d >= %d days), but %s is only %d days old: it is retired once the consumer had %d days to switch"
        return {"action": "none", "reason": reason % (age, deletion_days, new_name, companion_age, grace)}
    if undelivered:
        reason = ("past deletion (%d >= %d days), but the delivery hook has not been given the secret of %s yet: %s is "
                  "kept until it has (this run's hook is given it)")
        return {"action": "none", "reason": reason % (age, deletion_days, new_name, name)}
    reason = "past deletion (%d >= %d days) and %s exists (%d days old): delete %s, rename %s to %s"
    return {"action": "retire_old", "reason": reason % (age, deletion_days, new_name, companion_age, name, new_name, name)}


def plan_rollback(rows, entries):
    """One roll back item per credential row (pure): re-create the credential the last rotation retired.

    Only a credential whose client id and secret the sink kept (one this collection had made) can be re-created; it
    comes back as ``<name>_previous`` next to the current one, so consumers of either keep working.
    """
    client_ids = {row.get("client_id") for row in rows}
    items = []
    for row in rows:
        name = row["name"]
        item = {"key": sink_key(row["consumer_org"], row["app"], name), "consumer_org": row["consumer_org"],
                "owner_email": row.get("owner_email"), "app": row["app"], "credential": name, "title": row.get("title"),
                "client_id": row.get("client_id"), "created_at": row.get("created_at"), "age_days": row["age_days"],
                "new_credential": None, "path": row["path"]}
        entry = entries.get(item["key"]) or {}
        if name.endswith(NEW_SUFFIX) or name.endswith(PREVIOUS_SUFFIX) or not entry.get("retired_client_id"):
            reason = "nothing to roll back: no rotation of this credential by this collection is recorded"
            items.append(dict(item, action="none", reason=reason))
        elif entry.get("state") != "active":
            reason = ("a rotation is in progress (%s): the old credential still exists; finish the rotation (or delete %s "
                      "by hand) first" % (entry.get("state"), entry.get("new_credential") or name + NEW_SUFFIX))
            items.append(dict(item, action="blocked", reason=reason))
        elif entry["retired_client_id"] in client_ids and entry.get("rollback_state") != "pending":
            items.append(dict(item, action="none", new_credential=name + PREVIOUS_SUFFIX,
                              reason="the retired credential is back already (client id %s)" % entry["retired_client_id"]))
        elif not entry.get("retired_client_secret"):
            reason = ("the sink never held the secret of the retired credential (client id %s; it was not made by this "
                      "collection), so it cannot be re-created" % entry["retired_client_id"])
            items.append(dict(item, action="blocked", reason=reason))
        else:
            items.append(dict(item, action="restore_previous", new_credential=name + PREVIOUS_SUFFIX,
                              reason="re-create the credential the last rotation retired (client id %s) as %s, next to %s"
                                     % (entry["retired_client_id"], name + PREVIOUS_SUFFIX, name)))
    return items


def _is_ours(entry, companion):
    """Was ``companion`` (a ``<name>_new``) created by this collection, with its secret in the sink?"""
    if not entry or entry.get("new_credential") != companion["name"]:
        return False
    if entry.get("client_id"):
        return entry["client_id"] == companion.get("client_id")
    return entry.get("state") == "pending"  # the platform generated the secret and the answer was lost


def audit_findings(item, entry):
    """What an audit reports for one plan item without a request (pure): age, orphans, unfinished runs.

    A ``<name>_new`` this collection did not make is an orphan: no sink holds its secret. The consumers' own
    secrets of credentials the collection never rotated are not (the sink never held them).
    """
    found = []
    if item["action"] in ("create_new", "retire_old"):
        found.append("overdue: %s" % item["reason"])
    elif item["action"] == "blocked":
        found.append("overdue: %s" % item["reason"])
    if item.get("companion_path") and not item.get("ours"):
        found.append("orphan: %s exists, but no sink holds its secret (it was not made by this collection)" % item["new_credential"])
    if entry.get("state") in ("pending", "retiring"):
        found.append("unfinished: an interrupted run left this credential %s; run the rotation playbook" % entry["state"])
    return found


def secret_to_prove(item, entry):
    """(credential path, client id, secret) of the sink's secret for this item, or None when the sink holds none here."""
    if not entry.get("client_secret") or entry.get("state") in ("pending", "retiring"):
        return None
    if entry.get("state") in ("created", "verified") and item.get("companion_path"):
        return item["companion_path"], entry["client_id"], entry["client_secret"]
    if entry.get("client_id") and entry["client_id"] == item.get("client_id"):
        return item["path"], entry["client_id"], entry["client_secret"]
    return None


def summarize(items):
    counts = {}
    for item in items:
        counts[item["action"]] = counts.get(item["action"], 0) + 1
    return counts


# ---- secrets --------------------------------------------------------------------------------------
def generated_pair():
    """A client id and secret in the platform's own format (32 hex characters, 128 bits)."""
    return secrets.token_hex(16), secrets.token_hex(16)
