# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Controller side of apiops.credentials.apic_catalog_rotation: a whole catalog in one task, through the engine.

It runs on the controller because it writes the vault-encrypted sink (with the
play's vault secrets) and must not hand thousands of secrets back through a
module result. The catalog is read and planned once; the engine carries out each
credential's item (``_apic_catalog_rotation``); owners are told once, at the end.
"""

from __future__ import annotations

import contextlib
import json
import time

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.apiops.credentials.plugins.module_utils._apic import APIC_AUTH_ARGSPEC, ApicApi, auth_problem
from ansible_collections.apiops.credentials.plugins.module_utils._apic_rotation import (
    ACTION_LABELS,
    REPORT_FIELDS,
    ROTATION_ARGSPEC,
    WRITE_ACTIONS,
    audit_findings,
    check_policy,
    now_iso,
    plan_rollback,
    plan_rotation,
    report_row,
    secret_to_prove,
    summarize,
)
from ansible_collections.apiops.credentials.plugins.module_utils._common import CONNECTION_ARGSPEC
from ansible_collections.apiops.credentials.plugins.module_utils._http import HAS_REQUESTS, ApiError, RateGate
from ansible_collections.apiops.credentials.plugins.plugin_utils import _engine, _notify
from ansible_collections.apiops.credentials.plugins.plugin_utils._apic_catalog_rotation import ApicCatalogAdapter
from ansible_collections.apiops.credentials.plugins.plugin_utils._engine import FAILING, SCHEMA, plan_differences, plan_digest, record_digest
from ansible_collections.apiops.credentials.plugins.plugin_utils._report import operation_of, run_metadata
from ansible_collections.apiops.credentials.plugins.plugin_utils._report_file import write_reports
from ansible_collections.apiops.credentials.plugins.plugin_utils._rotation_action import SETTINGS_PROBLEMS, ephemeral_sink, remote_store
from ansible_collections.apiops.credentials.plugins.plugin_utils._vault_sink import RecordFile, VaultSink

display = Display()

# Shared with the docs module plugins/modules/apic_catalog_rotation.py, whose DOCUMENTATION describes it.
ARGUMENT_SPEC = dict(CONNECTION_ARGSPEC, **APIC_AUTH_ARGSPEC)
ARGUMENT_SPEC.update(ROTATION_ARGSPEC)
CATALOG_LOCK = "catalog"  # the remote sinks' lock of the whole catalog (record keys all have slashes)


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        _validated, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        if not HAS_REQUESTS:
            raise AnsibleActionFail("apic_catalog_rotation needs the Python library requests on the controller")
        for problem in (auth_problem(args), check_policy(args["expiry_days"], args["deletion_days"])):
            if problem:
                raise AnsibleActionFail(problem + ".")  # it starts with the option it names: not capitalized
        if args["concurrency"] < 1:
            raise AnsibleActionFail("concurrency must be at least 1 (8 suits a platform API; raise it with care)")
        if args["max_failures"] < 0:
            raise AnsibleActionFail("max_failures must be 0 (no limit) or more")
        if args["time_budget"] < 0:
            raise AnsibleActionFail("time_budget is a number of seconds, 0 (no budget) or more")
        if args["sink"] == "file" and not args["sink_path"]:
            raise AnsibleActionFail("sink_path is not set: give the catalog's sink file, or set sink to hashicorp_vault or "
                                    "aws_secrets_manager")
        if args["sink"] == "file" and ephemeral_sink(args["sink_path"], task_vars):
            raise AnsibleActionFail(ephemeral_sink(args["sink_path"], task_vars) + ".")
        if args["sink"] != "file":
            problem = SETTINGS_PROBLEMS[args["sink"]](args[args["sink"]])
            if problem or not args["target"]:
                raise AnsibleActionFail((problem or "target is not set: name the catalog (the inventory host), the "
                                         "records' place in the sink") + ".")
        if not args["validate_certs"]:
            display.warning("validate_certs is false: the server certificate is not checked. Prefer ca_path.")
        check_mode = bool(self._task.check_mode) or args["audit"]  # an audit writes nothing, not even a lock
        started = time.monotonic()

        if args["sink"] == "file":
            # The file is read once its lock is held.
            store, holder, lock_key = None, VaultSink(self._loader, args["vault_password_file"], args["vault_id"]), args["sink_path"]
        else:
            store = remote_store(args["sink"], args, "apic", display.warning)
            holder, lock_key = store, CATALOG_LOCK
            # Before the catalog's lock is taken: a store that refuses a lock's release would leave it held.
            store.preflight([CATALOG_LOCK], write=not check_mode)
        # One run per catalog at a time: a second one waits, then reads what the first left (no e-mail twice).
        with contextlib.nullcontext(True) if check_mode else holder.lock(lock_key, args["lock_timeout"]) as held:
            if not held:
                raise AnsibleActionFail("Another run holds the lock of this catalog's sink (%s) and did not finish within "
                                        "%d s; nothing was done, so nothing is done twice: re-run once that run has ended"
                                        % (holder.lock_owner(lock_key), args["lock_timeout"]))
            if store is None:
                store = RecordFile(holder, args["sink_path"], head={"platform": "apic", "org": args["apic_org"], "catalog": args["apic_catalog"]})
            return self._run_locked(args, store, check_mode, started, result)

    def _run_locked(self, args, store, check_mode, started, result):
        api = ApicApi(args, warn=display.warning, gate=RateGate(args["concurrency"]))
        try:
            rows = api.discover(consumer_org=args["consumer_org"])
        except (ApiError, ValueError) as error:
            raise AnsibleActionFail("Cannot read the catalog: %s" % error)
        entries = {key: store.get(key) for key in store.keys()}
        where = args["sink_path"] if args["sink"] == "file" else store.path  # in reports and results
        if args["operation"] == "rollback":
            items = plan_rollback(rows, entries)
        else:
            items = plan_rotation(rows, args["expiry_days"], args["deletion_days"], entries, notify=bool(args["smtp"]))
        target = "%s/%s" % (args["apic_org"], args["apic_catalog"])
        digests = {item["key"]: record_digest(entries.get(item["key"])) for item in items}
        if args["audit"]:
            return self._audit(args, api, items, entries, digests, (target, where), started, result)

        approved = None  # the digest of the approved plan this run carries out
        if (args["plan_file"] or args["plan"]) and not check_mode:
            # An approved plan is carried out only while the catalog and the sink are as they were when it was made.
            plan = args["plan"] if args["plan"] is not None else _load_plan(args["plan_file"])
            approved = plan_digest(plan, "apic", target)
            if args["plan_digest"] and args["plan_digest"] != approved:
                where_plan = args["plan_file"] or "given as data"
                raise AnsibleActionFail("The plan (%s) is not the one approved: its digest is %s, the approved one %s (edited or "
                                        "replaced), so nothing was done" % (where_plan, approved, args["plan_digest"]))
            for item in items:
                item["result"] = "planned" if item["action"] in WRITE_ACTIONS else "would fail" if item["action"] == "blocked" else "unchanged"
            rows_now = [report_row(item, digests.get(item["key"]), where, target) for item in items]
            differences = plan_differences(plan, rows_now, "apic", target)
            if differences:
                raise AnsibleActionFail("The catalog or the sink changed since the plan %s was made, so nothing was done: %s. "
                                        "Make a new plan (check mode) and have it approved"
                                        % (args["plan_file"] or "given as data",
                                           "; ".join(differences[:20]) + ("; ..." if len(differences) > 20 else "")))

        # One engine run: a lock per credential, the journal before each write, bounded concurrency, clean stops.
        works = [_engine.Work(target, item["credential"], item["key"], item, location="%s/%s" % (item["consumer_org"], item["app"]),
                              strategy="age policy") for item in items]
        engine = _engine.Engine(ApicCatalogAdapter(api, args["generate_secrets"] == "locally"), store, {}, check_mode=check_mode,
                                concurrency=args["concurrency"], max_failures=args["max_failures"], lock_timeout=args["lock_timeout"],
                                time_budget=args["time_budget"], progress=lambda line: display.display("%s: %s" % (target, line)),
                                errors=(ApiError, AnsibleActionFail))
        engine.run(works)
        if args["smtp"] and not check_mode and args["operation"] == "rotate":
            self._announce(args, works, store)
        for item, work in zip(items, works):
            item.update(result=work.result, steps=work.steps, error=work.error, next=work.next,
                        new_client_id=store.get(item["key"]).get("client_id") if work.result == "added" else None)

        # The engine's report schema, with the catalog's own columns next to its fields.
        data = {"schema": SCHEMA, "generated_at": now_iso(), "run_id": str(self._task._uuid), "check_mode": check_mode,
                "operation": operation_of(args["operation"]), "run": self._run_metadata(started),
                "org": args["apic_org"], "catalog": args["apic_catalog"], "consumer_org": args["consumer_org"],
                "expiry_days": args["expiry_days"], "deletion_days": args["deletion_days"], "actions": summarize(items)}
        rows = [report_row(item, digests.get(item["key"]), where, target) for item in items]
        counts = {}
        for row in rows:
            counts[row["result"]] = counts.get(row["result"], 0) + 1
        data.update(summary=counts, failed=sum(1 for row in rows if row["result"] in FAILING), credentials=rows,
                    plan_digest=plan_digest(dict(data, credentials=rows), "apic", target) if check_mode else approved)
        # Output, not state: written in check mode too (it is the plan).
        write_reports(args["report_json"], args["report_markdown"], data)

        failed = [item for item in items if item["result"] in FAILING + ("skipped",)]
        result.update(
            changed=any(item["result"] in (("planned",) if check_mode else _engine.DONE) for item in items)
            or (store.writes > 0 and not check_mode),
            summary=summarize(items),
            credentials=[dict({field: item.get(field) for field in REPORT_FIELDS}, action=ACTION_LABELS[item["action"]])
                         for item in items],
            failures=[_failure(item) for item in failed],
            delivered=[_delivery(item, store, where) for item in items
                       if item["action"] in ("create_new", "verify_new") and item["result"] == "added"],
            requests=api.request_count, journal_writes=store.writes, seconds=round(time.monotonic() - started, 2),
            sink_path=where,
        )
        result["plan_digest"] = data["plan_digest"]
        changing = [item for item in items if item["result"] in (("planned",) if check_mode else _engine.DONE)]
        # Masked before and after, for --diff and AWX's "Show changes" (the role shows them; this task is no_log).
        result["diff"] = {"before": "".join("%s: client id %s, secret ********\n" % (item["key"], item.get("client_id"))
                                            for item in changing),
                          "after": "".join("%s: %s, %s\n" % (item["key"], ACTION_LABELS[item["action"]], item["reason"])
                                           for item in changing)}
        if check_mode:
            result["plan_lines"] = ["Plan for %s, digest %s (pass it as plan_digest to the approved run)" % (target, data["plan_digest"])]
            result["plan_lines"] += ["%s: %s, %s; expected result %s" % (row["sink"].rsplit("key ", 1)[-1], row["action"], row["reason"],
                                                                         row["result"]) for row in rows]
            result["plan"] = {name: data[name] for name in ("schema", "check_mode", "credentials")}
        if failed:
            result["msg"] = "%d of %d credentials failed: %s" % (
                len(failed), len(items), "; ".join("%s: %s" % (item["key"], item.get("error") or item["reason"]) for item in failed[:20])
                + ("; ..." if len(failed) > 20 else ""))
            result["failed"] = args["fail_on_error"]
        else:
            result["msg"] = "%d credentials: %s" % (len(items), ", ".join("%s %d" % kv for kv in sorted(result["summary"].items())))
        return result

    def _audit(self, args, api, items, entries, digests, place, started, result):
        """Read only: the plan's verdicts on age and orphans, and the sink's secrets proven with verify-client-secret."""
        target, where = place
        rows = []
        for item in items:
            entry = entries.get(item["key"]) or {}
            found = audit_findings(item, entry)
            proof = secret_to_prove(item, entry)
            if proof and not api.verify(*proof):
                found.append("drift: the platform rejects the secret in the sink (verify-client-secret)")
            item.update(result="findings" if found else "compliant", steps=["proved the secret in the sink"] if proof and not found else [])
            rows.append(dict(report_row(item, digests.get(item["key"]), where, target), findings=found))
        counts = {}
        for row in rows:
            counts[row["result"]] = counts.get(row["result"], 0) + 1
        data = {"schema": SCHEMA, "generated_at": now_iso(), "run_id": str(self._task._uuid), "check_mode": True, "audit": True,
                "operation": "audit", "run": self._run_metadata(started),
                "org": args["apic_org"], "catalog": args["apic_catalog"], "expiry_days": args["expiry_days"],
                "deletion_days": args["deletion_days"], "summary": counts, "credentials": rows,
                "failed": sum(1 for row in rows if row["result"] == "findings")}
        write_reports(args["report_json"], args["report_markdown"], data)
        failed = [row for row in rows if row["findings"]]
        result.update(changed=False, summary=counts, credentials=rows, requests=api.request_count, journal_writes=0,
                      seconds=round(time.monotonic() - started, 2), sink_path=where, delivered=[],
                      failures=[{"key": row["sink"].rsplit("key ", 1)[-1], "credential": row["credential"], "location": row["location"],
                                 "error": "; ".join(row["findings"])} for row in failed])
        result["msg"] = "%d of %d credentials have findings%s" % (
            len(failed), len(rows), (": " + "; ".join("%s/%s: %s" % (r["location"], r["credential"], "; ".join(r["findings"]))
                                                      for r in failed[:20])) if failed else "")
        if failed:
            result["failed"] = args["fail_on_error"]
        return result

    def _run_metadata(self, started):
        """The report's ``run``: the play's variables (AWX's job variables among them) are the templar's."""
        return run_metadata(getattr(self._templar, "available_variables", None) or {}, time.time() - (time.monotonic() - started))

    def _announce(self, args, works, store):
        """One e-mail per owner for every new credential that is proven and not yet announced; the sink remembers."""
        ready = [work for work in works if work.result == "added" and not store.get(work.key).get("notified_at")]
        if not ready:
            return
        for work in ready:
            work.spec["new_client_id"] = store.get(work.key).get("client_id")
        outcome = self._notifier(args)([work.spec for work in ready])
        stamp = now_iso()
        for work in ready:
            problem = outcome.get(work.key)
            if problem:
                work.result = "failed"
                work.error = ("%s is ready and in the sink, but the owner could not be told: %s (a re-run tries again)"
                              % (work.spec["new_credential"], problem))
            else:
                store.put(work.key, dict(store.get(work.key), notified_at=stamp), wait=False)
                work.steps.append("told %s" % work.spec["owner_email"])
        try:
            store.flush()
        except AnsibleActionFail as error:
            for work in ready:
                if work.result == "added":
                    work.result = "failed"
                    work.error = "the owner was told, but the sink could not record it (%s): a re-run tells them again" % error

    def _notifier(self, args):
        settings = dict(args["smtp"])
        org, catalog, deletion_days, expiry_days = args["apic_org"], args["apic_catalog"], args["deletion_days"], args["expiry_days"]

        def notify(items):
            by_owner = {}
            for item in items:
                if item.get("owner_email"):
                    by_owner.setdefault(item["owner_email"], []).append(item)
            note = ("Please switch your applications to the new credentials within %d days: the old credentials are "
                    "deleted after that." % (deletion_days - expiry_days))
            messages = {owner: _notify.compose(settings["sender"], owner, owned, org, catalog, note)
                        for owner, owned in by_owner.items()}
            sent = _notify.send(settings, messages)
            outcome = {}
            for item in items:
                owner = item.get("owner_email")
                outcome[item["key"]] = "the consumer org has no owner e-mail" if not owner else sent.get(owner)
            return outcome

        return notify


def _load_plan(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError) as error:
        raise AnsibleActionFail("plan_file %s cannot be read as a plan (%s): give the JSON report of the approved check-mode "
                                "run" % (path, getattr(error, "strerror", None) or error))


def _failure(item):
    return {"key": item["key"], "action": item["action"], "error": item.get("error") or item["reason"]}


def _delivery(item, store, sink_path):
    entry = store.get(item["key"])
    return {"consumer_org": item["consumer_org"], "owner_email": item.get("owner_email"), "app": item["app"],
            "credential": item["credential"], "new_credential": item["new_credential"], "client_id": entry.get("client_id"),
            "sink_path": sink_path, "sink_key": item["key"], "notified": bool(entry.get("notified_at"))}
