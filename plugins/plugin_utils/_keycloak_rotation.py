# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the apiops.credentials collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""The Keycloak adapter of the rotation engine: the secrets of confidential clients of one realm.

Keycloak makes the new secret (``POST .../client-secret``, protocol ``platform_reset``): that is the write a realm's
client secret rotation policy acts on, keeping the old secret working as the client's rotated secret until it is
deleted (``DELETE .../client-secret/rotated``) or expires, so consumers have two secrets at once. A chosen secret
(a PUT of the client) replaces the old one at once even under that policy; it serves roll back only.

Keycloak shows the current secret, so the engine journals it, regenerates once, journals the answer, and reads the
platform back after a lost answer instead of regenerating again. A secret is proven by a client_credentials token of
the client, which only a client with a service account gets: a client without one is refused before any write.
"""

from __future__ import annotations

import threading

from ansible_collections.apiops.credentials.plugins.module_utils._http import PerThread
from ansible_collections.apiops.credentials.plugins.module_utils._keycloak import KeycloakApi, Login
from ansible_collections.apiops.credentials.plugins.plugin_utils._engine import (
    Adapter,
    ApiContext,
    StepError,
    secret_digest,
)


def record_key(realm, client_id):
    return "%s/%s" % (realm, client_id)


class KeycloakAdapter(Adapter):
    platform = "keycloak"
    protocol = "platform_reset"
    shows_secret = True

    def __init__(self, params, warn, rate_gate):
        self.params = params
        self.warn = warn
        self.rate_gate = rate_gate
        # A regeneration whose answer was lost is watched for as long as Keycloak may take to answer one.
        self.late_apply_wait = float(params["request_timeout"])
        self._login = Login()  # the admin token, shared by every worker
        self._apis = PerThread(lambda _key: KeycloakApi(ApiContext(self.params, self.warn, self.rate_gate), self._login),
                               lambda api: api.http.request_count)
        self._lock = threading.Lock()
        self._clients = {}  # record key: the client's representation, read once
        self._kept = set()  # record keys whose old secret the realm's rotation policy kept (two secrets at once)

    @property
    def request_count(self):
        return self._apis.request_count

    def _api(self):
        return self._apis.get()

    def _client(self, work):
        """The client's representation (its UUID, flags and attributes), looked up by clientId once per run."""
        if work.key not in self._clients:
            client = self._api().find_client(work.credential)
            if client is None:
                raise StepError("Keycloak lists no client %s in realm %s: check the client_id, keycloak_realm, and that the "
                                "login may view clients there (realm-management view-clients or manage-clients)"
                                % (work.credential, self.params["keycloak_realm"]))
            if client.get("publicClient") or client.get("bearerOnly"):
                raise StepError("client %s is %s: it has no secret to rotate" % (
                    work.credential, "public" if client.get("publicClient") else "bearer-only"))
            self._clients[work.key] = client
        return self._clients[work.key]

    def _uuid(self, work):
        return self._client(work)["id"]

    def _provable(self, work):
        if not self._client(work).get("serviceAccountsEnabled"):
            raise StepError("client %s has no service account, so Keycloak gives it no client_credentials token and no secret "
                            "of it can be proven: nothing was changed. Enable Service accounts roles on the client, or leave "
                            "it out of the list" % work.credential)

    # -- what the engine asks
    def overlap(self, work):
        # The realm's secret rotation policy stamps an expiration time on the clients it covers (and keeps a rotated
        # secret after a regeneration); before its first regeneration a covered client may not show it yet, so
        # separate_retire asks the platform itself once the new secret is in place.
        attributes = self._client(work).get("attributes") or {}
        covered = attributes.get("client.secret.expiration.time") or attributes.get("client.secret.rotated")
        return "two_secrets" if covered or work.key in self._kept else "hard_cut"

    def separate_retire(self, work):
        """Is the old secret still the client's rotated secret (the realm's rotation policy kept it)?"""
        kept = self._api().rotated_secret(self._uuid(work)) is not None
        if kept:
            with self._lock:
                self._kept.add(work.key)
            work.overlap = "two_secrets"  # the report says what consumers had, now that it is known
        return kept

    def preflight(self, work, current):
        """Read only: the client has a secret Keycloak shows, and one can prove it (a service account)."""
        self._provable(work)
        live = self.read_secret(work)
        if current and current != live:
            work.steps.append("the secret in the sink was not the platform's (changed outside); the platform's is kept as previous")
        return live

    def read_secret(self, work):
        secret = self._api().secret(self._uuid(work))
        if not secret:
            raise StepError("Keycloak shows no secret for client %s (its client authenticator may not be Client Id and "
                            "Secret)" % work.credential)
        return secret

    def fingerprint(self, work):
        # Keycloak shows the secret: a digest of it pins the plan to the secret in place without the plan holding it.
        return "secret digest %s" % secret_digest(self.read_secret(work))

    def authenticates(self, work, secret):
        self._provable(work)
        return self._api().secret_works(work.credential, secret)

    def apply(self, work, new, current):
        """Regenerate (``new`` is None; the protocol is platform_reset): Keycloak makes the secret; returns it."""
        self._provable(work)
        secret = self._api().regenerate(self._uuid(work))
        if not secret or secret == current:
            raise StepError("Keycloak answered the regeneration of client %s without a new secret; nothing is taken from "
                            "it. A re-run reads the platform first" % work.credential)
        return secret

    def retire(self, work, new, old):
        """Delete the rotated secret (the old one), which the realm's rotation policy kept working."""
        self._api().drop_rotated(self._uuid(work))

    def set(self, work, secret):
        """Put a chosen secret back (roll back): a PUT of the client; returns the secret read back."""
        return self._api().set_secret(self._uuid(work), secret)

    def next_step(self, work):
        return "Update every system that authenticates as client %s with the new secret from the sink." % work.credential
