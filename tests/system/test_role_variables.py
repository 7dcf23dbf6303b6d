# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Playbooks written against the previous release keep working, and the host variables <platform>_<option> fill
options: the examples of the roles' READMEs as they were (module_defaults and role parameters), and the generic role
with nothing but host variables."""

from __future__ import annotations

import os

from tests.system.test_apic_rotation import apic_inventory
from tests.system.test_apic_rotation import writes as apic_writes

BILLING = ("billing-service", "b1lling-S3cret-seed-91e2d7")
ADMIN_SECRET = "adm1n-S3cret-seed-7f3a9c"

# roles/uaa_secret_rotation/README.md's example, as the previous release printed it.
UAA_README_EXAMPLE = """
- hosts: uaa_servers
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  module_defaults:
    group/apiops.credentials.uaa:
      uaa_url: "{{ uaa_url }}"
      uaa_auth_client_id: admin
      uaa_auth_client_secret: "{{ vault_uaa_admin_secret }}"
  roles:
    - role: apiops.credentials.uaa_secret_rotation
      uaa_secret_rotation_clients:
        - client_id: billing-service
"""

# roles/apic_credential_rotation/README.md's example, as the previous release printed it.
APIC_README_EXAMPLE = """
- hosts: apic_catalogs
  connection: local
  gather_facts: false
  module_defaults:
    group/apiops.credentials.apic:
      apic_url: "{{ apic_url }}"
      apic_org: "{{ apic_org }}"
      apic_catalog: "{{ apic_catalog }}"
      apic_username: "{{ apic_username }}"
      apic_password: "{{ vault_apic_password }}"
      apic_realm: provider/default-idp-2
  roles:
    - role: apiops.credentials.apic_credential_rotation
"""

GENERIC = """
- hosts: uaa_servers
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
  tasks:
    - name: Rotate
      ansible.builtin.include_role:
        name: apiops.credentials.rotation
      vars:
        rotation_platform: uaa
"""


def playbook(workspace, name, text):
    path = os.path.join(workspace.path, name)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path


def rotated(workspace):
    record = workspace.record(BILLING[0])
    return record["secret"] != BILLING[1] and workspace.token_works(BILLING[0], record["secret"]) and \
        not workspace.token_works(*BILLING)


def test_the_uaa_role_readme_example_of_the_previous_release(workspace):
    # module_defaults win over host variables: the inventory's login is wrong, the play's is right.
    workspace.inventory(None, uaa_auth_client_secret="not-the-admin-secret", vault_uaa_admin_secret=ADMIN_SECRET)
    path = playbook(workspace, "example.yml", UAA_README_EXAMPLE)
    run = workspace.play(path)
    assert run.rc == 0, run.output[-3000:]
    assert "DEPRECATION" not in run.output, "the roles pass a deprecated option name"
    assert rotated(workspace)
    again = workspace.play(path)
    assert again.rc == 0 and again.recap("uaa-test")["changed"] == 0, again.output[-3000:]


def test_the_generic_role_reads_host_variables_of_the_platform(workspace):
    workspace.inventory(None, uaa_secret_rotation_clients=None, uaa_secret_rotation_sink_dir=None,
                        uaa_clients=[{"client_id": BILLING[0], "current_secret": BILLING[1]}], uaa_sink_dir=workspace.sink_dir,
                        uaa_strategy="dual", uaa_report_dir=os.path.join(workspace.path, "host-var-reports"))
    path = playbook(workspace, "generic.yml", GENERIC)
    dry = workspace.play(path, "--check")
    assert dry.rc == 0, dry.output[-3000:]
    assert os.path.exists(os.path.join(workspace.path, "host-var-reports", "uaa-test-plan.json")), "uaa_report_dir was not read"
    assert not os.path.exists(workspace.sink_dir), "the dry run wrote the sink"
    run = workspace.play(path)
    assert run.rc == 0, run.output[-3000:]
    assert "DEPRECATION" not in run.output and "WARNING" not in run.output, run.output[-3000:]
    assert rotated(workspace)
    assert workspace.control("state", method="GET")["clients"]["uaa"][BILLING[0]]["secret_count"] == 1  # dual: added, then retired
    assert '"strategy": "dual"' in open(os.path.join(workspace.path, "host-var-reports", "uaa-test-report.json"), encoding="utf-8").read()


def test_the_apic_role_readme_example_of_the_previous_release(workspace):
    apic_inventory(workspace, vault_apic_password="Pr0vider-Adm1n-Passw0rd-v10", apic_password="not-the-password",
                   apic_credential_rotation_delivery_tasks="")
    path = playbook(workspace, "apic-example.yml", APIC_README_EXAMPLE)
    run = workspace.play(path)
    assert run.rc == 0, run.output[-3000:]
    assert any(entry["method"] == "POST" for entry in apic_writes(workspace)), "nothing was rotated"
    again = workspace.play(path)
    assert again.rc == 0 and again.recap("sandbox")["changed"] == 0, again.output[-3000:]


TASK_ALONE = """
- name: The rotation task alone, as its documentation's example runs it
  hosts: uaa_servers
  connection: local
  gather_facts: false
  tasks:
    - name: Rotate from the host variables
      apiops.credentials.rotation:
        platform: uaa
      register: rotation
      no_log: true
    - name: Show what it did
      ansible.builtin.debug:
        msg: "{{ rotation.msg | default('') }} check_hooks={{ rotation.check_hooks | default(false) }}"
"""


def test_the_task_alone_runs_even_where_the_variables_name_a_delivery_hook(workspace):
    """The role checks the hook and calls the task twice; a play that calls the task itself gets the rotation done
    (the hook is the role's to run: the task alone never runs it)."""
    workspace.inventory([{"client_id": BILLING[0], "current_secret": BILLING[1]}],
                        uaa_secret_rotation_hook_tasks=os.path.join(workspace.path, "no-hook-here.yml"))
    run = workspace.play(playbook(workspace, "task.yml", TASK_ALONE))
    assert run.rc == 0 and "check_hooks=False" in run.output, run.output[-3000:]
    assert workspace.record(BILLING[0])["secret"] != BILLING[1], "the task alone did nothing"
