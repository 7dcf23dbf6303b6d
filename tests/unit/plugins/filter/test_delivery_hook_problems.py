# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""delivery_hook_problems: a hook that could fail, or print the secret, is found before any platform is touched.

(A good hook, whose modules resolve through the plugin loader of a play, is checked in tests/chaos/test_findings.py.)"""

from __future__ import annotations

import pytest

from ansible_collections.apiops.credentials.plugins.filter.delivery_hook_problems import delivery_hook_problems


@pytest.mark.parametrize("text, words", [
    ("- name: [unclosed\n", "is not a tasks file Ansible can read"),
    ("", "holds no tasks"),
    ("name: not a list\n", "is not a list of tasks"),
    ("- just a string\n", "is not a task"),
    ("- name: Push\n  no.such.module_anywhere: {}\n", "task 1 (Push) does not load"),
    ("- name: Push {{ apiops_secret }}\n  ansible.builtin.debug: {msg: hi}\n", "names apiops_secret in its name"),
    ("- block:\n    - name: Inner {{ apiops_secret | length }}\n      ansible.builtin.debug: {msg: hi}\n", "task 1, block, task 1"),
])
def test_each_problem_is_named_with_its_task_and_the_fix(tmp_path, text, words):
    hook = tmp_path / "hook.yml"
    hook.write_text(text)
    problems = delivery_hook_problems(str(hook))
    assert problems and words in " ".join(problems), problems
