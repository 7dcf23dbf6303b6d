# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the apiops.credentials collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""The Anypoint adapter of the rotation engine: environment client secrets and connected-app secrets.

The platform shows the current secret and accepts a chosen one (the documented
``client_secret`` PATCH, the form roll back uses), so the new secret is made
here in the platform's own shape and journaled before the platform is touched,
as on UAA: a run killed at any point leaves the working secret in the sink.

Where a control plane refuses a chosen secret (a 400 to both PATCH forms), the
platform's reset is the fallback, remembered for the organization for the rest
of the run: the engine journals the old secret, resets once, reads the new
secret back and journals it. Only then is there a window in which the new
secret exists on the platform alone (a kill right after the reset); the next
run reads it from the platform and journals it.
"""

from __future__ import annotations

import concurrent.futures
import string
import threading

from ansible_collections.apiops.credentials.plugins.module_utils._anypoint import AnypointApi, find_environment, refused_explicit_secret
from ansible_collections.apiops.credentials.plugins.module_utils._http import ApiError, FailOnce, PerThread
from ansible_collections.apiops.credentials.plugins.module_utils._anypoint_target import Target
from ansible_collections.apiops.credentials.plugins.plugin_utils._engine import (
    Adapter,
    ApiContext,
    SetRefused,
    StepError,
    generate_secret,
    secret_digest,
)

# The platform's own secrets are 32 hexadecimal characters in mixed case; a chosen one looks the same to consumers.
SECRET_LENGTH = 32
SECRET_CHARS = string.hexdigits


def describe(spec):
    """(location, credential, record key) of a target entry: business group, ``environment-<name>`` or ``connected_app-<id>``."""
    kind = "environment" if spec.get("environment") else "connected_app"
    name = "%s-%s" % (kind, spec.get("environment") or spec.get("connected_app"))
    group = spec.get("business_group") or "root"
    return group, name, "%s/%s" % (group, name)


class AnypointAdapter(Adapter):
    platform = "anypoint"
    protocol = "local_secret"
    shows_secret = True

    def __init__(self, params, warn, rate_gate, revoke_tokens=False):
        self.params = params
        self.warn = warn
        self.rate_gate = rate_gate
        self.revoke_tokens = revoke_tokens
        # A reset whose answer was lost is watched for as long as the platform may take to answer one.
        self.late_apply_wait = float(params["request_timeout"])
        self._apis = PerThread(lambda _key: AnypointApi(ApiContext(self.params, self.warn, self.rate_gate)),
                               lambda api: api.http.request_count, ready=self._login)
        self._lock = threading.Lock()
        self._token = FailOnce()  # the login (or why it failed), once for every worker thread
        self._tree = FailOnce()  # the organization tree, walked once (or why it could not be)
        self._environments = FailOnce()  # organization id: its environments (or why they could not be read)
        self._targets = {}  # record key: Target
        self._reset_only = set()  # organizations whose control plane refused a chosen secret in this run

    @property
    def request_count(self):
        return self._apis.request_count

    def _api(self):
        return self._apis.get()

    def _login(self, api, _key):
        api._token = self._token.get("login", api.token)  # pylint: disable=protected-access

    def _target(self, work):
        """The environment client or connected app of ``work``, found once; lookups shared by all targets of the run."""
        if work.key in self._targets:
            return self._targets[work.key]
        api, spec = self._api(), work.spec
        try:
            # One walk of the organization tree, and one environment list per group whoever asks first: the lists of
            # different groups are read at once (each a round trip the workers would otherwise wait for in turn).
            org = self._business_group(api, spec.get("business_group"))
            env = None
            if spec.get("environment"):
                environments = self._environments.get(org["id"], lambda: api.environments(org["id"]))
                env = find_environment(environments, spec["environment"])
                if env is None:
                    names = ", ".join(sorted(e["name"] for e in environments)) or "none"
                    raise StepError("no environment %s in business group %s (its environments: %s)"
                                    % (spec["environment"], org["name"], names))
            target = Target(api, {"environment": spec.get("environment"), "connected_app": spec.get("connected_app"),
                                  "business_group": spec.get("business_group")}, org=org, env=env)
        except ValueError as problem:  # an unknown business group or connected app, in words
            raise StepError(str(problem))
        target.api = api
        self._targets[work.key] = target
        return target

    def _business_group(self, api, wanted):
        """The organization named or numbered ``wanted`` (the root when empty), from one walk of the tree."""
        # A walk that failed fails every target with its message, at once: a half-walked tree would name groups missing.
        orgs = self._tree.get("", self._walk)
        found = orgs.get(wanted or "") or orgs.get("name:%s" % wanted)
        if found is None:
            raise StepError("no business group %s under organization %s" % (wanted, orgs[""]["name"]))
        return found

    def _walk(self):
        """Organization id, "name:<name>", and "" (the root): organization. Read a level at a time, each level's groups
        at once (as many as the run's concurrency), each by a client of its own thread."""
        api = self._api()
        root = api.organization(api.root_org_id())
        orgs, level = {}, [root]
        with concurrent.futures.ThreadPoolExecutor(self.params["concurrency"], thread_name_prefix="walk") as pool:
            while level:
                wanted = []
                for org in level:  # breadth first: a name in two groups is the one nearer the root
                    orgs[org["id"]] = org
                    orgs.setdefault("name:" + org["name"], org)
                    wanted += [sub for sub in org.get("subOrganizationIds") or [] if sub not in orgs and sub not in wanted]
                level = list(pool.map(lambda sub: self._api().organization(sub), wanted))
        orgs[""] = root
        return orgs

    # -- what the engine asks
    def overlap(self, work):
        return "hard_cut"  # a reset or a set replaces the secret at once

    def read_secret(self, work):
        return self._target(work).secret(fresh=True)

    def authenticates(self, work, secret):
        return bool(secret) and self._target(work).works(secret)

    def fingerprint(self, work):
        # The platform shows the secret: a digest of it pins the plan to the secret in place (a reset by anyone else
        # changes it) without the plan holding the secret.
        return "secret digest %s" % secret_digest(self.read_secret(work))

    def resets(self, work):
        return self._target(work).org["id"] in self._reset_only

    def new_secret(self, work):
        return generate_secret(SECRET_LENGTH, SECRET_CHARS)

    def preflight(self, work, current):
        """The platform shows its secret: that one is kept as previous (the sink's may have been changed outside)."""
        live = self.read_secret(work)
        if current and current != live:
            work.steps.append("the secret in the sink was not the platform's (changed outside); the platform's is kept as previous")
        return live

    def apply(self, work, new, current):
        """Put ``new`` in place (a chosen secret), or reset when ``new`` is None; returns the secret now in place."""
        target = self._target(work)
        if new is None:
            secret = target.rotate(current)
            if secret == current:
                raise StepError("Anypoint answered the reset but shows the same secret; nothing changed")
        else:
            try:
                # The engine validates the new secret next (the platform's own check): a read back would prove less.
                # A lost answer is not sent again: the engine watches for the new secret to validate instead.
                secret = target.set(new, read_back=False, resend=False)
            except ApiError as error:
                if not refused_explicit_secret(error):
                    raise
                with self._lock:
                    self._reset_only.add(target.org["id"])
                # The platform's words are left out: an answer about a refused value might quote it.
                raise SetRefused("this control plane answers HTTP %s to a chosen secret" % error.status)
            if secret != new:
                raise StepError("Anypoint answered the change but shows another secret than the one sent; the one sent "
                                "stays pending in the sink and a re-run checks the platform first")
            work.steps.append("set the new secret (client_secret PATCH)")
        if self.revoke_tokens and target.app:
            target.api.revoke_connected_app_tokens(target.org["id"], target.client_id)
            work.steps.append("revoked the connected app's tokens")
        return secret

    def set(self, work, secret):
        try:
            return self._target(work).set(secret)
        except ApiError as error:
            if refused_explicit_secret(error):
                raise StepError("this Anypoint control plane does not accept an explicit secret (%s): the previous secret "
                                "cannot be put back through the API; rotate instead and deliver the new secret" % error.message)
            raise

    def next_step(self, work):
        target = self._target(work)
        if target.env:
            return ("Update every Mule application in environment %s (%s) that uses its credentials "
                    "(anypoint.platform.client_id %s, anypoint.platform.client_secret): API Manager autodiscovery fails "
                    "until they have the new secret from the sink." % (target.env["name"], target.org["name"], target.client_id))
        return "Update every system that authenticates as connected app %s with the new secret from the sink." % target.client_id
