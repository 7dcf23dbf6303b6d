# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The platforms on the rotation engine, as the benchmark and the engine's system tests see them.

One :class:`Platform` per rotation playbook (and strategy): its emulator, a seed with N credentials, the inventory
that points the playbook at it, and what "done" means on the emulator. A new platform is one more entry here (see
docs/adding_a_platform.md).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Callable

import requests
import yaml

from ansible.parsing.vault import VaultLib, VaultSecret


def control(url, what, body=None, method="POST"):
    response = requests.request(method, url + "/_emulator/" + what, json=body, timeout=60)
    response.raise_for_status()
    return response.json()


@dataclass
class Platform:
    name: str
    emulator: str
    playbook: str
    count: int  # the benchmark's N
    seed: Callable  # (N) -> emulator state
    inventory: Callable  # (url, N, sink dir, concurrency, workdir, vault password) -> inventory
    per_credential: int  # the minimum requests one credential needs (the proof included)
    once: Callable  # (N) -> the minimum requests once per run (login, discovery)
    done: Callable  # (url, N) -> is every credential rotated / restored on the emulator?


# ---- UAA ------------------------------------------------------------------------------------------------
UAA_ADMIN = {"client_id": "admin", "client_secret": "adm1n-S3cret-seed-7f3a9c", "authorized_grant_types": ["client_credentials"],
             "authorities": ["uaa.admin", "clients.admin", "clients.read", "clients.write", "clients.secret"]}


def uaa_secret(number):
    return "bench-Client-S3cret-%05d-7e1f" % number


def uaa_seed(count):
    clients = [dict(UAA_ADMIN)] + [{"client_id": "svc-%05d" % n, "client_secret": uaa_secret(n),
                                    "authorized_grant_types": ["client_credentials"], "authorities": ["uaa.none"]}
                                   for n in range(count)]
    return {"zones": [], "clients": clients, "users": []}


def uaa_inventory(strategy):
    def build(url, count, sink, concurrency, _workdir, _password):
        clients = [{"client_id": "svc-%05d" % n, "current_secret": uaa_secret(n)} for n in range(count)]
        return {"uaa_servers": {"hosts": {"uaa-bench": {
            "uaa_url": url, "uaa_auth_client_id": UAA_ADMIN["client_id"], "uaa_auth_client_secret": UAA_ADMIN["client_secret"],
            "uaa_secret_rotation_sink_dir": sink, "uaa_secret_rotation_clients": clients,
            "uaa_secret_rotation_strategy": strategy, "uaa_secret_rotation_concurrency": concurrency}}}}
    return build


def uaa_done(url, count):
    """Every client has one secret, and it is no longer the one it had."""
    clients = control(url, "state", method="GET")["clients"]["uaa"]
    if sum(1 for cid, client in clients.items() if cid.startswith("svc-") and client["secret_count"] == 1) != count:
        return False
    with requests.Session() as session:
        return not any(session.post(url + "/oauth/token", data={"grant_type": "client_credentials"}, timeout=10,
                                    auth=("svc-%05d" % n, uaa_secret(n))).status_code == 200 for n in range(count))


# ---- Anypoint ----------------------------------------------------------------------------------------------
ANYPOINT_ROOT = "0a14e2fd-1cfe-4310-acbc-54bf93eb8420"
ANYPOINT_BOT = {"client_id": "c0ffee00c0ffee00c0ffee00c0ffee01", "client_secret": "R0tat1onB0tSecretValue0000000001"}
ENVIRONMENTS_PER_GROUP = 10


def anypoint_env_secret(group, number):
    return "EnvSecret%023d" % (group * 100 + number)


def anypoint_seed(count):
    groups = max(1, count // ENVIRONMENTS_PER_GROUP)
    orgs = [{"id": ANYPOINT_ROOT, "name": "Bench Corp", "client_secret": "R00tOrgSecret0000000000000000000", "environments": []}]
    for group in range(groups):
        orgs.append({"id": "bench-group-%03d" % group, "name": "Group %03d" % group, "parentId": ANYPOINT_ROOT,
                     "client_secret": "GroupSecret%021d" % group,
                     "environments": [{"id": "env-%03d-%02d" % (group, n), "name": "Env-%02d" % n, "type": "sandbox",
                                       "clientId": "c%03d%02d" % (group, n) + "0" * 26, "client_secret": anypoint_env_secret(group, n)}
                                      for n in range(ENVIRONMENTS_PER_GROUP)]})
    scopes = [{"scope": scope, "org": org["id"]} for org in orgs for scope in ("admin:orgclients", "read:orgenvironments")]
    return {"organizations": orgs,
            "connected_apps": [dict(ANYPOINT_BOT, client_name="rotation-bot", owner_org_id=ANYPOINT_ROOT, context_scopes=scopes)],
            "users": []}


def anypoint_inventory(url, count, sink, concurrency, _workdir, _password):
    groups = max(1, count // ENVIRONMENTS_PER_GROUP)
    targets = [{"environment": "Env-%02d" % n, "business_group": "Group %03d" % group}
               for group in range(groups) for n in range(ENVIRONMENTS_PER_GROUP)]
    return {"anypoint_orgs": {"hosts": {"bench-org": {
        "anypoint_url": url, "anypoint_client_id": ANYPOINT_BOT["client_id"], "anypoint_client_secret": ANYPOINT_BOT["client_secret"],
        "anypoint_secret_rotation_sink_dir": sink, "anypoint_secret_rotation_targets": targets,
        "anypoint_secret_rotation_concurrency": concurrency}}}}


def anypoint_done(url, count):
    groups = max(1, count // ENVIRONMENTS_PER_GROUP)
    for group in range(groups):
        for number in range(ENVIRONMENTS_PER_GROUP):
            client_id = "c%03d%02d" % (group, number) + "0" * 26
            if control(url, "token_for", {"client_id": client_id, "client_secret": anypoint_env_secret(group, number)})["valid"]:
                return False  # an old secret still works
    return True


# ---- API Connect v5 ---------------------------------------------------------------------------------------
V5_OWNER = ("owner-bench", "b3nch-0wner-Passw0rd-v5-00")
V5_APPS_PER_ORG = 20


def v5_original(number):
    return "%08d-0000-4000-8000-000000000000" % number, "Orig1nal-Bench-Secret-%06d" % number


def v5_seed(count):
    orgs = []
    for org in range(max(1, count // V5_APPS_PER_ORG)):
        apps = [{"id": "app-%03d-%02d" % (org, n), "name": "app-%03d-%02d" % (org, n),
                 "credentials": [{"clientID": "reset-%03d-%02d" % (org, n), "clientSecret": "Reset-Secret-%03d-%02d" % (org, n)}]}
                for n in range(V5_APPS_PER_ORG)]
        orgs.append({"id": "org-%03d" % org, "name": "org-%03d" % org, "owner": V5_OWNER[0], "apps": apps})
    return {"users": [{"username": V5_OWNER[0], "password": V5_OWNER[1]}], "contexts": [{"name": "bench.catalog", "orgs": orgs}]}


def v5_rows(count):
    rows = []
    for org in range(max(1, count // V5_APPS_PER_ORG)):
        for n in range(V5_APPS_PER_ORG):
            client_id, secret = v5_original(org * V5_APPS_PER_ORG + n)
            rows.append({"org": "org-%03d" % org, "app": "app-%03d-%02d" % (org, n), "client_id": client_id, "client_secret": secret})
    return rows


def v5_inventory(url, count, sink, concurrency, workdir, password):
    backup = os.path.join(workdir, "v5-backup-%d.yml" % count)
    vault = VaultLib([("default", VaultSecret(password.encode()))])
    with open(backup, "wb") as handle:
        handle.write(vault.encrypt(yaml.safe_dump({"apic_v5_credentials": v5_rows(count)}).encode()))
    return {"apic_v5_portals": {"hosts": {"v5-bench": {
        "apic_v5_url": url, "apic_v5_context": "bench.catalog", "apic_v5_username": V5_OWNER[0], "apic_v5_password": V5_OWNER[1],
        "apic_v5_credential_restore_backup_file": backup, "apic_v5_credential_restore_sink_dir": sink,
        "apic_v5_credential_restore_gateway_probe_url": url + "/gateway/bench/catalog/ping",
        "apic_v5_credential_restore_concurrency": concurrency}}}}


def v5_done(url, count):
    return all(control(url, "check_credentials", {"client_id": row["client_id"], "client_secret": row["client_secret"]})["valid"]
               for row in v5_rows(count))


# ---- Keycloak ----------------------------------------------------------------------------------------------
KEYCLOAK_ROTATOR = ("rotator", "r0tator-S3cret-bench-keycloak-0001")


def keycloak_secret(number):
    return "bench-Keycl0ak-S3cret-%05d-3c9d" % number


def keycloak_seed(count):
    rotator = {"clientId": KEYCLOAK_ROTATOR[0], "secret": KEYCLOAK_ROTATOR[1], "serviceAccountsEnabled": True,
               "serviceAccountRoles": {"realm-management": ["manage-clients"]}}
    clients = [{"clientId": "svc-%05d" % n, "secret": keycloak_secret(n), "serviceAccountsEnabled": True} for n in range(count)]
    return {"realms": [{"realm": "bench", "clients": [rotator] + clients}]}


def keycloak_inventory(url, count, sink, concurrency, _workdir, _password):
    return {"keycloak_realms": {"hosts": {"keycloak-bench": {
        "keycloak_url": url, "keycloak_realm": "bench", "keycloak_auth_client_id": KEYCLOAK_ROTATOR[0],
        "keycloak_auth_client_secret": KEYCLOAK_ROTATOR[1], "keycloak_secret_rotation_sink_dir": sink,
        "keycloak_secret_rotation_clients": [{"client_id": "svc-%05d" % n} for n in range(count)],
        "keycloak_secret_rotation_concurrency": concurrency}}}}


def keycloak_done(url, count):
    with requests.Session() as session:
        return not any(session.post(url + "/realms/bench/protocol/openid-connect/token", timeout=10,
                                    data={"grant_type": "client_credentials", "client_id": "svc-%05d" % n,
                                          "client_secret": keycloak_secret(n)}).status_code == 200 for n in range(count))


PLATFORMS = {
    # name: the minimum requests of the playbook's work: what the protocol needs to decide, one request per write, and
    # the platform's own proofs (the new secret accepted, the old one rejected); a journal write (persist) is none.
    # UAA admin: check the old secret (so that the previous one kept in the sink is real, and its rejection proves the
    # change), UPDATE, new accepted, old rejected; once: the admin token.
    "uaa-admin": Platform("uaa-admin", "uaa", "uaa_rotate.yml", 500, uaa_seed, uaa_inventory("admin"), 4, lambda n: 1, uaa_done),
    # UAA dual: check the old secret, ADD, new accepted, DELETE, old rejected.
    "uaa-dual": Platform("uaa-dual", "uaa", "uaa_rotate.yml", 500, uaa_seed, uaa_inventory("dual"), 5, lambda n: 1, uaa_done),
    # Anypoint (the platform takes a chosen secret): read the secret in place (the old one, kept as previous), PATCH the
    # new one, new validated, old rejected. A read of the secret after the PATCH proves nothing the validation does
    # not, so it is not counted (the platform's reset, where a control plane refuses a chosen secret, needs that read:
    # 5). Once: login, me, the organization tree (the root and each group, for the groups' names) and each group's
    # environment list.
    "anypoint-env": Platform("anypoint-env", "anypoint", "anypoint_rotate.yml", 200, anypoint_seed, anypoint_inventory, 4,
                             lambda n: 3 + 2 * max(1, n // ENVIRONMENTS_PER_GROUP), anypoint_done),
    # API Connect v5 (a restore): read the app once the credential's lock is held (the decision: the lists below are
    # read before that, and another run may have restored the credential since), PUT the credential, one call through
    # the gateway (it accepts the client id only with the secret, so it proves both; where it cannot be made, a read
    # back of the client id takes its place). Once: the org list and each org's app list.
    "apic-v5-restore": Platform("apic-v5-restore", "apic_v5", "apic_v5_restore.yml", 200, v5_seed, v5_inventory, 3,
                                lambda n: 1 + max(1, n // V5_APPS_PER_ORG), v5_done),
    # Keycloak: find the client, read the secret, regenerate, read the rotated secret, new token, old refused; once: login.
    "keycloak-reset": Platform("keycloak-reset", "keycloak", "keycloak_rotate.yml", 200, keycloak_seed, keycloak_inventory, 6,
                               lambda n: 1, keycloak_done),
}


def write_inventory(path, inventory):
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(inventory, handle)
