# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the apiops.credentials collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""The one thing both Anypoint modules do first: find the client (environment or connected app) and read its secret."""

from __future__ import annotations

TARGET_ARGSPEC = dict(
    environment=dict(type="str"),
    connected_app=dict(type="str"),
    business_group=dict(type="str"),
)


class Target:
    """An environment client or a connected app, with uniform read / rotate / set / verify."""

    def __init__(self, api, params, org=None, env=None):
        """``org`` and ``env`` skip their lookups when the caller has them already (many targets of one run)."""
        self.api = api
        self.org = org or api.business_group(params["business_group"])
        self.env = None
        self.app = None
        if params["environment"]:
            self.env = env or api.environment(self.org, params["environment"])
            self.client_id = self.env["clientId"]
        else:
            self.app = api.connected_app(self.org["id"], params["connected_app"])
            self.client_id = self.app["client_id"]

    def describe(self):
        info = {"client_id": self.client_id, "organization_id": self.org["id"], "business_group": self.org["name"]}
        if self.env:
            info["environment"] = {"id": self.env["id"], "name": self.env["name"], "type": self.env.get("type"),
                                   "is_production": self.env.get("isProduction")}
        else:
            info["connected_app"] = {"client_id": self.client_id, "client_name": self.app.get("client_name")}
        return info

    def secret(self, fresh=False):
        """The secret the platform holds now (``fresh`` re-reads a connected app, read once when found)."""
        if self.env:
            return self.api.client_secret(self.org["id"], self.client_id)
        if fresh:
            self.app = self.api.connected_app(self.org["id"], self.client_id)
        return self.app["client_secret"]

    def rotate(self, old_secret=None):
        """Reset: the platform makes the new secret; returns it (read back). ``old_secret``: the one read just before."""
        if self.env:
            return self.api.reset_client_secret(self.org["id"], self.client_id, old_secret)
        self.app = self.api.patch_connected_app(self.org["id"], self.app, reset=True)
        return self.app["client_secret"]

    def set(self, secret, read_back=True, resend=True):
        """Set a chosen secret; returns the secret read back (``read_back=False``: an environment's caller validates it).
        ``resend=False``: a lost answer is raised (maybe applied) for the caller to prove, never sent again."""
        if self.env:
            return self.api.set_client_secret(self.org["id"], self.client_id, secret, read_back=read_back, resend=resend)
        self.app = self.api.patch_connected_app(self.org["id"], self.app, secret=secret, resend=resend)
        return self.app["client_secret"]

    def works(self, secret):
        if self.env:
            return self.api.validate_client(self.org["id"], self.client_id, secret)
        return self.api.connected_app_secret_works(self.client_id, secret)
