# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The AWS Secrets Manager sink against moto's server: the journal on AWS's staging labels, locks, clear errors,
and AWS's real consistency (a lagging listing, asynchronous deletes, a run stopped between two calls) injected."""

from __future__ import annotations

import concurrent.futures
import json
import os
import re
import socket
import subprocess
import threading
import time
import uuid

import boto3
import pytest
import requests

from ansible.errors import AnsibleActionFail

from ansible_collections.apiops.credentials.plugins.plugin_utils._aws_secrets import (
    UNLOCKED_VERSION,
    SecretsManagerRecords,
    settings_problem,
)
from ansible_collections.apiops.credentials.plugins.plugin_utils._lease import lease_line
from tests.emulator_fixtures import AWS_KEYS, AWS_REGION, aws, aws_server  # noqa: F401 pylint: disable=unused-import
from tests.unit.plugins.plugin_utils.aws_faults import AwsFaults, Crash
from tests.unit.plugins.plugin_utils.sink_checks import (
    keys_list_every_record_and_no_lock,
    leases_expire_renew_and_break,
    locks_hold_and_dead_ones_are_taken_over,
    rotate_once,
)


def settings(server, **extra):
    base = {"region": AWS_REGION, "access_key": AWS_KEYS["aws_access_key_id"], "secret_key": AWS_KEYS["aws_secret_access_key"],
            "session_token": None, "profile": None, "endpoint_url": server.url, "name": "apiops/{platform}/{target}",
            "kms_key_id": None}
    base.update(extra)
    return base


def stages(aws_client, name):
    labels = aws_client.describe_secret(SecretId=name)["VersionIdsToStages"]
    return {stage: json.loads(aws_client.get_secret_value(SecretId=name, VersionId=version)["SecretString"])
            for version, names in labels.items() for stage in names}


def test_the_journal_rides_on_aws_staging_labels(aws):  # noqa: F811 pylint: disable=redefined-outer-name
    store = SecretsManagerRecords(settings(aws), "uaa", "uaa-prod", retries=0)
    client, name = aws.client(), "apiops/uaa/uaa-prod/uaa/app"
    assert store.get("uaa/app") == {}
    store.put("uaa/app", {"secret": "S3cret-old-0001", "state": "complete"})  # the first record is current
    store.put("uaa/app", {"secret": "S3cret-old-0001", "pending_secret": "S3cret-new-0002", "state": "pending"})
    assert stages(client, name)["AWSCURRENT"]["secret"] == "S3cret-old-0001", "consumers keep the secret that works"
    assert stages(client, name)["AWSPENDING"]["pending_secret"] == "S3cret-new-0002"
    assert store.current("uaa/app")["state"] == "pending", "a run resumes from the pending version"
    store.put("uaa/app", {"secret": "S3cret-new-0002", "previous_secret": "S3cret-old-0001", "state": "complete"})
    now = stages(client, name)
    assert now["AWSCURRENT"]["secret"] == "S3cret-new-0002" and "AWSPENDING" not in now
    assert now["AWSPREVIOUS"]["secret"] == "S3cret-old-0001", "the secret before stays readable, as AWS's rotation keeps it"
    assert store.current("uaa/app")["state"] == "complete" and store.writes == 3


def test_the_engine_runs_on_secrets_manager(aws):  # noqa: F811 pylint: disable=redefined-outer-name
    rotate_once(SecretsManagerRecords(settings(aws), "memory", "t", retries=0))
    labels = stages(aws.client(), "apiops/memory/t/zone/a")
    assert labels["AWSCURRENT"]["secret"] == "new-secret-for-a" and labels["AWSPREVIOUS"]["secret"] == "old"
    assert record_names(aws.client()) == ["apiops/memory/t/zone/a"]
    assert unlocked(aws.client(), "apiops/memory/t/.locks/zone/a"), "the lock is released"


def plant_lock(client, name, owner):
    """A lock held the way this release holds one: AWSCURRENT of its lock secret on the owner's version."""
    mine = str(uuid.uuid4())
    client.put_secret_value(SecretId=name, SecretString=owner, ClientRequestToken=mine, VersionStages=["AWSPENDING"])
    client.update_secret_version_stage(SecretId=name, VersionStage="AWSCURRENT", MoveToVersionId=mine, RemoveFromVersionId=UNLOCKED_VERSION)


@pytest.mark.parametrize("layout", ["label", "earlier release"])
def test_a_live_lock_is_waited_for_and_a_dead_ones_taken_over(aws, layout):  # noqa: F811 pylint: disable=redefined-outer-name
    if layout == "label":
        def plant(owner):
            plant_lock(aws.client(), "apiops/uaa/t/.locks/uaa/app", owner)
    else:  # the secret <key>.lock, created while held and deleted on release
        def plant(owner):
            aws.client().create_secret(Name="apiops/uaa/t/uaa/app.lock", SecretString=owner)
    locks_hold_and_dead_ones_are_taken_over(
        SecretsManagerRecords(settings(aws), "uaa", "t", retries=0), SecretsManagerRecords(settings(aws), "uaa", "t", retries=0), plant)


@pytest.mark.parametrize("changes, words", [
    ({"region": None}, "aws_secrets_manager.region is not set (or AWS_REGION / AWS_DEFAULT_REGION)"),
    ({"name": "apiops/{team}"}, "may use only {platform} and {target}"),
])
def test_bad_settings_get_one_message(aws, changes, words):  # noqa: F811 pylint: disable=redefined-outer-name
    assert words in settings_problem(settings(aws, **changes))


def test_an_unreachable_endpoint_is_one_message(aws):  # noqa: F811 pylint: disable=redefined-outer-name
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()
    store = SecretsManagerRecords(settings(aws, endpoint_url="http://127.0.0.1:%d" % port), "uaa", "t", timeout=1, retries=0)
    with pytest.raises(AnsibleActionFail, match="AWS Secrets Manager could not read apiops/uaa/t: EndpointConnectionError"):
        store.get("uaa/app")


def test_keys_list_every_record_and_no_lock(aws):  # noqa: F811 pylint: disable=redefined-outer-name
    keys_list_every_record_and_no_lock(SecretsManagerRecords(settings(aws), "apic", "sandbox", retries=0))


# -- AWS's real consistency, injected on top of moto (see aws_faults.py)
def record_names(client):
    """The secrets that are records: the store's own (index, locks) are under <name>/."""
    return sorted(s["Name"] for s in client.list_secrets()["SecretList"] if "/." not in s["Name"])


def unlocked(client, name):
    return client.get_secret_value(SecretId=name, VersionStage="AWSCURRENT")["VersionId"] == UNLOCKED_VERSION


def faulty(server, faults, target="t"):
    """A store of one run, its calls to moto going through the injected faults."""
    store = SecretsManagerRecords(settings(server), "uaa", target, retries=0)
    store.client = faults.wrap(store.client)
    return store


@pytest.mark.parametrize("faults", [{"list_lag": 60}, {"list_hide_last": 3}])
def test_keys_find_a_record_just_written_while_the_listing_lags(aws, faults):  # noqa: F811 pylint: disable=redefined-outer-name
    faults = AwsFaults(**faults)
    aws.client().create_secret(Name="apiops/uaa/t/zone/earlier", SecretString=json.dumps({"state": "complete"}))  # listed long since
    writer, reader = faulty(aws, faults), faulty(aws, faults)
    for key in ("corg/app/cred", "zone/a"):
        writer.put(key, {"state": "active"})
    assert {"apiops/uaa/t/corg/app/cred", "apiops/uaa/t/zone/a"} <= faults.hidden(), "the listing does not show them yet"
    writer._index(["zone/stopped"])  # pylint: disable=protected-access  # a run stopped before it created the record
    assert reader.keys() == ["corg/app/cred", "zone/a", "zone/earlier"], "another run finds them by name, and no key without a record"


def test_two_runs_take_a_lock_in_turns_while_deletes_are_in_progress(aws):  # noqa: F811 pylint: disable=redefined-outer-name
    faults = AwsFaults(delete_delay=60)
    gone = subprocess.Popen(["true"])  # pylint: disable=consider-using-with
    gone.wait()
    aws.client().create_secret(Name="apiops/uaa/t/uaa/app.lock", SecretString="%d %s 2026-01-01T00:00:00Z" % (gone.pid, socket.gethostname()))
    inside, most, turns, guard = [0], [0], [], threading.Lock()

    def run(store):
        for _turn in range(10):
            with store.lock("uaa/app", timeout=10, poll=0.01) as held:
                assert held
                with guard:
                    inside[0] += 1
                    most[0] = max(most[0], inside[0])
                time.sleep(0.005)
                with guard:
                    inside[0] -= 1
                    turns.append(store)

    stores = [faulty(aws, faults), faulty(aws, faults)]
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        for done in [pool.submit(run, store) for store in stores]:
            done.result()
    assert most == [1] and len(turns) == 20, "one run at a time, every turn taken"
    assert "apiops/uaa/t/uaa/app.lock" in faults.deleting, "the earlier release's lock of a gone process was deleted, and AWS is still at it"
    with pytest.raises(Exception, match="scheduled for deletion"):
        faults.wrap(aws.client()).create_secret(Name="apiops/uaa/t/uaa/app.lock", SecretString="x")  # what stuck the earlier release
    assert unlocked(aws.client(), "apiops/uaa/t/.locks/uaa/app")


def test_a_run_stopped_between_the_finishing_calls_never_serves_a_superseded_record(aws):  # noqa: F811 pylint: disable=redefined-outer-name
    faults, client, name = AwsFaults(), aws.client(), "apiops/uaa/t/uaa/app"
    store = faulty(aws, faults)
    store.put("uaa/app", {"secret": "S3cret-old-0001", "state": "complete"})
    store.put("uaa/app", {"secret": "S3cret-old-0001", "pending_secret": "S3cret-new-0002", "state": "pending"})
    finished = {"secret": "S3cret-new-0002", "previous_secret": "S3cret-old-0001", "state": "complete"}
    faults.crash_after_current_put()
    with pytest.raises(Crash):
        store.put("uaa/app", finished)
    assert stages(client, name)["AWSPENDING"]["state"] == "pending", "the stale pending version is still labelled"
    fresh = SecretsManagerRecords(settings(aws), "uaa", "t", retries=0)
    assert fresh.current("uaa/app") == finished, "the next run reads the newest record, not the superseded pending one"
    fresh.put("uaa/app", dict(finished, verified_at="2026-01-01T00:00:00Z"))
    assert "AWSPENDING" not in stages(client, name), "the next write takes the stale label off"
    assert stages(client, name)["AWSPREVIOUS"]["state"] == "complete"


def test_two_runs_adding_keys_at_once_both_end_in_the_index(aws):  # noqa: F811 pylint: disable=redefined-outer-name
    faults = AwsFaults(list_lag=60, stall_moves=0.03)
    first, second = faulty(aws, faults), faulty(aws, faults)
    shard = first._index_name("zone/k0")  # pylint: disable=protected-access
    same = [key for key in ("zone/k%d" % n for n in range(400)) if first._index_name(key) == shard][:8]  # pylint: disable=protected-access
    start = threading.Barrier(2)

    def run(store, keys):
        start.wait()
        for key in keys:
            store.put(key, {"state": "active"})

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        for done in [pool.submit(run, first, same[0::2]), pool.submit(run, second, same[1::2])]:
            done.result()
    assert faults.refused_moves > 0, "the two runs did change the index at the same moment"
    assert faulty(aws, faults).keys() == sorted(same), "no run lost the other's keys"


def test_records_and_locks_of_the_earlier_release_still_read(aws):  # noqa: F811 pylint: disable=redefined-outer-name
    client, name = aws.client(), "apiops/uaa/t/uaa/app"
    complete = {"secret": "S3cret-old-0001", "state": "complete"}
    pending = {"secret": "S3cret-old-0001", "pending_secret": "S3cret-new-0002", "state": "pending"}
    client.create_secret(Name=name, SecretString=json.dumps(complete))
    store = SecretsManagerRecords(settings(aws), "uaa", "t", retries=0)
    assert store.current("uaa/app") == complete
    client.put_secret_value(SecretId=name, SecretString=json.dumps(pending), VersionStages=["AWSPENDING"])
    assert store.current("uaa/app") == pending, "its journal in flight is the pending version, as before"
    client.create_secret(Name=name + ".lock", SecretString=lease_line())  # held by a live process: this one
    with store.lock("uaa/app", timeout=0.2, poll=0.05) as held:
        assert not held and "process %d" % os.getpid() in store.lock_owner("uaa/app")
    client.delete_secret(SecretId=name + ".lock", ForceDeleteWithoutRecovery=True)
    with store.lock("uaa/app", timeout=1, poll=0.05) as held:
        assert held
        assert store.keys() == ["uaa/app"], "found by the listing; no lock among the keys"
        store.put("uaa/app", {"secret": "S3cret-new-0002", "previous_secret": "S3cret-old-0001", "state": "complete"})
    assert "AWSPENDING" not in stages(client, name) and store.current("uaa/app")["secret"] == "S3cret-new-0002"


@pytest.fixture
def aws_iam(aws):  # noqa: F811 pylint: disable=redefined-outer-name
    """moto checking credentials and IAM policies (from the next call on); a user who may only read."""
    iam = boto3.client("iam", region_name=AWS_REGION, endpoint_url=aws.url, **AWS_KEYS)
    iam.create_user(UserName="apiops-reader")
    iam.put_user_policy(UserName="apiops-reader", PolicyName="read", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue", "secretsmanager:ListSecrets"], "Resource": "*"}]}))
    key = iam.create_access_key(UserName="apiops-reader")["AccessKey"]
    requests.post(aws.url + "/moto-api/reset-auth", data="0", timeout=5)
    try:
        yield {"access_key": key["AccessKeyId"], "secret_key": key["SecretAccessKey"]}
    finally:
        requests.post(aws.url + "/moto-api/reset-auth", data="inf", timeout=5)


def test_preflight_refuses_bad_credentials_and_a_missing_permission_with_one_message(aws, aws_iam):  # noqa: F811 pylint: disable=redefined-outer-name
    wrong = SecretsManagerRecords(settings(aws, access_key="AKIAAPIOPSWRONGKEY01", secret_key="wrong"), "uaa", "t", retries=0)
    with pytest.raises(AnsibleActionFail) as refused:
        wrong.preflight(["uaa/app"], write=False)
    assert str(refused.value).startswith("AWS did not accept the credentials used for apiops/uaa/t (")
    reader = SecretsManagerRecords(settings(aws, **aws_iam), "uaa", "t", retries=0)
    reader.preflight(["uaa/app"], write=False)  # a dry run may only read: enough
    with pytest.raises(AnsibleActionFail) as denied:
        reader.preflight(["uaa/app", "uaa/other"], write=True)
    assert re.fullmatch(r"AWS Secrets Manager denied secretsmanager:PutSecretValue on apiops/uaa/t/\.preflight \(AccessDenied(Exception)?\): "
                        r"allow secretsmanager:PutSecretValue on apiops/uaa/t/\* in the IAM policy of these credentials "
                        r"\(the README lists the minimum policy\)", str(denied.value))


def test_preflight_and_reads_name_a_secret_scheduled_for_deletion(aws):  # noqa: F811 pylint: disable=redefined-outer-name
    store = SecretsManagerRecords(settings(aws), "uaa", "t", retries=0)
    store.put("uaa/app", {"state": "complete"})
    store.preflight(["uaa/app"])
    aws.client().delete_secret(SecretId="apiops/uaa/t/uaa/app", RecoveryWindowInDays=7)
    with pytest.raises(AnsibleActionFail, match="apiops/uaa/t/uaa/app: it is scheduled for deletion. Restore it"):
        store.preflight(["uaa/app"])
    with pytest.raises(AnsibleActionFail, match="restore it with RestoreSecret"):
        store.current("uaa/app")


def test_leases_expire_renew_and_break(aws, monkeypatch):  # noqa: F811 pylint: disable=redefined-outer-name
    def plant(owner):
        client = aws.client()
        try:
            client.create_secret(Name="apiops/uaa/t/.locks/uaa/app", SecretString="unlocked", ClientRequestToken=UNLOCKED_VERSION)
        except client.exceptions.ResourceExistsException:
            pass
        plant_lock(client, "apiops/uaa/t/.locks/uaa/app", owner)
    leases_expire_renew_and_break(SecretsManagerRecords(settings(aws), "uaa", "t", retries=0),
                                  SecretsManagerRecords(settings(aws), "uaa", "t", retries=0), plant, monkeypatch)
