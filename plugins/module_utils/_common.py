# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the apiops.credentials collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""What every module shares: connection options, module construction, secret masking."""

from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule, env_fallback, missing_required_lib

from ansible_collections.apiops.credentials.plugins.module_utils._http import (
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
    ApiError,
    HttpClient,
)

MASK = "********"

# The collection's one vocabulary (issue #22): sink, sink_dir, hook_tasks, secret, state. An older name stays an alias
# that warns until this release, so that existing playbooks keep working while they move to the new one.
COLLECTION = "apiops.credentials"
OLD_NAMES_REMOVED_IN = "1.0.0"


def renamed(option, old_name):
    """``option`` (an argspec entry) that also answers to ``old_name``, which warns as deprecated."""
    return dict(option, aliases=[old_name],
                deprecated_aliases=[dict(name=old_name, version=OLD_NAMES_REMOVED_IN, collection_name=COLLECTION)])


def state_option(choices, default):
    """The option that says what a task does (``state``); ``operation`` was its name in the engine tasks and in some
    modules."""
    return renamed(dict(type="str", default=default, choices=choices), "operation")


# Old options that the new ones replace with another shape (so not an alias): each still works, and warns.
REPLACED_OPTIONS = {
    "hook": ("hook_tasks", "hook is deprecated: set hook_tasks to the path of the delivery hook's tasks file instead "
                           "(a hook runs after this task when it is not empty)"),
    "sink_path": ("sink_dir", "sink_path is deprecated: give sink_dir and target instead (the file is then "
                              "<sink_dir>/<platform>/<target>.vault); while both are given, sink_path wins"),
}


def replaced_options(given, argument_spec):
    """The deprecation messages for the replaced options in ``given`` (a task's arguments as written), and the error
    of a task that gives an old option together with the one that replaces it (None when there is none).

    Only hook and hook_tasks clash: sink_path and sink_dir have always been accepted together (sink_path wins).
    """
    messages, clash = [], None
    for old, (new, message) in sorted(REPLACED_OPTIONS.items()):
        if old not in argument_spec or given.get(old) is None:
            continue
        messages.append(message)
        if old == "hook" and given.get(new) is not None:
            clash = "hook_tasks and the deprecated hook are both set: give only hook_tasks, the path of the hook's tasks file"
    return messages, clash


def alias_clash(validation_result):
    """The error for a task that sets an option under both its name and an old alias, or None.

    ansible only warns and takes the alias's value; a task that says two things under two names of one option is
    a mistake that must not run with either value silently chosen.
    """
    clashes = getattr(validation_result, "_warnings", None) or []  # ansible notes each clash here, nowhere public
    for clash in clashes:
        if isinstance(clash, dict) and clash.get("option") and clash.get("alias"):
            return ("%s and its deprecated alias %s are both set: give only %s"
                    % (clash["option"], clash["alias"], clash["option"]))
    return None


# Documented in doc_fragments/connection.py; keep the two side by side. ca_path is in each platform's auth argspec
# (ca_path_option), because each platform's AWX credential type brings its own CA.
CONNECTION_ARGSPEC = dict(
    validate_certs=dict(type="bool", default=True, fallback=(env_fallback, ["APIOPS_VALIDATE_CERTS"])),
    request_timeout=dict(type="float", default=30.0, fallback=(env_fallback, ["APIOPS_REQUEST_TIMEOUT"])),
    connect_timeout=dict(type="float", default=10.0, fallback=(env_fallback, ["APIOPS_CONNECT_TIMEOUT"])),
    retries=dict(type="int", default=5, fallback=(env_fallback, ["APIOPS_RETRIES"])),
)

# APIOPS_CA_PATH was once the only CA variable: a job with the credentials of two platforms kept one CA for both.
# It stays the last fallback for existing setups (deprecated).
SHARED_CA_VARIABLE = "APIOPS_CA_PATH"


def ca_path_option(platform_variable):
    """The ca_path option of one platform: its own environment variable first, then the shared, deprecated one."""
    return dict(type="path", fallback=(env_fallback, [platform_variable, SHARED_CA_VARIABLE]))


# Where the engine keeps its journal when it is HashiCorp Vault (KV v2); the environment variables are Vault's own,
# which an AWX credential type injects.
HASHICORP_VAULT_ARGSPEC = dict(
    url=dict(type="str", fallback=(env_fallback, ["VAULT_ADDR"])),
    token=dict(type="str", no_log=True, fallback=(env_fallback, ["VAULT_TOKEN"])),
    role_id=dict(type="str", fallback=(env_fallback, ["VAULT_ROLE_ID"])),
    secret_id=dict(type="str", no_log=True, fallback=(env_fallback, ["VAULT_SECRET_ID"])),
    namespace=dict(type="str", fallback=(env_fallback, ["VAULT_NAMESPACE"])),
    mount=dict(type="str", default="secret"),
    path=dict(type="str", default="apiops/{platform}/{target}"),
    ca_path=dict(type="path", fallback=(env_fallback, ["VAULT_CACERT"])),
    validate_certs=dict(type="bool", default=True),
)

# Where the engine keeps its journal when it is AWS Secrets Manager. Credentials not given here come from boto3's own
# chain (environment, shared profile, instance or task role), which AWX's Amazon Web Services credential type feeds.
AWS_SECRETS_MANAGER_ARGSPEC = dict(
    region=dict(type="str", fallback=(env_fallback, ["AWS_REGION", "AWS_DEFAULT_REGION"])),
    access_key=dict(type="str", no_log=False),
    secret_key=dict(type="str", no_log=True),
    session_token=dict(type="str", no_log=True),
    profile=dict(type="str"),
    role_arn=dict(type="str", fallback=(env_fallback, ["APIOPS_AWS_ROLE_ARN"])),
    endpoint_url=dict(type="str", fallback=(env_fallback, ["AWS_ENDPOINT_URL_SECRETS_MANAGER"])),
    name=dict(type="str", default="apiops/{platform}/{target}"),
    kms_key_id=dict(type="str"),
)

# Where deliver_to=awx_controller writes each new secret back: the AWX / Automation Controller credentials that hold it.
# The environment variables are awx.awx's, which AWX's "Red Hat Ansible Automation Platform" credential type injects.
AWX_CONTROLLER_ARGSPEC = dict(
    host=dict(type="str", fallback=(env_fallback, ["CONTROLLER_HOST", "TOWER_HOST"])),
    token=dict(type="str", no_log=True, fallback=(env_fallback, ["CONTROLLER_OAUTH_TOKEN", "TOWER_OAUTH_TOKEN"])),
    validate_certs=dict(type="bool", default=True, fallback=(env_fallback, ["CONTROLLER_VERIFY_SSL", "TOWER_VERIFY_SSL"])),
    ca_path=dict(type="path"),
    credentials=dict(type="dict", default={}),
)

# The mail server that tells owners about their new secrets (the notices of every rotation task).
SMTP_SPEC = dict(
    host=dict(type="str", required=True),
    port=dict(type="int", default=25),
    security=dict(type="str", default="none", choices=["none", "starttls", "ssl"]),
    username=dict(type="str"),
    password=dict(type="str", no_log=True),
    sender=dict(type="str", required=True),
    timeout=dict(type="float", default=30.0),
    validate_certs=dict(type="bool", default=True),
    ca_path=dict(type="path"),
)

# The options every rotation-engine task shares (documented in doc_fragments/rotation.py); each platform adds its own.
ENGINE_ARGSPEC = dict(
    target=dict(type="str", required=True),
    max_age_days=dict(type="int", default=90),
    rotate_before=dict(type="str", default=""),
    sink=dict(type="str", default="file", choices=["file", "hashicorp_vault", "aws_secrets_manager"]),
    hashicorp_vault=dict(type="dict", apply_defaults=True, options=HASHICORP_VAULT_ARGSPEC),
    aws_secrets_manager=dict(type="dict", apply_defaults=True, no_log=False, options=AWS_SECRETS_MANAGER_ARGSPEC),
    sink_dir=dict(type="path"),
    deliver_to=dict(type="list", elements="str", default=[], choices=["hashicorp_vault", "aws_secrets_manager", "awx_controller"]),
    awx_controller=dict(type="dict", apply_defaults=True, options=AWX_CONTROLLER_ARGSPEC),
    hook_tasks=dict(type="path"),
    # The name before hook_tasks: true when a delivery hook runs after this task (deprecated, see REPLACED_OPTIONS).
    hook=dict(type="bool"),
    hook_delivered=dict(type="list", elements="str", default=[], no_log=False),
    hook_failed=dict(type="list", elements="str", default=[], no_log=False),
    smtp=dict(type="dict", options=SMTP_SPEC),
    owner_email=dict(type="str"),
    run_id=dict(type="str", default=""),
    vault_password_file=dict(type="path", no_log=False),
    vault_id=dict(type="str", default="default"),
    concurrency=dict(type="int", default=8),
    max_failures=dict(type="int", default=0),
    time_budget=dict(type="float", default=0.0, fallback=(env_fallback, ["APIOPS_TIME_BUDGET"])),
    lock_timeout=dict(type="float", default=60.0),
    report_json=dict(type="path"),
    report_markdown=dict(type="path"),
    fail_on_error=dict(type="bool", default=True),
    verify_only=dict(type="bool", default=False),
    audit=dict(type="bool", default=False),
    plan_file=dict(type="path"),
    plan=dict(type="dict"),
    plan_digest=dict(type="str"),
    require_rollback=dict(type="bool", default=False),
)


# apiops.credentials.sink_lease: one credential's lease in a sink.
LEASE_ARGSPEC = {name: ENGINE_ARGSPEC[name] for name in ("target", "sink", "hashicorp_vault", "aws_secrets_manager", "sink_dir",
                                                         "vault_password_file", "vault_id")}
LEASE_ARGSPEC.update(
    platform=dict(type="str", required=True),  # a platform row's name: the action checks it (module_utils cannot read the rows)
    key=dict(type="str", required=True, no_log=False),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    reason=dict(type="str"),
    lock_timeout=dict(type="float", default=30.0),
)


def build_module(argument_spec, auth_argspec, **kwargs):
    """AnsibleModule over connection + platform auth + module options; fails early without requests."""
    spec = dict(CONNECTION_ARGSPEC)
    spec.update(auth_argspec)
    spec.update(argument_spec)
    module = AnsibleModule(argument_spec=spec, **kwargs)
    clash = alias_clash(getattr(module, "validation_result", None))
    if clash:
        module.fail_json(msg=clash + ".")  # it starts with the option it names: not capitalized
    if not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)
    if not module.params["validate_certs"]:
        module.warn("validate_certs is false: the server certificate is not checked. Prefer ca_path.")
    return module


def controller_only(name, *argument_specs):
    """The body of a docs module whose work is done by the action plugin of the same name, on the controller."""
    spec = {}
    for part in argument_specs:
        spec.update(part)
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    module.fail_json(msg="apiops.credentials.%s runs on the controller as an action plugin; it cannot run as a plain module" % name)


def http_client(module, base_url, platform, **kwargs):
    """The shared client, configured from the connection options of ``module``."""
    params = module.params
    return HttpClient(
        base_url,
        platform,
        validate_certs=params["validate_certs"],
        ca_path=params["ca_path"],
        timeout=params["request_timeout"],
        connect_timeout=params.get("connect_timeout"),
        retries=params["retries"],
        warn=module.warn,
        gate=getattr(module, "rate_gate", None),  # shared by the workers of a controller-side run
        **kwargs
    )


def hide(module, *values):
    """Mask runtime secrets (tokens, secrets read back or generated) in everything the module returns."""
    for value in values:
        if isinstance(value, str) and value:
            module.no_log_values.add(value)


def fail(module, error, **result):
    """One clear message for an ApiError; secrets in it are masked by no_log_values."""
    if isinstance(error, ApiError):
        result.setdefault("status", error.status)
        if error.maybe_applied:
            result["maybe_applied"] = True
        module.fail_json(msg=error.message, **result)
    module.fail_json(msg=str(error), **result)


def sentence(text):
    """``text`` as a sentence: capital first letter, full stop at the end."""
    text = str(text).strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def changed_keys_diff(before, after):
    """A diff of only the keys whose values differ (netbox style); ``None`` sides mean absent/present."""
    if before is None or after is None:
        return {"before": {"state": "absent"} if before is None else dict(before, state="present"),
                "after": {"state": "absent"} if after is None else dict(after, state="present")}
    keys = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    return {"before": {k: before.get(k) for k in keys}, "after": {k: after.get(k) for k in keys}}
