# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the apiops.credentials collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""The action plugin every platform's rotation task shares: validate, run the engine once, report, sum up.

A platform's action subclasses :class:`RotationAction` and says what is its own:
its argument spec, its input checks, its adapter, its sink file and its works.
"""

from __future__ import annotations

import json
import time

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.apiops.credentials.plugins.module_utils._http import HAS_REQUESTS, ApiError, RateGate
from ansible_collections.apiops.credentials.plugins.plugin_utils import _engine
from ansible_collections.apiops.credentials.plugins.plugin_utils._aws_secrets import SecretsManagerRecords
from ansible_collections.apiops.credentials.plugins.plugin_utils._aws_secrets import settings_problem as aws_settings_problem
from ansible_collections.apiops.credentials.plugins.plugin_utils._hashicorp_vault import KvRecords, settings_problem
from ansible_collections.apiops.credentials.plugins.plugin_utils._report_file import write_reports
from ansible_collections.apiops.credentials.plugins.plugin_utils._vault_sink import RecordFile, VaultSink

display = Display()


def common_problem(args):
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
    if args["sink"] == "file" and not args["sink_dir"]:
        return "sink_dir is not set: give the directory of the sink file, or set sink to hashicorp_vault"
    if args["sink"] == "hashicorp_vault":
        return settings_problem(args["hashicorp_vault"])
    if args["sink"] == "aws_secrets_manager":
        return aws_settings_problem(args["aws_secrets_manager"])
    return None


class RotationAction(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True

    PLATFORM = None  # short name, as in reports and sink paths
    NOUN = "credentials"  # what the platform calls them, for messages
    ARGUMENT_SPEC = None

    # -- what a platform says
    def input_problem(self, args):
        """Why this task's own options cannot work together, or None."""
        return None

    def adapter(self, args, gate):
        raise NotImplementedError

    def sink_path(self, args):
        raise NotImplementedError

    def works(self, args):
        """One :class:`_engine.Work` per credential, in input order."""
        raise NotImplementedError

    def policy(self, args):
        policy = {key: args.get(key) for key in ("max_age_days", "rotate_before", "min_overlap", "verify_only")}
        policy.update(phase=args.get("phase") or "all", operation=args.get("operation") or "rotate")
        return policy

    # -- the run
    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        _validated, args = self.validate_argument_spec(argument_spec=self.ARGUMENT_SPEC)
        if not HAS_REQUESTS:
            raise AnsibleActionFail("%s needs the Python library requests on the controller" % self._task.action)
        problem = common_problem(args) or self.input_problem(args)
        if problem:
            raise AnsibleActionFail(problem + ".")  # it starts with the option it names: not capitalized
        if not args["validate_certs"]:
            display.warning("validate_certs is false: the server certificate is not checked. Prefer ca_path.")
        verify_only = bool(args.get("verify_only"))
        check_mode = bool(self._task.check_mode) or verify_only
        started = time.monotonic()

        store = self._store(args)
        adapter = self.adapter(args, RateGate(args["concurrency"]))
        if args.get("plan_file") and not check_mode:
            self._check_plan(args, adapter, store)
        works = self.works(args)
        engine = self._engine(args, adapter, store, check_mode)
        engine.run(works)

        meta = {"run_id": str(self._task._uuid), "check_mode": check_mode, "policy": self.policy(args)}
        data = _engine.report(self.PLATFORM, works, meta)
        write_reports(args["report_json"], args["report_markdown"], data)

        failed = [work for work in works if work.result in ("failed", "would fail", "skipped")]
        changing = () if verify_only else ("planned",) if check_mode else _engine.DONE
        result.update(
            changed=any(work.result in changing for work in works) or engine.journal_writes > 0 and not check_mode,
            summary=data["summary"], credentials=data["credentials"], requests=adapter.request_count,
            journal_writes=store.writes, seconds=round(time.monotonic() - started, 2),
            failures=[{"credential": w.credential, "location": w.location, "error": w.error} for w in failed],
        )
        if check_mode and not verify_only:
            result["diff"] = {"before": "", "after": "".join("%s/%s: %s (%s)\n" % (w.location, w.credential, w.action, w.reason)
                                                             for w in works if w.result == "planned")}
        counts = ", ".join("%s %d" % kv for kv in sorted(data["summary"].items()))
        if failed:
            result["msg"] = "%d of %d %s failed (%s): %s" % (
                len(failed), len(works), self.NOUN, counts,
                "; ".join("%s: %s" % (w.credential, w.error) for w in failed[:20]) + ("; ..." if len(failed) > 20 else ""))
            result["failed"] = args["fail_on_error"]
        else:
            result["msg"] = "%d %s: %s" % (len(works), self.NOUN, counts)
        return result

    def _store(self, args):
        """The journal and sink: a vault-encrypted file on the controller, HashiCorp Vault's KV v2, or AWS Secrets Manager."""
        if args["sink"] == "hashicorp_vault":
            return KvRecords(args["hashicorp_vault"], self.PLATFORM, args["target"], timeout=args["request_timeout"],
                             retries=args["retries"], warn=display.warning)
        if args["sink"] == "aws_secrets_manager":
            return SecretsManagerRecords(args["aws_secrets_manager"], self.PLATFORM, args["target"], timeout=args["request_timeout"],
                                         retries=args["retries"], validate_certs=args["validate_certs"])
        return RecordFile(VaultSink(self._loader, args["vault_password_file"], args["vault_id"]), self.sink_path(args),
                          head={"platform": self.PLATFORM, "target": args["target"]})

    def _engine(self, args, adapter, store, check_mode):
        return _engine.Engine(adapter, store, self.policy(args), check_mode=check_mode, concurrency=args["concurrency"],
                              max_failures=args["max_failures"], lock_timeout=args["lock_timeout"],
                              progress=lambda line: display.display("%s: %s" % (args["target"], line)),
                              errors=(ApiError, AnsibleActionFail))

    def _check_plan(self, args, adapter, store):
        """Refuse, before any write, a run whose platform or sink no longer match the approved plan."""
        try:
            with open(args["plan_file"], encoding="utf-8") as handle:
                plan = json.load(handle)
        except (OSError, ValueError) as error:
            raise AnsibleActionFail("plan_file %s cannot be read as a plan (%s): give the JSON report of the approved "
                                    "check-mode run" % (args["plan_file"], getattr(error, "strerror", None) or error))
        works = self._engine(args, adapter, store, check_mode=True).run(self.works(args))
        rows = [work.row(self.PLATFORM) for work in works]
        differences = _engine.plan_differences(plan, rows, self.PLATFORM, args["target"])
        if differences:
            raise AnsibleActionFail("the platform or the sink changed since the plan %s was made, so nothing was done: %s. "
                                    "Make a new plan (check mode) and have it approved"
                                    % (args["plan_file"], "; ".join(differences[:20]) + ("; ..." if len(differences) > 20 else "")))
