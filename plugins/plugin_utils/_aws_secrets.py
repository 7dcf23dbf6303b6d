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

Every operation of Secrets Manager is eventually consistent, and nothing here
relies on more than what AWS promises:

* Order of versions. Finishing a rotation is two calls (the record as
  ``AWSCURRENT``, then ``AWSPENDING`` off the older version); a run stopped in
  between leaves a stale ``AWSPENDING``. Every record written carries
  ``journal_sequence``, one more than the newest version it replaces, and a
  read takes the newer of ``AWSPENDING`` and ``AWSCURRENT`` by it (a record
  of an earlier release has none and counts as older; between two such
  records the pending one wins, as before). The next write takes the stale
  label off.
* Listing. ``ListSecrets`` may not show a secret created in the last minutes,
  so it is only a hint. Before a record is first created its key goes into an
  index read by name, ``<name>/.index/<0-f>`` (16 secrets, by the key's
  SHA-256, so that a first run creating thousands of records stays far from
  the 100 versions a secret may gain in a day). An index secret holds
  ``{"keys": {key: unix time added}}``; entries older than six hours, long
  since listed, are dropped at the next change. Adding is a compare-and-swap
  on the staging labels: the new index is put as ``AWSPENDING``, then
  ``UpdateSecretVersionStage`` moves ``AWSCURRENT`` onto it with
  ``RemoveFromVersionId`` the version that was read; when another run moved
  it first, AWS refuses the call and the addition starts again from a fresh
  read. Writers in one process share one such change per index secret.
  The keys of the store are the index's keys whose record exists, with every
  record the listing shows (records of an earlier release are only there).
* Locks. A forced delete is asynchronous, so a lock may not be a secret
  created and deleted on every run. Each credential has a lock secret,
  ``<name>/.locks/<record key>``, created once (its first version, the fixed
  id ``UNLOCKED_VERSION``, reads ``unlocked``) and never deleted. A run takes
  it by putting its owner line (pid, host, start time) as a new
  ``AWSPENDING`` version and moving ``AWSCURRENT`` onto it with
  ``RemoveFromVersionId=UNLOCKED_VERSION``: of two runs, AWS lets one move
  win. Releasing moves ``AWSCURRENT`` back. The lock is a lease
  (``_lease.py``): renewing it, or taking over one that expired, moves
  ``AWSCURRENT`` from the version whose line was read to a new one, so of two
  runs one wins and a lease taken meanwhile is never released by mistake. The
  lock ``<record key>.lock`` of an earlier release still counts as held
  while it exists, and is deleted once it expired or its process is gone.

Names under ``<name>/.`` are the store's own (record keys never start with a
dot) and are never records.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import random
import re
import threading
import time
import uuid

from importlib.util import find_spec

from ansible.errors import AnsibleActionFail

from ansible_collections.apiops.credentials.plugins.plugin_utils._remote_records import RemoteRecords


class _Boto:
    """boto3 and botocore, imported when an AWS sink is first opened rather than with the engine: the import costs
    every run of every other sink a tenth of a second."""

    boto3 = Config = None
    # Until then, a stand-in for each of botocore's exceptions (the except clauses name them; nothing raises them).
    BotoCoreError, ClientError, NoCredentialsError = [type(name, (Exception,), {}) for name in ("BotoCoreError", "ClientError", "NoCredentialsError")]

    @classmethod
    def load(cls):
        if cls.boto3 is None:
            import boto3  # pylint: disable=import-outside-toplevel
            from botocore import exceptions  # pylint: disable=import-outside-toplevel
            from botocore.config import Config  # pylint: disable=import-outside-toplevel
            cls.BotoCoreError, cls.ClientError = exceptions.BotoCoreError, exceptions.ClientError
            cls.NoCredentialsError, cls.Config, cls.boto3 = exceptions.NoCredentialsError, Config, boto3
        return cls


HAS_BOTO3 = find_spec("boto3") is not None and find_spec("botocore") is not None

PENDING, CURRENT = "AWSPENDING", "AWSCURRENT"
SEQUENCE = "journal_sequence"  # in every record written: which of two versions is newer
UNLOCKED = "unlocked"  # the value of a lock secret's first version
UNLOCKED_VERSION = "apiops-credentials-lock-unlocked-0001"  # its version id (a ClientRequestToken: 32 to 64 characters)
INDEX_KEEP = 6 * 3600  # seconds an index entry is kept: far longer than ListSecrets takes to show a new secret
INDEX_ATTEMPTS = 20  # compare-and-swap rounds before an index change gives up
AUTH_CODES = ("UnrecognizedClientException", "InvalidSignatureException", "ExpiredTokenException", "InvalidClientTokenId",
              "SignatureDoesNotMatch")
DENIED_CODES = ("AccessDeniedException", "AccessDenied")
NOT_FOUND = "ResourceNotFoundException"


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


def _code(error):
    """AWS's error code; from the body when the endpoint answered in the Query APIs' XML format (the code is then the status)."""
    answer = error.response.get("Error", {})
    code = str(answer.get("Code", "error"))
    found = re.search(r"<Code>([A-Za-z.]+)</Code>", str(answer.get("Message", ""))) if code.isdigit() else None
    return found.group(1) if found else code


def _sequence(version):
    """The journal sequence of a version read (-1: none, as a record of an earlier release)."""
    if not version:
        return -1
    try:
        number = json.loads(version["SecretString"]).get(SEQUENCE)
    except (ValueError, AttributeError):
        return -1
    return number if isinstance(number, int) else -1


class SecretsManagerRecords(RemoteRecords):
    """The records of one target in AWS Secrets Manager, with the interface of ``RecordFile``."""

    def __init__(self, settings, platform, target, timeout=30.0, retries=3, validate_certs=True, connect_timeout=None):
        super().__init__()
        self.prefix = settings["name"].format(platform=platform, target=target).strip("/")
        self.path = "AWS Secrets Manager %s/ (%s)" % (self.prefix, settings["region"])  # where the records are, in words
        self.kms_key_id = settings.get("kms_key_id")
        self._locks = threading.Lock()  # guards the three maps below
        self._held = {}  # key: the version of its lock secret this store wrote and holds
        self._seen = {}  # key: the lock version whose owner was last read (None: a lock of the earlier release)
        self._indexed = {}  # key: time.time() when this store saw it in the index
        self._queued = {}  # index secret name: keys waiting to be added
        self._shards = {}  # index secret name: the lock one writer of this process holds while it changes it
        timeouts = (timeout if connect_timeout is None else connect_timeout, timeout)  # (connect, read)
        _Boto.load()
        session = _Boto.boto3.session.Session(aws_access_key_id=settings.get("access_key") or None,
                                              aws_secret_access_key=settings.get("secret_key") or None,
                                              aws_session_token=settings.get("session_token") or None,
                                              profile_name=settings.get("profile") or None, region_name=settings["region"])
        if settings.get("role_arn"):
            session = self._assumed(session, settings["role_arn"], settings["region"], timeouts)
        # A client is safe to share between threads (a session is not): made once, here.
        self.client = session.client("secretsmanager", endpoint_url=settings.get("endpoint_url") or None, verify=validate_certs,
                                     config=_Boto.Config(connect_timeout=timeouts[0], read_timeout=timeouts[1],
                                                         retries={"max_attempts": retries + 1, "mode": "standard"}))

    def _assumed(self, session, role_arn, region, timeouts):
        """A session with the role's temporary credentials (STS AssumeRole with the credentials found first)."""
        with self._errors("assume the role %s for" % role_arn):
            sts = session.client("sts", config=_Boto.Config(connect_timeout=timeouts[0], read_timeout=timeouts[1]))
            credentials = sts.assume_role(RoleArn=role_arn, RoleSessionName="apiops-credentials")["Credentials"]
        return _Boto.boto3.session.Session(aws_access_key_id=credentials["AccessKeyId"],
                                           aws_secret_access_key=credentials["SecretAccessKey"],
                                           aws_session_token=credentials["SessionToken"], region_name=region)

    def _name(self, key):
        return "%s/%s" % (self.prefix, key)

    def _lock_name(self, key):
        return "%s/.locks/%s" % (self.prefix, key)

    def _index_name(self, key):
        return "%s/.index/%s" % (self.prefix, hashlib.sha256(key.encode("utf-8")).hexdigest()[0])

    def _extra(self):
        return {"KmsKeyId": self.kms_key_id} if self.kms_key_id else {}

    @contextlib.contextmanager
    def _errors(self, what):
        """AWS errors as one message: the error code and what to check; never a secret (AWS never echoes one)."""
        try:
            yield
        except _Boto.ClientError as error:
            code = _code(error)
            if code in DENIED_CODES + AUTH_CODES:
                raise AnsibleActionFail("AWS Secrets Manager refused to %s %s (%s): check the AWS credentials, their IAM "
                                        "policy on %s/*, and aws_secrets_manager.region" % (what, self.prefix, code, self.prefix))
            if code == "InvalidRequestException":
                raise AnsibleActionFail("AWS Secrets Manager could not %s %s: %s (a secret under it is scheduled for deletion: "
                                        "restore it with RestoreSecret, or wait until the deletion is over)" % (what, self.prefix, code))
            raise AnsibleActionFail("AWS Secrets Manager could not %s %s: %s" % (what, self.prefix, code))
        except _Boto.NoCredentialsError:
            raise AnsibleActionFail("AWS Secrets Manager: no AWS credentials found to %s %s: give aws_secrets_manager.profile, "
                                    "access_key and secret_key, or role_arn, or the AWS_* environment" % (what, self.prefix))
        except _Boto.BotoCoreError as error:
            raise AnsibleActionFail("AWS Secrets Manager could not %s %s: %s" % (what, self.prefix, type(error).__name__))

    def _get(self, name, stage=CURRENT):
        """The version of ``name`` that has ``stage``, or None when there is none."""
        try:
            return self.client.get_secret_value(SecretId=name, VersionStage=stage)
        except _Boto.ClientError as error:
            if _code(error) == NOT_FOUND:
                return None
            raise

    def _move(self, name, to_version, from_version):
        """Compare-and-swap: move AWSCURRENT from ``from_version`` to ``to_version``; False when it was elsewhere."""
        try:
            self.client.update_secret_version_stage(SecretId=name, VersionStage=CURRENT, MoveToVersionId=to_version,
                                                    RemoveFromVersionId=from_version)
            return True
        except _Boto.ClientError as error:
            if _code(error) != "InvalidParameterException":
                raise
        # A retried call whose first answer was lost finds the label already moved: that is a success too.
        now = self._get(name)
        return bool(now) and now["VersionId"] == to_version

    # -- records
    def _versions(self, key):
        """(AWSCURRENT, AWSPENDING) of a record as read now; (None, None) when it has none."""
        current = self._get(self._name(key))
        if current is None:
            return None, None
        pending = self._get(self._name(key), PENDING)
        if pending and pending["VersionId"] == current["VersionId"]:
            pending = None
        return current, pending

    def _read(self, key):
        """The journal as it stands: the newer of the pending and the current version."""
        with self._errors("read"):
            current, pending = self._versions(key)
        if current is None:
            return {}
        latest = pending if pending and _sequence(pending) >= _sequence(current) else current
        record = json.loads(latest["SecretString"])
        record.pop(SEQUENCE, None)
        return record

    def _write(self, key, record):
        name = self._name(key)
        with self._errors("write"):
            current, pending = self._versions(key)
            text = json.dumps(dict(record, **{SEQUENCE: max(_sequence(current), _sequence(pending)) + 1}), sort_keys=True)
            # The request token makes a retried call (a lost answer) the same version, never a second one.
            token = str(uuid.uuid4())
            if current is None:
                self._index([key])  # before the record exists: a run that stops in between leaves only a key without a record
                self.client.create_secret(Name=name, SecretString=text, ClientRequestToken=token,
                                          Description="apiops.credentials journal of one credential", **self._extra())
            elif record.get("pending_secret"):
                self.client.put_secret_value(SecretId=name, SecretString=text, ClientRequestToken=token, VersionStages=[PENDING])
            else:
                self.client.put_secret_value(SecretId=name, SecretString=text, ClientRequestToken=token, VersionStages=[CURRENT])
                if pending:  # the rotation is over: its pending version is history now
                    self._unlabel(name, PENDING, pending["VersionId"])
        written = self._read(key)
        if written != record:
            raise AnsibleActionFail("AWS Secrets Manager does not read back what was written to %s" % name)
        self._written(key, written)

    def _unlabel(self, name, stage, version):
        try:
            self.client.update_secret_version_stage(SecretId=name, VersionStage=stage, RemoveFromVersionId=version)
        except _Boto.ClientError as error:
            if _code(error) != "InvalidParameterException":  # already off that version
                raise

    def _keys(self):
        with self._errors("list"):
            listed = set()
            for page in self.client.get_paginator("list_secrets").paginate(Filters=[{"Key": "name", "Values": [self.prefix + "/"]}]):
                listed |= {secret["Name"][len(self.prefix) + 1:] for secret in page.get("SecretList", [])
                           if secret["Name"].startswith(self.prefix + "/")}
            listed = {key for key in listed if not key.startswith(".")}
            indexed = set()
            for shard in "0123456789abcdef":
                indexed |= set(self._index_entries("%s/.index/%s" % (self.prefix, shard))[1])
            # The listing may lag: a key only the index knows is a record once its secret can be read by name.
            return sorted(listed | {key for key in indexed - listed if self._exists(key)})

    def _exists(self, key):
        try:
            return self._get(self._name(key)) is not None
        except _Boto.ClientError as error:
            if _code(error) == "InvalidRequestException":  # scheduled for deletion: no record any more
                return False
            raise

    # -- the index of keys: a compare-and-swap on the staging labels of an index secret
    def _index_entries(self, name):
        """(the AWSCURRENT version id or None, {key: time added}) of an index secret."""
        version = self._get(name)
        if version is None:
            return None, {}
        return version["VersionId"], dict(json.loads(version["SecretString"]).get("keys") or {})

    def _index(self, keys):
        """Add ``keys`` to the index before their records are created; writers of this process share one change."""
        shards = {}
        for key in keys:
            shards.setdefault(self._index_name(key), set()).add(key)
        for name, mine in sorted(shards.items()):
            with self._locks:
                self._queued.setdefault(name, set()).update(mine)
                shard = self._shards.setdefault(name, threading.Lock())
            with shard:
                with self._locks:
                    batch = self._queued.pop(name, set()) | {key for key in mine if not self._fresh(key)}
                if batch:
                    self._index_add(name, batch)
                    with self._locks:
                        self._indexed.update({key: time.time() for key in batch})

    def _fresh(self, key):
        return time.time() - self._indexed.get(key, 0) < INDEX_KEEP / 2

    def _index_add(self, name, keys):
        for attempt in range(INDEX_ATTEMPTS):
            version, entries = self._index_entries(name)
            now = int(time.time())
            if all(now - entries.get(key, 0) < INDEX_KEEP / 2 for key in keys):
                return
            kept = {key: added for key, added in entries.items() if now - added < INDEX_KEEP}
            kept.update({key: now for key in keys})
            text, token = json.dumps({"keys": kept}, sort_keys=True), str(uuid.uuid4())
            if version is None:
                try:
                    self.client.create_secret(Name=name, SecretString=text, ClientRequestToken=token,
                                              Description="apiops.credentials index of the records under %s" % self.prefix,
                                              **self._extra())
                    return
                except _Boto.ClientError as error:
                    if _code(error) != "ResourceExistsException":  # another run created it first: read it again
                        raise
            else:
                self.client.put_secret_value(SecretId=name, SecretString=text, ClientRequestToken=token, VersionStages=[PENDING])
                if self._move(name, token, version):
                    return
            time.sleep(random.uniform(0.01, 0.05) * (attempt + 1))  # another run changed it: apart, then again
        raise AnsibleActionFail("AWS Secrets Manager: the index %s changed under every one of %d attempts to add to it; "
                                "too many runs at once on %s" % (name, INDEX_ATTEMPTS, self.prefix))

    # -- a lock per credential: AWSCURRENT of its lock secret on the holder's version, moved by compare-and-swap
    def _take_lock(self, key, line):
        name = self._lock_name(key)
        with self._errors("lock"):
            holder = self._get(name)
            if holder is None and not self._create_lock(name):
                return False
            if holder is not None and holder["VersionId"] != UNLOCKED_VERSION:
                return False
            if self._earlier_lock(key) is not None:
                return False
            mine = str(uuid.uuid4())
            self.client.put_secret_value(SecretId=name, SecretString=line, ClientRequestToken=mine, VersionStages=[PENDING])
            if not self._move(name, mine, UNLOCKED_VERSION):
                return False  # another run moved it first
        with self._locks:
            self._held[key] = mine
        return True

    def _create_lock(self, name):
        """Create a lock secret, unlocked; False while AWS still deletes one of that name."""
        try:
            self.client.create_secret(Name=name, SecretString=UNLOCKED, ClientRequestToken=UNLOCKED_VERSION,
                                      Description="apiops.credentials lock of one credential (never deleted)", **self._extra())
        except _Boto.ClientError as error:
            if _code(error) == "InvalidRequestException":
                return False
            if _code(error) != "ResourceExistsException":  # made by another run meanwhile
                raise
        return True

    def _earlier_lock(self, key):
        """The lock secret ``<key>.lock`` of an earlier release, while it exists (None otherwise)."""
        try:
            return self.client.get_secret_value(SecretId=self._name(key) + ".lock")
        except _Boto.ClientError as error:
            if _code(error) in (NOT_FOUND, "InvalidRequestException"):  # none, or being deleted
                return None
            raise

    def _lock_fields(self, key):
        try:
            earlier = self._earlier_lock(key)
            holder = None if earlier else self._get(self._lock_name(key))
        except (_Boto.ClientError, _Boto.BotoCoreError):
            return []  # the next attempt to take it says what is wrong
        if earlier:
            seen, text = None, earlier["SecretString"]
        elif holder and holder["VersionId"] != UNLOCKED_VERSION:
            seen, text = holder["VersionId"], holder["SecretString"]
        else:
            return []  # released in between: the next attempt takes it
        with self._locks:
            self._seen[key] = seen
        return text.split()

    def _replace_lock(self, key, fields, line):
        """Move ``AWSCURRENT`` from the version whose owner line was ``fields`` to a new one holding ``line``."""
        with self._locks:
            seen = self._seen.get(key, UNLOCKED_VERSION)
        name = self._lock_name(key)
        with self._errors("lock"):
            if seen is None:  # an earlier release's lock: deleted once expired or gone; the next attempt takes the new one
                try:
                    self.client.delete_secret(SecretId=self._name(key) + ".lock", ForceDeleteWithoutRecovery=True)
                except _Boto.ClientError as error:
                    if _code(error) != NOT_FOUND:
                        raise
                return False
            holder = self._get(name)
            if holder is None or holder["VersionId"] == UNLOCKED_VERSION or holder["SecretString"].split() != list(fields):
                return False
            mine = str(uuid.uuid4())
            self.client.put_secret_value(SecretId=name, SecretString=line, ClientRequestToken=mine, VersionStages=[PENDING])
            if not self._move(name, mine, holder["VersionId"]):
                return False  # another run moved it first
        with self._locks:
            self._held[key] = mine
        return True

    # The label move from this run's version is the check: ``fields`` and ``fresh`` change nothing here.
    def _drop_lock(self, key, fields, fresh=False):  # pylint: disable=unused-argument
        with self._locks:
            mine = self._held.pop(key, None)
            self._seen.pop(key, None)
        if mine is not None:
            with self._errors("unlock"):
                self._move(self._lock_name(key), UNLOCKED_VERSION, mine)  # False: taken over meanwhile, nothing left to do

    # -- before any platform is touched
    def preflight(self, keys, write=True):
        """Prove the credentials work and this run may read (and write) the store: a few calls, by name.

        Reads of the first key's record, lock and index secret may answer "not found", never "denied". A write is
        proven on ``<name>/.preflight``, which never exists: allowed calls answer "not found" and write nothing.
        """
        probes = []
        for key in list(keys)[:1]:
            probes += [("GetSecretValue", name) for name in (self._name(key), self._lock_name(key), self._index_name(key))]
        if write:
            probes += [("PutSecretValue", self.prefix + "/.preflight"), ("UpdateSecretVersionStage", self.prefix + "/.preflight")]
        for action, name in probes:
            self._probe(action, name)

    def _probe(self, action, name):
        arguments = {
            "GetSecretValue": ("get_secret_value", {"VersionStage": CURRENT}),
            "PutSecretValue": ("put_secret_value", {"SecretString": UNLOCKED, "VersionStages": [PENDING],
                                                    "ClientRequestToken": UNLOCKED_VERSION}),
            "UpdateSecretVersionStage": ("update_secret_version_stage", {"VersionStage": PENDING, "MoveToVersionId": UNLOCKED_VERSION}),
        }
        method, extra = arguments[action]
        try:
            getattr(self.client, method)(SecretId=name, **extra)
        except _Boto.ClientError as error:
            self._refuse(action, name, _code(error))
        except _Boto.NoCredentialsError:
            raise AnsibleActionFail("AWS Secrets Manager: no AWS credentials found for %s: give aws_secrets_manager.profile, "
                                    "access_key and secret_key, or role_arn, or the AWS_* environment" % self.prefix)
        except _Boto.BotoCoreError as error:
            raise AnsibleActionFail("AWS Secrets Manager could not be reached for %s (%s): check aws_secrets_manager.region "
                                    "and endpoint_url" % (self.prefix, type(error).__name__))

    def _refuse(self, action, name, code):
        if code == NOT_FOUND:
            return
        if code in AUTH_CODES:
            raise AnsibleActionFail("AWS did not accept the credentials used for %s (%s on %s): check access_key, "
                                    "secret_key and session_token (or the profile, the role_arn, the AWS_* environment)"
                                    % (self.prefix, code, name))
        if code in DENIED_CODES:
            raise AnsibleActionFail("AWS Secrets Manager denied secretsmanager:%s on %s (%s): allow secretsmanager:%s on "
                                    "%s/* in the IAM policy of these credentials (the README lists the minimum policy)"
                                    % (action, name, code, action, self.prefix))
        if code == "InvalidRequestException" and action == "GetSecretValue":
            raise AnsibleActionFail("AWS Secrets Manager cannot read %s: it is scheduled for deletion. Restore it "
                                    "(aws secretsmanager restore-secret --secret-id %s) or wait until it is gone" % (name, name))
        if action == "GetSecretValue":
            raise AnsibleActionFail("AWS Secrets Manager could not read %s: %s" % (name, code))
        # A write probe answers an error past the permission check (for example a parameter AWS finds wrong): allowed.
