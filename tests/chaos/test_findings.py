# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The last ways a credential could end wrong, each as a case: inputs found only after the platform was changed, roll
back after a crash mid-rotation, two runs on one credential with different sinks, and Anypoint's reset window.

They run in ``make test`` (each is one or two short playbook runs) and in ``make chaos``.
"""

from __future__ import annotations

import os
import socket

import pytest

from tests.chaos.matrix import UAA_CLIENTS
from tests.system.test_uaa_rotation import writes

BILLING = ("billing-service", UAA_CLIENTS["billing-service"])


def closed_port():
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def hook_file(workspace, text):
    path = os.path.join(workspace.path, "hook.yml")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
    return path


BROKEN_HOOKS = {
    "not YAML": ("- name: Deliver\n  ansible.builtin.debug: {msg: [unclosed\n", "is not a tasks file Ansible can read"),
    "not a list of tasks": ("deliver: the secret\n", "is not a list of tasks"),
    "an unknown module": ("- name: Deliver\n  acme.nowhere.deliver_secret:\n    to: consumers\n", "does not load"),
    "the secret in a task name": ("- name: Deliver {{ apiops_secret }}\n  ansible.builtin.debug:\n    msg: hidden\n",
                                  "names apiops_secret in its name"),
}


@pytest.mark.parametrize("broken", sorted(BROKEN_HOOKS))
def test_a_hook_that_cannot_run_stops_a_hard_cut_before_the_platform_is_touched(workspace, broken):
    text, words = BROKEN_HOOKS[broken]
    workspace.inventory([{"client_id": BILLING[0], "current_secret": BILLING[1]}], uaa_secret_rotation_strategy="admin",
                        uaa_secret_rotation_hook_tasks=hook_file(workspace, text))
    workspace.control("requests", method="DELETE")
    run = workspace.play("uaa_rotate.yml")
    assert run.rc != 0 and words in run.output and "Nothing was changed" in run.output, run.output[-3000:]
    assert writes(workspace) == [], "the platform was changed although the hook could never deliver"
    assert workspace.token_works(*BILLING)


@pytest.mark.parametrize("sink", ["hashicorp_vault", "aws_secrets_manager"])
def test_a_further_sink_out_of_reach_stops_a_hard_cut_before_the_platform_is_touched(workspace, sink):
    unreachable = "http://127.0.0.1:%d" % closed_port()
    settings = {"hashicorp_vault": {"uaa_secret_rotation_hashicorp_vault": {"url": unreachable, "token": "hvs.unused-token-000001"}},
                "aws_secrets_manager": {}}[sink]
    if sink == "aws_secrets_manager":
        workspace.env.update(AWS_ACCESS_KEY_ID="AKIAAPIOPSTESTING001", AWS_SECRET_ACCESS_KEY="apiops-test-unused-0001",
                             AWS_REGION="eu-central-1", AWS_ENDPOINT_URL_SECRETS_MANAGER=unreachable)
    workspace.inventory([{"client_id": BILLING[0], "current_secret": BILLING[1]}], uaa_secret_rotation_strategy="admin",
                        uaa_secret_rotation_deliver_to=[sink], uaa_retries=0, uaa_request_timeout=2, **settings)
    workspace.control("requests", method="DELETE")
    run = workspace.play("uaa_rotate.yml")
    assert run.rc != 0, run.output[-3000:]
    assert ("HashiCorp Vault" if sink == "hashicorp_vault" else "AWS Secrets Manager") in run.output, run.output[-3000:]
    assert writes(workspace) == [], "the platform was changed although the further sink could not take the secret"
    assert workspace.token_works(*BILLING)
    assert not os.path.exists(os.path.join(workspace.sink_dir, "uaa", "uaa-test.vault")), "nothing is journaled either"
