# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The AWS Secrets Manager sink against moto's server: the journal on AWS's staging labels, locks, clear errors."""

from __future__ import annotations

import json
import socket

import pytest

from ansible.errors import AnsibleActionFail

from ansible_collections.apiops.credentials.plugins.plugin_utils._aws_secrets import SecretsManagerRecords, settings_problem
from tests.emulator_fixtures import AWS_KEYS, AWS_REGION, aws, aws_server  # noqa: F401 pylint: disable=unused-import
from tests.unit.plugins.plugin_utils.sink_checks import (
    keys_list_every_record_and_no_lock,
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
    assert [s["Name"] for s in aws.client().list_secrets()["SecretList"]] == ["apiops/memory/t/zone/a"], "the lock is gone"


def test_a_live_lock_is_waited_for_and_a_dead_ones_taken_over(aws):  # noqa: F811 pylint: disable=redefined-outer-name
    locks_hold_and_dead_ones_are_taken_over(
        SecretsManagerRecords(settings(aws), "uaa", "t", retries=0), SecretsManagerRecords(settings(aws), "uaa", "t", retries=0),
        lambda owner: aws.client().create_secret(Name="apiops/uaa/t/uaa/app.lock", SecretString=owner))


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
