# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The tarball a user installs: built by make package from this tree right after make demo.

It must hold the collection and nothing else: no demo directory, no secret make demo left behind, no tool output.
Galaxy's importer must accept it, ansible-builder must accept the execution environment built on it, and the
README's way of running a playbook (installed tarball, playbook by collection name, vaulted group_vars) must work.
"""

from __future__ import annotations

import glob
import json
import os
import subprocess
import sys
import tarfile

import pytest
import yaml

from ansible.parsing.vault import VaultLib, VaultSecret

from tests.emulators.launch import serve
from tests.inventory_secrets import secret_values

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.path.dirname(sys.executable)
TOP_LEVEL = {"MANIFEST.json", "FILES.json", "README.md", "COPYING", "changelogs", "docs", "meta", "playbooks",
             "plugins", "roles", "tests"}
NEVER = ("demo/", ".ansible/", ".venv", ".tmp/", "hack/", ".ci/", ".git/", "__pycache__", ".pyc", "tests/output/",
         "integration_config.yml", ".pytest_cache", "requirements-", "Makefile", ".tar.gz")


def _tool(name):
    return os.path.join(BIN, name)


@pytest.fixture(scope="module")
def tarball():
    found = glob.glob(os.path.join(ROOT, ".tmp", "dist", "apiops-credentials-*.tar.gz"))
    assert len(found) == 1, "make package builds exactly one tarball into .tmp/dist, found %s" % found
    return found[0]


def demo_leftovers():
    """What make demo left in the tree that must never ship.

    The secrets it generated (new client secrets, decrypted from its sink), and the bytes of every file it wrote.
    The logins in its inventories and the secrets it replaced are the emulators' seed fixtures, which the shipped
    tests hold on purpose.
    """
    demo = os.environ.get("DEMO_DIR") or os.path.join(ROOT, "demo")
    assert os.path.isdir(demo), "make package runs make demo first; %s is missing" % demo
    with open(os.path.join(demo, "vault-password"), encoding="utf-8") as handle:
        vault = VaultLib([("default", VaultSecret(handle.read().strip().encode()))])
    secrets, contents = set(), set()
    for path in glob.glob(os.path.join(demo, "**", "*"), recursive=True):
        if not os.path.isfile(path):
            continue
        with open(path, "rb") as handle:
            content = handle.read()
        contents.add(content)
        if path.endswith(".vault"):
            secrets.update(value for value in secret_values(json.loads(vault.decrypt(content))) if len(value) >= 8)
    # A record's previous secret is the seed's, a fixture of the shipped tests: only what the demo made counts.
    fixtures = ""
    for path in glob.glob(os.path.join(ROOT, "tests", "**", "*.*"), recursive=True):
        if path.endswith((".py", ".json", ".yml")):
            with open(path, encoding="utf-8") as handle:
                fixtures += handle.read()
    return {secret for secret in secrets if secret not in fixtures}, contents


def test_the_tarball_holds_only_the_collection(tarball):
    with tarfile.open(tarball) as archive:
        members = [m for m in archive.getmembers() if m.isfile()]
        names = [m.name for m in members]
        assert {name.split("/")[0] for name in names} <= TOP_LEVEL, sorted({n.split("/")[0] for n in names} - TOP_LEVEL)
        unwanted = sorted(name for name in names if any(part in name for part in NEVER))
        assert not unwanted, unwanted
        for role in ("anypoint_secret_rotation", "apic_credential_rotation", "apic_v5_credential_restore", "uaa_secret_rotation"):
            assert "roles/%s/README.md" % role in names
        secrets, contents = demo_leftovers()
        assert len(secrets) >= 5, "make demo rotates credentials on every platform; its sink holds %d new secrets" % len(secrets)
        for member in members:
            raw = archive.extractfile(member).read()
            assert raw not in contents or len(raw) < 64, "%s is a file make demo wrote" % member.name
            content = raw.decode("utf-8", "replace")
            leaked = sorted(s[:6] + "..." for s in secrets if s in content)
            assert not leaked, "%s holds secrets make demo generated, starting with %s" % (member.name, leaked)


def test_galaxy_importer_accepts_it(tarball, tmp_path):
    config = tmp_path / "galaxy-importer.cfg"
    # Without a container runtime the importer cannot run ansible-test; make test runs sanity itself.
    config.write_text("[galaxy-importer]\nRUN_ANSIBLE_TEST = False\nRUN_ANSIBLE_LINT = True\nCHECK_REQUIRED_TAGS = False\n")
    run = subprocess.run([sys.executable, "-m", "galaxy_importer.main", tarball], capture_output=True, text=True,
                         env=dict(os.environ, GALAXY_IMPORTER_CONFIG=str(config)), cwd=str(tmp_path), check=False)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-4000:]
    assert "Importer processing completed successfully" in output
    problems = [line for line in output.splitlines() if "ERROR" in line or "WARNING" in line]
    assert not problems, "\n".join(problems)


def test_ansible_builder_accepts_the_execution_environment(tarball, tmp_path):
    definition = os.path.join(ROOT, "docs", "ee", "execution-environment.yml")
    with open(definition, encoding="utf-8") as handle:
        ee = yaml.safe_load(handle)
    build_dir = tmp_path / "ee"
    build_dir.mkdir()
    (build_dir / "execution-environment.yml").write_text(open(definition, encoding="utf-8").read())
    (build_dir / os.path.basename(tarball)).write_bytes(open(tarball, "rb").read())
    assert ee["additional_build_files"][0]["src"] == os.path.basename(tarball), "docs/ee names another collection version"
    run = subprocess.run([_tool("ansible-builder"), "create", "-f", "execution-environment.yml", "-c", "context"],
                         capture_output=True, text=True, cwd=str(build_dir), check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    assert (build_dir / "context" / "_build" / "collections" / os.path.basename(tarball)).exists()
    requirements = (build_dir / "context" / "_build" / "requirements.txt").read_text()
    assert "requests" in requirements and "jmespath" in requirements


def test_the_readme_way_of_running_a_playbook_works_from_the_installed_tarball(tarball, tmp_path):
    collections = tmp_path / "collections"
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=str(collections), ANSIBLE_NOCOLOR="1",
               APIOPS_REPORT_DIR=str(tmp_path / "reports"))
    install = subprocess.run([_tool("ansible-galaxy"), "collection", "install", "--offline", tarball, "-p", str(collections)],
                             capture_output=True, text=True, env=env, check=False)
    assert install.returncode == 0, install.stdout + install.stderr
    password_file = tmp_path / "vault-password"
    password_file.write_text("package-test-vault-password\n")
    vault = [_tool("ansible-vault"), "encrypt_string", "--vault-password-file", str(password_file), "--name"]
    encrypted = subprocess.run(vault + ["vault_uaa_admin_secret", "adm1n-S3cret-seed-7f3a9c"], capture_output=True,
                               text=True, env=env, check=True).stdout
    with serve("uaa") as uaa:
        (tmp_path / "group_vars").mkdir()
        (tmp_path / "group_vars" / "uaa_servers.yml").write_text(
            "---\nuaa_url: %s\nuaa_auth_client_id: admin\nuaa_auth_client_secret: \"{{ vault_uaa_admin_secret }}\"\n"
            "uaa_secret_rotation_sink_dir: %s\n%s" % (uaa.url, tmp_path / "secrets", encrypted))
        (tmp_path / "hosts.yml").write_text(
            "uaa_servers:\n  hosts:\n    uaa-prod:\n      uaa_secret_rotation_clients:\n        - client_id: billing-service\n")
        play = [_tool("ansible-playbook"), "-i", str(tmp_path / "hosts.yml"), "apiops.credentials.uaa_rotate",
                "--vault-password-file", str(password_file)]
        for extra in (["--check", "--diff"], [], []):
            run = subprocess.run(play + extra, capture_output=True, text=True, env=env, cwd=str(tmp_path), check=False)
            assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
            assert "adm1n-S3cret-seed-7f3a9c" not in run.stdout + run.stderr
        assert "changed=0" in run.stdout  # the second real run has nothing to do
        assert (tmp_path / "reports" / "uaa" / "uaa-prod-report.json").exists()
        assert (tmp_path / "reports" / "uaa" / "uaa-prod-plan.json").exists()
        verify = subprocess.run([_tool("ansible-playbook"), "-i", str(tmp_path / "hosts.yml"), "apiops.credentials.uaa_verify",
                                 "--vault-password-file", str(password_file)], capture_output=True, text=True, env=env,
                                cwd=str(tmp_path), check=False)
        assert verify.returncode == 0, verify.stdout[-3000:]
        assert "billing-service: secret in the sink works" in verify.stdout
