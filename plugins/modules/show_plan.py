#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
module: show_plan
short_description: Show the masked diff of a rotation task
version_added: 0.1.0
description:
  - The rotation tasks (M(apiops.credentials.uaa_rotation), M(apiops.credentials.anypoint_rotation),
    M(apiops.credentials.apic_v5_restore)) run with C(no_log), which hides their diff. This task shows the masked
    before and after they return (their C(diff)), so C(--diff) and AWX's
    "Show changes" show, per credential, what changes or would change. Secrets are never in it.
  - The rotation roles call it after their rotation task.
author:
  - apiops.credentials contributors (@apiops)
options:
  diff:
    description: The C(diff) a rotation task returned, with C(before) and C(after).
    type: dict
    required: true
extends_documentation_fragment:
  - apiops.credentials.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
"""

EXAMPLES = r"""
- name: Show what the rotation changes, masked
  apiops.credentials.show_plan:
    diff: "{{ rotation.diff }}"
  when: rotation.diff is defined
"""

RETURN = r"""
diff:
  description: The masked before and after.
  returned: always
  type: dict
"""


from ansible_collections.apiops.credentials.plugins.module_utils._common import controller_only


def main():
    controller_only("show_plan", {"diff": dict(type="dict", required=True)})


if __name__ == "__main__":
    main()
