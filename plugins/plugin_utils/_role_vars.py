# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the apiops.credentials collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""From the variables of a play to the options of a platform's engine task: the one place that maps them.

Every option of the engine task (its argument spec is the declaration: ``ansible-doc apiops.credentials.<task>``) is
also a variable, under three names; the first one set wins:

- ``rotation_<option>``: the generic role's variable (``apiops.credentials.rotation``);
- ``<role>_<option>``: the platform's named role's variable, as every earlier release took it
  (``uaa_secret_rotation_clients``);
- ``<platform>_<option>``: a host variable of the platform (``uaa_clients``, ``uaa_max_age_days``). A login option
  already named for its platform is that variable itself (``uaa_url``), and ``validate_certs`` is ``uaa_validate_certs``,
  as the playbooks' module_defaults read them before.

Explicit task arguments and module_defaults win over all three. Any ``rotation_`` or ``<role>_`` variable that is
neither an option nor one of the role's own is an error, so that a misspelt variable cannot fall back to a default
unnoticed; ``<platform>_`` variables that are not options are left alone (inventories hold others).
"""

from __future__ import annotations

import difflib
import os

from ansible_collections.apiops.credentials.plugins.plugin_utils._platforms import sink_file

GENERIC = "rotation"
# The role's own variables (not options of the engine task), with their defaults.
ROLE_OPTIONS = {
    "platform": None,
    "operation": "rotate",
    "allow_empty": False,
    "report_path": None,
    "report_dir": None,
    "hook_tasks": "",
    "delivery_tasks": "",
}
# Only the role itself takes these from its own names (a host variable uaa_operation must not roll a server back).
NOT_FROM_HOST = ("platform", "operation")
# Options the role sets from what it is doing; a variable cannot set them.
SET_BY_ROLE = frozenset(("target", "state", "operation", "audit", "verify_only", "hook", "hook_delivered", "hook_failed",
                         "run_id", "report_json", "report_markdown", "plan", "fail_on_error"))
# What the role sets or hands its delivery tasks under its own names, and options an earlier release took that no
# longer do anything (state_dir: the grant dance journals in the sink): never read as options.
OUTPUTS = ("audit_findings", "delivered", "sink_path", "state_dir")
OPERATIONS = ("rotate", "rollback", "audit", "verify")
# What each operation asks of the engine task, and the option the task must have for it ("state": what the task does).
OPERATION_ARGS = {"rotate": ({}, None), "rollback": ({"state": "rollback"}, "state"),
                  "audit": ({"audit": True}, "audit"), "verify": ({"verify_only": True}, "verify_only")}


def unset(value, spec):
    """Is a variable's value the way to leave an option unset? An empty value of an option without a default (a
    consumer_org of ""), and 0 or "" for an option with an environment fallback (time_budget: APIOPS_TIME_BUDGET)."""
    if value is None:
        return True
    if spec.get("required"):
        return False  # an empty list of clients is a list (the role checks allow_empty)
    if spec.get("default") is None and value in ("", {}, []):
        return True
    if spec.get("fallback") and not isinstance(value, bool):
        try:
            return float(value) == 0
        except (TypeError, ValueError):
            return value == ""
    return False


def _option_for(name, prefix, argspec):
    suffix = name[len(prefix):]
    if suffix in argspec:
        return suffix
    if name in argspec:  # a login option named for its platform (uaa_url) is the host variable itself
        return name
    return None


def _unknown(name, prefix, argspec):
    known = sorted({prefix + option for option in argspec if option not in SET_BY_ROLE}
                   | {prefix + option for option in ROLE_OPTIONS} | {prefix + output for output in OUTPUTS})
    close = difflib.get_close_matches(name, known, n=1)
    if close:
        return "unknown variable %s; did you mean %s?" % (name, close[0])
    return "unknown variable %s; the role has no option like it." % name


def select(row, argspec, names):
    """({option: variable}, {role option: variable}, problems): which of ``names`` sets what, by the precedence above.

    Only names are looked at, so that a variable that sets nothing is never templated.
    """
    chosen, settings, problems = {}, {}, []
    for prefix, strict in ((GENERIC + "_", True), (row.role + "_", True), (row.name + "_", False)):
        for name in sorted(names):
            if not name.startswith(prefix):
                continue
            if not strict and name.startswith(row.role + "_"):
                continue  # uaa_secret_rotation_x is the role's variable, read above
            suffix = name[len(prefix):]
            if suffix in OUTPUTS:
                continue
            if suffix in ROLE_OPTIONS and (strict or suffix not in NOT_FROM_HOST):
                settings.setdefault(suffix, name)
                continue
            option = _option_for(name, prefix, argspec)
            if option is None or option in SET_BY_ROLE:
                if strict:
                    problems.append(_unknown(name, prefix, argspec))
                continue
            chosen.setdefault(option, name)
    return chosen, settings, problems


def report_file(row, settings, operation, host, check_mode, environ):
    """The JSON report of this run: report_path as given, else <report_dir>/<host>-<kind>.json ("" for none)."""
    kind = {"audit": "audit", "verify": "verify"}.get(operation) or ("plan" if check_mode else "report")
    if settings.get("report_path") is not None:
        path = settings["report_path"]
    elif settings.get("report_dir") is not None:
        path = "%s/%s-%s.json" % (str(settings["report_dir"]).rstrip("/"), host, kind) if settings["report_dir"] else ""
    else:
        base = environ.get("APIOPS_REPORT_DIR") or "~/.apiops/reports"
        path = "%s/%s/%s-%s.json" % (base.rstrip("/"), row.name, host, kind)
    return os.path.expanduser(str(path)) if path else ""


def resolve(row, argspec, variables, host, check_mode=False, operation=None, handed_plans=None, handed_digests=None,
            environ=None, work=True):
    """What the role's variables ask of the engine task of ``row`` for inventory host ``host``.

    Returns ``(options, settings, problems)``: the task's options (no role option among them), the role's own settings
    (operation, report_file, hook_tasks, delivery_tasks, sink_dir, sink_file; never a secret), and one message per
    problem. ``operation`` given by the caller (the role's entry point) wins over the variables'. ``work=False``: only
    the settings are wanted (where the sink is, for break_lease), so an empty list of credentials is no problem.
    """
    environ = os.environ if environ is None else environ
    chosen, chosen_settings, problems = select(row, argspec, variables)
    settings = dict(ROLE_OPTIONS, **{setting: variables[name] for setting, name in chosen_settings.items()})
    operation = operation or settings["operation"] or "rotate"
    options = {option: variables[name] for option, name in chosen.items() if not unset(variables[name], argspec[option])}
    if operation not in OPERATIONS:
        problems.append("operation %s is not one of %s" % (operation, ", ".join(OPERATIONS)))
    else:
        extra, needs = OPERATION_ARGS[operation]
        if needs and (needs not in argspec or (argspec[needs].get("choices") and extra[needs] not in argspec[needs]["choices"])):
            problems.append("%s has no %s operation; use one of its own (see the %s role's README)" % (row.title, operation, row.role))
        options.update(extra)
    options["target"] = host
    if "sink_dir" in argspec:
        options.setdefault("sink_dir", environ.get("APIOPS_SINK_DIR") or "~/.apiops/secrets")
        options["sink_dir"] = os.path.expanduser(str(options["sink_dir"]))
    report = report_file(row, settings, operation, host, check_mode, environ)
    if report:
        options["report_json"] = report
        options["report_markdown"] = (report[:-len(".json")] if report.endswith(".json") else report) + ".md"
    hook_tasks, delivery_tasks = settings["hook_tasks"] or "", settings["delivery_tasks"] or ""
    if hook_tasks and "hook_tasks" not in argspec:
        problems.append("%s has no hook_tasks: its delivery step is delivery_tasks, given the new credentials once" % row.title)
    if delivery_tasks and row.protocol != "age_policy":  # only a catalog hands its new credentials over as a list
        problems.append("%s has no delivery_tasks: its delivery step is hook_tasks, given each new secret" % row.title)
    if hook_tasks and "hook_tasks" in argspec:
        options["hook_tasks"] = hook_tasks
    key = "%s/%s" % (row.name, host)  # this target in an AWX workflow's set_stats
    if "plan_file" not in options and key in (handed_plans or {}):
        options["plan"] = handed_plans[key]
    if "plan_digest" not in options and (handed_digests or {}).get(key):
        options["plan_digest"] = handed_digests[key]
    if row.items and settings["allow_empty"]:
        options.setdefault(row.items, [])
    if work and row.items and not options.get(row.items) and not settings["allow_empty"] and operation != "verify":
        problems.append("%s_%s is empty for %s: list the %s to work on (as %s_%s or rotation_%s), or set %s_allow_empty to true "
                        "for a host that has none on purpose. Nothing was changed."
                        % (row.role, row.items, host, row.noun, row.name, row.items, row.items, row.role))
    sink_dir = options.get("sink_dir") or ""
    return options, {
        "operation": operation,
        "platform": row.name,
        "role": row.role,
        "noun": row.noun,
        "item": (row.items or row.noun)[:-1],  # one of them, for messages: "2 client(s) failed"
        "report_file": report,
        "hook_tasks": hook_tasks,
        "delivery_tasks": delivery_tasks,
        "sink_dir": sink_dir,  # "" when no variable sets it: the engine task's default then
        "sink_file": sink_file(row.name, sink_dir, host) if sink_dir else "",
        "sink": options.get("sink") or "file",
        # Which variables hold the remote sinks' settings (tokens among them), for the delivery hook's lookups: their
        # names, never their values.
        "sink_variables": {kind: chosen[kind] for kind in ("hashicorp_vault", "aws_secrets_manager") if kind in chosen},
    }, problems


def notify_wanted(webhook, textfile_dir, environ):
    """A webhook or an audit metrics directory is configured: the notify role runs after the engine task."""
    return bool(webhook) or bool(textfile_dir) or bool(environ.get("APIOPS_WEBHOOK_URL") or environ.get("APIOPS_WEBHOOK_URL_FILE"))


def gates(settings, outcome, check_mode, notify, hooks_checked=None):
    """What the role's tasks after the engine task have to do (tasks/run.yml), decided once here: as conditions in
    Jinja they were templated again by every task of every run, a worker process each.

    ``before``: a failure to stop for, the plan to show, a masked diff, or the delivery hook to check or run
    (engine.yml's include);
    ``after``: v10's delivery step, an audit's findings, notices, or failures (run.yml's include). ``hook``: the
    delivery hook has new secrets to deliver; ``delivery``: v10's delivery step has new credentials to take.
    ``hooks_checked``: this is one of the hook's own engine runs (hooked.yml goes on after it, and runs the hook).
    """
    operation = settings.get("operation")
    hook = bool(settings.get("hook_tasks") and outcome.get("hook_deliveries")) and not check_mode and operation != "audit"
    delivery = bool(settings.get("delivery_tasks") and outcome.get("delivered"))
    return {
        "before": (bool(outcome.get("failed") or outcome.get("check_hooks")) or (hook and not hooks_checked)
                   or "plan" in outcome or "diff" in outcome),
        "hook": hook,
        "delivery": delivery,
        "notify": notify,
        "after": delivery or operation == "audit" or bool(outcome.get("failures")) or notify,
    }
