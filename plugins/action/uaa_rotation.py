# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Controller side of apiops.credentials.uaa_rotation: every client of one UAA server through the rotation engine.

It runs on the controller so that no secret is ever in a module file on disk or in a module result, and so that
the sink is written with the play's vault secrets.
"""

from __future__ import annotations

from ansible.utils.display import Display

from ansible_collections.apiops.credentials.plugins.module_utils._common import CONNECTION_ARGSPEC
from ansible_collections.apiops.credentials.plugins.module_utils._uaa import ROTATION_ARGSPEC, UAA_AUTH_ARGSPEC
from ansible_collections.apiops.credentials.plugins.plugin_utils import _engine
from ansible_collections.apiops.credentials.plugins.plugin_utils._rotation_action import RotationAction
from ansible_collections.apiops.credentials.plugins.plugin_utils._uaa_rotation import UaaAdapter, record_key

display = Display()

# Shared with the docs module plugins/modules/uaa_rotation.py, whose DOCUMENTATION describes it.
ARGUMENT_SPEC = dict(CONNECTION_ARGSPEC, **UAA_AUTH_ARGSPEC)
ARGUMENT_SPEC.update(ROTATION_ARGSPEC)


class ActionModule(RotationAction):
    PLATFORM = "uaa"
    ARGUMENT_SPEC = ARGUMENT_SPEC

    def input_problem(self, args):
        seen = set()
        for client in args["clients"]:
            strategy = client["strategy"] or args["strategy"]
            key = (client["identity_zone_subdomain"] or "uaa", client["client_id"])
            if key in seen:
                return "client %s is listed twice (zone %s); list each client once" % key[::-1]
            seen.add(key)
            if args["phase"] != "all" and strategy != "dual":
                return ("phase=%s needs strategy dual, but client %s uses %s: set the phase back to all, or give that "
                        "client strategy dual" % (args["phase"], client["client_id"], strategy))
            if not client["client_id"].strip() or "/" in client["client_id"]:
                return "client_id %r is not a UAA client id" % client["client_id"]
        return None

    def adapter(self, args, gate):
        return UaaAdapter(args, display.warning, gate, args["secret_length"], args["secret_chars"])

    def works(self, args):
        works = []
        for client in args["clients"]:
            zone = client["identity_zone_subdomain"] or None
            works.append(_engine.Work(args["target"], client["client_id"], record_key(zone, client["client_id"]), client,
                                      location=zone or "uaa", strategy=client["strategy"] or args["strategy"]))
        return works
