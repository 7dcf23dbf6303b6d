# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Variables with a role's prefix that the role does not know, against the roles' own argument specs."""

from __future__ import annotations

import os

import pytest
import yaml

from ansible.errors import AnsibleFilterError

from ansible_collections.apiops.credentials.plugins.filter.role_variable_problems import FilterModule, role_variable_problems

ROLES = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "roles")
ROTATION_ROLES = ("uaa_secret_rotation", "anypoint_secret_rotation", "apic_v5_credential_restore", "apic_credential_rotation")


def spec(role):
    with open(os.path.join(ROLES, role, "meta", "argument_specs.yml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def test_a_misspelt_list_of_clients_is_named_with_the_right_name():
    assert role_variable_problems(["uaa_secret_rotation_clents"], spec("uaa_secret_rotation")) == [
        "unknown variable uaa_secret_rotation_clents; did you mean uaa_secret_rotation_clients?"]


def test_every_unknown_name_gets_a_message_in_name_order():
    problems = role_variable_problems(["anypoint_secret_rotation_targts", "anypoint_secret_rotation_sink",
                                       "anypoint_secret_rotation_max_age"], spec("anypoint_secret_rotation"))
    assert problems == ["unknown variable anypoint_secret_rotation_max_age; did you mean anypoint_secret_rotation_max_age_days?",
                        "unknown variable anypoint_secret_rotation_targts; did you mean anypoint_secret_rotation_targets?"]


def test_a_name_like_no_option_gets_no_guess():
    # Compared after the shared prefix: otherwise every name of the role would look close to every other.
    assert role_variable_problems(["apic_credential_rotation_colour"], spec("apic_credential_rotation")) == [
        "unknown variable apic_credential_rotation_colour; the role has no option like it."]


def test_a_misspelt_consumer_org_is_caught():
    assert role_variable_problems(["apic_credential_rotation_consumer_orgs"], spec("apic_credential_rotation")) == [
        "unknown variable apic_credential_rotation_consumer_orgs; did you mean apic_credential_rotation_consumer_org?"]


def test_outputs_are_known_and_options_of_every_entry_point_count():
    entry_points = {"argument_specs": {"main": {"options": {"x_role_a": {}}}, "audit": {"options": {"x_role_only_audit": {}}},
                                       "rollback": {"short_description": "no options"}}}
    assert role_variable_problems(["x_role_a", "x_role_only_audit", "x_role_findings"], entry_points, outputs=["x_role_findings"]) == []
    assert role_variable_problems(["x_role_findings"], entry_points["argument_specs"]) == [
        "unknown variable x_role_findings; the role has no option like it."]


def test_bad_input_is_refused_with_a_message():
    with pytest.raises(AnsibleFilterError, match="list of variable names"):
        role_variable_problems("uaa_secret_rotation_clents", spec("uaa_secret_rotation"))
    with pytest.raises(AnsibleFilterError, match="argument spec"):
        role_variable_problems(["uaa_secret_rotation_clents"], "roles/uaa_secret_rotation/meta/argument_specs.yml")


def test_the_filter_is_registered():
    assert FilterModule().filters()["role_variable_problems"] is role_variable_problems
