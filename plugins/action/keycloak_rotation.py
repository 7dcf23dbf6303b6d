# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Controller side of apiops.credentials.keycloak_rotation: the client secrets of one Keycloak realm through the engine."""

from __future__ import annotations

from ansible.utils.display import Display

from ansible_collections.apiops.credentials.plugins.module_utils._common import CONNECTION_ARGSPEC
from ansible_collections.apiops.credentials.plugins.module_utils._keycloak import KEYCLOAK_AUTH_ARGSPEC, ROTATION_ARGSPEC, login_problem
from ansible_collections.apiops.credentials.plugins.plugin_utils import _engine
from ansible_collections.apiops.credentials.plugins.plugin_utils._keycloak_rotation import KeycloakAdapter, record_key
from ansible_collections.apiops.credentials.plugins.plugin_utils._rotation_action import RotationAction

display = Display()

# Shared with the docs module plugins/modules/keycloak_rotation.py, whose DOCUMENTATION describes it.
ARGUMENT_SPEC = dict(CONNECTION_ARGSPEC, **KEYCLOAK_AUTH_ARGSPEC)
ARGUMENT_SPEC.update(ROTATION_ARGSPEC)


class ActionModule(RotationAction):
    PLATFORM = "keycloak"
    ARGUMENT_SPEC = ARGUMENT_SPEC

    def input_problem(self, args):
        if not args["keycloak_realm"]:
            return "keycloak_realm is not set: give the realm of the clients (or APIOPS_KEYCLOAK_REALM)"
        problem = login_problem(args)
        if problem:
            return problem
        seen = set()
        for client in args["clients"]:
            if not client["client_id"].strip():
                return "client_id %r is not a Keycloak clientId" % client["client_id"]
            if client["client_id"] in seen:
                return "client %s is listed twice; list each client once" % client["client_id"]
            seen.add(client["client_id"])
        return None

    def adapter(self, args, gate):
        return KeycloakAdapter(args, display.warning, gate)

    def works(self, args):
        realm = args["keycloak_realm"]
        return [_engine.Work(args["target"], client["client_id"], record_key(realm, client["client_id"]), client,
                             location=realm, strategy="reset") for client in args["clients"]]
