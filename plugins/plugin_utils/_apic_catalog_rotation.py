# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the apiops.credentials collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""The API Connect v10 adapter of the rotation engine: a catalog's age policy, one credential at a time.

The catalog is read once and planned as a whole (``_apic_rotation.plan_rotation``,
pure); the engine then runs each credential's item under its lock. The overlap is
a second credential: ``<name>_new`` is created and proven next to the old one, and
the old one is deleted (and proven gone) only after the grace period.

The journal is the credential's record in the sink, in the layout the sink has
always had for this platform (``client_id``, ``client_secret``, ``state``...):

* ``pending``: the new client id and secret are on disk before the create is sent;
* ``created`` / ``verified``: ``<name>_new`` exists, and then verify-client-secret
  accepted the secret in the sink (only then is the owner told);
* ``retiring``: on disk before the old credential is deleted; a run that dies
  after the delete is finished by the next (rename, or only the record);
* ``active``: the rotation is over.
"""

from __future__ import annotations

from ansible_collections.apiops.credentials.plugins.module_utils._apic_rotation import (
    ACTION_LABELS,
    NEW_SUFFIX,
    audit_findings,
    generated_pair,
    now_iso,
    secret_to_prove,
    strip_new,
)
from ansible_collections.apiops.credentials.plugins.module_utils._http import ApiError
from ansible_collections.apiops.credentials.plugins.plugin_utils._adapter import Adapter, StepError, Work

ROTATION_FIELDS = ("previous_client_id", "previous_client_secret", "note")
# The catalog's own columns in the report, next to the engine's (no secret among them).
COLUMNS = ("consumer_org", "owner_email", "app", "title", "client_id", "created_at", "age_days", "new_credential")
# What the previous release's plans called each action (its reports named them in words).
ACTION_KEYS = {label: key for key, label in ACTION_LABELS.items()}


def work_of(target, item):
    """The engine's work for one plan item of the catalog (``_apic_rotation.plan_rotation``)."""
    work = Work(target, item["credential"], item["key"], item, location="%s/%s" % (item["consumer_org"], item["app"]),
                strategy="age policy")
    work.columns = {field: item.get(field) for field in COLUMNS}
    return work


class ApicCatalogAdapter(Adapter):
    platform = "apic"
    protocol = "age_policy"

    def __init__(self, api, generate_locally=True):
        self.api = api  # one ApicApi for every worker: its HTTP clients are per thread, its login shared
        self.generate_locally = generate_locally

    @property
    def request_count(self):
        return self.api.request_count

    # -- what the engine asks
    def overlap(self, work):
        return "second_credential"

    def plan(self, work):
        return {"action": work.spec["action"], "reason": work.spec["reason"]}

    def carry_out(self, work):
        return getattr(self, "_" + work.action)(work, work.spec)

    def fingerprint(self, work):
        # What the catalog showed of the credential: an approved plan is refused once it changed.
        return "client id %s, created %s" % (work.spec.get("client_id"), work.spec.get("created_at"))

    def audit(self, work):
        """Read only: the plan's verdicts on age and orphans, and the sink's secret proven with verify-client-secret."""
        found = audit_findings(work.spec, work.journal.record)
        proof = secret_to_prove(work.spec, work.journal.record)
        if proof and not self.api.verify(*proof):
            found.append("drift: the platform rejects the secret in the sink (verify-client-secret)")
        elif proof and not found:
            work.steps.append("proved the secret in the sink")
        return found

    def next_step(self, work):
        item = work.spec
        if work.action == "restore_previous":
            return ("consumers of the retired client id work again through %s; %s stays as it is (delete %s by hand once "
                    "it is not needed)" % (item["new_credential"], item["credential"], item["new_credential"]))
        if work.action in ("create_new", "verify_new"):
            return "consumers switch to %s; %s is deleted once they had the grace period" % (item["new_credential"], item["credential"])
        return None

    # -- the steps, one per plan action
    def _create_new(self, work, item):
        journal = work.journal
        record = journal.record
        if not (record.get("state") == "pending" and record.get("new_credential") == item["new_credential"]):
            client_id, secret = generated_pair() if self.generate_locally else (None, None)
            previous_secret = record.get("client_secret") if record.get("client_id") == item["client_id"] else None
            fresh = {"consumer_org": item["consumer_org"], "app": item["app"], "credential": item["credential"],
                     "new_credential": item["new_credential"], "client_id": client_id, "client_secret": secret,
                     "previous_client_id": item["client_id"], "previous_client_secret": previous_secret,
                     "state": "pending", "created_at": now_iso()}
            journal.persist(**replace_record(record, fresh))
            work.steps.append("saved the new client id and secret in the sink (pending)" if client_id else
                              "journaled the create (pending; the platform makes the secret)")
        else:
            work.resumed = True
            work.steps.append("resumed with the pending client id and secret from the sink")
        record = journal.record
        app_path = item["path"].rsplit("/credentials/", 1)[0]
        new_path = app_path + "/credentials/" + item["new_credential"]
        body = {"name": item["new_credential"], "title": (item["title"] or item["credential"]) + NEW_SUFFIX}
        if record.get("client_id"):
            body.update(client_id=record["client_id"], client_secret=record["client_secret"])

        def landed():
            # After a lost answer: is the credential there, with our client id?
            try:
                return self.api.get_credential(new_path).get("client_id") == record.get("client_id")
            except ApiError:
                return False

        try:
            created = self.api.create_credential(app_path, body, confirm=landed if record.get("client_id") else None).body or {}
        except ApiError as error:
            # 409 or 400 (the code of "client_id already exists" is not documented): ours if it carries our client id.
            if error.status not in (400, 409) or not record.get("client_id") or not landed():
                raise
            created = {}
            work.steps.append("%s was already there with the client id in the sink" % item["new_credential"])
        if not record.get("client_id"):
            # The platform made the pair: it exists only in this answer until it is on disk.
            journal.persist(client_id=created.get("client_id"), client_secret=created.get("client_secret"), state="created")
        else:
            journal.save(state="created")
        work.steps.append("created %s" % item["new_credential"])
        self._verify(work, item, new_path)
        return "added"

    def _verify_new(self, work, item):
        journal = work.journal
        new_path = item["companion_path"]
        if not journal.record.get("client_secret"):
            # The platform generated the secret and the answer was lost: only a reset gets one we know.
            reset = self.api.reset(new_path)
            journal.persist(client_id=reset.get("client_id") or item["companion_client_id"], client_secret=reset.get("client_secret"))
            work.steps.append("reset the secret of %s (the first answer was lost)" % item["new_credential"])
        if not journal.record.get("verified_at"):
            self._verify(work, item, new_path)
        return "added"

    def _verify(self, work, item, path):
        record = work.journal.record
        if not self.api.verify(path, record["client_id"], record["client_secret"]):
            raise StepError("%s exists, but the platform does not accept the secret in the sink (verify-client-secret); "
                            "it was not announced. Reset it with apiops.credentials.apic_app_credential (state=reset)"
                            % item["new_credential"])
        work.journal.save(state="verified", verified_at=now_iso())
        work.steps.append("verified %s" % item["new_credential"])

    def _retire_old(self, work, item):
        journal = work.journal
        record = journal.record
        if item.get("ours"):
            changes = {}
        else:
            changes = replace_record(record, {
                "consumer_org": item["consumer_org"], "app": item["app"], "credential": item["credential"],
                "new_credential": item["new_credential"], "client_id": item["companion_client_id"],
                "note": "%s was not created by this collection; its secret is not in the sink" % item["new_credential"]})
        changes.update(state="retiring", previous_client_id=item["client_id"])
        journal.persist(**changes)
        work.steps.append("journaled the retirement (retiring)")
        record = journal.record
        if record.get("client_secret") and not record.get("verified_at"):
            self._verify(work, item, item["companion_path"])
            journal.save(state="retiring")
        if self.api.delete_credential(item["path"]):
            work.steps.append("deleted %s" % item["credential"])
        self._prove_gone(work, item)
        self._rename(work, item["companion_path"], item.get("companion_title"), item["new_credential"], item["credential"])
        return "retired"

    def _prove_gone(self, work, item):
        """The old credential is rejected when it no longer exists: its client id and secret are gone with it."""
        try:
            self.api.get_credential(item["path"])
        except ApiError as error:
            if error.status == 404:
                work.steps.append("proved %s gone" % item["credential"])
                return
            raise
        raise StepError("%s still exists after its deletion was answered; nothing was renamed. A re-run tries again"
                        % item["credential"])

    def _finish_retire(self, work, item):
        # Here the item is the surviving <base>_new; new_credential names the base it takes back.
        self._rename(work, item["path"], item.get("title"), item["credential"], item["new_credential"])
        return "retired"

    def _finish_record(self, work, item):
        record = work.journal.record
        work.journal.save(state="active", credential=item["credential"], new_credential=None, rotated_at=now_iso(),
                          retired_client_id=record.get("previous_client_id"), retired_client_secret=record.get("previous_client_secret"),
                          **{field: None for field in ROTATION_FIELDS})
        work.steps.append("recorded the rotation an interrupted run finished")
        return "retired"

    def _rename(self, work, path, title, old_name, new_name):
        self.api.update_credential(path, {"name": new_name, "title": strip_new(title) or new_name})
        record = work.journal.record
        # The retired credential's pair is kept for a roll back (re-created from it), when this collection made it.
        work.journal.save(state="active", credential=new_name, new_credential=None, rotated_at=now_iso(),
                          retired_client_id=record.get("previous_client_id"), retired_client_secret=record.get("previous_client_secret"),
                          **{field: None for field in ROTATION_FIELDS})
        work.steps.append("renamed %s to %s" % (old_name, new_name))

    def _restore_previous(self, work, item):
        """Roll back: re-create the retired credential from the pair in the sink, next to the current one; prove it."""
        journal = work.journal
        record = journal.record
        app_path = item["path"].rsplit("/credentials/", 1)[0]
        path = app_path + "/credentials/" + item["new_credential"]
        if record.get("rollback_state") != "pending":
            journal.persist(rollback_state="pending", rollback_credential=item["new_credential"])
            work.steps.append("journaled the roll back (pending)")
        client_id, secret = record["retired_client_id"], record["retired_client_secret"]

        def landed():
            try:
                return self.api.get_credential(path).get("client_id") == client_id
            except ApiError:
                return False

        body = {"name": item["new_credential"], "title": (item["title"] or item["credential"]) + " (previous)",
                "client_id": client_id, "client_secret": secret}
        try:
            self.api.create_credential(app_path, body, confirm=landed)
            work.steps.append("re-created %s with the retired client id" % item["new_credential"])
        except ApiError as error:
            if error.status not in (400, 409) or not landed():
                raise
            work.steps.append("%s was already there with the retired client id" % item["new_credential"])
        if not self.api.verify(path, client_id, secret):
            raise StepError("%s was re-created, but the platform does not accept the retired secret (verify-client-secret); "
                            "delete it by hand, the current credential is unchanged" % item["new_credential"])
        journal.save(rollback_state=None, rolled_back_at=now_iso())
        work.steps.append("verified %s" % item["new_credential"])
        return "rolled back"


def replace_record(record, fresh):
    """Journal changes that turn ``record`` into ``fresh`` (fields of the last rotation are dropped)."""
    changes = {key: None for key in record if key != "updated_at"}
    changes.update(fresh)
    return changes
