# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The fault matrix: scenarios, the positions of a clean run, the faults, and the invariants after them.

A case is (scenario, fault, position). It runs the scenario's playbook with the fault at that position, then a
fault-free run, then a third run, and checks the promises the README makes:

* after the second run every credential's secret in the sink authenticates, and the secret it replaced is rejected
  (UAA lent grants are back; API Connect v5 originals pass the gateway; a Keycloak client keeps one working secret,
  and the sink keeps the one it replaced); with the delivery hook, its store holds the sink's secret;
* the third run changes nothing; two runs started at once change the platform exactly as often as one run;
* at every moment of the three runs each credential had a working secret that the operator can recover: the
  emulator tracks the platform's own state after every write (``/_emulator/track``), and each change must leave a
  secret that the sink held after one of the runs, or that the operator supplied;
* no secret any emulator ever knew appears in any output or in any file outside the sink, and no traceback.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Callable

import requests

from tests.emulator_fixtures import AWS_KEYS, AWS_REGION
from tests.emulators.framework import load_seed
from tests.emulators.launch import SEEDS
from tests.system.conftest import ROOT
from tests.system.test_anypoint_rotation import ADMIN
from tests.system.test_anypoint_rotation import TARGETS as ANYPOINT_TARGETS
from tests.system.test_anypoint_rotation import inventory as anypoint_inventory
from tests.system.test_apic_rotation import apic_inventory
from tests.system.test_aws_secrets_sink import every_value
from tests.system.test_apic_v5_restore import ORIGINALS, v5_inventory
from tests.system.test_keycloak_rotation import BILLING as KEYCLOAK_BILLING
from tests.system.test_keycloak_rotation import ORDERS as KEYCLOAK_ORDERS
from tests.system.test_keycloak_rotation import PAYMENTS as KEYCLOAK_PAYMENTS
from tests.system.test_keycloak_rotation import ROTATING_ROTATOR as KEYCLOAK_ROTATING_ROTATOR
from tests.system.test_keycloak_rotation import ROTATOR as KEYCLOAK_ROTATOR
from tests.system.test_keycloak_rotation import inventory as keycloak_inventory
from tests.system.test_keycloak_rotation import token_works as keycloak_token_works
from tests.system.test_leaks import files_outside_the_sink, sink_secrets

FAULTS = ("500 before", "applied, dropped", "applied late", "429", "SIGKILL of the tree", "kill -9 of the playbook", "SIGTERM",
          "two runs at once")
WHOLE_RUN_FAULTS = ("two runs at once",)  # not tied to a position: one case per scenario
# Requests that prove or log in, and change nothing: a second run may repeat them.
PROOFS = ("/oauth/token", "/accounts/login", "/oauth2/token", "/clients/validate", "/api/token", "/verify-client-secret",
          "/protocol/openid-connect/token")
REQUEST_TIMEOUT = 1  # the scenarios' request_timeout; "applied late" answers after it
AWS_UNLOCKED = "apiops-credentials-lock-unlocked-0001"  # the version a free Secrets Manager lock secret has current


@dataclass
class Scenario:
    name: str
    emulator: str
    playbook: str
    host: str
    setup: Callable  # (workspace) -> None: the inventory, and any emulator switch
    check: Callable  # (workspace) -> [violations]
    positions: Callable = None  # (log entry) -> is it a position? default: every write and every proof
    supplied: Callable = None  # (workspace) -> secrets the operator gave outside the inventory (a backup file)
    faults_in: str = None  # the emulator whose requests are faulted, when not the platform's (a sink)
    variant_of: str = None  # the scenario this one repeats with another sink (the bounded form samples these less)

    @property
    def faulted(self):
        return self.faults_in or self.emulator


# ---- UAA -----------------------------------------------------------------------------------------------------
UAA_CLIENTS = {"billing-service": "b1lling-S3cret-seed-91e2d7", "reports-service": "rep0rts-S3cret-seed-3aa810",
               "portal-web": "p0rtal-S3cret-seed-d41f06"}
PORTAL_GRANTS = (["authorization_code", "refresh_token"], ["uaa.none"])


VAULT_TOKEN = "hvs.apiops-test-root-token-00000001"
HOOK = os.path.join(ROOT, "tests", "system", "files", "hook_to_kv.yml")
# Where a scenario's secrets go: the journal's sink (the ansible-vault file, HashiCorp Vault, AWS Secrets Manager),
# or the file sink and a delivery hook that writes each new secret to a "consumers' store" in the Vault emulator.
SINKS = ("file", "vault", "aws", "hook")


def vault_sink(workspace, role):
    """Host variables that put ``role``'s sink in the Vault emulator."""
    return {role + "_sink": "hashicorp_vault", role + "_hashicorp_vault": {"url": workspace.emulators["vault"].url, "token": VAULT_TOKEN}}


def aws_sink(workspace, role):
    """Host variables and environment that put ``role``'s sink in AWS Secrets Manager (moto's server)."""
    workspace.env.update(AWS_ACCESS_KEY_ID=AWS_KEYS["aws_access_key_id"], AWS_SECRET_ACCESS_KEY=AWS_KEYS["aws_secret_access_key"],
                         AWS_REGION=AWS_REGION, AWS_ENDPOINT_URL_SECRETS_MANAGER=workspace.aws.url)
    return {role + "_sink": "aws_secrets_manager"}


def sink_settings(workspace, role, sink):
    """Host variables that send ``role``'s secrets to ``sink`` (one of SINKS)."""
    if sink == "vault":
        return vault_sink(workspace, role)
    if sink == "aws":
        return aws_sink(workspace, role)
    if sink == "hook":
        return {role + "_hook_tasks": HOOK, "hook_kv_url": workspace.emulators["vault"].url, "hook_kv_token": VAULT_TOKEN,
                "hook_kv_by_location": True, "hook_timeout": REQUEST_TIMEOUT * 5}
    return {}


def aws_record(workspace, name):
    client = workspace.aws.client()
    try:
        return json.loads(client.get_secret_value(SecretId="apiops/" + name)["SecretString"])
    except client.exceptions.ResourceNotFoundException:
        return {}


def vault_record(workspace, path):
    answer = requests.get("%s/v1/secret/data/apiops/%s" % (workspace.emulators["vault"].url, path), timeout=5,
                          headers={"X-Vault-Token": VAULT_TOKEN})
    return answer.json()["data"]["data"] if answer.status_code == 200 else {}


def journal(workspace, sink, key):
    """The current record of ``key`` (platform/target/location/credential) in the sink; {} when there is none."""
    if sink == "vault":
        return vault_record(workspace, key)
    if sink == "aws":
        return aws_record(workspace, key)
    platform, target, where = key.split("/", 2)
    if platform in ("uaa", "anypoint", "apic_v5", "keycloak"):  # the file sink of the rotation engine: one file per target
        path = os.path.join(workspace.sink_dir, platform, target + ".vault")
        return workspace.read_record(path)["credentials"].get(where, {}) if os.path.exists(path) else {}
    raise ValueError("no file sink layout for %s" % platform)  # API Connect v10 keeps one file per catalog: apic_entries


def hook_problems(workspace, sink, key, secret):
    """With the hook: [] when its store holds ``secret`` for ``key``, else the problem."""
    if sink != "hook":
        return []
    platform, _target, where = key.split("/", 2)
    answer = requests.get("%s/v1/secret/data/consumers/%s/%s" % (workspace.emulators["vault"].url, platform, where), timeout=5,
                          headers={"X-Vault-Token": VAULT_TOKEN})
    if answer.status_code != 200 or answer.json()["data"]["data"].get("secret") != secret:
        return ["%s: the delivery hook's store does not hold the sink's secret" % where]
    return []


def uaa_setup(strategy, names, sink="file"):
    def setup(workspace):
        clients = [{"client_id": name, "current_secret": UAA_CLIENTS[name]} for name in names]
        extra = sink_settings(workspace, "uaa_secret_rotation", sink)
        if strategy == "grant_dance":
            workspace.control("config", {"version": "73.7.0"})
            extra.update(uaa_auth_client_id=None, uaa_auth_client_secret=None, uaa_auth_username="admin-user",
                         uaa_auth_password="us3r-Adm1n-Passw0rd-seed-5e1")
        workspace.inventory(clients, uaa_secret_rotation_strategy=strategy, uaa_retries=1, uaa_request_timeout=REQUEST_TIMEOUT,
                            uaa_secret_rotation_lock_timeout=REQUEST_TIMEOUT * 10, **extra)
    return setup


def uaa_delivery_setup(workspace):
    """Strategy dual, the journal in the file sink, delivered to Vault and through a hook that writes to Vault too."""
    uaa_setup("dual", ["billing-service", "reports-service"], sink="hook")(workspace)
    with open(os.path.join(workspace.path, "inventory.json"), encoding="utf-8") as handle:
        inventory = json.load(handle)
    inventory["uaa_servers"]["hosts"]["uaa-test"].update(
        uaa_secret_rotation_deliver_to=["hashicorp_vault"],
        uaa_secret_rotation_hashicorp_vault={"url": workspace.emulators["vault"].url, "token": VAULT_TOKEN})
    workspace.write_inventory(inventory)


def uaa_delivery_check(workspace):
    names = ["billing-service", "reports-service"]
    problems = uaa_check(names, sink="hook")(workspace)
    for name in names:
        if vault_record(workspace, "uaa/uaa-test/uaa/" + name).get("secret") != journal(workspace, "file", "uaa/uaa-test/uaa/" + name).get("secret"):
            problems.append("%s: the further sink (Vault) does not hold the sink's secret" % name)
    return problems


def uaa_check(names, sink="file"):
    def check(workspace):
        problems = []
        state = workspace.control("state", method="GET")["clients"]["uaa"]
        for name in names:
            record = journal(workspace, sink, "uaa/uaa-test/uaa/" + name)
            if record.get("state") != "complete" or not workspace.token_works(name, record.get("secret", "")):
                problems.append("%s: the sink's secret does not work (state %s)" % (name, record.get("state")))
            problems += hook_problems(workspace, sink, "uaa/uaa-test/uaa/" + name, record.get("secret"))
            if workspace.token_works(name, UAA_CLIENTS[name]):
                problems.append("%s: the replaced secret still works" % name)
            if state[name]["secret_count"] != 1:
                problems.append("%s: %d secrets on UAA" % (name, state[name]["secret_count"]))
        if "portal-web" in names and (state["portal-web"]["authorized_grant_types"], state["portal-web"]["authorities"]) != PORTAL_GRANTS:
            problems.append("portal-web: the lent grants are not back")
        return problems
    return check


def uaa_two_phases_setup(sink="file"):
    def setup(workspace):
        names = ("billing-service", "reports-service")
        extra = sink_settings(workspace, "uaa_secret_rotation", sink)
        workspace.inventory([{"client_id": name, "current_secret": UAA_CLIENTS[name]} for name in names],
                            uaa_secret_rotation_strategy="dual", uaa_secret_rotation_phase="add", uaa_retries=1, **extra)
        assert workspace.play("uaa_rotate.yml").rc == 0  # the first change window: both secrets work
        workspace.inventory([{"client_id": name} for name in names], uaa_secret_rotation_strategy="dual",
                            uaa_secret_rotation_phase="retire", uaa_retries=1, uaa_request_timeout=REQUEST_TIMEOUT,
                            uaa_secret_rotation_lock_timeout=REQUEST_TIMEOUT * 10, **extra)
    return setup


def uaa_rollback_setup(workspace):
    uaa_setup("admin", ["billing-service", "reports-service"])(workspace)
    assert workspace.play("uaa_rotate.yml").rc == 0  # the rotation the roll back undoes


def uaa_rollback_check(workspace):
    problems = []
    for name in ("billing-service", "reports-service"):
        record = workspace.record(name)
        if record.get("state") != "rolled_back" or record.get("secret") != UAA_CLIENTS[name]:
            problems.append("%s: the sink does not say rolled back to the original (state %s)" % (name, record.get("state")))
        if not workspace.token_works(name, UAA_CLIENTS[name]):
            problems.append("%s: the original secret does not work" % name)
        if workspace.token_works(name, record.get("previous_secret") or ""):
            problems.append("%s: the rotated secret still works after the roll back" % name)
    return problems


# ---- Anypoint ------------------------------------------------------------------------------------------------
ANYPOINT_ORIGINALS = {"root/environment-Sandbox": ("8f82828ca6c2405ba04bb85a596a18ff", "B0313ad5a6B44f7ebb4Bf482C49327e1"),
                      "Payments/environment-Sandbox": ("11aa22bb33cc44dd55ee66ff77889900", "E7f8A9b0C1d2E3f4A5b6C7d8E9f0A1b2")}
ANYPOINT_ROLE = "anypoint_secret_rotation"


def anypoint_setup(sink="file"):
    def setup(workspace):
        anypoint_inventory(workspace, ANYPOINT_TARGETS, anypoint_request_timeout=REQUEST_TIMEOUT,
                           anypoint_secret_rotation_lock_timeout=REQUEST_TIMEOUT * 10, **sink_settings(workspace, ANYPOINT_ROLE, sink))
    return setup


def anypoint_reset_setup(workspace):
    """A control plane that refuses a chosen environment secret: the engine's fallback, the platform's reset."""
    anypoint_setup()(workspace)
    workspace.control("config", {"allow_env_secret_set": False}, platform="anypoint")


def anypoint_token(workspace, client_id, secret):
    return workspace.control("token_for", {"client_id": client_id, "client_secret": secret}, platform="anypoint")["valid"]


def anypoint_check(sink="file"):
    def check(workspace):
        problems = []
        for where, (client_id, original) in ANYPOINT_ORIGINALS.items():
            record = journal(workspace, sink, "anypoint/acme/" + where)
            if record.get("state") != "complete" or not anypoint_token(workspace, client_id, record.get("secret", "")):
                problems.append("%s: the sink's secret does not work (state %s)" % (where, record.get("state")))
            problems += hook_problems(workspace, sink, "anypoint/acme/" + where, record.get("secret"))
            if anypoint_token(workspace, client_id, original):
                problems.append("%s: the replaced secret still works" % where)
        return problems
    return check


CONNECTED_APP = ("c0ffee00c0ffee00c0ffee00c0ffee03", "B1ll1ngIntegrationSecret00000003")
CONNECTED_APP_KEY = "anypoint/acme/root/connected_app-" + CONNECTED_APP[0]


def anypoint_app_setup(sink="file"):
    def setup(workspace):
        anypoint_inventory(workspace, [{"connected_app": CONNECTED_APP[0]}], auth=ADMIN, anypoint_request_timeout=REQUEST_TIMEOUT,
                           anypoint_secret_rotation_lock_timeout=REQUEST_TIMEOUT * 10, **sink_settings(workspace, ANYPOINT_ROLE, sink))
    return setup


def connected_app_token(workspace, secret):
    response = requests.post(workspace.emulators["anypoint"].url + "/accounts/api/v2/oauth2/token", timeout=5,
                             data={"grant_type": "client_credentials", "client_id": CONNECTED_APP[0], "client_secret": secret})
    return response.status_code == 200


def anypoint_app_check(sink="file"):
    def check(workspace):
        problems = []
        record = journal(workspace, sink, CONNECTED_APP_KEY)
        if record.get("state") != "complete" or not connected_app_token(workspace, record.get("secret", "")):
            problems.append("the connected app's sink secret does not work (state %s)" % record.get("state"))
        problems += hook_problems(workspace, sink, CONNECTED_APP_KEY, record.get("secret"))
        if connected_app_token(workspace, CONNECTED_APP[1]):
            problems.append("the connected app's replaced secret still works")
        return problems
    return check


def anypoint_rollback_setup(sink="file"):
    def setup(workspace):
        anypoint_setup(sink)(workspace)
        assert workspace.play("anypoint_rotate.yml").rc == 0  # the rotation the roll back undoes
    return setup


def anypoint_rollback_check(sink="file"):
    def check(workspace):
        problems = []
        for where, (client_id, original) in ANYPOINT_ORIGINALS.items():
            record = journal(workspace, sink, "anypoint/acme/" + where)
            if record.get("state") != "rolled_back" or record.get("secret") != original:
                problems.append("%s: the sink does not say rolled back to the original (state %s)" % (where, record.get("state")))
            if not anypoint_token(workspace, client_id, original):
                problems.append("%s: the original secret does not work" % where)
            if anypoint_token(workspace, client_id, record.get("previous_secret", "")):
                problems.append("%s: the rotated secret still works after the roll back" % where)
        return problems
    return check


# ---- API Connect v5 ------------------------------------------------------------------------------------------
V5_ROWS = [ORIGINALS[0], ORIGINALS[2]]
V5_ROLE = "apic_v5_credential_restore"


def v5_setup(sink="file"):
    def setup(workspace):
        v5_inventory(workspace, V5_ROWS, apic_v5_request_timeout=REQUEST_TIMEOUT, apic_v5_retries=1,
                     apic_v5_credential_restore_lock_timeout=REQUEST_TIMEOUT * 10, **sink_settings(workspace, V5_ROLE, sink))
    return setup


def v5_gateway_problems(workspace):
    problems = []
    for row in V5_ROWS:
        if not workspace.control("check_credentials", {"client_id": row["client_id"], "client_secret": row["client_secret"]},
                                 platform="apic_v5")["valid"]:
            problems.append("%s: the gateway rejects the original credentials" % row["app"])
    return problems


def v5_check(sink="file"):
    def check(workspace):
        problems = v5_gateway_problems(workspace)
        for row in V5_ROWS:
            key = "apic_v5/v5-test/%s/%s/default" % (row["org"], row["app"])
            record = journal(workspace, sink, key)
            if record.get("secret") != row["client_secret"]:
                problems.append("%s: the sink does not hold the restored secret" % row["app"])
            problems += hook_problems(workspace, sink, key, row["client_secret"])
        return problems
    return check


V5_CORRECTED = [dict(row, client_secret="C0rrected-%s-secret-value-0101" % row["app"]) for row in V5_ROWS]


def v5_rollback_setup(workspace):
    """Two restores (the second with corrected secrets): the roll back puts the first one's values back."""
    v5_setup()(workspace)
    assert workspace.play("apic_v5_restore.yml").rc == 0
    v5_inventory(workspace, V5_CORRECTED, apic_v5_request_timeout=REQUEST_TIMEOUT, apic_v5_retries=1,
                 apic_v5_credential_restore_update_secret="always", apic_v5_credential_restore_lock_timeout=REQUEST_TIMEOUT * 10)
    assert workspace.play("apic_v5_restore.yml").rc == 0


def v5_rollback_check(workspace):
    problems = v5_gateway_problems(workspace)
    for row in V5_CORRECTED:
        if workspace.control("check_credentials", {"client_id": row["client_id"], "client_secret": row["client_secret"]},
                             platform="apic_v5")["valid"]:
            problems.append("%s: the secret of the last restore still works after the roll back" % row["app"])
    return problems


# ---- API Connect v10 -----------------------------------------------------------------------------------------
# The seed catalog: two credentials due for a new one (expired-app, partner-app) and one due for deletion
# (retire-app, whose <name>_new someone made by hand: its secret is theirs, given here as supplied).
APIC_DUE = (("TestCOrg", "expired-app"), ("PartnerOrg", "partner-app"))
APIC_HAND_MADE = ("hand-made-retire-app-new-client01", "4f1d0c9e8b7a65432100fedcba987654")
APIC_ROLE = "apic_credential_rotation"


def apic_setup(sink="file"):
    def setup(workspace):
        seed = load_seed(os.path.join(SEEDS, "apic.json"))
        for corg in seed["orgs"][0]["catalogs"][0]["consumer_orgs"]:
            for app in corg["apps"]:
                for cred in app.get("credentials", []):
                    if cred.get("name") == "credential-for-retire-app_new":
                        cred.update(client_id=APIC_HAND_MADE[0], client_secret=APIC_HAND_MADE[1])
        workspace.control("state", seed, platform="apic")
        extra = sink_settings(workspace, APIC_ROLE, sink)
        if sink != "file":
            extra[APIC_ROLE + "_delivery_tasks"] = ""  # the tests' delivery tasks read the file sink
        apic_inventory(workspace, apic_request_timeout=REQUEST_TIMEOUT, apic_retries=1,
                       apic_credential_rotation_lock_timeout=REQUEST_TIMEOUT * 10, **extra)
    return setup


def apic_entries(workspace, sink):
    """The catalog's journal entries by consumer org/app/credential: one file, or one record each in a remote sink."""
    if sink == "file":
        return workspace.read_record(os.path.join(workspace.sink_dir, "apic", "sandbox.vault"))["credentials"]
    return {"%s/%s/credential-for-%s" % (corg, app, app): journal(workspace, sink, "apic/sandbox/%s/%s/credential-for-%s" % (corg, app, app))
            for corg, app in APIC_DUE}


def apic_check(sink="file"):
    def check(workspace):
        problems = []
        apps = {corg: data["apps"] for corg, data in
                workspace.control("state", method="GET", platform="apic")["acme"]["sandbox"]["consumer_orgs"].items()}
        entries = apic_entries(workspace, sink)
        for corg, app in APIC_DUE:
            entry = entries.get("%s/%s/credential-for-%s" % (corg, app, app)) or {}
            answer = workspace.control("check_credentials", {"client_id": entry.get("client_id"), "client_secret": entry.get("client_secret", "")},
                                       platform="apic")
            if (entry.get("state") != "verified" or not entry.get("notified_at") or not answer["valid"]
                    or answer["credential"] != "credential-for-%s_new" % app):
                problems.append("%s: the new credential is not verified, announced and working from the sink (state %s)" % (app, entry.get("state")))
            if sorted(apps[corg][app]["credentials"]) != ["credential-for-%s" % app, "credential-for-%s_new" % app]:
                problems.append("%s: credentials %s" % (app, sorted(apps[corg][app]["credentials"])))
        if sorted(apps["TestCOrg"]["retire-app"]["credentials"]) != ["credential-for-retire-app"]:
            problems.append("retire-app: credentials %s after the retirement" % sorted(apps["TestCOrg"]["retire-app"]["credentials"]))
        if not workspace.control("check_credentials", {"client_id": APIC_HAND_MADE[0], "client_secret": APIC_HAND_MADE[1]},
                                 platform="apic")["valid"]:
            problems.append("retire-app: the credential that took the old one's name does not work")
        owners = [tuple(message["to"]) for message in workspace.control("mail", method="GET", platform="apic")]
        if sorted(owners) != sorted(set(owners)) or len(owners) != 2:
            problems.append("owners were mailed %s (one e-mail each is the promise)" % owners)
        return problems
    return check


# A consumer org of its own, with a credential this collection made and whose <name>_new is due for the retirement:
# the rotation in the setup retires it, the roll back re-creates it from the pair the sink kept.
APIC_RB_OLD = ("0a0a0a0a0b0b0b0b0c0c0c0c0d0d0d0d", "rb-app-0ld-S3cret-made-by-apiops-01")
APIC_RB_NEW = ("1a1a1a1a1b1b1b1b1c1c1c1c1d1d1d1d", "rb-app-n3w-S3cret-made-by-apiops-02")


def apic_rollback_setup(workspace):
    seed = load_seed(os.path.join(SEEDS, "apic.json"))
    seed["orgs"][0]["catalogs"][0]["consumer_orgs"].append({
        "name": "RollbackOrg", "title": "Roll back consumer org",
        "owner": {"username": "rbuser", "email": "rbuser@example.com", "first_name": "rb", "last_name": "Test"},
        "apps": [{"name": "rb-app", "credentials": [
            {"name": "credential-for-rb-app", "title": "Credential for rb-app", "age_days": 105,
             "client_id": APIC_RB_OLD[0], "client_secret": APIC_RB_OLD[1]},
            {"name": "credential-for-rb-app_new", "title": "Credential for rb-app_new", "age_days": 15,
             "client_id": APIC_RB_NEW[0], "client_secret": APIC_RB_NEW[1]}]}]})
    workspace.control("state", seed, platform="apic")
    apic_inventory(workspace, apic_request_timeout=REQUEST_TIMEOUT, apic_retries=1, apic_credential_rotation_consumer_org="RollbackOrg",
                   apic_credential_rotation_lock_timeout=REQUEST_TIMEOUT * 10)
    entry = {"consumer_org": "RollbackOrg", "app": "rb-app", "credential": "credential-for-rb-app",
             "new_credential": "credential-for-rb-app_new", "client_id": APIC_RB_NEW[0], "client_secret": APIC_RB_NEW[1],
             "previous_client_id": APIC_RB_OLD[0], "previous_client_secret": APIC_RB_OLD[1], "state": "verified",
             "verified_at": "2026-11-16T00:00:00Z", "notified_at": "2026-11-16T00:00:00Z"}
    os.makedirs(os.path.join(workspace.sink_dir, "apic"), exist_ok=True)
    workspace.encrypt(os.path.join("secrets", "apic", "sandbox.vault"), json.dumps(
        {"platform": "apic", "org": "acme", "catalog": "sandbox", "credentials": {"RollbackOrg/rb-app/credential-for-rb-app": entry}}))
    assert workspace.play("apic_rotate.yml").rc == 0  # retires the old credential; the sink keeps its pair


def apic_rollback_check(workspace):
    problems = []
    for pair, what in ((APIC_RB_OLD, "the re-created retired credential"), (APIC_RB_NEW, "the current credential")):
        if not workspace.control("check_credentials", {"client_id": pair[0], "client_secret": pair[1]}, platform="apic")["valid"]:
            problems.append("%s does not work" % what)
    apps = workspace.control("state", method="GET", platform="apic")["acme"]["sandbox"]["consumer_orgs"]["RollbackOrg"]["apps"]
    names = sorted(apps["rb-app"]["credentials"])
    if names != ["credential-for-rb-app", "credential-for-rb-app_previous"]:
        problems.append("rb-app has credentials %s" % names)
    return problems


# ---- Keycloak ------------------------------------------------------------------------------------------------
# Realm apps has no client secret rotation policy: Keycloak's regeneration replaces a secret at once (a hard cut),
# and Keycloak shows the secret, so the engine journals the one in place before and the one it made after. Realm
# rotating has the policy: the regeneration keeps the replaced secret working as the rotated one, until the run
# deletes it once the new one is proven (its own write: a fault between the two leaves both working, which the next
# run must end).
@dataclass(frozen=True)
class Realm:
    name: str
    clients: dict  # clientId: its seed secret
    login: dict  # the rotator's host variables


APPS = Realm("apps", dict((KEYCLOAK_ORDERS, KEYCLOAK_BILLING)), KEYCLOAK_ROTATOR)
ROTATING = Realm("rotating", dict((KEYCLOAK_PAYMENTS, ("ledger-api", "l3dger-S3cret-rotating-seed-41f9d3"))), KEYCLOAK_ROTATING_ROTATOR)
KEYCLOAK_ROLE = "keycloak_secret_rotation"


def keycloak_key(realm, client_id):
    return "keycloak/sso/%s/%s" % (realm.name, client_id)


def keycloak_setup(sink="file", realm=APPS, **extra):
    def setup(workspace):
        keycloak_inventory(workspace, [{"client_id": client_id} for client_id in realm.clients], realm=realm.name, auth=realm.login,
                           keycloak_request_timeout=REQUEST_TIMEOUT, keycloak_retries=1,
                           keycloak_secret_rotation_lock_timeout=REQUEST_TIMEOUT * 10, **sink_settings(workspace, KEYCLOAK_ROLE, sink),
                           **extra)
    return setup


def keycloak_working(workspace, realm):
    """{clientId: how many secrets authenticate it now} in the realm, from the emulator's state."""
    state = workspace.control("state", method="GET", platform="keycloak")[realm.name]
    return {client_id: len(client["fingerprints"]) for client_id, client in state.items()}


def keycloak_check(sink="file", realm=APPS):
    """The sink's secret gets a token, the replaced one none, and it is the only secret of the client (no rotated
    secret is left); the sink keeps the replaced secret as the previous one, for a roll back."""
    def check(workspace):
        problems = []
        working = keycloak_working(workspace, realm)
        for client_id, original in realm.clients.items():
            record = journal(workspace, sink, keycloak_key(realm, client_id))
            if record.get("state") != "complete" or not keycloak_token_works(workspace, client_id, record.get("secret", ""), realm.name):
                problems.append("%s: the sink's secret does not work (state %s)" % (client_id, record.get("state")))
            problems += hook_problems(workspace, sink, keycloak_key(realm, client_id), record.get("secret"))
            if keycloak_token_works(workspace, client_id, original, realm.name):
                problems.append("%s: the replaced secret still works" % client_id)
            if record.get("previous_secret") != original:
                problems.append("%s: the sink does not keep the replaced secret as the previous one" % client_id)
            if working[client_id] != 1:
                problems.append("%s: %d secrets work on Keycloak" % (client_id, working[client_id]))
        return problems
    return check


def keycloak_rollback_setup(sink="file"):
    """A rotation, then the same inventory with operation rollback (a host variable: the matrix runs playbooks
    without extra arguments, and -e keycloak_secret_rotation_operation=rollback sets the same variable)."""
    def setup(workspace):
        keycloak_setup(sink)(workspace)
        assert workspace.play("keycloak_rotate.yml").rc == 0  # the rotation the roll back undoes
        keycloak_setup(sink, keycloak_secret_rotation_operation="rollback")(workspace)
    return setup


def keycloak_rollback_check(sink="file"):
    def check(workspace):
        problems = []
        working = keycloak_working(workspace, APPS)
        for client_id, original in APPS.clients.items():
            record = journal(workspace, sink, keycloak_key(APPS, client_id))
            if record.get("state") != "rolled_back" or record.get("secret") != original:
                problems.append("%s: the sink does not say rolled back to the original (state %s)" % (client_id, record.get("state")))
            if not keycloak_token_works(workspace, client_id, original, APPS.name):
                problems.append("%s: the original secret does not work" % client_id)
            if not record.get("previous_secret") or record.get("previous_secret") == original:
                problems.append("%s: the sink does not keep the rotated secret as the previous one" % client_id)
            elif keycloak_token_works(workspace, client_id, record["previous_secret"], APPS.name):
                problems.append("%s: the rotated secret still works after the roll back" % client_id)
            if working[client_id] != 1:
                problems.append("%s: %d secrets work on Keycloak" % (client_id, working[client_id]))
        return problems
    return check


def per_sink(name, emulator, playbook, host, setup, check, sinks=SINKS, **extra):
    """The scenario once per sink: "<name>" with the file sink, "<name>, <sink> sink" or "<name>, hook" with another."""
    made = {}
    for sink in sinks:
        label = name if sink == "file" else "%s, %s" % (name, "hook" if sink == "hook" else sink + " sink")
        made[label] = Scenario(label, emulator, playbook, host, setup(sink), check(sink), variant_of=None if sink == "file" else name, **extra)
    return made


# The v10 delivery tasks are that platform's hook, and run in its file-sink scenario; roll backs take no hook.
SCENARIOS = {
    **per_sink("uaa admin", "uaa", "uaa_rotate.yml", "uaa-test", lambda sink: uaa_setup("admin", ["billing-service", "reports-service"], sink),
               lambda sink: uaa_check(["billing-service", "reports-service"], sink)),
    **per_sink("uaa dual", "uaa", "uaa_rotate.yml", "uaa-test", lambda sink: uaa_setup("dual", ["billing-service", "reports-service"], sink),
               lambda sink: uaa_check(["billing-service", "reports-service"], sink)),
    **per_sink("uaa dual, phase retire", "uaa", "uaa_rotate.yml", "uaa-test", uaa_two_phases_setup,
               lambda sink: uaa_check(["billing-service", "reports-service"], sink)),
    **per_sink("uaa grant_dance", "uaa", "uaa_rotate.yml", "uaa-test", lambda sink: uaa_setup("grant_dance", ["portal-web"], sink),
               lambda sink: uaa_check(["portal-web"], sink)),
    **per_sink("anypoint environments", "anypoint", "anypoint_rotate.yml", "acme", anypoint_setup, anypoint_check),
    # The reset fallback repeats the file-sink scenario on another control plane: the bounded form samples it as a variant.
    "anypoint environments, reset fallback": Scenario("anypoint environments, reset fallback", "anypoint", "anypoint_rotate.yml",
                                                      "acme", anypoint_reset_setup, anypoint_check(), variant_of="anypoint environments"),
    **per_sink("anypoint connected app", "anypoint", "anypoint_rotate.yml", "acme", anypoint_app_setup, anypoint_app_check),
    **per_sink("anypoint roll back", "anypoint", "anypoint_rollback.yml", "acme", anypoint_rollback_setup, anypoint_rollback_check,
               sinks=("file", "vault", "aws")),
    **per_sink("apic v5 restore", "apic_v5", "apic_v5_restore.yml", "v5-test", v5_setup, v5_check,
               supplied=lambda workspace: {row.get("client_secret") or row.get("client_secret_hash") for row in V5_ROWS}),
    **per_sink("apic catalog", "apic", "apic_rotate.yml", "sandbox", apic_setup, apic_check, sinks=("file", "vault", "aws"),
               supplied=lambda workspace: {APIC_HAND_MADE[1]}),
    "uaa admin, faults in the vault sink": Scenario("uaa admin, faults in the vault sink", "uaa", "uaa_rotate.yml", "uaa-test",
                                                    uaa_setup("admin", ["billing-service", "reports-service"], sink="vault"),
                                                    uaa_check(["billing-service", "reports-service"], sink="vault"), faults_in="vault"),
    "uaa dual, delivery to vault and a hook, faults in vault": Scenario(
        "uaa dual, delivery to vault and a hook, faults in vault", "uaa", "uaa_rotate.yml", "uaa-test", uaa_delivery_setup,
        uaa_delivery_check, faults_in="vault"),
    "uaa roll back": Scenario("uaa roll back", "uaa", "uaa_rollback.yml", "uaa-test", uaa_rollback_setup, uaa_rollback_check),
    "apic v5 roll back": Scenario("apic v5 roll back", "apic_v5", "apic_v5_rollback.yml", "v5-test", v5_rollback_setup,
                                  v5_rollback_check, supplied=lambda workspace: {row["client_secret"] for row in V5_ROWS + V5_CORRECTED}),
    "apic catalog roll back": Scenario("apic catalog roll back", "apic", "apic_rollback.yml", "sandbox", apic_rollback_setup,
                                       apic_rollback_check, supplied=lambda workspace: {APIC_RB_OLD[1], APIC_RB_NEW[1]}),
    # Last, so that the bounded form's positions of the scenarios above stay what they were (it picks by index).
    **per_sink("keycloak reset", "keycloak", "keycloak_rotate.yml", "sso", keycloak_setup, keycloak_check),
    **per_sink("keycloak rotation policy", "keycloak", "keycloak_rotate.yml", "sso", lambda sink: keycloak_setup(sink, ROTATING),
               lambda sink: keycloak_check(sink, ROTATING)),
    **per_sink("keycloak roll back", "keycloak", "keycloak_rotate.yml", "sso", keycloak_rollback_setup, keycloak_rollback_check,
               sinks=("file", "vault", "aws")),
}


def is_position(entry):
    """Every request that changes state or proves a secret (reads that only discover are left out)."""
    if entry["method"] != "GET":
        return True
    return "/gateway/" in entry["path"] or entry["path"].endswith("/clients/validate")


def positions(workspace, scenario):
    """(method, path, occurrence) of every position of a clean run, in order."""
    log = workspace.control("requests", method="GET", platform=scenario.faulted)
    seen, found = {}, []
    for entry in log:
        if entry["path"].startswith("/_emulator/") or not is_position(entry):
            continue
        key = (entry["method"], entry["path"])
        found.append((entry["method"], entry["path"], seen.get(key, 0)))
        seen[key] = seen.get(key, 0) + 1
    return found


def fault_spec(fault, method, path, occurrence):
    spec = {"method": method, "path": "^%s$" % re.escape(path), "skip": occurrence, "count": 1}
    if fault == "500 before":
        spec.update(status=500, body={"error": "injected"})
    elif fault == "applied, dropped":
        spec.update(after=True, drop=True)
    elif fault == "applied late":
        spec.update(after=True, delay=REQUEST_TIMEOUT + 1.5)
    elif fault == "429":
        spec.update(status=429, headers={"Retry-After": "1"})
    return spec


def changes(workspace, scenario):
    """The requests of the log that changed something, as a sorted list of (method, path)."""
    return sorted((entry["method"], entry["path"]) for entry in workspace.control("requests", method="GET", platform=scenario.emulator)
                  if entry["method"] != "GET" and not entry["path"].startswith("/_emulator/") and not entry["path"].endswith(PROOFS))


def two_runs_at_once(workspace, scenario):
    """Two ansible-playbook runs of the scenario started together; their outputs."""
    workspace.control("requests", method="DELETE", platform=scenario.emulator)
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", os.path.join(workspace.path, "inventory.json"),
               os.path.join(ROOT, "playbooks", scenario.playbook), "--vault-password-file", workspace.password_file]
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", **workspace.env)
    processes = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=workspace.path,  # pylint: disable=consider-using-with
                                  text=True) for _run in range(2)]
    outputs = [process.communicate(timeout=300)[0] for process in processes]
    workspace.outputs.extend(outputs)
    return outputs, [process.returncode for process in processes]


def run_with_fault(workspace, scenario, fault, position):
    """The faulted run; returns its output (kill faults stop it right after the platform handled the position)."""
    if fault == "two runs at once":
        outputs, _codes = two_runs_at_once(workspace, scenario)
        return "".join(outputs)
    method, path, occurrence = position
    if fault in ("500 before", "applied, dropped", "applied late", "429"):
        workspace.control("faults", fault_spec(fault, method, path, occurrence), platform=scenario.faulted)
        return workspace.play(scenario.playbook).output
    workspace.control("latency", {"seconds": 0.1}, platform=scenario.faulted)
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", os.path.join(workspace.path, "inventory.json"),
               os.path.join(ROOT, "playbooks", scenario.playbook), "--vault-password-file", workspace.password_file]
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", **workspace.env)
    log_path = os.path.join(workspace.path, "faulted-%d.log" % len(workspace.outputs))
    with open(log_path, "w", encoding="utf-8") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=workspace.path,  # pylint: disable=consider-using-with
                                   start_new_session=True)
        deadline = time.time() + 60
        while time.time() < deadline and process.poll() is None:
            handled = [e for e in workspace.control("requests", method="GET", platform=scenario.faulted)
                       if e["method"] == method and e["path"] == path]
            if len(handled) > occurrence:
                break
            time.sleep(0.02)
        if process.poll() is None:
            if fault == "SIGKILL of the tree":
                os.killpg(process.pid, signal.SIGKILL)
                # Workers that left the process group (ansible-core 2.19 and later make each its own group) are found
                # by their command line, which names this workspace's inventory: a pod that dies takes them all.
                subprocess.run(["pkill", "-KILL", "-f", os.path.join(workspace.path, "inventory.json")], check=False)
            elif fault == "kill -9 of the playbook":
                os.kill(process.pid, signal.SIGKILL)
            else:
                os.killpg(process.pid, signal.SIGTERM)
        process.wait()
    if fault != "SIGKILL of the tree":
        wait_for_workers(workspace)
    workspace.control("latency", {"seconds": 0}, platform=scenario.faulted)
    with open(log_path, encoding="utf-8") as handle:
        output = handle.read()
    workspace.outputs.append(output)
    return output


def wait_for_workers(workspace, seconds=30):
    """Until no lock of a live process is left in any sink (an orphaned worker finishes what it had in flight)."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        if not held_locks(workspace):
            return
        time.sleep(0.1)


def held_locks(workspace):
    """The lock files, Vault lock keys and Secrets Manager lock secrets that exist now."""
    locks = [os.path.join(d, n) for d, _s, files in os.walk(workspace.sink_dir) for n in files if n.endswith(".lock")]
    if "vault" in workspace.emulators:
        state = workspace.control("state", method="GET", platform="vault")
        locks += [path for space in state.values() for mount in space.values() for path in mount if path.endswith(".lock")]
    if getattr(workspace, "aws", None) is not None:
        names = [secret["Name"] for page in workspace.aws.client().get_paginator("list_secrets").paginate() for secret in page["SecretList"]]
        locks += [name for name in names if name.endswith(".lock")]  # the previous release's lock secrets
        client = workspace.aws.client()
        locks += [name for name in names if "/.locks/" in name and
                  client.get_secret_value(SecretId=name, VersionStage="AWSCURRENT")["VersionId"] != AWS_UNLOCKED]
    return locks


def track(workspace, scenario):
    """Start the emulator's record of every credential's working secrets (after the scenario's setup)."""
    workspace.control("track", method="POST", platform=scenario.emulator)
    workspace.recoverable = set(workspace.inventory_secrets) | (scenario.supplied(workspace) if scenario.supplied else set())


def remember_sink(workspace):
    """What the operator can recover after a run: every secret the sink holds then (called after each run).

    Vault keeps every version of a record, so there it is every value it was ever given.
    """
    workspace.recoverable |= sink_secrets(workspace)
    if "vault" in workspace.emulators:
        workspace.recoverable |= set(workspace.control("secrets", method="GET", platform="vault")) - {VAULT_TOKEN}
    if getattr(workspace, "aws", None) is not None:
        workspace.recoverable |= every_value(workspace.aws.client())  # every version Secrets Manager keeps


def tracking_problems(workspace, scenario):
    verdict = workspace.control("track/verdict", {"known": sorted(workspace.recoverable)}, platform=scenario.emulator)
    problems = ["%s had no working secret after %s" % (gap["credential"], gap["after"]) for gap in verdict["gaps"]]
    problems += ["%s had no secret the operator can recover after %s" % (lost["credential"], lost["after"])
                 for lost in verdict["unrecoverable"]]
    if not verdict["changes"]:
        problems.append("the emulator saw no secret change in three runs: the tracking does not see this scenario")
    return problems


def violations(workspace, scenario, second, third):
    """What broke a promise, in words; [] when nothing did."""
    problems = tracking_problems(workspace, scenario)
    if second.rc != 0:
        problems.append("the fault-free run after the fault failed: %s" % second.output[-400:].replace("\n", " "))
    if third.rc != 0 or third.recap(scenario.host)["changed"] != 0:
        problems.append("the third run was not a no-op (rc %d)" % third.rc)
    problems += scenario.check(workspace)
    secrets = sink_secrets(workspace) | workspace.inventory_secrets
    for platform in workspace.emulators:
        secrets |= set(workspace.control("secrets", method="GET", platform=platform))
    secrets = {secret for secret in secrets if len(secret) >= 8}
    for output in workspace.outputs:
        leaked = [secret for secret in secrets if secret in output]
        if leaked:
            problems.append("a secret in the output (starts %s)" % leaked[0][:6])
        if "Traceback (most recent call last)" in output:
            problems.append("a traceback in the output")
    for path in files_outside_the_sink(workspace.path):
        if path.endswith(".lock") or path.endswith(".flock"):
            continue
        with open(path, "rb") as handle:
            content = handle.read().decode("utf-8", "replace")
        leaked = [secret for secret in secrets if secret in content]
        if leaked:
            problems.append("a secret in %s" % os.path.relpath(path, workspace.path))
    return problems
