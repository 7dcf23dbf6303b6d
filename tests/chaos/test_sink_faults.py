# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Faults in the sinks themselves, each as a case that must lose nothing.

"Nothing lost": at every moment the platform's working secret was one the operator can read from a sink (the
emulator's secret tracking), no secret is in any output, the run that follows converges (its sink secret works, the
replaced one is rejected), and a fault found before the platform write leaves the platform untouched and no lock.

HashiCorp Vault cases run uaa_rotate.yml: a token whose policy lacks one capability, a misspelled mount, writes that
time out and land late, a performance standby that serves stale reads. AWS Secrets Manager's faults (a lagging
listing, deletes still in progress, a run stopped between the two finishing calls) exist only in the wrapper of
``aws_faults.py``, so those cases run the engine in this process, with UAA's emulator as the platform.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import socket
import subprocess

import pytest
import requests

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.apiops.credentials.plugins.module_utils._common import CONNECTION_ARGSPEC
from ansible_collections.apiops.credentials.plugins.module_utils._http import ApiError
from ansible_collections.apiops.credentials.plugins.module_utils._uaa import UAA_AUTH_ARGSPEC
from ansible_collections.apiops.credentials.plugins.plugin_utils import _engine
from ansible_collections.apiops.credentials.plugins.plugin_utils._aws_secrets import SecretsManagerRecords
from ansible_collections.apiops.credentials.plugins.plugin_utils._uaa_rotation import UaaAdapter, record_key
from tests.chaos.matrix import (
    REQUEST_TIMEOUT,
    SCENARIOS,
    UAA_CLIENTS,
    VAULT_TOKEN,
    held_locks,
    remember_sink,
    track,
    tracking_problems,
)
from tests.emulator_fixtures import reset
from tests.system.test_aws_secrets_sink import every_value
from tests.system.test_leaks import assert_no_leak
from tests.system.test_uaa_rotation import writes
from tests.unit.plugins.plugin_utils.aws_faults import AwsFaults, Crash
from tests.unit.plugins.plugin_utils.test_aws_secrets import faulty, settings, stages, unlocked
from tests.unit.plugins.plugin_utils.test_hashicorp_vault import readme_policy, token_with

NAMES = ("billing-service", "reports-service")
SCENARIO = SCENARIOS["uaa admin, vault sink"]  # its setup: both clients, strategy admin, the journal in Vault (root token)


# ---- HashiCorp Vault: uaa_rotate.yml with the journal in the Vault emulator ----------------------------------------
def vault_workspace(workspace, vault_server, policy=None, **vault):
    """The scenario's inventory with ``vault`` merged into uaa_secret_rotation_hashicorp_vault (and a token with only
    ``policy``, when given); secret tracking started."""
    workspace.emulators["vault"] = reset(vault_server)
    SCENARIO.setup(workspace)
    if policy is not None:
        vault["token"] = token_with(vault_server, policy)
    use_vault(workspace, **vault)
    track(workspace, SCENARIO)
    return workspace


def use_vault(workspace, **vault):
    with open(os.path.join(workspace.path, "inventory.json"), encoding="utf-8") as handle:
        inventory = json.load(handle)
    inventory["uaa_servers"]["hosts"]["uaa-test"]["uaa_secret_rotation_hashicorp_vault"].update(vault)
    workspace.write_inventory(inventory)


def play(workspace):
    run = workspace.play("uaa_rotate.yml")
    remember_sink(workspace)
    return run


def stopped_before_the_platform(workspace, run, *words):
    """The run failed with ``words`` in its message, before UAA saw any write, and left no lock in any sink."""
    assert run.rc != 0, run.output[-3000:]
    for word in words:
        assert word in run.output, (word, run.output[-3000:])
    assert writes(workspace) == [], "UAA was changed although the sink was found wanting first"
    assert not held_locks(workspace), "a lock was left behind"
    for name in NAMES:
        assert workspace.token_works(name, UAA_CLIENTS[name]), "%s: the secret in use was changed" % name


def nothing_lost(workspace):
    """The run after the fault converges (and the one after it changes nothing), the operator could read a working
    secret from the sink throughout, and no secret is in any output."""
    following = play(workspace)
    assert following.rc == 0, following.output[-3000:]
    again = play(workspace)
    assert again.rc == 0 and again.recap("uaa-test")["changed"] == 0, again.output[-3000:]
    problems = tracking_problems(workspace, SCENARIO) + SCENARIO.check(workspace)
    assert not problems, problems
    assert not held_locks(workspace), "a lock was left behind"
    assert_no_leak(workspace)


def test_a_token_lacking_one_capability_stops_before_uaa_and_the_readme_policy_rotates(workspace, vault_server):
    # The README's minimum policy, but without delete on metadata/: the policy most teams write for KV v2 data.
    lacking = readme_policy().replace('"read", "list", "delete"', '"read", "list"')
    assert lacking != readme_policy(), "the README's policy changed: this case must drop one capability from it"
    vault_workspace(workspace, vault_server, policy=lacking)
    workspace.control("requests", method="DELETE")
    first = play(workspace)
    stopped_before_the_platform(workspace, first, "lacks delete on secret/metadata/apiops/uaa/uaa-test/uaa/billing-service.lock "
                                "(and 1 more paths)", "nothing was changed on any platform")
    use_vault(workspace, token=token_with(vault_server, readme_policy()))
    nothing_lost(workspace)


def test_a_misspelled_mount_stops_before_uaa_naming_the_option(workspace, vault_server):
    vault_workspace(workspace, vault_server, mount="secrte")
    workspace.control("requests", method="DELETE")
    stopped_before_the_platform(workspace, play(workspace), "no mount hashicorp_vault.mount 'secrte' this token may use")
    use_vault(workspace, mount="secret")
    nothing_lost(workspace)


def test_vault_writes_that_time_out_and_land_late_are_proven_or_stop_before_uaa(workspace, vault_server):
    vault_workspace(workspace, vault_server)
    workspace.control("requests", method="DELETE")
    # Every write to the KV data path: applied after the client gave up waiting (request_timeout), answered too late.
    workspace.control("faults", {"method": "POST", "path": "^/v1/secret/data/", "delay": REQUEST_TIMEOUT + 0.5, "count": 1000},
                      platform="vault")
    faulted = play(workspace)
    workspace.control("faults", method="DELETE", platform="vault")
    assert "HashiCorp Vault POST /v1/secret/data/<path>: no answer within" in faulted.output, "the fault was not met"
    if faulted.rc != 0:
        assert writes(workspace) == [], "the run stopped after UAA was changed: " + faulted.output[-2000:]
    nothing_lost(workspace)
    # A write sent again after its answer was lost carried the same check-and-set: it never became a version of its own.
    for name in NAMES:
        assert vault_versions(workspace, name) == 2, name  # pending, then complete


def vault_versions(workspace, name):
    answer = requests.get("%s/v1/secret/metadata/apiops/uaa/uaa-test/uaa/%s" % (workspace.emulators["vault"].url, name), timeout=5,
                          headers={"X-Vault-Token": VAULT_TOKEN})
    return answer.json()["data"]["current_version"]


def test_a_standby_serving_stale_reads_still_converges(workspace, vault_server):
    vault_workspace(workspace, vault_server)
    workspace.control("config", {"stale_reads": 2}, platform="vault")
    first = play(workspace)
    assert first.rc == 0, first.output[-3000:]
    stale = [entry for entry in workspace.control("requests", method="GET", platform="vault")
             if entry["method"] == "GET" and entry["query"].get("version") and entry["status"] == 404]
    assert stale, "no read met the lagging standby"
    nothing_lost(workspace)  # the stale reads stay on


# ---- AWS Secrets Manager: the engine in this process, its sink through aws_faults.py, UAA's emulator as the platform ----
ADMIN = {"uaa_auth_client_id": "admin", "uaa_auth_client_secret": "adm1n-S3cret-seed-7f3a9c"}  # the UAA seed's admin client


class EngineRun:
    """One run of the engine on UAA (strategy admin) with its journal in ``store``, as uaa_rotate.yml runs it."""

    def __init__(self, workspace, store, names=NAMES, **policy):
        checked = ArgumentSpecValidator(dict(CONNECTION_ARGSPEC, **UAA_AUTH_ARGSPEC)).validate(
            dict(ADMIN, uaa_url=workspace.emulator.url, request_timeout=5.0, retries=1))
        assert not checked.error_messages, checked.error_messages
        self.warnings = []
        self.works = [_engine.Work("uaa-test", name, record_key(None, name), {"client_id": name, "current_secret": UAA_CLIENTS[name]},
                                   location="uaa", strategy="admin") for name in names]
        adapter = UaaAdapter(checked.validated_parameters, self.warnings.append, None)
        self.engine = _engine.Engine(adapter, store, dict({"max_age_days": 90, "phase": "all", "operation": "rotate"}, **policy),
                                     errors=(ApiError, AnsibleActionFail), lock_timeout=20)
        self.store = store

    def __call__(self):
        self.store.preflight([work.key for work in self.works])
        return {work.credential: work.result for work in self.engine.run(self.works)}

    def said(self):
        """Everything the run tells the operator: its report rows and its warnings."""
        return json.dumps([work.row("uaa") for work in self.works]) + "\n".join(self.warnings)


@pytest.fixture(name="aws_workspace")
def fixture_aws_workspace(workspace, aws_server):
    """The workspace's UAA emulator and moto's server, both at their seed; UAA's secrets tracked from here on."""
    workspace.aws = aws_server.reset()
    workspace.control("track")
    workspace.recoverable = set(UAA_CLIENTS.values())
    return workspace


def rotations(workspace, name):
    """How often UAA's secret of ``name`` was changed."""
    return len([entry for entry in writes(workspace) if entry["path"] == "/oauth/clients/%s/secret" % name])


def sink_secret(workspace, name):
    """The secret a consumer reads: AWSCURRENT of the record, as AWS's own rotation leaves it."""
    record = workspace.aws.client().get_secret_value(SecretId="apiops/uaa/uaa-test/uaa/" + name)
    return json.loads(record["SecretString"])["secret"]


def aws_nothing_lost(workspace, runs, names=NAMES):
    """Each secret the sink serves works on UAA and replaced the seed's, and no lock is held; UAA always had one the
    operator could read from the sink; no run said a secret."""
    workspace.recoverable |= every_value(workspace.aws.client())
    for name in names:
        serves = workspace.token_works(name, sink_secret(workspace, name))  # a bool: a failed assert prints no secret
        assert serves, "%s: the secret the sink serves does not work" % name
        assert not workspace.token_works(name, UAA_CLIENTS[name]), "%s: the replaced secret still works" % name
        assert unlocked(workspace.aws.client(), "apiops/uaa/uaa-test/.locks/uaa/" + name), "%s: its lock is held" % name
    assert not tracking_problems(workspace, SCENARIO), tracking_problems(workspace, SCENARIO)
    secrets = {value for value in workspace.recoverable | set(workspace.control("secrets", method="GET")) if len(value) >= 8}
    for run in runs:
        leaked = [value[:6] for value in secrets if value in run.said()]
        assert not leaked, "a run said a secret (starts %s)" % leaked[0]


def test_records_just_written_under_list_lag_are_found_by_the_next_listing(aws_workspace):
    faults = AwsFaults(list_lag=60)
    run = EngineRun(aws_workspace, faulty(aws_workspace.aws, faults, target="uaa-test"))
    assert run() == {name: "rotated" for name in NAMES}
    assert {"apiops/uaa/uaa-test/uaa/" + name for name in NAMES} <= faults.hidden(), "the listing shows them already"
    # The next run lists its records, as API Connect's adapter does to find the credentials it journaled.
    assert faulty(aws_workspace.aws, faults, target="uaa-test").keys() == ["uaa/" + name for name in NAMES]
    aws_nothing_lost(aws_workspace, [run])


def plant_dead_earlier_locks(workspace):
    """Each credential's lock as the earlier release wrote it (a secret ``<key>.lock``), of a process that is gone."""
    gone = subprocess.Popen(["true"])  # pylint: disable=consider-using-with
    gone.wait()
    for name in NAMES:
        workspace.aws.client().create_secret(Name="apiops/uaa/uaa-test/uaa/%s.lock" % name,
                                             SecretString="%d %s 2026-01-01T00:00:00Z" % (gone.pid, socket.gethostname()))


def test_locks_taken_and_released_while_deletes_are_in_progress_never_fail_a_credential(aws_workspace):
    faults = AwsFaults(delete_delay=60, stall_moves=0.01)
    plant_dead_earlier_locks(aws_workspace)
    runs = []
    for _round in range(3):  # two runs at once, three times: every lock taken and released twelve times
        pair = [EngineRun(aws_workspace, faulty(aws_workspace.aws, faults, target="uaa-test")) for _run in range(2)]
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            results = [done.result() for done in [pool.submit(run) for run in pair]]
        runs += pair
        for name in NAMES:
            assert sorted(result[name] for result in results) in (["rotated", "unchanged"], ["unchanged", "unchanged"]), results
    assert {"apiops/uaa/uaa-test/uaa/%s.lock" % name for name in NAMES} <= set(faults.deleting), "no delete was in progress"
    assert faults.refused_creates == 0, "a run created a secret of a name AWS was still deleting"
    for name in NAMES:
        assert rotations(aws_workspace, name) == 1, "%s rotated %d times" % (name, rotations(aws_workspace, name))
    aws_nothing_lost(aws_workspace, runs)


def test_a_crash_between_the_finishing_calls_is_neither_read_back_nor_redone(aws_workspace):
    name, client = "billing-service", aws_workspace.aws.client()
    faults = AwsFaults()
    first = EngineRun(aws_workspace, faulty(aws_workspace.aws, faults, target="uaa-test"), names=(name,))
    assert first() == {name: "rotated"}
    crashed = EngineRun(aws_workspace, faulty(aws_workspace.aws, faults, target="uaa-test"), names=(name,), max_age_days=0)
    faults.crash_after_current_put()
    with pytest.raises(Crash):
        crashed()
    labels = stages(client, "apiops/uaa/uaa-test/uaa/" + name)
    assert labels["AWSPENDING"]["state"] == "pending" and labels["AWSCURRENT"]["state"] == "complete", "the crash missed the window"
    # Secrets are checked as booleans: a failed assert on a comparison of two values would print them.
    new = labels["AWSCURRENT"]["secret"]
    finished = labels["AWSPENDING"]["pending_secret"] == new and aws_workspace.token_works(name, new)
    assert finished, "the finished record does not hold the secret UAA has"
    superseded = aws_workspace.token_works(name, labels["AWSPENDING"]["secret"])
    assert not superseded, "the superseded record's secret still works"
    # A fresh run reads the record by journal_sequence: the rotation that finished, not the superseded pending one.
    fresh = EngineRun(aws_workspace, SecretsManagerRecords(settings(aws_workspace.aws), "uaa", "uaa-test", retries=0), names=(name,))
    read = fresh.store.current("uaa/" + name)
    finished = read.get("secret") == new
    assert finished and read.get("state") == "complete", "a fresh run reads the superseded record (state %s)" % read.get("state")
    assert fresh() == {name: "unchanged"} and rotations(aws_workspace, name) == 2, "the rotation was redone"
    aws_nothing_lost(aws_workspace, [first, crashed, fresh], names=(name,))
