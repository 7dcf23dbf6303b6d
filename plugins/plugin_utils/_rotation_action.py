# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the apiops.credentials collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""The action plugin every platform's rotation task shares: validate, run the engine once, report, sum up.

A platform's action subclasses :class:`RotationAction` and says what is its own: its argument spec, its input
checks, its adapter and its works. Its name, noun and sink file come from its row in ``_platforms.PLATFORMS``.
"""

from __future__ import annotations

import contextlib
import json
import os
import time

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.apiops.credentials.plugins.module_utils._common import (
    COLLECTION,
    ENGINE_ARGSPEC,
    OLD_NAMES_REMOVED_IN,
    alias_clash,
    replaced_options,
)
from ansible_collections.apiops.credentials.plugins.module_utils._http import HAS_REQUESTS, ApiError, RateGate
from ansible_collections.apiops.credentials.plugins.plugin_utils import _engine
from ansible_collections.apiops.credentials.plugins.plugin_utils._platforms import PLATFORMS, collection_module, sink_file
from ansible_collections.apiops.credentials.plugins.plugin_utils._report import run_metadata
from ansible_collections.apiops.credentials.plugins.plugin_utils._report_file import write_reports
from ansible_collections.apiops.credentials.plugins.plugin_utils._vault_sink import RecordFile, VaultSink

display = Display()


# Where an AWX job's container keeps what it writes: gone with the pod. The job's home (~), temporary directories,
# and the private data directory ansible-runner works in (/runner, with the project checked out under it).
EPHEMERAL_ROOTS = ("~", "/tmp", "/var/tmp", "/runner")


def in_awx(task_vars):
    """Is this play an AWX / Automation Controller job? AWX sets these extra variables on every job."""
    return any((task_vars or {}).get(name) not in (None, "") for name in ("awx_job_id", "tower_job_id"))


def ephemeral_sink(path, task_vars):
    """Why a file sink at ``path`` would not outlive an AWX job, or None (outside AWX, or on a path of its own)."""
    if not in_awx(task_vars):
        return None
    where = os.path.realpath(os.path.expanduser(path))
    roots = [os.path.realpath(os.path.expanduser(root)) for root in EPHEMERAL_ROOTS]
    if (task_vars or {}).get("playbook_dir"):
        roots.append(os.path.realpath(task_vars["playbook_dir"]))
    for root in roots:
        if where == root or where.startswith(root.rstrip("/") + "/"):
            return ("the file sink %s is inside this AWX job's container (%s), which is thrown away with the job, and "
                    "with it the only copy of every new secret. Nothing was changed. Use a durable sink: set sink to "
                    "hashicorp_vault or aws_secrets_manager, or point sink_dir (APIOPS_SINK_DIR) at a persistent volume "
                    "mounted into the execution environment, outside %s" % (path, root, ", ".join(EPHEMERAL_ROOTS)))
    return None


def common_problem(args, file_sink=True):
    """Why the options every rotation task shares cannot work, or None (the message names the option)."""
    problem = _engine.check_policy(args.get("max_age_days"), args.get("rotate_before"), args.get("min_overlap", 0),
                                   args.get("secret_length"), args.get("secret_chars"))
    if problem:
        return problem
    if args["concurrency"] < 1:
        return "concurrency must be at least 1 (8 suits a platform API; raise it with care)"
    if args["max_failures"] < 0:
        return "max_failures must be 0 (no limit) or more"
    if args["lock_timeout"] < 0:
        return "lock_timeout is a number of seconds, 0 or more"
    if args["time_budget"] < 0:
        return "time_budget is a number of seconds, 0 (no budget) or more"
    if args["sink"] in args["deliver_to"]:
        return "deliver_to names %s, which is already the sink: list only further sinks" % args["sink"]
    problem = sink_problem(args, file_sink)
    if problem:
        return problem
    unknown = set(args["hook_delivered"]) & set(args["hook_failed"])
    if unknown:
        return "hook_delivered and hook_failed both name %s: a hook either delivered a secret or failed" % sorted(unknown)[0]
    return None


# The sinks besides the file, by their option: the module that has their class and their settings_problem(settings).
# Each is imported when a run names it (most runs write a file): an action's modules are compiled anew by every
# ansible-playbook, about 3 ms for each of these.
REMOTE_SINKS = {"hashicorp_vault": ("plugin_utils._hashicorp_vault", "KvRecords"),
                "aws_secrets_manager": ("plugin_utils._aws_secrets", "SecretsManagerRecords"),
                "awx_controller": ("plugin_utils._awx_controller", "AwxCredentials")}


def _notify():
    """The owner notices (smtplib, email): imported by the runs that send them."""
    return collection_module("plugin_utils._notify")


def sink_problem(args, file_sink=True):
    """Why the settings of the sink (and of each further sink) cannot work, or None (``file_sink``: check sink_dir)."""
    if file_sink and args["sink"] == "file" and not args["sink_dir"]:
        return "sink_dir is not set: give the directory of the sink file, or set sink to hashicorp_vault or aws_secrets_manager"
    for kind in {args["sink"]} | set(args.get("deliver_to") or ()):
        problem = collection_module(REMOTE_SINKS[kind][0]).settings_problem(args.get(kind)) if kind in REMOTE_SINKS else None
        if problem:
            return problem
    return None


def remote_store(kind, args, platform, warn, works=()):
    """A further sink (or the journal's): HashiCorp Vault's KV v2 or AWS Secrets Manager, at the shared key layout; or
    (a further sink only) the AWX credentials that ``awx_controller.credentials`` maps ``works`` to."""
    module, name = REMOTE_SINKS[kind]
    sink = getattr(collection_module(module), name)
    if kind == "awx_controller":
        return sink(args["awx_controller"], works, timeout=args["request_timeout"], retries=args["retries"], warn=warn,
                    connect_timeout=args.get("connect_timeout"))
    if kind == "hashicorp_vault":
        return sink(args["hashicorp_vault"], platform, args["target"], timeout=args["request_timeout"],
                    retries=args["retries"], warn=warn, connect_timeout=args.get("connect_timeout"))
    return sink(args["aws_secrets_manager"], platform, args["target"], timeout=args["request_timeout"],
                retries=args["retries"], validate_certs=args["validate_certs"], connect_timeout=args.get("connect_timeout"))


def open_store(args, platform, loader, sink_file):
    """The journal and sink: a vault-encrypted file on the controller, HashiCorp Vault's KV v2, or AWS Secrets Manager."""
    if args["sink"] != "file":
        return remote_store(args["sink"], args, platform, display.warning)
    return RecordFile(VaultSink(loader, args["vault_password_file"], args["vault_id"]), sink_file,
                      head={"platform": platform, "target": args["target"]})


def check_vocabulary(validation, given, argument_spec):
    """Refuse a task that gives one option under two names; warn of every old name it uses.

    An action plugin validates with ArgumentSpecValidator, which (unlike AnsibleModule) only notes a deprecated
    alias in the validation result: without this, a task under an old name would never hear of it.
    """
    deprecations, clash = replaced_options(given, argument_spec)
    problem = alias_clash(validation) or clash
    if problem:
        raise AnsibleActionFail(problem + ".")
    for deprecation in getattr(validation, "_deprecations", None) or []:  # ansible's "Alias 'x' is deprecated" entries
        deprecations.append(deprecation["msg"])
    for message in deprecations:
        display.deprecated(message, version=OLD_NAMES_REMOVED_IN, collection_name=COLLECTION)


# What the notice says of the previous secret, by the state of the record that holds the new one.
NOTICE_STATES = {"added": "the previous secret still works until it is retired",
                 "retiring": "the previous secret is being retired", "complete": "the previous secret no longer works",
                 "restored": "restored from the backup: the credential is again the one the backup holds"}


def hook_runs(args):
    """Does a delivery hook run after this task: hook_tasks names its tasks file (or the deprecated hook says so)."""
    return bool(args.get("hook_tasks")) or bool(args.get("hook"))


def plan_lines(works, digest, target):
    """The plan in words, one line a credential, for the job log an approver reads (no secret)."""
    lines = ["Plan for %s, digest %s (pass it as plan_digest to the approved run)" % (target, digest)]
    for work in works:
        if work.action is None:  # it failed before it could be planned (the platform or the sink did not answer)
            lines.append("%s/%s: not planned; expected result %s: %s" % (work.location, work.credential, work.result, work.error))
            continue
        lines.append("%s/%s: %s, %s; strategy %s, %s; expected result %s%s%s" % (
            work.location, work.credential, work.action, work.reason, work.strategy, _engine.OVERLAP.get(work.overlap) or "-",
            work.result, ": %s" % work.error if work.error else "", "; %s" % work.rollback if work.rollback else ""))
    return lines


def masked_diff(works, done=False):
    """Before and after of every credential that changes (or would), secrets masked, for --diff and AWX's "Show changes"."""
    changing = _engine.DONE if done else ("planned",)
    before, after = [], []
    for work in works:
        if work.result not in changing:
            continue
        name = "%s/%s" % (work.location, work.credential)
        record = work.before
        state, rotated = record.get("state") or "unknown", record.get("rotated_at") or "never by this collection"
        before.append("%s: secret ******** (state %s, rotated %s)\n" % (name, state, rotated))
        after.append("%s: secret ******** (%s: %s)\n" % (name, work.result if done else work.action, work.reason))
    return {"before": "".join(before), "after": "".join(after)}


def preflight_stores(store, deliveries, works, write):
    """Every sink this run writes (the journal's and each further one) is reachable and allows what the run needs,
    before any platform is touched: a sink found wanting after a hard cut would leave the new secret nowhere."""
    keys = [work.key for work in works]
    if not keys:
        return
    for each in (store,) + tuple(deliveries):
        each.preflight(keys, write=write)


class RotationAction(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True

    PLATFORM = None  # the platform's row in _platforms.PLATFORMS
    ARGUMENT_SPEC = None
    SINK_DIR = True  # the file sink is placed by sink_dir (a platform that places it otherwise checks it itself)

    @property
    def row(self):
        return PLATFORMS[self.PLATFORM]

    # -- what a platform says
    def input_problem(self, args):
        """Why this task's own options cannot work together, or None."""
        return None

    def adapter(self, args, gate):
        raise NotImplementedError

    def sink_path(self, args):
        return sink_file(self.PLATFORM, args["sink_dir"], args["target"])

    def works(self, args):
        """One :class:`_engine.Work` per credential, in input order (the same each time it is called in a run)."""
        raise NotImplementedError

    def policy(self, args):
        policy = {key: args.get(key) for key in ("max_age_days", "rotate_before", "min_overlap", "verify_only", "require_rollback")}
        # The policy (in the report and the plan's digest) keeps the key "operation": approved plans carry it.
        policy.update(phase=args.get("phase") or "all", operation=args.get("state") or "rotate")
        return policy

    def report_target(self, args):
        """The target the report rows and the plan's digest name."""
        return args["target"]

    RUN_LOCK = False  # run_lock holds the journal's sink for the whole run: no lease per credential there

    def run_lock(self, args, store, check_mode):  # pylint: disable=unused-argument
        """A context around the whole run that yields the store to use (a platform that plans all its credentials at
        once holds a lock of its own here, so that two runs do not plan from the same state; it sets RUN_LOCK)."""
        return contextlib.nullcontext(store)

    def prepare(self, args, store, adapter):
        """Read what ``works`` is made from, once the store is open (and the run's lock held)."""

    def after_run(self, args, works, store, check_mode):
        """What follows the engine's run (and the owners' notices) before the report."""

    # -- the owners' notices (smtp): who is told, about what, in which words
    def owner_of(self, args, work):
        return work.spec.get("owner_email") or args.get("owner_email")

    def owners_missing(self, args, works):
        """The credentials nobody would be told about; the run refuses to start while there are any."""
        return [work for work in works if not self.owner_of(args, work)]

    def notice_due(self, work, record):  # pylint: disable=unused-argument
        """Is the secret this record holds still to be told (the engine marked it when it recorded the secret)?"""
        return bool(record.get("notice_due"))

    def notice(self, args, owner, works, store):
        """The message to ``owner`` about ``works``: names, places and keys, never a secret."""
        what = "%s on %s (%s)" % (self.row.noun, self.row.title, self.report_target(args))
        lines = ["Hello,", "", "New secrets were made for these %s:" % what, ""]
        for work in works:
            state = store.get(work.key).get("state")
            lines.append("  - %s/%s: %s; the new secret is in %s, key %s" % (
                work.location, work.credential, NOTICE_STATES.get(state, "the previous secret is retired"), store.path, work.key))
        lines += ["", _notify().SECRETS_ELSEWHERE, ""]
        count = len(works)
        return _notify().message(args["smtp"]["sender"], owner, "%d new secret%s: %s" % (count, "" if count == 1 else "s", what), lines)

    def report_fields(self, args, works):
        """The platform's own top-level fields of the report."""
        return {}

    def upgrade_plan(self, plan):
        """An approved plan as this release reads it (a plan of the previous release may name things otherwise)."""
        return plan

    def failure(self, work):
        return {"credential": work.credential, "location": work.location, "error": work.error or "; ".join(work.findings)}

    def result_fields(self, args, works, store, result):
        """The platform's own fields of the task's result (documented in its docs module)."""
        return {}

    # -- the run
    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        validation, args = self.validate_argument_spec(argument_spec=self.ARGUMENT_SPEC)
        check_vocabulary(validation, self._task.args, self.ARGUMENT_SPEC)
        for name, spec in ENGINE_ARGSPEC.items():  # what a task does not offer is the engine's default
            args.setdefault(name, spec.get("default"))
        if not HAS_REQUESTS:
            raise AnsibleActionFail("%s needs the Python library requests on the controller" % self._task.action)
        problem = self.input_problem(args) or common_problem(args, self.SINK_DIR)
        if not problem and args["sink"] == "file":
            problem = ephemeral_sink(self.sink_path(args), task_vars)
        if problem:
            raise AnsibleActionFail(problem + ".")  # it starts with the option it names: not capitalized
        if not args["validate_certs"]:
            display.warning("validate_certs is false: the server certificate is not checked. Prefer ca_path.")
        verify_only = bool(args.get("verify_only"))
        audit = bool(args.get("audit"))
        check_mode = bool(self._task.check_mode) or verify_only or audit  # neither writes, not even a lock
        started = time.monotonic()

        hook_pass = bool(args["hook_delivered"] or args["hook_failed"])
        if hook_pass and args.get("phase") != "add":
            # The second run retires what waited for the hook, and starts nothing new. In phase add it only notes
            # the deliveries: the old secrets wait for the operator's phase retire, as without a hook.
            args["phase"] = "retire"
        with self.run_lock(args, self._store(args), check_mode) as store:
            return self._run(args, store, task_vars, result, check_mode, started)

    def _run(self, args, store, task_vars, result, check_mode, started):
        verify_only, audit, target = bool(args.get("verify_only")), bool(args.get("audit")), self.report_target(args)
        hook_pass = bool(args["hook_delivered"] or args["hook_failed"])
        adapter = self.adapter(args, RateGate(args["concurrency"]))
        self.prepare(args, store, adapter)
        approved = None  # the digest of the approved plan this run carries out
        if (args.get("plan_file") or args.get("plan")) and not check_mode and not hook_pass:
            approved = self._check_plan(args, adapter, store)
        works = self.works(args)
        notify = bool(args.get("smtp")) and args.get("state") in ("rotate", "restore") and not verify_only and not audit
        if notify and not hook_pass:  # the role's second run: its first one checked the server and the owners
            self._notices_possible(args, works)
        if hook_pass:
            # The role's second run, after the delivery hook: only the credentials the hook was given.
            named = set(args["hook_delivered"]) | set(args["hook_failed"])
            works = [work for work in works if work.key in named]
        engine = self._engine(args, adapter, store, check_mode, notices=notify and not check_mode)
        preflight_stores(store, engine.deliveries, works, write=not check_mode)
        engine.run(works)
        if notify and not check_mode:
            due = [work for work in works if self.notice_due(work, store.get(work.key))]
            _notify().tell(args["smtp"], store, due, self.notice_due, lambda work: self.owner_of(args, work),
                           lambda owner, owned: self.notice(args, owner, owned, store),
                           lease_timeout=None if self.RUN_LOCK else args["lock_timeout"])
        self.after_run(args, works, store, check_mode)

        meta = {"run_id": args["run_id"] or str(self._task._uuid), "check_mode": check_mode, "policy": self._policy(args),
                "partial": hook_pass, "audit": audit, "plan_digest": approved,
                "run": run_metadata(task_vars, time.time() - (time.monotonic() - started))}  # when it started, on the wall clock
        meta.update(self.report_fields(args, works))
        data = _engine.report(self.PLATFORM, works, meta)
        if check_mode and not verify_only and not audit:
            data["plan_digest"] = _engine.plan_digest(data, self.PLATFORM, target)  # what an approver passes on
        write_reports(args["report_json"], args["report_markdown"], data)

        failed = [work for work in works if work.result in _engine.FAILING + ("skipped", "findings")]
        changing = () if verify_only or audit else ("planned",) if check_mode else _engine.DONE
        result.update(
            changed=any(work.result in changing for work in works) or engine.journal_writes > 0 and not check_mode,
            summary=data["summary"], credentials=data["credentials"], requests=adapter.request_count,
            journal_writes=store.writes, seconds=round(time.monotonic() - started, 2),
            failures=[self.failure(work) for work in failed],
            run_id=meta["run_id"], plan_digest=data.get("plan_digest"), sink_file=self.sink_path(args) if args["sink"] == "file" else None,
            # For the role's delivery hook: which credentials, never their secrets (the hook reads those from the sink).
            hook_deliveries=[{"key": w.key, "credential": w.credential, "location": w.location, "target": w.target,
                              "platform": self.PLATFORM, "state": w.journal.record.get("state") if w.journal else None}
                             for w in works if w.hook_due],
        )
        if check_mode and not verify_only and not audit:
            # Where approvers look: lines for the job log, a masked diff, and the plan itself for a workflow's next job.
            result["plan_lines"] = plan_lines(works, data["plan_digest"], target)
            if self._task.diff:
                result["diff"] = masked_diff(works)
            result["plan"] = {name: data[name] for name in ("schema", "check_mode", "policy", "credentials")}
        elif not verify_only and not audit and self._task.diff:
            result["diff"] = masked_diff(works, done=True)
        counts = ", ".join("%s %d" % kv for kv in sorted(data["summary"].items()))
        if failed:
            result["msg"] = "%d of %d %s %s (%s): %s" % (
                len(failed), len(works), self.row.noun, "have findings" if audit else "failed", counts,
                "; ".join("%s: %s" % (w.credential, w.error or "; ".join(w.findings)) for w in failed[:20])
                + ("; ..." if len(failed) > 20 else ""))
            result["failed"] = args["fail_on_error"]
        else:
            result["msg"] = "%d %s: %s" % (len(works), self.row.noun, counts)
        result.update(self.result_fields(args, works, store, result))
        return result

    def _store(self, args):
        return open_store(args, self.PLATFORM, self._loader, self.sink_path(args) if args["sink"] == "file" else None)

    def _policy(self, args):
        policy = self.policy(args)
        if args.get("audit"):
            policy["operation"] = "audit"
        return policy

    def _notices_possible(self, args, works):
        """Before anything changes (a dry run too): every credential has an owner, and the mail server answers."""
        missing = self.owners_missing(args, works)
        if missing:
            raise AnsibleActionFail("smtp is set, but nobody would be told about %s: give each its owner_email, or "
                                    "owner_email for all. Nothing was changed" % ", ".join(
                                        "%s/%s" % (w.location, w.credential) for w in missing[:20]))
        problem = _notify().reach(args["smtp"])
        if problem:
            raise AnsibleActionFail("smtp: %s, so no owner could be told of a new secret. Nothing was changed: check "
                                    "smtp.host, smtp.port, smtp.security and the login" % problem)

    def _engine(self, args, adapter, store, check_mode, notices=False):
        return _engine.Engine(adapter, store, self._policy(args), check_mode=check_mode, concurrency=args["concurrency"],
                              max_failures=args["max_failures"], lock_timeout=args["lock_timeout"], time_budget=args["time_budget"],
                              progress=lambda line: display.display("%s: %s" % (self.report_target(args), line)),
                              errors=(ApiError, AnsibleActionFail),
                              deliveries=[remote_store(kind, args, self.PLATFORM, display.warning, self.works(args))
                                          for kind in args["deliver_to"]],
                              hook=({"delivered": set(args["hook_delivered"]), "failed": set(args["hook_failed"]),
                                     "second": bool(args["hook_delivered"] or args["hook_failed"])} if hook_runs(args) else None),
                              run_locked=self.RUN_LOCK, notices=notices)

    def _check_plan(self, args, adapter, store):
        """Refuse, before any write, a run that differs from the approved plan; the plan's digest when it does not.

        The plan is the JSON report of a check-mode run, as a file (``plan_file``) or as data (``plan``: an AWX
        workflow passes it from the check job's ``set_stats`` to the real job, whose pod has no file of the first).
        """
        where = args.get("plan_file") or "given as data"
        plan = args.get("plan")
        if plan is None:
            try:
                with open(args["plan_file"], encoding="utf-8") as handle:
                    plan = json.load(handle)
            except (OSError, ValueError) as error:
                raise AnsibleActionFail("plan_file %s cannot be read as a plan (%s): give the JSON report of the approved "
                                        "check-mode run" % (args["plan_file"], getattr(error, "strerror", None) or error))
        digest = _engine.plan_digest(plan, self.PLATFORM, self.report_target(args))
        plan = self.upgrade_plan(plan) if isinstance(plan, dict) else plan
        if args.get("plan_digest") and args["plan_digest"] != digest:
            raise AnsibleActionFail("the plan (%s) is not the one approved: its digest is %s, the approved one %s (the file "
                                    "was edited or replaced), so nothing was done. Carry out the approved plan, or make a "
                                    "new one and have it approved" % (where, digest, args["plan_digest"]))
        works = self._engine(args, adapter, store, check_mode=True).run(self.works(args))
        rows = [work.row(self.PLATFORM) for work in works]
        differences = _engine.plan_differences(plan, rows, self.PLATFORM, self.report_target(args), self._policy(args))
        if differences:
            raise AnsibleActionFail("this run would differ from the approved plan (%s), so nothing was done: %s. Make a new "
                                    "plan (check mode) and have it approved"
                                    % (where, "; ".join(differences[:20]) + ("; ..." if len(differences) > 20 else "")))
        return digest
