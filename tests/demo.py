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


def play(demo_dir, playbook, *extra):
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", os.path.join(demo_dir, "inventory.json"),
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
    write_inventory(demo_dir, uaa_url)

    banner("UAA emulator at %s: four clients, three strategies (admin, dual, grant_dance), one in zone1" % uaa_url)
    banner("1/4 Dry run: --check --diff (nothing is written, every change is predicted)")
    play(demo_dir, "uaa_rotate.yml", "--check", "--diff")
    banner("2/4 Rotate for real: persist each new secret to the vault-encrypted sink, change, verify, retire")
    play(demo_dir, "uaa_rotate.yml")
    banner("3/4 Prove it: get a token with every secret the sink now holds")
    play(demo_dir, "uaa_verify.yml")
    banner("4/4 Run again: nothing is due, nothing changes")
    play(demo_dir, "uaa_rotate.yml")
    banner("Done")
    print("The new secrets are in %s (ansible-vault encrypted, mode 0600)." % os.path.join(demo_dir, "secrets"))
    print("Read one:  ansible-vault view --vault-password-file %s %s"
          % (os.path.join(demo_dir, "vault-password"), os.path.join(demo_dir, "secrets", "uaa", "uaa-demo", "uaa", "billing-service.vault")))
    print("Report (no secrets): %s" % os.path.join(demo_dir, "uaa-report.json"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
