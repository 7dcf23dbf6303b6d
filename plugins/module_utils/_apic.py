# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the apiops.credentials collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""IBM API Connect v10 platform API (``/api``): auth, discovery, credential calls and pure helpers.

Used by the modules (on the target, normally localhost) and by the
``apic_catalog_rotation`` action (on the controller), so nothing here needs an
AnsibleModule: it takes the validated parameters and a ``warn`` callback.

Each request thread gets its own HTTP session (requests sessions are not
thread-safe); the bearer token is shared and fetched again once when the
platform answers 401 (tokens last 8 hours, a catalog run can be long).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from urllib.parse import quote, urlsplit

from ansible.module_utils.basic import env_fallback

from ansible_collections.apiops.credentials.plugins.module_utils._common import ca_path_option
from ansible_collections.apiops.credentials.plugins.module_utils._http import ApiError, HttpClient, PerThread, paginate

PLATFORM = "API Connect"
DEFAULT_REALM = "provider/default-idp-2"
# The platform's page size is not documented (UNCONFIRMED); IBM's own scripts ask for 1000.
PAGE_SIZE = 1000
# verify-client-secret answers 2xx for a match. The status of a mismatch is UNCONFIRMED: 400, or 401 (see verify(),
# which tells a 401 verdict from a failing login); 403/404 stay errors (a missing permission, a wrong path).
VERIFY_MISMATCH_STATUSES = (400,)

# Documented in doc_fragments/apic.py; keep the two side by side.
APIC_AUTH_ARGSPEC = dict(
    apic_url=dict(type="str", required=True, fallback=(env_fallback, ["APIOPS_APIC_URL"])),
    apic_org=dict(type="str", required=True, fallback=(env_fallback, ["APIOPS_APIC_ORG"])),
    apic_catalog=dict(type="str", required=True, fallback=(env_fallback, ["APIOPS_APIC_CATALOG"])),
    apic_username=dict(type="str", fallback=(env_fallback, ["APIOPS_APIC_USERNAME"])),
    apic_password=dict(type="str", no_log=True, fallback=(env_fallback, ["APIOPS_APIC_PASSWORD"])),
    apic_realm=dict(type="str", default=DEFAULT_REALM, fallback=(env_fallback, ["APIOPS_APIC_REALM"])),
    apic_api_key=dict(type="str", no_log=True, fallback=(env_fallback, ["APIOPS_APIC_API_KEY"])),
    apic_client_id=dict(type="str", required=True, no_log=False, fallback=(env_fallback, ["APIOPS_APIC_CLIENT_ID"])),
    apic_client_secret=dict(type="str", required=True, no_log=True, fallback=(env_fallback, ["APIOPS_APIC_CLIENT_SECRET"])),
    ca_path=ca_path_option("APIOPS_APIC_CA_PATH"),
)

HINTS = {
    401: "The platform refused the token: check apic_username/apic_password and apic_realm, or apic_api_key, and the "
         "toolkit credentials apic_client_id/apic_client_secret",
    403: "The user lacks the permission for this call (app:manage, consumer-org:view); use a provider user with the "
         "Administrator or Developer role in the provider organization",
    404: "Not found: check apic_org, apic_catalog and the consumer organization, app and credential names",
    409: "A credential with this name already exists in the app, or this client id in the catalog",
}


# ---- pure helpers (unit-tested without a server) ----------------------------------------
def auth_problem(params):
    """Why the auth options cannot work, or None."""
    has_user = bool(params.get("apic_username")) or bool(params.get("apic_password"))
    if params.get("apic_api_key") and has_user:
        return "give apic_api_key or apic_username/apic_password, not both"
    if not params.get("apic_api_key") and not (params.get("apic_username") and params.get("apic_password")):
        return ("no API Connect login: set apic_username and apic_password (with apic_realm), or apic_api_key "
                "(or the APIOPS_APIC_* environment variables)")
    return None


def api_base(url):
    """The platform API base: ``https://host`` gets ``/api``; a URL with a path is taken as it is."""
    url = url.rstrip("/")
    return url if urlsplit(url).path not in ("", "/") else url + "/api"


def parse_time(text):
    """Epoch seconds from the platform's ISO-8601 UTC time (``2022-01-18T07:42:43.000Z``)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc).timestamp()


def age_days(created_at, now):
    """Whole days since ``created_at`` (the seed script's ``timediff.days``)."""
    return int((now - parse_time(created_at)) // 86400)


def url_ids(url, kind):
    """The ids in a platform URL after ``/<kind>/``: ``.../apps/<org>/<cat>/<corg>/<app>/credentials/<cred>``."""
    parts = urlsplit(url).path.split("/")
    index = len(parts) - 1 - parts[::-1].index(kind)
    return [part for part in parts[index + 1:] if part and part != "credentials"]


def seg(value):
    return quote(str(value), safe="")


def credential_rows(corgs, apps, credentials, now):
    """One flat row per credential: its consumer org (with owner), app, name, client id and age.

    ``corgs`` from ``consumer-orgs?expand=owner``, ``apps`` and ``credentials``
    from the catalog listings; joined by the ids in their URLs.
    """
    corg_by_id = {corg["id"]: corg for corg in corgs}
    app_by_id = {app["id"]: app for app in apps}
    rows = []
    for cred in credentials:
        org_id, cat_id, corg_id, app_id, cred_id = url_ids(cred["url"], "apps")[:5]
        corg = corg_by_id.get(corg_id, {})
        app = app_by_id.get(app_id, {})
        owner = corg.get("owner") or {}
        rows.append({
            "consumer_org": corg.get("name", corg_id), "owner_email": owner.get("email"),
            "owner_username": owner.get("username"), "app": app.get("name", app_id), "app_title": app.get("title"),
            "name": cred["name"], "title": cred.get("title"), "summary": cred.get("summary"), "id": cred_id,
            "client_id": cred.get("client_id"), "created_at": cred.get("created_at"),
            "age_days": age_days(cred["created_at"], now) if cred.get("created_at") else None,
            "client_secret_hashed": cred.get("client_secret_hashed"),
            "path": "/apps/%s/%s/%s/%s/credentials/%s" % (org_id, cat_id, corg_id, app_id, cred_id),
        })
    rows.sort(key=lambda row: (row["consumer_org"], row["app"], row["name"]))
    return rows


# ---- the API ----------------------------------------------------------------------------
class ApicApi:
    """One provider login to one catalog; safe to use from several threads."""

    def __init__(self, params, warn=None, gate=None):
        self.params = params
        self.warn = warn
        self.gate = gate  # a RateGate shared by every worker of a controller-side run (429 pauses, requests in flight)
        self.base = api_base(params["apic_url"])
        self.catalog_path = "/catalogs/%s/%s" % (seg(params["apic_org"]), seg(params["apic_catalog"]))
        self._clients = PerThread(self._new_client)
        self._lock = threading.Lock()
        self._token = None

    # ---- plumbing --------------------------------------------------------------------------
    def http(self):
        return self._clients.get()

    def _new_client(self, _key):
        params = self.params
        return HttpClient(self.base, PLATFORM, validate_certs=params["validate_certs"], ca_path=params["ca_path"],
                          timeout=params["request_timeout"], connect_timeout=params.get("connect_timeout"),
                          retries=params["retries"], warn=self.warn, gate=self.gate)

    @property
    def request_count(self):
        return self._clients.request_count

    def login(self):
        """POST /token with the password grant (user, password, realm) or the api_key grant."""
        params = self.params
        body = {"client_id": params["apic_client_id"], "client_secret": params["apic_client_secret"]}
        if params.get("apic_api_key"):
            body.update(grant_type="api_key", api_key=params["apic_api_key"])
        else:
            body.update(grant_type="password", username=params["apic_username"], password=params["apic_password"],
                        realm=params["apic_realm"])
        try:
            response = self.http().request("POST", "/token", json=body, idempotent=True, label="/api/token", login=True)
        except ApiError as error:
            if error.status in (400, 401):
                error.hint = HINTS[401]
            raise
        token = (response.body or {}).get("access_token")
        if not token:
            raise ApiError(PLATFORM, "POST", "/api/token", status=response.status, description="no access_token in the answer")
        self._token = token
        return token

    def _first_login(self):
        # Once, however many threads call at first (a catalog's discovery reads its listings at once).
        with self._lock:
            return self._token or self.login()

    def call(self, method, path, label, expected=(200,), **kwargs):
        token = self._token or self._first_login()
        try:
            try:
                return self._send(token, method, path, label, expected, kwargs)
            except ApiError as error:
                if error.status != 401:
                    raise
            # The token expired: log in again (once, even when several threads notice) and send it once more.
            with self._lock:
                token = self._token if self._token != token else self.login()
            return self._send(token, method, path, label, expected, kwargs)
        except ApiError as error:
            if error.hint is None and error.status in HINTS:
                error.hint = HINTS[error.status]
            raise

    def _send(self, token, method, path, label, expected, kwargs):
        return self.http().request(method, path, headers={"Authorization": "Bearer " + token}, expected=expected,
                                   label=label, **kwargs)

    def _list(self, path, label, query=None, page_size=PAGE_SIZE):
        def fetch(offset, limit):
            body = self.call("GET", path, label, params=dict(query or {}, offset=offset, limit=limit)).body or {}
            return body.get("results") or [], body.get("total_results")
        return list(paginate(fetch, page_size, what=label))

    # ---- discovery ---------------------------------------------------------------------------
    def consumer_orgs(self):
        return self._list(self.catalog_path + "/consumer-orgs", "/api/catalogs/{org}/{catalog}/consumer-orgs",
                          {"expand": "owner", "fields": "id,name,title,owner,url"})

    def consumer_org(self, name):
        path = "/consumer-orgs/%s/%s/%s" % (seg(self.params["apic_org"]), seg(self.params["apic_catalog"]), seg(name))
        return self.call("GET", path, "/api/consumer-orgs/{org}/{catalog}/{consumer-org}", params={"expand": "owner"}).body

    def apps(self, consumer_org=None):
        fields = {"fields": "id,name,title,url"}
        if consumer_org:
            path = "/consumer-orgs/%s/%s/%s/apps" % (seg(self.params["apic_org"]), seg(self.params["apic_catalog"]), seg(consumer_org))
            return self._list(path, "/api/consumer-orgs/{org}/{catalog}/{consumer-org}/apps", fields)
        return self._list(self.catalog_path + "/apps", "/api/catalogs/{org}/{catalog}/apps", fields)

    def app_path(self, consumer_org, app):
        return "/apps/%s/%s/%s/%s" % (seg(self.params["apic_org"]), seg(self.params["apic_catalog"]), seg(consumer_org), seg(app))

    def app(self, consumer_org, app):
        return self.call("GET", self.app_path(consumer_org, app), "/api/apps/{org}/{catalog}/{consumer-org}/{app}").body

    def credentials(self, consumer_org=None, app=None):
        """Credentials of the catalog, or of one app (consumer_org and app by name or id)."""
        if app:
            return self._list(self.app_path(consumer_org, app) + "/credentials",
                              "/api/apps/{org}/{catalog}/{consumer-org}/{app}/credentials")
        return self._list(self.catalog_path + "/credentials", "/api/catalogs/{org}/{catalog}/credentials")

    def discover(self, consumer_org=None, app=None, now=None):
        """Flat credential rows (see :func:`credential_rows`) for the catalog, a consumer org or an app."""
        now = now if now is not None else datetime.now(timezone.utc).timestamp()
        if app and not consumer_org:
            raise ValueError("an app is looked up within its consumer_org: set consumer_org too")
        if consumer_org:
            corgs = [self.consumer_org(consumer_org)]
            apps = [self.app(consumer_org, app)] if app else self.apps(consumer_org)
            # App by app, not the catalog's list filtered: other runs (the hosts of other consumer orgs, in forks or in
            # the slices of a sliced job) create and delete credentials in the catalog meanwhile, and an offset-paged
            # list of the whole catalog then shows a credential twice or not at all where its pages meet.
            creds = self.credentials(consumer_org, app) if app else [
                cred for each in apps for cred in self.credentials(consumer_org, each.get("id") or each["name"])]
        else:
            # The three listings do not depend on each other: read at once, a whole catalog's discovery costs the pages
            # of its longest listing in time, not of all three (the requests are the same).
            if not self._token:
                self._first_login()  # here: a platform that does not answer costs one login's wait, not one per listing
            with ThreadPoolExecutor(max_workers=3) as pool:
                listings = [pool.submit(listing) for listing in (self.consumer_orgs, self.apps, self.credentials)]
                corgs, apps, creds = [listing.result() for listing in listings]
        return credential_rows(corgs, apps, creds, now)

    # ---- credential calls (``path`` is a credential or app path from discovery or app_path) ---------------
    def create_credential(self, app_path, body, confirm=None):
        return self.call("POST", app_path + "/credentials", "/api/apps/{org}/{catalog}/{consumer-org}/{app}/credentials",
                         expected=(201,), json=body, idempotent=False, confirm=confirm)

    def get_credential(self, path):
        return self.call("GET", path, "/api/apps/{org}/{catalog}/{consumer-org}/{app}/credentials/{credential}").body

    def update_credential(self, path, body):
        # PATCH with the same body has the same effect: safe to send again after a lost answer.
        return self.call("PATCH", path, "/api/apps/{org}/{catalog}/{consumer-org}/{app}/credentials/{credential}",
                         json=body, idempotent=True).body

    def delete_credential(self, path):
        """DELETE; a credential that is already gone counts as deleted (a re-sent DELETE after a lost answer)."""
        try:
            # 200 with the deleted credential or 204 without a body: the sources show neither for certain.
            self.call("DELETE", path, "/api/apps/{org}/{catalog}/{consumer-org}/{app}/credentials/{credential}",
                      expected=(200, 204))
        except ApiError as error:
            if error.status != 404:
                raise
            return False
        return True

    def reset(self, path, client_id_too=False):
        """A new secret (and client id) from the platform; the answer holds the plaintext. Never sent twice."""
        suffix = "/reset" if client_id_too else "/reset-client-secret"
        # 200 or 201: the sources give no code (portal code accepts any 2xx). The body carries the new secret.
        return self.call("POST", path + suffix, "/api/apps/{org}/{catalog}/{consumer-org}/{app}/credentials/{credential}" + suffix,
                         expected=(200, 201), idempotent=False).body or {}

    def verify(self, path, client_id, client_secret):
        """True when the platform accepts the pair for this credential (verify-client-secret)."""
        label = "/api/apps/{org}/{catalog}/{consumer-org}/{app}/credentials/{credential}/verify-client-secret"
        try:
            # A check, not a change: safe to send again.
            self.call("POST", path + "/verify-client-secret", label, expected=(200, 201, 204),
                      json={"client_id": client_id, "client_secret": client_secret}, idempotent=True)
        except ApiError as error:
            if error.status in VERIFY_MISMATCH_STATUSES:
                return False
            if error.status != 401 or error.path != label:
                raise  # a 401 from the login itself is never a verdict on the secret
            # 401 after a fresh login: either the platform's answer to a wrong secret (some sources suggest it) or
            # our token failing. A read with the same token tells them apart; it raises in the second case.
            self.get_credential(path)
            return False
        return True

    def settings(self):
        return self.call("GET", self.catalog_path + "/settings", "/api/catalogs/{org}/{catalog}/settings").body or {}

    def update_settings(self, body):
        return self.call("PATCH", self.catalog_path + "/settings", "/api/catalogs/{org}/{catalog}/settings",
                         json=body, idempotent=True).body or {}
