# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""AWS's real consistency on top of moto's server, which is consistent at once: what the sink must survive.

``AwsFaults`` is the AWS side shared by every client it wraps (as AWS is shared by every run); ``wrap(client)``
gives a boto3 client whose calls all still go to moto over HTTP, with these faults:

* ``list_lag``: ListSecrets leaves out a secret created through a wrapped client in the last ``list_lag`` seconds;
  ``list_hide_last``: it leaves out the last ``list_hide_last`` secrets created that way.
* ``delete_delay``: for ``delete_delay`` seconds after a DeleteSecret, CreateSecret of that name fails as AWS's
  asynchronous forced delete makes it fail.
* ``crash_after_current_put()``: the next PutSecretValue with ``AWSCURRENT`` is written, then ``Crash`` is raised,
  as if the run had been killed before its next call.
* ``stall_moves``: each UpdateSecretVersionStage waits that long first, so that runs at once meet in the window
  between reading a version and moving a label; ``refused_moves`` counts the moves AWS refused.
"""

from __future__ import annotations

import threading
import time

from botocore.exceptions import ClientError


class Crash(BaseException):
    """The run stopped here (a BaseException: no ``except Exception`` of the code under test catches it)."""


def aws_error(code, message, operation):
    return ClientError({"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": 400}}, operation)


class AwsFaults:
    def __init__(self, list_lag=0.0, list_hide_last=0, delete_delay=0.0, stall_moves=0.0):
        self.list_lag, self.list_hide_last, self.delete_delay, self.stall_moves = list_lag, list_hide_last, delete_delay, stall_moves
        self.created = []  # (time, name) of every secret created through a wrapped client, oldest first
        self.deleting = {}  # name: time until which AWS is still deleting it
        self.refused_creates = 0
        self.refused_moves = 0
        self._crash = False
        self._guard = threading.Lock()

    def wrap(self, client):
        return FaultyClient(client, self)

    def crash_after_current_put(self):
        self._crash = True

    def hidden(self):
        """The names ListSecrets does not show yet."""
        with self._guard:
            recent = {name for at, name in self.created if time.time() - at < self.list_lag}
            last = {name for _at, name in self.created[len(self.created) - self.list_hide_last:]} if self.list_hide_last else set()
        return recent | last

    def _take_crash(self):
        with self._guard:
            crash, self._crash = self._crash, False
        return crash


class FaultyClient:
    """A boto3 Secrets Manager client with ``AwsFaults``; every other call goes through unchanged."""

    def __init__(self, client, faults):
        self._client, self._faults = client, faults

    def __getattr__(self, name):
        return getattr(self._client, name)

    def create_secret(self, **kwargs):
        faults = self._faults
        with faults._guard:  # pylint: disable=protected-access
            deleting = faults.deleting.get(kwargs["Name"], 0) > time.time()
            if deleting:
                faults.refused_creates += 1
        if deleting:
            raise aws_error("InvalidRequestException", "You can't create this secret because a secret with this name is "
                            "already scheduled for deletion.", "CreateSecret")
        answer = self._client.create_secret(**kwargs)
        with faults._guard:  # pylint: disable=protected-access
            faults.created.append((time.time(), kwargs["Name"]))
        return answer

    def delete_secret(self, **kwargs):
        answer = self._client.delete_secret(**kwargs)
        with self._faults._guard:  # pylint: disable=protected-access
            self._faults.deleting[kwargs["SecretId"]] = time.time() + self._faults.delete_delay
        return answer

    def put_secret_value(self, **kwargs):
        answer = self._client.put_secret_value(**kwargs)
        if "AWSCURRENT" in kwargs.get("VersionStages", []) and self._faults._take_crash():  # pylint: disable=protected-access
            raise Crash("stopped after PutSecretValue(AWSCURRENT) of %s" % kwargs["SecretId"])
        return answer

    def update_secret_version_stage(self, **kwargs):
        time.sleep(self._faults.stall_moves)
        try:
            return self._client.update_secret_version_stage(**kwargs)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "InvalidParameterException":
                with self._faults._guard:  # pylint: disable=protected-access
                    self._faults.refused_moves += 1
            raise

    def list_secrets(self, **kwargs):
        answer = dict(self._client.list_secrets(**kwargs))
        hidden = self._faults.hidden()
        answer["SecretList"] = [secret for secret in answer.get("SecretList", []) if secret["Name"] not in hidden]
        return answer

    def get_paginator(self, operation):
        if operation != "list_secrets":
            return self._client.get_paginator(operation)
        return _LaggingPaginator(self)


class _LaggingPaginator:
    def __init__(self, client):
        self._client = client

    def paginate(self, **kwargs):
        while True:
            page = self._client.list_secrets(**kwargs)
            yield page
            if not page.get("NextToken"):
                return
            kwargs["NextToken"] = page["NextToken"]
