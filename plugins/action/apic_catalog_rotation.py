# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Controller side of apiops.credentials.apic_catalog_rotation: a whole catalog in one task, through the engine.

It runs on the controller because it writes the vault-encrypted sink (with the play's vault secrets) and must not
hand thousands of secrets back through a module result. It is the shared front (``RotationAction``) with what is
the catalog's own: the catalog is read and planned once, under a lock of the whole catalog (two runs never plan
from the same state, so no owner is told twice); the engine carries out each credential's item
(``_apic_catalog_rotation``, protocol ``age_policy``); owners are told once, at the end.
"""

from __future__ import annotations

import contextlib

from ansible.errors import AnsibleActionFail
from ansible.utils.display import Display

from ansible_collections.apiops.credentials.plugins.module_utils._apic import APIC_AUTH_ARGSPEC, ApicApi, auth_problem
from ansible_collections.apiops.credentials.plugins.module_utils._apic_rotation import (
    ACTION_LABELS,
    REPORT_FIELDS,
    ROTATION_ARGSPEC,
    check_policy,
    plan_rollback,
    plan_rotation,
    summarize,
)
from ansible_collections.apiops.credentials.plugins.module_utils._common import CONNECTION_ARGSPEC
from ansible_collections.apiops.credentials.plugins.module_utils._http import ApiError
from ansible_collections.apiops.credentials.plugins.plugin_utils import _engine, _notify
from ansible_collections.apiops.credentials.plugins.plugin_utils._apic_catalog_rotation import ACTION_KEYS, ApicCatalogAdapter, work_of
from ansible_collections.apiops.credentials.plugins.plugin_utils._platforms import sink_file
from ansible_collections.apiops.credentials.plugins.plugin_utils._plan import hook_pending
from ansible_collections.apiops.credentials.plugins.plugin_utils._rotation_action import RotationAction, hook_runs, remote_store
from ansible_collections.apiops.credentials.plugins.plugin_utils._vault_sink import RecordFile, VaultSink

display = Display()

# Shared with the docs module plugins/modules/apic_catalog_rotation.py, whose DOCUMENTATION describes it.
ARGUMENT_SPEC = dict(CONNECTION_ARGSPEC, **APIC_AUTH_ARGSPEC)
ARGUMENT_SPEC.update(ROTATION_ARGSPEC)
CATALOG_LOCK = "catalog"  # the remote sinks' lock of the whole catalog (record keys all have slashes)


class ActionModule(RotationAction):
    PLATFORM = "apic"
    ARGUMENT_SPEC = ARGUMENT_SPEC
    SINK_DIR = False  # sink_dir and target, or the deprecated sink_path (input_problem)
    RUN_LOCK = True  # the catalog's lock (run_lock), which every run of this task takes before any credential

    def input_problem(self, args):
        problem = auth_problem(args) or check_policy(args["expiry_days"], args["deletion_days"])
        if not problem and args["sink"] == "file" and not self.sink_path(args):
            problem = ("sink_dir is not set: give sink_dir and target (the file is then <sink_dir>/apic/<target>.vault), "
                       "or set sink to hashicorp_vault or aws_secrets_manager")
        if not problem and args["sink"] != "file" and not args["target"]:
            problem = "target is not set: name the catalog (the inventory host), the records' place in the sink"
        return problem

    def adapter(self, args, gate):
        return ApicCatalogAdapter(ApicApi(args, warn=display.warning, gate=gate), args["generate_secrets"] == "locally")

    def sink_path(self, args):
        if args["sink_path"] or not (args["sink_dir"] and args["target"]):
            return args["sink_path"]
        return sink_file(self.PLATFORM, args["sink_dir"], args["target"])  # where every platform's file sink is

    def report_target(self, args):
        return "%s/%s" % (args["apic_org"], args["apic_catalog"])

    def policy(self, args):
        return {"operation": args["state"], "phase": "all", "expiry_days": args["expiry_days"],
                "deletion_days": args["deletion_days"]}

    def _store(self, args):
        if args["sink"] != "file":
            return remote_store(args["sink"], args, self.PLATFORM, display.warning)
        return RecordFile(VaultSink(self._loader, args["vault_password_file"], args["vault_id"]), self.sink_path(args),
                          head={"platform": self.PLATFORM, "org": args["apic_org"], "catalog": args["apic_catalog"]})

    @contextlib.contextmanager
    def run_lock(self, args, store, check_mode):
        """One run per catalog at a time: a second one waits, then plans from what the first left (no e-mail twice)."""
        remote = args["sink"] != "file"
        if remote:
            # Before the catalog's lock is taken: a store that refuses a lock's release would leave it held.
            store.preflight([CATALOG_LOCK], write=not check_mode)
        if check_mode:  # a dry run or an audit writes nothing, not even a lock
            yield store
            return
        holder, key = (store, CATALOG_LOCK) if remote else (store.sink, store.path)
        with holder.lock(key, args["lock_timeout"]) as held:
            if not held:
                raise AnsibleActionFail("Another run holds the lock of this catalog's sink (%s) and did not finish within "
                                        "%d s; nothing was done, so nothing is done twice: re-run once that run has ended"
                                        % (holder.lock_owner(key), args["lock_timeout"]))
            yield store if remote else self._store(args)  # the file as the run before left it

    def prepare(self, args, store, adapter):
        try:
            rows = adapter.api.discover(consumer_org=args["consumer_org"])
        except (ApiError, ValueError) as error:
            raise AnsibleActionFail("Cannot read the catalog: %s" % error)
        entries = {key: store.get(key) for key in store.keys()}
        if args["state"] == "rollback":
            self._items = plan_rollback(rows, entries)
        else:
            # With a delivery hook, an old credential is retired only once the hook was given its successor's secret.
            undelivered = {key for key, entry in entries.items() if hook_pending(entry)} if hook_runs(args) else ()
            self._items = plan_rotation(rows, args["expiry_days"], args["deletion_days"], entries, notify=bool(args["smtp"]),
                                        undelivered=undelivered)

    def works(self, args):
        return [work_of(self.report_target(args), item) for item in self._items]

    def upgrade_plan(self, plan):
        """A plan of the previous release named actions in words: read them as the keys they were."""
        rows = [dict(row, action=ACTION_KEYS.get(row.get("action"), row.get("action"))) for row in plan.get("credentials") or []]
        return dict(plan, credentials=rows)

    def after_run(self, args, works, store, check_mode):
        for work in works:
            item = work.spec
            item.update(result=work.result, steps=work.steps, error=work.error, next=work.next,
                        new_client_id=store.get(item["key"]).get("client_id") if work.result == "added" else None)
            work.columns["new_client_id"] = item["new_client_id"]

    # -- the owners' notices: the consumer orgs' owners, told once about each new credential
    def owners_missing(self, args, works):
        return []  # a consumer org without an owner e-mail fails its credentials at the end, not the catalog's run

    def notice_due(self, work, record):
        return work.result == "added" and not record.get("notified_at")

    def notice(self, args, owner, works, store):
        items = []
        for work in works:
            work.spec["new_client_id"] = store.get(work.key).get("client_id")
            items.append(work.spec)
        note = ("Please switch your applications to the new credentials within %d days: the old credentials are "
                "deleted after that." % (args["deletion_days"] - args["expiry_days"]))
        return _notify.compose(args["smtp"]["sender"], owner, items, args["apic_org"], args["apic_catalog"], note)

    def report_fields(self, args, works):
        return {"org": args["apic_org"], "catalog": args["apic_catalog"], "consumer_org": args["consumer_org"],
                "expiry_days": args["expiry_days"], "deletion_days": args["deletion_days"],
                "actions": summarize([work.spec for work in works])}

    def failure(self, work):
        return dict(super().failure(work), key=work.key, action=work.action,
                    error=work.error or "; ".join(work.findings) or work.reason)

    def result_fields(self, args, works, store, result):
        """The catalog's result as it has always been: actions counted, its own columns, and the new credentials."""
        failed = [work for work in works if work.result in _engine.FAILING + ("skipped", "findings")]
        if args["audit"]:
            msg = "%d of %d credentials have findings%s" % (len(failed), len(works), (": " + "; ".join(
                "%s/%s: %s" % (w.location, w.credential, "; ".join(w.findings)) for w in failed[:20])) if failed else "")
            return {"delivered": [], "sink_path": store.path, "msg": msg}
        items = [work.spec for work in works]
        if failed:
            msg = "%d of %d credentials failed: %s" % (len(failed), len(works), "; ".join(
                "%s: %s" % (w.key, w.error or w.reason) for w in failed[:20]) + ("; ..." if len(failed) > 20 else ""))
        else:
            msg = "%d credentials: %s" % (len(works), ", ".join("%s %d" % kv for kv in sorted(summarize(items).items())))
        return {"summary": summarize(items), "sink_path": store.path, "msg": msg,
                "credentials": [dict({field: item.get(field) for field in REPORT_FIELDS}, action=ACTION_LABELS[item["action"]])
                                for item in items],
                "delivered": [_delivery(item, store, store.path) for item in items
                              if item["action"] in ("create_new", "verify_new") and item["result"] == "added"]}


def _delivery(item, store, sink_path):
    entry = store.get(item["key"])
    return {"consumer_org": item["consumer_org"], "owner_email": item.get("owner_email"), "app": item["app"],
            "credential": item["credential"], "new_credential": item["new_credential"], "client_id": entry.get("client_id"),
            "sink_path": sink_path, "sink_key": item["key"], "notified": bool(entry.get("notified_at"))}
