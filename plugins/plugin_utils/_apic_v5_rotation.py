# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the apiops.credentials collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""The API Connect v5 adapter of the rotation engine: restoring the original credentials after an API Manager reset.

The value is known (a backup row, or the sink): the engine journals it, this
adapter puts it in place through the Developer Portal (client id and the Base64
SHA-256 of the secret). The portal cannot check a secret, so the secret is proven
only by a call through the gateway, when the operator names an API to call
(``gateway_probe_url``); that call proves the client id as well. Where there is no
such call, the client id is read back from the portal instead.

Requests per credential: the application read once its lock is held (the
decision), the PUT, and the gateway call or the read back.
"""

from __future__ import annotations

import threading

from ansible_collections.apiops.credentials.plugins.module_utils._apic_v5 import ApicV5Api, app_credentials, find_one, secret_to_send
from ansible_collections.apiops.credentials.plugins.module_utils._http import FailOnce, PerThread
from ansible_collections.apiops.credentials.plugins.plugin_utils._engine import Adapter, ApiContext, StepError


def describe(row):
    """(location, credential, record key) of a backup row: the developer org, ``<app>/<credential id or default>``."""
    credential = "%s/%s" % (row["app"], row.get("credential_id") or "default")
    return row["org"], credential, "%s/%s" % (row["org"], credential)


class ApicV5Adapter(Adapter):
    platform = "apic_v5"
    protocol = "known_value"  # the portal shows the client id, never the secret: known values are put back

    def __init__(self, params, warn, rate_gate, owners=None, gateway_probe_url=None, secret_format="hash"):
        self.params = params
        self.warn = warn
        self.rate_gate = rate_gate
        self.owners = owners or {}
        self.gateway_probe_url = gateway_probe_url
        self.secret_format = secret_format
        self._apis = PerThread(self._new_api)  # a portal client per worker thread and login
        self._lock = threading.Lock()
        self._found = {}  # record key: (org, app, credential) as the portal shows them
        self._orgs = FailOnce()  # login: the developer organizations it sees (or why the login failed)
        self._apps = FailOnce()  # (login, org id): the org's applications (or why they could not be read)
        self._unread = {}  # record key: the client id a PUT was answered with, not read back (the gateway proves it)

    @property
    def request_count(self):
        return self._apis.request_count

    def _api(self, work):
        """The portal client of the row's owner (or its org's), else of the play's user."""
        owner = self.owners.get(work.spec.get("owner") or work.spec["org"]) or {}
        return self._apis.get(owner.get("username"))

    def _new_api(self, username):
        params = dict(self.params)
        for owner in self.owners.values():
            if username and owner.get("username") == username:
                params.update(apic_v5_username=username, apic_v5_password=owner.get("password"))
        return ApicV5Api(ApiContext(params, self.warn, self.rate_gate))

    def _find(self, work, fresh=False):
        """(org, app, credential) of a row; the org and app lists are read once per login and shared by all rows."""
        if fresh:
            org, app, _credential = self._found[work.key]
            app = self._api(work).app(org["id"], app["id"])  # read back: the portal's own view of this one app
        elif work.key in self._found:
            return self._found[work.key]
        else:
            org, app = self._resolve(work)
        credentials = app_credentials(app)
        wanted = work.spec.get("credential_id")
        credential = credentials[0] if credentials and not wanted else next((c for c in credentials if c["id"] == wanted), None)
        if credential is None:
            raise StepError("application %s has no credential %s; its credentials are %s"
                            % (app["name"], wanted or "(none)", ", ".join(str(c["id"]) for c in credentials) or "none"))
        self._found[work.key] = (org, app, credential)
        return self._found[work.key]

    def _resolve(self, work):
        api, spec = self._api(work), work.spec
        login = api.auth[0]
        try:
            orgs = self._orgs.get(login, api.orgs)
            org = find_one(orgs, spec["org"], "developer organization", "context %s" % self.params["apic_v5_context"])
            # Read once per login and org, whoever asks first; the lists of different orgs are read at once.
            apps = self._apps.get((login, org["id"]), lambda: api.apps(org["id"]))
            return org, find_one(apps, spec["app"], "application", "developer organization %s" % org["name"])
        except ValueError:
            try:  # not in this login's list: the portal's own answer says why (403 for a non-member, 404 otherwise)
                return api.resolve(spec["org"], spec["app"])
            except ValueError as problem:
                raise StepError("cannot find the application: %s" % problem)

    # -- what the engine asks
    def overlap(self, work):
        return "settable"

    def current_id(self, work):
        # The org and app lists are read once for all rows, possibly before this row's lock was taken; another run
        # may have restored the row since. The decision is made from the app as the portal shows it now, once the
        # lock is held: one GET per row, which no other request can stand in for. From the list, a second run would
        # put every value in place again that the first had just restored; and a row the list shows as restored
        # would be left alone even if its client id changed since (an API Manager reset).
        self._find(work)
        return self._find(work, fresh=True)[2]["client_id"]

    def fingerprint(self, work):
        return "client id %s" % self.current_id(work)

    def restore(self, work, value):
        org, app, _credential = self._find(work)
        try:
            sent = secret_to_send(value["secret"], value["hash"], self.secret_format)
        except ValueError as problem:
            raise StepError(str(problem))
        answer = self._api(work).set_credential(org["id"], app["id"], work.spec.get("credential_id"), value["client_id"], sent,
                                                work.spec.get("description"), resend=False)
        answered = (answer or {}).get("clientID")
        if answered not in (None, value["client_id"]):
            return answered
        if answered is not None and value.get("secret") and self.can_prove(work):
            # The engine proves the restore next with a call through the gateway, which accepts this client id only
            # together with this secret. A client id is unique in the catalog (the PUT is refused when another
            # credential holds it), so that call proves the client id of this credential too, and a read back here
            # would add a request and no proof. Should the gateway refuse, the app is read back then (authenticates),
            # so that the failure says which of the two did not take.
            with self._lock:
                self._unread[work.key] = answered
            return answered
        return self._find(work, fresh=True)[2]["client_id"]  # read back: the portal's own view, the only proof here

    def can_prove(self, work):
        return bool(self.gateway_probe_url)

    @staticmethod
    def _client_id_of(work, secret):
        """The client id that goes with ``secret``: while a restore or a roll back is carried out, the one it journaled
        with the value it puts in place (a roll back puts an earlier client id back); else the row's."""
        record = (work.journal.record if work.journal is not None else None) or {}
        if work.action in ("restore", "rollback") and secret and record.get("pending_secret") == secret and record.get("pending_client_id"):
            return record["pending_client_id"]
        return work.spec["client_id"]

    def landed(self, work, value):
        """After a PUT whose answer was lost: the portal shows the value's client id, and (where it can be proven) the
        gateway takes its secret."""
        if self._find(work, fresh=True)[2]["client_id"] != value["client_id"]:
            return False
        return not (value.get("secret") and self.can_prove(work)) or self.authenticates(work, value["secret"])

    def authenticates(self, work, secret):
        """A call through the gateway with the client id of ``secret`` and ``secret``: 401 means rejected.

        After a PUT whose client id was not read back (see restore), a rejection reads the app: a client id the portal
        does not show is the failure then, not the secret.
        """
        with self._lock:
            answered = self._unread.pop(work.key, None)
        try:
            accepted = self._api(work).gateway_accepts(self.gateway_probe_url, self._client_id_of(work, secret), secret)
        except ValueError as problem:
            raise StepError(str(problem))
        if not accepted and answered is not None:
            shown = self._find(work, fresh=True)[2]["client_id"]
            if shown != answered:
                raise StepError("the portal answered the PUT with client id %s but shows client id %s, and the gateway "
                                "rejects the value put: the change did not take. It stays pending in the sink, and a re-run "
                                "puts it in place again" % (answered, shown))
        return accepted

    def next_step(self, work):
        return ("prove the secret with a call through the gateway: set gateway_probe_url (an API of the catalog that "
                "the application is subscribed to)")
