# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Controller side of apiops.credentials.anypoint_rotation: the secrets of one Anypoint organization through the engine."""

from __future__ import annotations

from ansible.utils.display import Display

from ansible_collections.apiops.credentials.plugins.module_utils._anypoint import ANYPOINT_AUTH_ARGSPEC, ROTATION_ARGSPEC
from ansible_collections.apiops.credentials.plugins.module_utils._common import CONNECTION_ARGSPEC
from ansible_collections.apiops.credentials.plugins.plugin_utils import _engine
from ansible_collections.apiops.credentials.plugins.plugin_utils._anypoint_rotation import AnypointAdapter, describe
from ansible_collections.apiops.credentials.plugins.plugin_utils._rotation_action import RotationAction

display = Display()

# Shared with the docs module plugins/modules/anypoint_rotation.py, whose DOCUMENTATION describes it.
ARGUMENT_SPEC = dict(CONNECTION_ARGSPEC, **ANYPOINT_AUTH_ARGSPEC)
ARGUMENT_SPEC.update(ROTATION_ARGSPEC)


class ActionModule(RotationAction):
    PLATFORM = "anypoint"
    ARGUMENT_SPEC = ARGUMENT_SPEC

    def input_problem(self, args):
        seen = set()
        for spec in args["targets"]:
            key = describe(spec)[2]
            if key in seen:
                return "target %s is listed twice; list each environment or connected app once" % key
            seen.add(key)
        return None

    def adapter(self, args, gate):
        return AnypointAdapter(args, display.warning, gate, revoke_tokens=args["revoke_tokens"])

    def works(self, args):
        works = []
        for spec in args["targets"]:
            location, name, key = describe(spec)
            works.append(_engine.Work(args["target"], name, key, spec, location=location, strategy="reset"))
        return works
