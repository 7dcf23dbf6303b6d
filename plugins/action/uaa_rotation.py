# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Controller side of apiops.credentials.uaa_rotation: every client of one UAA server through the rotation engine.

It runs on the controller so that no secret is ever in a module file on disk or in a module result, and so that
the sink is written with the play's vault secrets.
"""

from __future__ import annotations

import time

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.apiops.credentials.plugins.module_utils._common import CONNECTION_ARGSPEC
from ansible_collections.apiops.credentials.plugins.module_utils._http import HAS_REQUESTS, ApiError, RateGate
from ansible_collections.apiops.credentials.plugins.module_utils._uaa import ROTATION_ARGSPEC, UAA_AUTH_ARGSPEC
from ansible_collections.apiops.credentials.plugins.plugin_utils import _engine
from ansible_collections.apiops.credentials.plugins.plugin_utils._report_file import write_reports
from ansible_collections.apiops.credentials.plugins.plugin_utils._uaa_rotation import UaaAdapter, record_key, sink_path
from ansible_collections.apiops.credentials.plugins.plugin_utils._vault_sink import RecordFile, VaultSink

display = Display()

# Shared with the docs module plugins/modules/uaa_rotation.py, whose DOCUMENTATION describes it.
ARGUMENT_SPEC = dict(CONNECTION_ARGSPEC, **UAA_AUTH_ARGSPEC)
ARGUMENT_SPEC.update(ROTATION_ARGSPEC)


def input_problem(args):
    """Why the task's options cannot work together, or None (one message that names the option and the fix)."""
    problem = _engine.check_policy(args["max_age_days"], args["rotate_before"], args["min_overlap"],
                                   args["secret_length"], args["secret_chars"])
    if problem:
        return problem
    if args["concurrency"] < 1:
        return "concurrency must be at least 1 (8 suits a UAA; raise it with care)"
    if args["max_failures"] < 0:
        return "max_failures must be 0 (no limit) or more"
    seen = set()
    for client in args["clients"]:
        strategy = client["strategy"] or args["strategy"]
        key = (client["identity_zone_subdomain"] or "uaa", client["client_id"])
        if key in seen:
            return "client %s is listed twice (zone %s); list each client once" % key[::-1]
        seen.add(key)
        if args["phase"] != "all" and strategy != "dual":
            return ("phase=%s needs strategy dual, but client %s uses %s: set the phase back to all, or give that "
                    "client strategy dual" % (args["phase"], client["client_id"], strategy))
        if not client["client_id"].strip() or "/" in client["client_id"]:
            return "client_id %r is not a UAA client id" % client["client_id"]
    return None


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        _validated, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        if not HAS_REQUESTS:
            raise AnsibleActionFail("uaa_rotation needs the Python library requests on the controller")
        problem = input_problem(args)
        if problem:
            raise AnsibleActionFail(problem + ".")  # it starts with the option it names: not capitalized
        if not args["validate_certs"]:
            display.warning("validate_certs is false: the server certificate is not checked. Prefer ca_path.")
        check_mode = bool(self._task.check_mode) or args["verify_only"]
        started = time.monotonic()

        store = RecordFile(VaultSink(self._loader, args["vault_password_file"], args["vault_id"]),
                           sink_path(args["sink_dir"], args["target"]), head={"platform": "uaa", "target": args["target"]})
        adapter = UaaAdapter(args, display.warning, RateGate(args["concurrency"]), args["secret_length"], args["secret_chars"])
        works = []
        for client in args["clients"]:
            zone = client["identity_zone_subdomain"] or None
            works.append(_engine.Work(args["target"], client["client_id"], record_key(zone, client["client_id"]), client,
                                      location=zone or "uaa", strategy=client["strategy"] or args["strategy"]))
        policy = {key: args[key] for key in ("max_age_days", "rotate_before", "phase", "min_overlap", "verify_only")}
        engine = _engine.Engine(adapter, store, policy, check_mode=check_mode, concurrency=args["concurrency"],
                                max_failures=args["max_failures"], lock_timeout=args["lock_timeout"],
                                progress=lambda line: display.display("%s: %s" % (args["target"], line)),
                                errors=(ApiError, AnsibleActionFail))
        engine.run(works)

        meta = {"run_id": str(self._task._uuid), "check_mode": check_mode,
                "policy": dict(policy, strategy=args["strategy"])}
        data = _engine.report("uaa", works, meta)
        write_reports(args["report_json"], args["report_markdown"], data)

        failed = [work for work in works if work.result in ("failed", "would fail", "skipped")]
        changing = () if args["verify_only"] else ("planned",) if check_mode else ("rotated", "added", "retired", "repaired")
        result.update(
            changed=any(work.result in changing for work in works) or engine.journal_writes > 0 and not check_mode,
            summary=data["summary"], credentials=data["credentials"], requests=adapter.request_count,
            journal_writes=store.writes, seconds=round(time.monotonic() - started, 2),
            failures=[{"credential": w.credential, "location": w.location, "error": w.error} for w in failed],
        )
        if check_mode:
            result["diff"] = {"before": "", "after": "".join("%s/%s: %s (%s)\n" % (w.location, w.credential, w.action, w.reason)
                                                             for w in works if w.result == "planned")}
        counts = ", ".join("%s %d" % kv for kv in sorted(data["summary"].items()))
        if failed:
            result["msg"] = "%d of %d clients failed (%s): %s" % (
                len(failed), len(works), counts,
                "; ".join("%s: %s" % (w.credential, w.error) for w in failed[:20]) + ("; ..." if len(failed) > 20 else ""))
            result["failed"] = args["fail_on_error"]
        else:
            result["msg"] = "%d clients: %s" % (len(works), counts)
        return result
