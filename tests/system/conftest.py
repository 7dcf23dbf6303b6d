# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run the collection's playbooks with ansible-playbook against in-process emulators."""

from __future__ import annotations

import functools
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser

import ansible_runner
import jsonschema
import pytest
import requests

from ansible.parsing.vault import VaultLib, VaultSecret

from ansible_collections.apiops.credentials.plugins.plugin_utils._platforms import PLATFORMS, sink_file

from tests.emulator_fixtures import emulator_fixtures, reset, tls_files  # noqa: F401 pylint: disable=unused-import
from tests.inventory_secrets import secret_values
from tests.system import awx


def pytest_configure(config):
    config.addinivalue_line("markers", "newest_only: a scenario of the collection's own logic; make test's oldest leg skips it")


ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
VAULT_PASSWORD = "system-test-vault-password-8c1e"
REPORT_SCHEMA = os.path.join(ROOT, "docs", "schema", "report.schema.json")
NOT_REPORTS = ("runner", "tmp", "remote-tmp", "secrets")  # job artifacts, ansible's temp files, the sink


@functools.lru_cache(maxsize=1)
def report_validator():
    with open(REPORT_SCHEMA, encoding="utf-8") as handle:
        schema = json.load(handle)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


class PageCheck(HTMLParser):
    """What a report's HTML page must not have: a script, or anything it would load or link to."""

    def __init__(self):
        super().__init__()
        self.problems = []

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self.problems.append("a <script>")
        self.problems += ["%s=%s on <%s>" % (name, value, tag) for name, value in attrs if name in ("src", "href", "action")]


def report_problems(path):
    """Every JSON report (a file with a "schema" field) under ``path`` against docs/schema/report.schema.json, and every
    HTML report self-contained: the reports of every system and chaos test, whatever the test itself reads."""
    problems = []
    for directory, dirs, files in os.walk(path):
        dirs[:] = [name for name in dirs if name not in NOT_REPORTS]
        for name in files:
            file_path = os.path.join(directory, name)
            if name.endswith(".json"):
                try:
                    with open(file_path, encoding="utf-8") as handle:
                        data = json.load(handle)
                except ValueError:
                    continue  # not a report (a test's deliberately broken plan file)
                if isinstance(data, dict) and "schema" in data:
                    problems += ["%s: %s at /%s" % (file_path, error.message, "/".join(map(str, error.absolute_path)))
                                 for error in report_validator().iter_errors(data)]
            elif name.endswith(".html"):
                page = PageCheck()
                with open(file_path, encoding="utf-8") as handle:
                    page.feed(handle.read())
                problems += ["%s: %s" % (file_path, problem) for problem in page.problems]
    return problems


class Run:
    def __init__(self, rc, output):
        self.rc = rc
        self.output = output

    def recap(self, host):
        match = re.search(r"^%s\s*: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)" % re.escape(host),
                          self.output, re.M)
        assert match, self.output[-3000:]
        return dict(zip(("ok", "changed", "unreachable", "failed"), map(int, match.groups())))


class Workspace:
    """A temporary inventory, vault password and sink directory, and a way to run playbooks on them."""

    def __init__(self, path, emulator, others=None):
        self.path = path
        self.emulator = emulator
        self.emulators = dict(others or {}, uaa=emulator)
        self.sink_dir = os.path.join(path, "secrets")
        self.password_file = os.path.join(path, "vault-password")
        with open(self.password_file, "w", encoding="utf-8") as handle:
            handle.write(VAULT_PASSWORD + "\n")
        self.outputs = []
        self.jobs = 0
        self.inventory_secrets = set()
        # Temp files and default reports stay in the workspace, where the leak check reads every file.
        self.env = {"ANSIBLE_LOCAL_TEMP": os.path.join(path, "tmp"), "ANSIBLE_REMOTE_TEMP": os.path.join(path, "remote-tmp"),
                    "APIOPS_REPORT_DIR": os.path.join(path, "reports")}

    def inventory(self, clients, **host_vars):
        host = dict(uaa_url=self.emulator.url, uaa_auth_client_id="admin", uaa_auth_client_secret="adm1n-S3cret-seed-7f3a9c",
                    uaa_secret_rotation_sink_dir=self.sink_dir, uaa_secret_rotation_clients=clients)
        host.update(host_vars)
        host = {k: v for k, v in host.items() if v is not None}
        return self.write_inventory({"uaa_servers": {"hosts": {"uaa-test": host}}})

    def write_inventory(self, inventory):
        self.inventory_secrets |= set(secret_values(inventory))
        path = os.path.join(self.path, "inventory.json")
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(inventory, handle)
        return path

    def encrypt(self, name, text):
        """Write ``text`` to ``name`` in the workspace, ansible-vault encrypted with the workspace password."""
        vault = VaultLib([("default", VaultSecret(VAULT_PASSWORD.encode()))])
        path = os.path.join(self.path, name)
        with open(path, "wb") as handle:
            handle.write(vault.encrypt(text.encode("utf-8")))
        return path

    def play(self, playbook, *extra, check=False):
        command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", os.path.join(self.path, "inventory.json"),
                   os.path.join(ROOT, "playbooks", playbook), "--vault-password-file", self.password_file]
        if check:
            command += ["--check", "--diff"]
        command += list(extra)
        env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", **self.env)
        completed = subprocess.run(command, capture_output=True, text=True, env=env, cwd=self.path, check=False)
        run = Run(completed.returncode, completed.stdout + completed.stderr)
        self.outputs.append(run.output)
        self.check_reports()
        return run

    def play_many(self, *playbooks):
        """Run ``playbooks`` at the same time (two operators, or a schedule and a person); their Runs, in order."""
        env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", **self.env)
        processes = [subprocess.Popen(  # pylint: disable=consider-using-with
            [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", os.path.join(self.path, "inventory.json"),
             os.path.join(ROOT, "playbooks", playbook), "--vault-password-file", self.password_file],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=self.path) for playbook in playbooks]
        runs = []
        for process in processes:
            output, _unused = process.communicate()
            runs.append(Run(process.returncode, output))
            self.outputs.append(output)
        self.check_reports()
        return runs

    def job(self, playbook, *extra, check=False, verbosity=0, env=None, credential=None):
        """Run ``playbook`` the way AWX does: ansible-runner, a private data dir, job events on disk.

        The output that AWX keeps is the job's stdout, every job event and every artifact; each is added to
        ``outputs`` for the leak check. ``credential`` is (credential type name, inputs): its injectors are applied
        as AWX applies them. Returns a :class:`Run` with the job's stdout.
        """
        self.jobs += 1
        data_dir = os.path.join(self.path, "runner", str(self.jobs))
        os.makedirs(data_dir)
        envvars = dict(self.env, ANSIBLE_NOCOLOR="1", PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
        if credential:
            envvars.update(awx.inject(awx.load_type(credential[0]), credential[1], data_dir))
        envvars.update(env or {})
        cmdline = ["--vault-password-file", self.password_file] + (["--check", "--diff"] if check else []) + list(extra)
        runner = ansible_runner.run(
            private_data_dir=data_dir, playbook=os.path.join(ROOT, "playbooks", playbook),
            inventory=os.path.join(self.path, "inventory.json"), cmdline=" ".join(cmdline), verbosity=verbosity,
            envvars=envvars,
            quiet=True, json_mode=False,
        )
        run = Run(runner.rc, runner.stdout.read())
        run.events = list(runner.events)
        self.outputs.append(run.output)
        self.outputs.extend(json.dumps(event) for event in run.events)
        for directory, _dirs, files in os.walk(os.path.join(data_dir, "artifacts")):
            for name in files:
                with open(os.path.join(directory, name), "rb") as handle:
                    self.outputs.append(handle.read().decode("utf-8", "replace"))
        self.check_reports()
        return run

    def check_reports(self):
        problems = report_problems(self.path)
        assert not problems, "reports that break docs/schema/report.schema.json or load something:\n" + "\n".join(problems[:20])

    def record(self, client_id, zone="uaa", platform="uaa", host="uaa-test"):
        """The record of one credential in the rotation engine's file sink: one file per target, a record per credential."""
        assert PLATFORMS[platform].sink_layout == "dir", "%s keeps its file sink elsewhere than sink_dir" % platform
        return self.read_record(sink_file(platform, self.sink_dir, host))["credentials"]["%s/%s" % (zone, client_id)]

    @staticmethod
    def read_record(path):
        with open(path, "rb") as handle:
            vault = VaultLib([("default", VaultSecret(VAULT_PASSWORD.encode()))])
            return json.loads(vault.decrypt(handle.read()))

    def control(self, what, body=None, method="POST", platform="uaa"):
        response = requests.request(method, self.emulators[platform].url + "/_emulator/" + what, json=body, timeout=5)
        response.raise_for_status()
        return response.json()

    def token_works(self, client_id, secret, zone_prefix=""):
        response = requests.post(self.emulator.url + zone_prefix + "/oauth/token", data={"grant_type": "client_credentials"},
                                 auth=(client_id, secret), timeout=5)
        return response.status_code == 200 or "Unauthorized grant type" in response.text


# One emulator per platform row, each as ``<name>_server`` (a session's) and ``_<name>`` (back at its seed): pytest
# finds fixtures by module attribute, hence globals(). PLATFORM_FIXTURES names them for conftests that share them.
PLATFORM_FIXTURES = []
for _name in sorted(PLATFORMS):
    globals()[_name + "_server"], globals()["_" + _name] = emulator_fixtures(_name)
    PLATFORM_FIXTURES += [_name + "_server", "_" + _name]


@pytest.fixture
def workspace(request, tmp_path):
    servers = {name: reset(request.getfixturevalue(name + "_server")) for name in sorted(PLATFORMS)}
    workspace = Workspace(str(tmp_path), servers.pop("uaa"), servers)
    workspace.smtp_port = servers["apic"].smtp.port
    return workspace
