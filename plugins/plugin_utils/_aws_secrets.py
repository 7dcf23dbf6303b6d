# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the apiops.credentials collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""The engine's journal and sink in AWS Secrets Manager, with its own rotation labels.

Each credential's record is one secret, ``<name>/<record key>``, holding the
record as JSON (the same record as the file sink: ``secret``,
``previous_secret``, ``state``...). The journal maps onto the staging labels
AWS's own rotation uses:

* while a rotation is in flight (the record has a ``pending_secret``), each
  journal write is a new version labelled ``AWSPENDING``: consumers that read
  ``AWSCURRENT`` keep the record whose ``secret`` still works;
* once the new secret is proven, the record is written as ``AWSCURRENT``;
  Secrets Manager moves ``AWSPREVIOUS`` to the version before, and the
  ``AWSPENDING`` label is taken off, so the previous secret stays readable.

Every write is read back. Secrets Manager has no check-and-set, so a lock
secret per credential (``<record key>.lock``, created only if absent) keeps
two runs apart, as the file sink's lock files do.
"""

from __future__ import annotations

import contextlib
import json
import uuid

from ansible.errors import AnsibleActionFail

from ansible_collections.apiops.credentials.plugins.plugin_utils._remote_records import RemoteRecords

try:
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError
    HAS_BOTO3 = True
except ImportError:
    HAS_BOTO3 = False

PENDING, CURRENT = "AWSPENDING", "AWSCURRENT"


def settings_problem(settings):
    """Why the ``aws_secrets_manager`` options cannot work, or None (the message names the option)."""
    if not HAS_BOTO3:
        return "sink=aws_secrets_manager needs the Python library boto3 on the controller (pip install boto3)"
    if not settings.get("region"):
        return "aws_secrets_manager.region is not set (or AWS_REGION / AWS_DEFAULT_REGION): give the region of the secrets"
    try:
        settings["name"].format(platform="p", target="t")
    except (KeyError, IndexError, ValueError):
        return "aws_secrets_manager.name %r may use only {platform} and {target}" % settings["name"]
    return None


class SecretsManagerRecords(RemoteRecords):
    """The records of one target in AWS Secrets Manager, with the interface of ``RecordFile``."""

    def __init__(self, settings, platform, target, timeout=30.0, retries=3, validate_certs=True):
        super().__init__()
        self.prefix = settings["name"].format(platform=platform, target=target).strip("/")
        self.path = "AWS Secrets Manager %s/ (%s)" % (self.prefix, settings["region"])  # where the records are, in words
        self.kms_key_id = settings.get("kms_key_id")
        session = boto3.session.Session(aws_access_key_id=settings.get("access_key") or None,
                                        aws_secret_access_key=settings.get("secret_key") or None,
                                        aws_session_token=settings.get("session_token") or None,
                                        profile_name=settings.get("profile") or None, region_name=settings["region"])
        if settings.get("role_arn"):
            session = self._assumed(session, settings["role_arn"], settings["region"], timeout)
        # A client is safe to share between threads (a session is not): made once, here.
        self.client = session.client("secretsmanager", endpoint_url=settings.get("endpoint_url") or None, verify=validate_certs,
                                     config=Config(connect_timeout=timeout, read_timeout=timeout,
                                                   retries={"max_attempts": retries + 1, "mode": "standard"}))

    def _assumed(self, session, role_arn, region, timeout):
        """A session with the role's temporary credentials (STS AssumeRole with the credentials found first)."""
        with self._errors("assume the role %s for" % role_arn):
            sts = session.client("sts", config=Config(connect_timeout=timeout, read_timeout=timeout))
            credentials = sts.assume_role(RoleArn=role_arn, RoleSessionName="apiops-credentials")["Credentials"]
        return boto3.session.Session(aws_access_key_id=credentials["AccessKeyId"], aws_secret_access_key=credentials["SecretAccessKey"],
                                     aws_session_token=credentials["SessionToken"], region_name=region)

    def _name(self, key):
        return "%s/%s" % (self.prefix, key)

    @contextlib.contextmanager
    def _errors(self, what):
        """AWS errors as one message: the error code and what to check; never a secret (AWS never echoes one)."""
        try:
            yield
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "error")
            if code in ("AccessDeniedException", "UnrecognizedClientException", "InvalidSignatureException",
                        "ExpiredTokenException"):
                raise AnsibleActionFail("AWS Secrets Manager refused to %s %s (%s): check the AWS credentials, their IAM "
                                        "policy on %s/*, and aws_secrets_manager.region" % (what, self.prefix, code, self.prefix))
            raise AnsibleActionFail("AWS Secrets Manager could not %s %s: %s" % (what, self.prefix, code))
        except BotoCoreError as error:
            raise AnsibleActionFail("AWS Secrets Manager could not %s %s: %s" % (what, self.prefix, type(error).__name__))

    def _version(self, key, stage):
        try:
            return self.client.get_secret_value(SecretId=self._name(key), VersionStage=stage)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return None
            raise

    def _read(self, key):
        """The journal as it stands: the pending version while a rotation is in flight, else the current one."""
        with self._errors("read"):
            current = self._version(key, CURRENT)
            if current is None:
                return {}
            pending = self._version(key, PENDING)
        latest = pending if pending and pending["VersionId"] != current["VersionId"] else current
        return json.loads(latest["SecretString"])

    def _write(self, key, record):
        name, text = self._name(key), json.dumps(record, sort_keys=True)
        with self._errors("write"):
            try:
                labels = self.client.describe_secret(SecretId=name).get("VersionIdsToStages") or {}
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                    raise
                labels = None
            # The request token makes a retried call (a lost answer) the same version, never a second one.
            token = str(uuid.uuid4())
            if labels is None:
                extra = {"KmsKeyId": self.kms_key_id} if self.kms_key_id else {}
                self.client.create_secret(Name=name, SecretString=text, ClientRequestToken=token,
                                          Description="apiops.credentials journal of one credential", **extra)
            elif record.get("pending_secret"):
                self.client.put_secret_value(SecretId=name, SecretString=text, ClientRequestToken=token, VersionStages=[PENDING])
            else:
                self.client.put_secret_value(SecretId=name, SecretString=text, ClientRequestToken=token, VersionStages=[CURRENT])
                for version, stages in labels.items():
                    if PENDING in stages:  # the rotation is over: its pending version is history now
                        self.client.update_secret_version_stage(SecretId=name, VersionStage=PENDING, RemoveFromVersionId=version)
        written = self._read(key)
        if written != record:
            raise AnsibleActionFail("AWS Secrets Manager does not read back what was written to %s" % name)
        self._written(key, written)

    def _keys(self):
        keys = []
        with self._errors("list"):
            for page in self.client.get_paginator("list_secrets").paginate(Filters=[{"Key": "name", "Values": [self.prefix + "/"]}]):
                keys += [secret["Name"][len(self.prefix) + 1:] for secret in page.get("SecretList", [])
                         if secret["Name"].startswith(self.prefix + "/")]
        return keys

    # -- a lock per credential: a secret created only if absent
    def _take_lock(self, key, owner):
        with self._errors("lock"):
            try:
                self.client.create_secret(Name=self._name(key) + ".lock", SecretString=owner, ClientRequestToken=str(uuid.uuid4()))
                return True
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") not in ("ResourceExistsException", "InvalidRequestException"):
                    raise
        return False

    def _lock_fields(self, key):
        try:
            return self.client.get_secret_value(SecretId=self._name(key) + ".lock")["SecretString"].split()
        except ClientError:
            return []  # released in between: the next attempt takes it

    def _drop_lock(self, key):
        with self._errors("unlock"):
            try:
                self.client.delete_secret(SecretId=self._name(key) + ".lock", ForceDeleteWithoutRecovery=True)
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
                    raise
