# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""rotation_plan: what a rotation should do next for one credential, from its sink record (the engine's policy)."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.apiops.credentials.plugins.plugin_utils import _engine


def plan_rotation(record, max_age_days=90, rotate_before=None, phase="all", now=None):
    """The rotation engine's decision (``plugin_utils/_engine.py`` plan_rotation) for roles written in YAML."""
    try:
        return _engine.plan_rotation(record, max_age_days, rotate_before, phase, now)
    except _engine.PolicyError as error:
        raise AnsibleFilterError(str(error))


class FilterModule:
    def filters(self):
        return {"rotation_plan": plan_rotation}
