# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The platforms on the rotation engine, as the benchmark and the engine's system tests see them.

One :class:`Platform` per rotation playbook (and strategy): its emulator, a seed with N credentials, the inventory
that points the playbook at it, and what "done" means on the emulator. A new platform is one more entry, here or
in its emulator's ``contract_rows()`` (see docs/adding_a_platform.md), with what the contract suite (tests/system/test_contract.py) needs to hold it to the
promises every platform makes: what its writes look like in the emulator's request log, how to lose the answer to
one, how the emulator proves a secret, and which contracts it does not offer (each with the reason).
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass, field
from typing import Callable

import requests
import yaml

from ansible.parsing.vault import VaultLib, VaultSecret

from tests.emulators.launch import EMULATORS


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
    # ---- the contract suite (the benchmark does not read these) ----
    product: str = ""  # the row of plugins/plugin_utils/_platforms.py it tests
    host: str = ""  # the inventory host that inventory() names
    # A platform write in the emulator's request log, as "METHOD path": the regex's group "credential" names the
    # credential written (proofs and logins are not writes, even when they are POSTs).
    writes: str = ""
    writes_each: int = 1  # the writes of one credential in one clean run (dual: add and retire)
    lost_answer: dict = None  # the fault that applies one write and loses its answer (a 502 after applying)
    # (url, sink key, sink record) -> (new secret accepted, old secret rejected; None where the protocol keeps it)
    proves: Callable = None
    rollback: tuple = None  # (playbook, extra arguments) that puts the previous secrets back
    # (url, N, workdir, vault password) -> the runs that must come before a roll back has a value of the collection's
    # to put back, where the first run's previous value is one the platform never showed: [(emulator control as
    # (what, body) or None, host variables)]
    rollback_setup: Callable = None
    # (url, sink key, record before the roll back, record after) -> is the value from before the last change back,
    # and accepted (and the one rolled back from rejected, where the protocol replaces it)?
    rolled_back: Callable = None
    skip: dict = field(default_factory=dict)  # contract -> why the platform does not offer it
    # contract -> the bug of the collection that breaks it, named precisely (the suite expects it to fail, strictly)
    bugs: dict = field(default_factory=dict)
    bench: bool = True  # in tests/bench/bench_rotation.py

    def written(self, entry):
        """The credential a request log entry writes, or None when it is no write."""
        match = re.fullmatch(self.writes, "%s %s" % (entry["method"], entry["path"]))
        return match.group("credential") if match else None


def secret_protocol(works):
    """proves and rolled_back for a credential with one secret in place of another: ``works(url, key, record, secret)``."""
    def proves(url, key, record):
        return works(url, key, record, record["secret"]), not works(url, key, record, record["previous_secret"])

    def rolled_back(url, key, before, after):
        return (after["secret"] == before["previous_secret"] and works(url, key, after, after["secret"])
                and not works(url, key, after, before["secret"]))

    return {"proves": proves, "rolled_back": rolled_back}


def groups_of(count, size):
    """(groups, members per group): N credentials in groups of ``size``, one smaller group when N is smaller."""
    return max(1, count // size), min(count, size)


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


def uaa_token_works(url, client_id, secret):
    return requests.post(url + "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret),
                         timeout=10).status_code == 200


UAA_PROOFS = secret_protocol(lambda url, key, _record, secret: uaa_token_works(url, key.split("/")[-1], secret))


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
    groups, size = groups_of(count, ENVIRONMENTS_PER_GROUP)
    orgs = [{"id": ANYPOINT_ROOT, "name": "Bench Corp", "client_secret": "R00tOrgSecret0000000000000000000", "environments": []}]
    for group in range(groups):
        orgs.append({"id": "bench-group-%03d" % group, "name": "Group %03d" % group, "parentId": ANYPOINT_ROOT,
                     "client_secret": "GroupSecret%021d" % group,
                     "environments": [{"id": "env-%03d-%02d" % (group, n), "name": "Env-%02d" % n, "type": "sandbox",
                                       "clientId": "c%03d%02d" % (group, n) + "0" * 26, "client_secret": anypoint_env_secret(group, n)}
                                      for n in range(size)]})
    scopes = [{"scope": scope, "org": org["id"]} for org in orgs for scope in ("admin:orgclients", "read:orgenvironments")]
    return {"organizations": orgs,
            "connected_apps": [dict(ANYPOINT_BOT, client_name="rotation-bot", owner_org_id=ANYPOINT_ROOT, context_scopes=scopes)],
            "users": []}


def anypoint_inventory(url, count, sink, concurrency, _workdir, _password):
    groups, size = groups_of(count, ENVIRONMENTS_PER_GROUP)
    targets = [{"environment": "Env-%02d" % n, "business_group": "Group %03d" % group}
               for group in range(groups) for n in range(size)]
    return {"anypoint_orgs": {"hosts": {"bench-org": {
        "anypoint_url": url, "anypoint_client_id": ANYPOINT_BOT["client_id"], "anypoint_client_secret": ANYPOINT_BOT["client_secret"],
        "anypoint_secret_rotation_sink_dir": sink, "anypoint_secret_rotation_targets": targets,
        "anypoint_secret_rotation_concurrency": concurrency}}}}


def anypoint_valid(url, client_id, secret):
    return control(url, "token_for", {"client_id": client_id, "client_secret": secret})["valid"]


def anypoint_works(url, key, _record, secret):
    group, environment = key.split("/")  # Group 000/environment-Env-00
    return anypoint_valid(url, "c%03d%02d" % (int(group.split()[-1]), int(environment.split("-")[-1])) + "0" * 26, secret)


def anypoint_done(url, count):
    groups, size = groups_of(count, ENVIRONMENTS_PER_GROUP)
    for group in range(groups):
        for number in range(size):
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
    groups, size = groups_of(count, V5_APPS_PER_ORG)
    for org in range(groups):
        apps = [{"id": "app-%03d-%02d" % (org, n), "name": "app-%03d-%02d" % (org, n),
                 "credentials": [{"clientID": "reset-%03d-%02d" % (org, n), "clientSecret": "Reset-Secret-%03d-%02d" % (org, n)}]}
                for n in range(size)]
        orgs.append({"id": "org-%03d" % org, "name": "org-%03d" % org, "owner": V5_OWNER[0], "apps": apps})
    return {"users": [{"username": V5_OWNER[0], "password": V5_OWNER[1]}], "contexts": [{"name": "bench.catalog", "orgs": orgs}]}


def v5_rows(count):
    rows = []
    groups, size = groups_of(count, V5_APPS_PER_ORG)
    for org in range(groups):
        for n in range(size):
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


def v5_valid(url, client_id, secret):
    return control(url, "check_credentials", {"client_id": client_id, "client_secret": secret})["valid"]


def v5_proves(url, key, record):
    """A restore puts the original back: the credential the portal made at its reset (which the seed knows, the portal
    never shows) is the one retired."""
    org, app = (int(part) for part in key.split("/")[1].split("-")[1:])  # org-000/app-000-01/default
    return (v5_valid(url, record["client_id"], record["secret"]),
            not v5_valid(url, "reset-%03d-%02d" % (org, app), "Reset-Secret-%03d-%02d" % (org, app)))


def v5_rolled_back(url, _key, before, after):
    return (after["secret"] == before["previous_secret"] and v5_valid(url, after["client_id"], after["secret"])
            and not v5_valid(url, before["client_id"], before["secret"]))


def v5_second_restore(_url, count, workdir, password):
    """A second restore, of corrected values: roll back then has the first restore's values to put back (the portal's
    reset secrets, which the first one replaced, it never showed)."""
    backup = os.path.join(workdir, "v5-corrected-%d.yml" % count)
    rows = [dict(row, client_secret="C0rrected-" + row["client_secret"]) for row in v5_rows(count)]
    vault = VaultLib([("default", VaultSecret(password.encode()))])
    with open(backup, "wb") as handle:
        handle.write(vault.encrypt(yaml.safe_dump({"apic_v5_credentials": rows}).encode()))
    return [(None, {"apic_v5_credential_restore_backup_file": backup, "apic_v5_credential_restore_update_secret": "always"})]


def v5_done(url, count):
    return all(control(url, "check_credentials", {"client_id": row["client_id"], "client_secret": row["client_secret"]})["valid"]
               for row in v5_rows(count))


# ---- API Connect v10 ----------------------------------------------------------------------------------------
APIC_LOGIN = {"apic_username": "apiops-admin", "apic_password": "Pr0vider-Adm1n-Passw0rd-v10",
              "apic_client_id": "599b7aef-8841-4ee2-88a0-84d49c4d6ff2", "apic_client_secret": "0ea28423-e73b-47d4-b40e-ddb45c48bb0c"}
APIC_EXPIRED_AGE = 95  # days: past the role's expiry_days (90), short of its deletion_days (100)


def apic_secret(number):
    return "bench-Ap1c-S3cret-%05d-5b8e" % number


def apic_seed(count):
    """One consumer org whose N apps each hold one expired credential: every one gets its <name>_new."""
    apps = [{"name": "app-%05d" % n, "credentials": [{"name": "credential-for-app-%05d" % n, "title": "Credential for app %d" % n,
                                                      "age_days": APIC_EXPIRED_AGE, "client_id": "%032x" % (0xa91c0000 + n),
                                                      "client_secret": apic_secret(n)}]} for n in range(count)]
    return {"toolkit_clients": [{"client_id": APIC_LOGIN["apic_client_id"], "client_secret": APIC_LOGIN["apic_client_secret"]}],
            "users": [{"username": APIC_LOGIN["apic_username"], "password": APIC_LOGIN["apic_password"], "realm": "provider/default-idp-2"}],
            "orgs": [{"name": "bench-porg", "catalogs": [{"name": "production", "consumer_orgs": [
                {"name": "bench-corg", "title": "Bench consumer org", "owner": {"username": "bench-owner", "email": "owner@example.com"},
                 "apps": apps}]}]}]}


def apic_inventory(url, _count, sink, concurrency, workdir, _password):
    return {"apic_catalogs": {"hosts": {"bench-catalog": dict(
        APIC_LOGIN, apic_url=url, apic_org="bench-porg", apic_catalog="production", apic_credential_rotation_sink_dir=sink,
        apic_credential_rotation_report_dir=os.path.join(workdir, "reports", "apic"), apic_credential_rotation_concurrency=concurrency)}}}


def apic_valid(url, client_id, secret):
    return control(url, "check_credentials", {"client_id": client_id, "client_secret": secret})["valid"]


def apic_proves(url, _key, record):
    """The old credential keeps working until deletion_days: the protocol overlaps, it retires nothing in this run."""
    return apic_valid(url, record["client_id"], record["client_secret"]), None


def apic_cycle(_url, _count, _workdir, _password):
    """Time passes: the old credentials are retired (the sink never held their secrets, the seed made them), a cycle
    later this collection's own are, with their secrets in the sink: those roll back can bring back."""
    return [(("age", {"days": 11}), {}), (("age", {"days": 80}), {}), (("age", {"days": 11}), {})]


def apic_rolled_back(url, _key, before, after):
    """The retired credential is back next to the current one: the consumers of either keep working."""
    return (apic_valid(url, before["retired_client_id"], before["retired_client_secret"])
            and apic_valid(url, after["client_id"], after["client_secret"]))


def apic_done(url, count):
    apps = control(url, "state", method="GET")["bench-porg"]["production"]["consumer_orgs"]["bench-corg"]["apps"]
    return all(sorted(apps["app-%05d" % n]["credentials"]) == ["credential-for-app-%05d" % n, "credential-for-app-%05d_new" % n]
               for n in range(count))


UAA_CONTRACTS = dict(product="uaa", host="uaa-bench", **UAA_PROOFS, writes=r"PUT /oauth/clients/(?P<credential>[^/]+)/secret",
                     lost_answer={"method": "PUT", "path": "/oauth/clients/svc-00000/secret$"}, rollback=("uaa_rollback.yml",))

PLATFORMS = {
    # name: the minimum requests of the playbook's work: what the protocol needs to decide, one request per write, and
    # the platform's own proofs (the new secret accepted, the old one rejected); a journal write (persist) is none.
    # UAA admin: check the old secret (so that the previous one kept in the sink is real, and its rejection proves the
    # change), UPDATE, new accepted, old rejected; once: the admin token.
    "uaa-admin": Platform("uaa-admin", "uaa", "uaa_rotate.yml", 500, uaa_seed, uaa_inventory("admin"), 4, lambda n: 1, uaa_done,
                          **UAA_CONTRACTS),
    # UAA dual: check the old secret, ADD, new accepted, DELETE, old rejected.
    "uaa-dual": Platform("uaa-dual", "uaa", "uaa_rotate.yml", 500, uaa_seed, uaa_inventory("dual"), 5, lambda n: 1, uaa_done,
                         **dict(UAA_CONTRACTS, writes_each=2)),
    # Anypoint (the platform takes a chosen secret): read the secret in place (the old one, kept as previous), PATCH the
    # new one, new validated, old rejected. A read of the secret after the PATCH proves nothing the validation does
    # not, so it is not counted (the platform's reset, where a control plane refuses a chosen secret, needs that read:
    # 5). Once: login, me, the organization tree (the root and each group, for the groups' names) and each group's
    # environment list.
    "anypoint-env": Platform("anypoint-env", "anypoint", "anypoint_rotate.yml", 200, anypoint_seed, anypoint_inventory, 4,
                             lambda n: 3 + 2 * max(1, n // ENVIRONMENTS_PER_GROUP), anypoint_done,
                             product="anypoint", host="bench-org", **secret_protocol(anypoint_works),
                             writes=r"PATCH /accounts/api/organizations/[^/]+/clients/(?P<credential>[^/]+)",
                             lost_answer={"method": "PATCH", "path": "/clients/c00000"},
                             rollback=("anypoint_rollback.yml",)),
    # API Connect v5 (a restore): read the app once the credential's lock is held (the decision: the lists below are
    # read before that, and another run may have restored the credential since), PUT the credential, one call through
    # the gateway (it accepts the client id only with the secret, so it proves both; where it cannot be made, a read
    # back of the client id takes its place). Once: the org list and each org's app list.
    "apic-v5-restore": Platform("apic-v5-restore", "apic_v5", "apic_v5_restore.yml", 200, v5_seed, v5_inventory, 3,
                                lambda n: 1 + max(1, n // V5_APPS_PER_ORG), v5_done,
                                product="apic_v5", host="v5-bench", proves=v5_proves,
                                rolled_back=v5_rolled_back, rollback_setup=v5_second_restore,
                                writes=r"PUT /v1/portal/orgs/[^/]+/apps/(?P<credential>[^/]+)/credentials(/.*)?",
                                lost_answer={"method": "PUT", "path": "/apps/app-000-00/credentials"},
                                rollback=("apic_v5_rollback.yml",)),
    # API Connect v10 (a catalog rotated by age: <name>_new after expiry_days, the old one retired after
    # deletion_days): create the new credential, verify its secret; once: the token and one page each of consumer
    # orgs, apps and credentials (tests/bench/bench_apic_rotation.py benches the catalog at scale, against the
    # published sample script; this row is for the contract suite).
    "apic-catalog": Platform("apic-catalog", "apic", "apic_rotate.yml", 200, apic_seed, apic_inventory, 2, lambda n: 4, apic_done,
                             product="apic", host="bench-catalog", proves=apic_proves, bench=False,
                             rolled_back=apic_rolled_back, rollback_setup=apic_cycle,
                             writes=r"(POST|PATCH|DELETE) /api/apps/[^/]+/[^/]+/[^/]+/(?P<credential>[^/]+)/credentials"
                                    r"(/[^/]+(/reset|/reset-client-secret)?)?",
                             lost_answer={"method": "POST", "path": "/credentials$"},
                             rollback=("apic_rollback.yml",)),
}
# A platform's entry may live with its emulator instead (``contract_rows()`` in tests/emulators/<name>.py): a new
# platform then edits nothing here.
for _emulator in EMULATORS.values():
    _rows = getattr(sys.modules[_emulator.__module__], "contract_rows", None)
    PLATFORMS.update({row.name: row for row in (_rows() if _rows else ())})


def write_inventory(path, inventory):
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(inventory, handle)
