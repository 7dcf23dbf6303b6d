# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""`make demo`: the rotation playbooks against the local emulators, dry run first, then for real.

Run by the Makefile under tests.emulators.launch, which starts the emulators and
puts their URLs in UAA_EMULATOR_URL (and so on). Everything the demo writes
(inventory, vault password, the encrypted secret sink) goes under DEMO_DIR.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import requests

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
DEMO_VAULT_PASSWORD = "demo-only-vault-password"


def banner(text):
    line = "=" * 78
    print("\n%s\n== %s\n%s" % (line, text, line), flush=True)


def write_inventory(demo_dir, uaa_url):
    inventory = {"uaa_servers": {"hosts": {"uaa-demo": {
        "uaa_url": uaa_url,
        # Demo credentials of the emulator's seed; in real use these come from a vault or an AWX credential.
        "uaa_auth_client_id": "admin",
        "uaa_auth_client_secret": "adm1n-S3cret-seed-7f3a9c",
        "uaa_secret_rotation_sink_dir": os.path.join(demo_dir, "secrets"),
        "uaa_secret_rotation_report_path": os.path.join(demo_dir, "uaa-report.json"),
        "uaa_secret_rotation_clients": [
            {"client_id": "billing-service"},
            {"client_id": "reports-service", "strategy": "dual", "current_secret": "rep0rts-S3cret-seed-3aa810"},
            {"client_id": "portal-web", "strategy": "grant_dance", "current_secret": "p0rtal-S3cret-seed-d41f06"},
            {"client_id": "zone-app", "strategy": "dual", "identity_zone_subdomain": "zone1",
             "identity_zone_url": uaa_url + "/zones/zone1", "current_secret": "z0neapp-S3cret-seed-c0ffee"},
        ],
    }}}}
    path = os.path.join(demo_dir, "inventory.json")
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(inventory, handle, indent=2)
    return path


V5_ORIGINALS = [
    # What the operator kept from before the API Manager reset (seed 004); the secret is hashed by the module.
    {"org": "acme-dev", "app": "orders-app", "client_id": "0ec9010b-11d5-4459-8e9f-2695459c9ed5",
     "client_secret": "jM2kG1eI5aF4aQ4qW1hH7wT4hK5sG3oB6sL2pV0rW8aR4rG8bT", "description": "The original ClientSecret"},
    {"org": "acme-dev", "app": "billing-app", "client_id": "11111111-2222-3333-4444-555555555555",
     "client_secret": "Orig1nal-Billing-Secret-value-42"},
    {"org": "globex-dev", "app": "reports-app", "client_id": "99999999-2222-3333-4444-555555555555",
     "client_secret": "Orig1nal-Reports-Secret-value-77"},
]


def write_v5_inventory(demo_dir, portal_url):
    backup = os.path.join(demo_dir, "apic_v5_backup.yml")
    with open(backup, "w", encoding="utf-8") as handle:
        json.dump({"apic_v5_credentials": V5_ORIGINALS}, handle, indent=2)
    subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-vault"), "encrypt", "--vault-password-file",
                    os.path.join(demo_dir, "vault-password"), backup], check=True, capture_output=True)
    inventory = {"apic_v5_portals": {"hosts": {"v5-demo": {
        "apic_v5_url": portal_url, "apic_v5_context": "myOrg.myCatalog",
        # Demo credentials of the emulator's seed; in real use these come from a vault or an AWX credential.
        "apic_v5_username": "owner-acme", "apic_v5_password": "acme-0wner-Passw0rd-v5-11",
        "apic_v5_credential_restore_owners": {"globex-dev": {"username": "owner-globex", "password": "gl0bex-0wner-Passw0rd-v5-22"}},
        "apic_v5_credential_restore_backup_file": backup,
        "apic_v5_credential_restore_report_path": os.path.join(demo_dir, "apic-v5-report.json"),
        "apic_v5_backup_dir": os.path.join(demo_dir, "apic_v5_recorded"),
    }}}}
    with open(os.path.join(demo_dir, "inventory-apic-v5.json"), "w", encoding="utf-8") as handle:
        json.dump(inventory, handle, indent=2)


def gateway_check(portal_url):
    """The emulator's view of the gateway: does each original client id / secret pair authenticate?"""
    for row in V5_ORIGINALS:
        answer = requests.post(portal_url + "/_emulator/check_credentials", timeout=10,
                               json={"client_id": row["client_id"], "client_secret": row["client_secret"]}).json()
        print("  %-11s %-12s original client id %s: %s" % (row["org"], row["app"], row["client_id"],
                                                           "accepted" if answer["valid"] else "NOT accepted"), flush=True)


ANYPOINT_ENVIRONMENTS = [("root", "Sandbox", "8f82828ca6c2405ba04bb85a596a18ff", "B0313ad5a6B44f7ebb4Bf482C49327e1"),
                         ("Payments", "Sandbox", "11aa22bb33cc44dd55ee66ff77889900", "E7f8A9b0C1d2E3f4A5b6C7d8E9f0A1b2")]


def write_anypoint_inventory(demo_dir, anypoint_url):
    inventory = {"anypoint_orgs": {"hosts": {"acme": {
        "anypoint_url": anypoint_url,
        # A connected app with admin:orgclients from the emulator's seed; in real use from a vault or AWX credential.
        "anypoint_client_id": "c0ffee00c0ffee00c0ffee00c0ffee01", "anypoint_client_secret": "R0tat1onB0tSecretValue0000000001",
        "anypoint_secret_rotation_sink_dir": os.path.join(demo_dir, "secrets"),
        "anypoint_secret_rotation_report_path": os.path.join(demo_dir, "anypoint-report.json"),
        "anypoint_secret_rotation_targets": [{"environment": "Sandbox"}, {"environment": "Sandbox", "business_group": "Payments"}],
    }}}}
    with open(os.path.join(demo_dir, "inventory-anypoint.json"), "w", encoding="utf-8") as handle:
        json.dump(inventory, handle, indent=2)


def mule_check(anypoint_url):
    """The emulator's view: does a Mule application holding the original environment secret still get in?"""
    for group, env, client_id, original in ANYPOINT_ENVIRONMENTS:
        answer = requests.post(anypoint_url + "/_emulator/token_for", timeout=10,
                               json={"client_id": client_id, "client_secret": original}).json()
        print("  %-9s %-8s client %s with its original secret: %s" % (group, env, client_id,
                                                                      "accepted" if answer["valid"] else "refused"), flush=True)


def write_apic_inventory(demo_dir, apic_url, smtp_port):
    inventory = {"apic_catalogs": {"hosts": {"acme-sandbox": {
        "apic_url": apic_url, "apic_org": "acme", "apic_catalog": "sandbox",
        # A provider user and toolkit credentials from the emulator's seed; in real use from a vault or AWX credential.
        "apic_username": "apiops-admin", "apic_password": "Pr0vider-Adm1n-Passw0rd-v10",
        "apic_client_id": "599b7aef-8841-4ee2-88a0-84d49c4d6ff2", "apic_client_secret": "0ea28423-e73b-47d4-b40e-ddb45c48bb0c",
        "apic_credential_rotation_sink_dir": os.path.join(demo_dir, "secrets"),
        "apic_credential_rotation_report_dir": os.path.join(demo_dir, "apic-reports"),
        "apic_credential_rotation_smtp": {"host": "127.0.0.1", "port": smtp_port, "sender": "api-platform@example.com"},
    }}}}
    with open(os.path.join(demo_dir, "inventory-apic.json"), "w", encoding="utf-8") as handle:
        json.dump(inventory, handle, indent=2)


KEYCLOAK_CLIENTS = [("orders-api", "0rders-S3cret-keycloak-seed-9b04f1"), ("billing-api", "b1lling-S3cret-keycloak-seed-2f6c88")]


def write_keycloak_inventory(demo_dir, keycloak_url, smtp_port):
    # Host variables named for the platform (keycloak_<option>) fill the options: no role variable is needed.
    inventory = {"keycloak_realms": {"hosts": {"apps-realm": {
        # Every platform tells the owners of new secrets by e-mail (here the local SMTP server of the emulators).
        "keycloak_smtp": {"host": "127.0.0.1", "port": smtp_port, "sender": "platform-team@example.com"},
        "keycloak_owner_email": "platform-team@example.com",
        "keycloak_url": keycloak_url, "keycloak_realm": "apps",
        # A service-account client with manage-clients from the emulator's seed; in real use from a vault or AWX credential.
        "keycloak_auth_client_id": "rotator", "keycloak_auth_client_secret": "r0tator-S3cret-keycloak-seed-51c2a9",
        "keycloak_sink_dir": os.path.join(demo_dir, "secrets"),
        "keycloak_report_path": os.path.join(demo_dir, "keycloak-report.json"),
        "keycloak_clients": [{"client_id": "orders-api", "owner_email": "orders-team@example.com"}, {"client_id": "billing-api"}],
    }}}}
    with open(os.path.join(demo_dir, "inventory-keycloak.json"), "w", encoding="utf-8") as handle:
        json.dump(inventory, handle, indent=2)


def keycloak_check(keycloak_url):
    """The emulator's view: does each client still get a token with the secret it had before the demo?"""
    for name, original in KEYCLOAK_CLIENTS:
        status = requests.post(keycloak_url + "/realms/apps/protocol/openid-connect/token", timeout=10,
                               data={"grant_type": "client_credentials", "client_id": name, "client_secret": original}).status_code
        print("  %-12s with its original secret: %s" % (name, "accepted" if status == 200 else "refused"), flush=True)


def show_file(path):
    print("--- %s" % path, flush=True)
    with open(path, encoding="utf-8") as handle:
        print(handle.read(), flush=True)


def show_mail(apic_url):
    """What the local SMTP server received since the last look: who was told about what (never a secret)."""
    for message in requests.get(apic_url + "/_emulator/mail", timeout=10).json():
        print("  mail to %s: %s" % (", ".join(message["to"]), message["subject"]), flush=True)
        for line in message["body"].splitlines():
            if line.strip().startswith("- "):
                print("    " + line.strip(), flush=True)
    requests.delete(apic_url + "/_emulator/mail", timeout=10)


def play(demo_dir, playbook, *extra, inventory="inventory.json"):
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", os.path.join(demo_dir, inventory),
               os.path.join(ROOT, "playbooks", playbook), "--vault-password-file", os.path.join(demo_dir, "vault-password")]
    command += list(extra)
    env = dict(os.environ, ANSIBLE_DISPLAY_SKIPPED_HOSTS="false", ANSIBLE_NOCOLOR="1")
    print("$ ansible-playbook %s %s" % (playbook, " ".join(extra)), flush=True)
    result = subprocess.run(command, env=env, check=False)
    if result.returncode != 0:
        print("demo: %s failed (exit %d)" % (playbook, result.returncode), file=sys.stderr)
        sys.exit(result.returncode)


def main():
    uaa_url = os.environ.get("UAA_EMULATOR_URL")
    if not uaa_url:
        sys.exit("demo: run me through `make demo`, which starts the emulators")
    demo_dir = os.environ.get("DEMO_DIR", os.path.join(ROOT, "demo"))
    shutil.rmtree(demo_dir, ignore_errors=True)
    os.makedirs(demo_dir, mode=0o700)
    with open(os.path.join(demo_dir, "vault-password"), "w", encoding="utf-8") as handle:
        handle.write(DEMO_VAULT_PASSWORD + "\n")
    uaa, portal, anypoint, apic, keycloak = (uaa_url, os.environ["APIC_V5_EMULATOR_URL"], os.environ["ANYPOINT_EMULATOR_URL"],
                                             os.environ["APIC_EMULATOR_URL"], os.environ["KEYCLOAK_EMULATOR_URL"])
    reports = os.path.join(demo_dir, "apic-reports")
    # Per platform: its inventory, its title, then its steps: (what the step shows, playbook, arguments, then).
    sections = [
        (lambda: write_inventory(demo_dir, uaa), "inventory.json",
         "UAA emulator at %s: four clients, three strategies (admin, dual, grant_dance), one in zone1" % uaa, None, [
             ("Dry run: --check --diff (nothing is written, every change is predicted)", "uaa_rotate.yml", ("--check", "--diff"), None),
             ("Rotate for real: persist each new secret to the vault-encrypted sink, change, verify, retire", "uaa_rotate.yml", (), None),
             ("Prove it: get a token with every secret the sink now holds", "uaa_verify.yml", (), None),
             ("Run again: nothing is due, nothing changes", "uaa_rotate.yml", (), None)]),
        (lambda: write_v5_inventory(demo_dir, portal), "inventory-apic-v5.json",
         "API Connect v5 portal emulator at %s: the API Manager was reset, apps have new client ids" % portal,
         lambda: gateway_check(portal), [
             ("Record what the portal shows today (read-only; the file holds no secret)", "apic_v5_backup.yml", (), None),
             ("Dry run of the restore: the plan, per application", "apic_v5_restore.yml", ("--check", "--diff"), None),
             ("Restore the original client ids and secrets (the module sends Base64(SHA-256) of each secret)", "apic_v5_restore.yml",
              (), lambda: gateway_check(portal)),
             ("Run again: every application is already correct", "apic_v5_restore.yml", (), None)]),
        (lambda: write_anypoint_inventory(demo_dir, anypoint), "inventory-anypoint.json",
         "Anypoint emulator at %s: rotate two environment secrets, then roll one change window back" % anypoint, None, [
             ("Dry run: --check --diff", "anypoint_rotate.yml", ("--check", "--diff"), None),
             ("Rotate: record the current secret, reset (only while it is still the recorded one), persist, verify",
              "anypoint_rotate.yml", (), lambda: mule_check(anypoint)),
             ("Run again: nothing is due", "anypoint_rotate.yml", (), None),
             ("Roll back: put the recorded secrets back", "anypoint_rollback.yml", (), lambda: mule_check(anypoint)),
             ("Roll back again: already done", "anypoint_rollback.yml", (), None)]),
        (lambda: write_apic_inventory(demo_dir, apic, int(os.environ["APIC_SMTP_PORT"])), "inventory-apic.json",
         "API Connect v10 emulator at %s: rotate catalog acme/sandbox by age (new after 90 days, old deleted after 100)" % apic, None, [
             ("Dry run: --check writes the plan for the change request (JSON and Markdown), changes nothing", "apic_rotate.yml",
              ("--check",), lambda: show_file(os.path.join(reports, "acme-sandbox-plan.md"))),
             ("Rotate: save each new secret in the sink, create <name>_new, verify it, tell the owners; retire due ones",
              "apic_rotate.yml", (), lambda: show_mail(apic)),
             ("Run again: nothing is due", "apic_rotate.yml", (),
              lambda: requests.post(apic + "/_emulator/age", json={"days": 11}, timeout=10)),
             ("Eleven days later: the grace period is over, the old credentials go and <name>_new takes their names",
              "apic_rotate.yml", (), lambda: show_file(os.path.join(reports, "acme-sandbox-report.md")))]),
        (lambda: write_keycloak_inventory(demo_dir, keycloak, int(os.environ["APIC_SMTP_PORT"])), "inventory-keycloak.json",
         "Keycloak emulator at %s: the fifth platform, through the same engine and role as the others" % keycloak, None, [
             ("Dry run: --check --diff", "keycloak_rotate.yml", ("--check", "--diff"), None),
             ("Rotate: regenerate each client's secret, persist it, prove the new one and that the old one is refused; "
              "tell the owners", "keycloak_rotate.yml", (), lambda: (keycloak_check(keycloak), show_mail(apic))),
             ("Run again: nothing is due", "keycloak_rotate.yml", (), None)]),
    ]
    for write, inventory, title, before, steps in sections:
        write()
        banner(title)
        if before:
            before()
        for number, (shows, playbook, arguments, then) in enumerate(steps, 1):
            banner("%d/%d %s" % (number, len(steps), shows))
            play(demo_dir, playbook, *arguments, inventory=inventory)
            if then:
                then()
    banner("Done")
    print("The new secrets are in %s (ansible-vault encrypted, mode 0600)." % os.path.join(demo_dir, "secrets"))
    print("Read the UAA ones:  ansible-vault view --vault-password-file %s %s | python3 -m json.tool"
          % (os.path.join(demo_dir, "vault-password"), os.path.join(demo_dir, "secrets", "uaa", "uaa-demo.vault")))
    print("Reports (no secrets): %s" % ", ".join(os.path.join(demo_dir, name) for name in
                                                 ("uaa-report.json", "uaa-report.md", "apic-v5-report.json", "anypoint-report.json",
                                                  "apic-reports", "keycloak-report.json")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
