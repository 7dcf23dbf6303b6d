# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One vocabulary (issue #22) through ansible-playbook: an engine task under the old names rotates and shows a
deprecation warning; under the new names it rotates silently; under both names of one option it fails, saying so.

Not newest_only: whether an action plugin's deprecation reaches the user is ansible-core's business, and it
changed between 2.16 and 2.19 (deprecations are captured per task since), so both legs run it.
"""

from __future__ import annotations

import os
import re

import yaml

from tests.system.test_uaa_rotation import CLIENTS

ALIAS = "Alias 'operation' is deprecated"
HOOK = "hook is deprecated: set hook_tasks to the path"
# ansible's own words: "... removed from apiops.credentials in version 1.0.0." before 2.19, "... removed from collection
# 'apiops.credentials' version 1.0.0." since.
WHERE = re.compile(r"This feature will be removed from (apiops\.credentials in|collection 'apiops\.credentials') version 1\.0\.0\.")


def playbook(workspace, no_log=True, **options):
    """A playbook of one uaa_rotation task over the workspace's UAA, with ``options`` besides its login and sink
    (``no_log`` as the roles run it: the warning must get through that too)."""
    task = {"uaa_url": "{{ uaa_url }}", "uaa_auth_client_id": "{{ uaa_auth_client_id }}",
            "uaa_auth_client_secret": "{{ uaa_auth_client_secret }}", "clients": "{{ uaa_secret_rotation_clients }}",
            "target": "{{ inventory_hostname }}", "sink_dir": "{{ uaa_secret_rotation_sink_dir }}", "max_age_days": 0}
    task.update(options)
    play = [{"name": "One engine task", "hosts": "uaa_servers", "connection": "local", "gather_facts": False,
             "vars": {"ansible_python_interpreter": "{{ ansible_playbook_python }}"},
             "tasks": [{"name": "Rotate", "apiops.credentials.uaa_rotation": task, "no_log": no_log}]}]
    path = os.path.join(workspace.path, "vocabulary-%d.yml" % len(workspace.outputs))
    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump(play, handle)
    return path  # absolute: Workspace.play joins it to playbooks/, which keeps an absolute path as it is


def one_line(output):
    """The output with ansible's line wrapping undone, so that a message can be searched as one string."""
    return " ".join(output.split())


def test_old_names_rotate_and_warn_new_names_rotate_silently(workspace):
    workspace.inventory([CLIENTS[0]])
    old = workspace.play(playbook(workspace, operation="rotate", hook=False))
    assert old.rc == 0, old.output[-3000:]
    assert old.recap("uaa-test")["changed"] == 1
    text = one_line(old.output)
    assert "[DEPRECATION WARNING]: %s" % ALIAS in text and "[DEPRECATION WARNING]: %s" % HOOK in text, old.output[-3000:]
    assert len(WHERE.findall(text)) == 2, old.output[-3000:]
    first = workspace.record("billing-service")["secret"]
    assert workspace.token_works("billing-service", first)

    new = workspace.play(playbook(workspace, state="rotate", hook_tasks=""))
    assert new.rc == 0 and new.recap("uaa-test")["changed"] == 1, new.output[-3000:]
    assert "DEPRECATION" not in new.output and "deprecated" not in new.output
    assert workspace.record("billing-service")["secret"] != first  # max_age_days 0: each run rotates


def test_both_names_of_one_option_fail_before_anything_is_done(workspace):
    workspace.inventory([CLIENTS[0]])
    workspace.control("requests", method="DELETE")
    # Without no_log, which hides a failed task's message on ansible-core before 2.19.
    both = workspace.play(playbook(workspace, no_log=False, state="rotate", operation="rollback"))
    assert both.rc != 0 and both.recap("uaa-test")["failed"] == 1
    assert "state and its deprecated alias operation are both set: give only state." in one_line(both.output), both.output[-3000:]
    assert workspace.control("requests", method="GET") == []  # the platform was not even asked
    hooks = workspace.play(playbook(workspace, no_log=False, hook=True, hook_tasks="/etc/apiops/deliver.yml"))
    assert hooks.rc != 0 and "hook_tasks and the deprecated hook are both set" in one_line(hooks.output)
