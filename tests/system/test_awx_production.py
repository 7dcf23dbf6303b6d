# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""AWX in production: nothing an operator needs may live only in the job's container."""

from __future__ import annotations

import os
import shutil
import uuid

import pytest

from tests.system.test_uaa_rotation import writes

BILLING = {"client_id": "billing-service", "current_secret": "b1lling-S3cret-seed-91e2d7"}


@pytest.mark.parametrize("sink_dir", [None, "workspace"])
def test_an_awx_job_refuses_a_file_sink_inside_its_container(workspace, sink_dir):
    # None: the role's default (~/.apiops/secrets, the container's home); "workspace": a temporary directory.
    workspace.inventory([BILLING], uaa_secret_rotation_sink_dir=workspace.sink_dir if sink_dir else None)
    workspace.control("requests", method="DELETE")
    for check in (True, False):
        job = workspace.job("uaa_rotate.yml", "-e", "awx_job_id=4242", check=check)
        assert job.rc != 0 and "inside this AWX job's container" in job.output, job.output[-3000:]
        assert "hashicorp_vault or aws_secrets_manager" in job.output
    assert workspace.control("requests", method="GET") == [], "the platform was contacted although nothing could be kept"
    assert not os.path.exists(os.path.join(workspace.sink_dir, "uaa"))


def test_an_awx_job_keeps_a_file_sink_on_a_persistent_volume(workspace):
    durable = os.path.join("/var/lib", "apiops-test-%s" % uuid.uuid4().hex[:12])  # outside home and temporary space
    try:
        workspace.inventory([BILLING], uaa_secret_rotation_sink_dir=durable)
        job = workspace.job("uaa_rotate.yml", "-e", "awx_job_id=4242")
        assert job.rc == 0, job.output[-3000:]
        assert os.path.exists(os.path.join(durable, "uaa", "uaa-test.vault"))
        assert len([entry for entry in writes(workspace) if entry["path"].endswith("/secret")]) == 1
    finally:
        shutil.rmtree(durable, ignore_errors=True)
