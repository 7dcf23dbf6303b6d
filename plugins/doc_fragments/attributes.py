# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying target.
  diff_mode:
    description: Returns details on what has changed (or possibly needs changing in check mode), with secrets masked.
"""

    INFO_MODULE = r"""
options: {}
attributes:
  check_mode:
    support: full
    details:
      - This action does not modify state.
  diff_mode:
    support: N/A
    details:
      - This action does not modify state.
"""

    # One action-group attribute block per platform (sanity reads doc fragments as string literals).
    UAA_GROUP = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/apiops.credentials.uaa) or C(group/apiops.credentials.all) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - apiops.credentials.all
      - apiops.credentials.uaa
"""

    APIC_GROUP = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/apiops.credentials.apic) or C(group/apiops.credentials.all) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - apiops.credentials.all
      - apiops.credentials.apic
"""

    APIC_V5_GROUP = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/apiops.credentials.apic_v5) or C(group/apiops.credentials.all) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - apiops.credentials.all
      - apiops.credentials.apic_v5
"""

    ANYPOINT_GROUP = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/apiops.credentials.anypoint) or C(group/apiops.credentials.all) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - apiops.credentials.all
      - apiops.credentials.anypoint
"""
