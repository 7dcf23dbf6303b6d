# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The rotation playbooks with AWS Secrets Manager as the sink, against moto's server."""

from __future__ import annotations

import json
import time

from botocore.exceptions import ClientError

from tests.emulator_fixtures import AWS_KEYS, AWS_REGION, aws, aws_server  # noqa: F401 pylint: disable=unused-import
from tests.system.test_hashicorp_vault_sink import BILLING
from tests.system.test_leaks import assert_no_leak, secret_fields


def labelled(aws_client, name):
    labels = aws_client.describe_secret(SecretId=name)["VersionIdsToStages"]
    return {stage: json.loads(aws_client.get_secret_value(SecretId=name, VersionId=version)["SecretString"])
            for version, names in labels.items() for stage in names}


def every_value(aws_client, attempts=3):
    """Every secret in every version of every record moto holds: what the leak check looks for."""
    for attempt in range(attempts):
        try:
            return _every_value(aws_client)
        except ClientError as error:  # moto answers 500 for a secret deleted while it is read
            if attempt == attempts - 1 or error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) < 500:
                raise
            time.sleep(0.2)
    return set()


def _every_value(aws_client):
    values = set()
    for secret in aws_client.list_secrets()["SecretList"]:
        try:
            for version in aws_client.list_secret_version_ids(SecretId=secret["ARN"], IncludeDeprecated=True)["Versions"]:
                text = aws_client.get_secret_value(SecretId=secret["ARN"], VersionId=version["VersionId"])["SecretString"]
                try:
                    values |= set(secret_fields(json.loads(text)))
                except ValueError:
                    continue  # a lock: pid, host and time
        except aws_client.exceptions.ResourceNotFoundException:
            continue  # a lock released, or a pending version removed, while the list was read
    return values


def test_uaa_rotation_journals_on_aws_labels_and_leaks_nothing(workspace, aws):  # noqa: F811 pylint: disable=redefined-outer-name
    # AWS credentials and region from the environment, as AWX's Amazon Web Services credential type gives them.
    workspace.env.update(AWS_ACCESS_KEY_ID=AWS_KEYS["aws_access_key_id"], AWS_SECRET_ACCESS_KEY=AWS_KEYS["aws_secret_access_key"],
                         AWS_REGION=AWS_REGION, AWS_ENDPOINT_URL_SECRETS_MANAGER=aws.url)
    workspace.inventory([{"client_id": BILLING[0], "current_secret": BILLING[1]}], uaa_secret_rotation_sink="aws_secrets_manager")
    plan = workspace.play("uaa_rotate.yml", check=True)
    assert plan.rc == 0, plan.output[-3000:]
    client = aws.client()
    assert client.list_secrets()["SecretList"] == [], "a dry run writes nothing"

    run = workspace.play("uaa_rotate.yml")
    assert run.rc == 0, run.output[-3000:]
    labels = labelled(client, "apiops/uaa/uaa-test/uaa/billing-service")
    current = labels["AWSCURRENT"]
    assert current["state"] == "complete" and current["previous_secret"] == BILLING[1] and "AWSPENDING" not in labels
    assert workspace.token_works(BILLING[0], current["secret"]) and not workspace.token_works(*BILLING)
    assert labels["AWSPREVIOUS"]["secret"] == BILLING[1], "consumers read the old secret until the new one was proven"

    again = workspace.play("uaa_rotate.yml")
    assert again.rc == 0 and again.recap("uaa-test")["changed"] == 0, again.output[-3000:]

    # Roll back from the sink: the secret before is back, AWSCURRENT says so, the rotated one is rejected.
    back = workspace.play("uaa_rollback.yml")
    assert back.rc == 0, back.output[-3000:]
    labels = labelled(client, "apiops/uaa/uaa-test/uaa/billing-service")
    assert labels["AWSCURRENT"]["state"] == "rolled_back" and labels["AWSCURRENT"]["secret"] == BILLING[1]
    assert workspace.token_works(*BILLING) and not workspace.token_works(BILLING[0], current["secret"])

    assert_no_leak(workspace, extra=every_value(client) | set(AWS_KEYS.values()))


def test_a_missing_region_is_one_message_and_nothing_is_touched(workspace, aws):  # noqa: F811 pylint: disable=redefined-outer-name
    workspace.env.update(AWS_REGION="", AWS_DEFAULT_REGION="")  # whatever the machine running the tests has set
    workspace.inventory([{"client_id": BILLING[0], "current_secret": BILLING[1]}], uaa_secret_rotation_sink="aws_secrets_manager")
    workspace.control("requests", method="DELETE")
    run = workspace.play("uaa_rotate.yml")
    assert run.rc != 0 and "aws_secrets_manager.region is not set" in run.output and "Traceback" not in run.output
    assert [e for e in workspace.control("requests", method="GET") if e["method"] != "GET" and "/oauth/token" not in e["path"]] == []


def test_an_awx_job_with_the_sink_credential_type_and_a_role_to_assume(workspace, aws):  # noqa: F811 pylint: disable=redefined-outer-name
    workspace.inventory([{"client_id": BILLING[0], "current_secret": BILLING[1]}], uaa_secret_rotation_sink="aws_secrets_manager")
    inputs = {"region": AWS_REGION, "access_key_id": AWS_KEYS["aws_access_key_id"],
              "secret_access_key": AWS_KEYS["aws_secret_access_key"], "role_arn": "arn:aws:iam::123456789012:role/apiops-rotation"}
    run = workspace.job("uaa_rotate.yml", verbosity=3, credential=("aws_secrets_manager_sink", inputs),
                        env={"AWS_ENDPOINT_URL_SECRETS_MANAGER": aws.url, "AWS_ENDPOINT_URL_STS": aws.url})
    assert run.rc == 0, run.output[-3000:]
    current = labelled(aws.client(), "apiops/uaa/uaa-test/uaa/billing-service")["AWSCURRENT"]
    assert current["state"] == "complete" and workspace.token_works(BILLING[0], current["secret"])
    known = {current["secret"], BILLING[1], AWS_KEYS["aws_secret_access_key"]}
    for text in [run.output] + [json.dumps(event) for event in run.events]:
        assert not [secret for secret in known if secret in text], "a secret reached the job output"
