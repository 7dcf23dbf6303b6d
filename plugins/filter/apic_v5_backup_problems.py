# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""apic_v5_backup_problems: check a credential backup before anything is sent to the portal."""

from __future__ import annotations

from ansible_collections.apiops.credentials.plugins.module_utils._apic_v5 import validate_backup_rows


class FilterModule:
    def filters(self):
        return {"apic_v5_backup_problems": validate_backup_rows}
