# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the apiops.credentials collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""The UAA adapter of the rotation engine: strategies admin, dual and grant_dance.

admin        ``/secret`` UPDATE with an admin client token: the new secret replaces the old one at once.
dual         ``/secret`` ADD, then (after delivery and ``min_overlap``) DELETE of the older secret.
grant_dance  seed 001: only an admin *user* exists and UAA before v74 lets only a client change a secret. The
             client is lent ``client_credentials`` and ``clients.secret``, changes its own secret with a token of
             its own, and gets its grants back. Every step of it is journaled: the original grants are in the sink
             before the lend, and any later run that finds them there gives them back first.
"""

from __future__ import annotations

import time

from ansible_collections.apiops.credentials.plugins.module_utils._http import ApiError, FailOnce, PerThread
from ansible_collections.apiops.credentials.plugins.module_utils._uaa import UaaApi, as_set
from ansible_collections.apiops.credentials.plugins.plugin_utils._engine import (
    Adapter,
    ApiContext,
    StepError,
    alphabet,
    generate_secret,
    now_iso,
)

LENT_GRANT = "client_credentials"
LENT_AUTHORITY = "clients.secret"
OVERLAP_BY_STRATEGY = {"admin": "hard_cut", "dual": "two_secrets", "grant_dance": "hard_cut"}


def lent(original):
    """The grants and authorities a client has while it is lent what it needs to change its own secret."""
    authorities = [a for a in original["authorities"] if a != "uaa.none"]
    return {"authorized_grant_types": as_set(original["authorized_grant_types"] + [LENT_GRANT]),
            "authorities": as_set(authorities + [LENT_AUTHORITY])}


def grants_of(client):
    return {"authorized_grant_types": as_set(client.get("authorized_grant_types") or []),
            "authorities": as_set(client.get("authorities") or [])}


def record_key(zone, client_id):
    return "%s/%s" % (zone or "uaa", client_id)


class UaaAdapter(Adapter):
    platform = "uaa"
    protocol = "local_secret"

    def __init__(self, params, warn, rate_gate, secret_length=40, secret_chars=("ascii_letters", "digits")):
        self.params = params  # connection and admin auth options of the task
        self.warn = warn
        self.rate_gate = rate_gate
        self.length = secret_length
        self.chars = alphabet(secret_chars)
        # A change whose answer was lost is watched for as long as UAA may take to answer one.
        self.late_apply_wait = float(params["request_timeout"])
        # A lend that UAA received but did not answer in time lands, if at all, while UAA still works on it: watch the
        # grants for twice the timeout after its answer was lost (a platform slower than that is down).
        self.late_lend_wait = 2 * float(params["request_timeout"])
        # One admin client per worker thread and zone; the grant dance's clients of the client itself are counted too.
        self._apis = PerThread(self._admin_api, lambda api: api.http.request_count + (
            api.token_http.request_count if api.token_http is not api.http else 0), ready=self._login)
        self._tokens = FailOnce()  # (zone, zone url): the admin token (or why there is none), fetched once for all workers
        self._scopes = {}  # (zone, zone url): the scopes UAA granted that token (None when it was given)

    def _first_token(self, api, where):
        token = api.token()
        self._scopes[where] = api.scopes
        return token

    @property
    def request_count(self):
        return self._apis.request_count

    # -- clients: one per worker thread and zone (requests sessions are not thread-safe)
    def _api(self, work, as_client_secret=None):
        where = (work.spec.get("identity_zone_subdomain") or None, work.spec.get("identity_zone_url") or None)
        if as_client_secret is None:
            return self._apis.get(where)
        # The grant dance: a token of the client itself, from its own zone (a client of its own, not kept).
        params = dict(self.params, identity_zone_subdomain=where[0], identity_zone_url=where[1], uaa_auth_client_id=work.credential,
                      uaa_auth_client_secret=as_client_secret, uaa_auth_username=None, uaa_auth_password=None, uaa_token=None,
                      uaa_auth_zone="target" if where[0] else "default")
        return self._apis.track(UaaApi(ApiContext(params, self.warn, self.rate_gate)))

    def _admin_api(self, where):
        return UaaApi(ApiContext(dict(self.params, identity_zone_subdomain=where[0], identity_zone_url=where[1]), self.warn, self.rate_gate))

    def _login(self, api, where):
        api._token = self._tokens.get(where, lambda: self._first_token(api, where))  # pylint: disable=protected-access

    # -- what the engine asks
    def overlap(self, work):
        return OVERLAP_BY_STRATEGY[work.strategy]

    def settable(self, work):
        return work.strategy != "grant_dance"  # only the client itself may change its secret there (UAA before v74)

    def separate_retire(self, work):
        return work.strategy == "dual"

    def new_secret(self, work):
        return generate_secret(self.length, self.chars)

    def authenticates(self, work, secret):
        return self._api(work).secret_works(work.credential, secret)

    def _may_write(self, work):
        """Would UAA let the admin's token make this strategy's writes? Read from the scopes it was granted."""
        self._api(work)  # the token, fetched once for every worker
        scopes = self._scopes.get((work.spec.get("identity_zone_subdomain") or None, work.spec.get("identity_zone_url") or None))
        if not scopes:
            return  # a token given as is: UAA's answer to the write decides
        needed = ("clients.write", "clients.admin", "uaa.admin") if work.strategy == "grant_dance" else ("clients.admin", "uaa.admin")
        if any(scope in needed or (scope.startswith("zones.") and scope.endswith(".admin")) for scope in scopes):
            return
        raise StepError("the admin token has none of the scopes UAA requires to %s (%s, or zones.<zone id>.admin; it has %s), so "
                        "UAA would refuse the write: nothing was changed. Give the admin client or user one of them"
                        % ("lend grants" if work.strategy == "grant_dance" else "change another client's secret",
                           ", ".join(needed), ", ".join(sorted(scopes))))

    def preflight(self, work, current):
        self._may_write(work)
        works = bool(current) and self.authenticates(work, current)
        if not works and self._api(work).get_client(work.credential) is None:
            # A token proves the client exists; without one, look, so that nothing is journaled or sent for a typo.
            raise StepError("UAA has no client %s%s: check the client_id (and identity_zone_subdomain)"
                            % (work.credential, " in zone %s" % work.location if work.location != "uaa" else ""))
        if work.strategy == "admin":
            if current and not works:
                work.steps.append("the secret known for this client no longer works; it is not kept as previous")
            return current if works else None
        if not current:
            raise StepError("strategy %s needs the secret in use now: give current_secret for this client (from a vault), "
                            "or use strategy admin, which does not" % work.strategy)
        if not works:
            raise StepError("UAA rejects the current secret given for this client (current_secret or the sink), so "
                            "nothing was changed: strategy %s would leave the old secret working. Give the secret in use "
                            "now, or rotate with strategy admin" % work.strategy)
        before = work.journal.record.get("previous_secret")
        if work.strategy == "dual" and before and before != current and self.authenticates(work, before):
            # UAA keeps at most two secrets: an ADD next to two is refused. Found here, a dry run says so.
            raise StepError("UAA keeps at most two secrets per client, and this one has two (the secret before the last "
                            "rotation still works): retire it first (phase retire), or rotate with strategy admin")
        return current

    def apply(self, work, new, current):
        api = self._api(work)

        def confirm():
            return self.authenticates(work, new)  # a lost answer is settled by a token request, never by a repeat

        if work.strategy == "admin":
            api.change_secret(work.credential, "UPDATE", secret=new, confirm=confirm)
            work.steps.append("replaced the secret (UPDATE)")
        elif work.strategy == "dual":
            # Never re-sent after a lost answer: an ADD that UAA applies late, after a second one, would leave the
            # client with the new secret twice (and no room for the next rotation). The engine watches for it instead.
            api.change_secret(work.credential, "ADD", secret=new)
            work.steps.append("added the new secret next to the old one (ADD)")
        else:
            self._grant_dance(work, new, current)

    def fingerprint(self, work):
        client = self._api(work).get_client(work.credential)
        if client is None:
            raise StepError("UAA has no client %s: check the client_id (and identity_zone_subdomain)" % work.credential)
        # UAA stamps a client at every change of it, its secret included; the grants show a dance left unfinished.
        return "last modified %s; grants %s" % (client.get("lastModified"), ", ".join(grants_of(client)["authorized_grant_types"]))

    def set(self, work, secret):
        """Roll back: put ``secret`` in place with the admin's UPDATE. UAA never shows a secret, so the engine proves it
        with a token next; a lost answer is settled the same way, never by a repeat."""
        self._api(work).change_secret(work.credential, "UPDATE", secret=secret, confirm=lambda: self.authenticates(work, secret))
        work.steps.append("set the previous secret (UPDATE)")
        return secret

    def retire(self, work, new, old):
        self._api(work).change_secret(work.credential, "DELETE")

    def repair(self, work, check):
        """Give back grants an interrupted or late-applied grant dance left lent; verify they are back exactly."""
        dance = work.journal.record.get("grant_dance")
        if not dance:
            return []
        api = self._api(work)
        client = api.get_client(work.credential)
        if client is None:
            raise StepError("the client no longer exists on UAA; its journal still holds the grants to give back")
        original = dance["original"]
        if grants_of(client) == grants_of(original) and dance.get("state") == "lent" and not check \
                and dance.get("watch_until", 0) > time.time():
            # An interrupted run lost a lend's answer moments ago: it may still land. Watch as that run would have.
            self._give_back(work, api, dance)
            return []
        if grants_of(client) == grants_of(original):
            if dance.get("state") == "lent" and not check:
                work.journal.save(grant_dance=dict(dance, state="given_back", given_back_at=now_iso()))
            return []
        if grants_of(client) != grants_of(lent(original)):
            if dance.get("state") == "given_back":
                return []  # changed by someone after the dance ended: theirs to keep
            raise StepError("the grants of this client changed since the grant dance saved them (%s); they are left as "
                            "they are: compare with the saved grants and set them with apiops.credentials.uaa_client"
                            % ", ".join(grants_of(original)["authorized_grant_types"]))
        if check:
            return ["would give back the lent grants"]
        self._give_back(work, api, dance)
        return ["gave back the grants lent by an earlier run"]

    # -- the grant dance, journaled
    def _grant_dance(self, work, new, current):
        api, journal = self._api(work), work.journal
        client = api.get_client(work.credential)
        if client is None:
            raise StepError("the client does not exist on UAA")
        original = grants_of(client)
        dance = {"original": original, "state": "lent", "lent_at": now_iso()}
        journal.persist(grant_dance=dance)  # before the lend: any later run can give the grants back
        try:
            self._lend(work, api, dance)
            work.steps.append("lent client_credentials and clients.secret")
            as_client = self._api(work, as_client_secret=current)
            as_client.change_secret(work.credential, "UPDATE", secret=new, old_secret=current,
                                    confirm=lambda: self.authenticates(work, new))
            work.steps.append("changed the secret with a token of the client")
        finally:
            # Whatever happened, the grants go back now; when that fails too, the journal keeps them for the next run.
            self._give_back(work, api, dance)
            work.steps.append("gave back the original grants (verified)")

    def _lend(self, work, api, dance):
        """Lend the grants. A lend whose answer was lost may still be applied by UAA later, after the give-back: its
        moment is journaled (``watch_until``), and the grants are watched until then (``_give_back``)."""
        def landed():
            dance["watch_until"] = time.time() + self.late_lend_wait
            work.journal.persist(grant_dance=dance)
            client = api.get_client(work.credential)
            return client is not None and grants_of(client) == grants_of(lent(dance["original"]))

        try:
            api.update_client(work.credential, lent(dance["original"]), confirm=landed)
        except ApiError as error:
            if error.transient or error.maybe_applied:
                dance["watch_until"] = time.time() + self.late_lend_wait
                work.journal.persist(grant_dance=dance)
            raise

    def _give_back(self, work, api, dance):
        """Put the original grants back and verify them; after a lost lend, until no late lend can land any more."""
        original = dance["original"]
        for _attempt in range(3):
            api.update_client(work.credential, dict(original))
            back = api.get_client(work.credential)
            if back is None or grants_of(back) != grants_of(original):
                continue
            pause = dance.get("watch_until", 0) - time.time()
            if pause > 0:
                time.sleep(pause)
                back = api.get_client(work.credential)
                if back is None or grants_of(back) != grants_of(original):
                    work.steps.append("a lend whose answer was lost landed late; the grants were given back again")
                    continue
            work.journal.save(grant_dance=dict(dance, state="given_back", given_back_at=now_iso()))
            return
        raise StepError("the original grants could not be put back (UAA shows others); they are saved in the sink "
                        "journal and the next run gives them back first")
