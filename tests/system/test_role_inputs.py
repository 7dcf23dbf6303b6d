# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Role inputs that cannot be wrong silently: a misspelt variable or an empty list of clients stops the run."""

from __future__ import annotations

import os

from tests.system.test_uaa_rotation import writes


def test_a_misspelt_variable_stops_the_run_before_anything_is_done(workspace):
    workspace.inventory(None, uaa_secret_rotation_clents=[{"client_id": "billing-service"}],
                        uaa_secret_rotation_stratgy="dual")
    workspace.control("requests", method="DELETE")
    run = workspace.play("uaa_rotate.yml")
    assert run.rc != 0, run.output[-3000:]
    assert "unknown variable uaa_secret_rotation_clents; did you mean uaa_secret_rotation_clients?" in run.output
    assert "unknown variable uaa_secret_rotation_stratgy; did you mean uaa_secret_rotation_strategy?" in run.output
    assert workspace.control("requests", method="GET") == [], "UAA was called although the inventory had a misspelt variable"
    assert not os.path.exists(workspace.sink_dir)


def test_an_empty_list_of_clients_fails_unless_allowed(workspace):
    workspace.inventory([])
    workspace.control("requests", method="DELETE")
    refused = workspace.play("uaa_rotate.yml")
    assert refused.rc != 0, refused.output[-3000:]
    assert "uaa_secret_rotation_clients is empty for uaa-test" in refused.output
    assert "uaa_secret_rotation_allow_empty" in refused.output
    assert workspace.control("requests", method="GET") == []

    workspace.inventory([], uaa_secret_rotation_allow_empty=True)
    allowed = workspace.play("uaa_rotate.yml")
    assert allowed.rc == 0, allowed.output[-3000:]
    assert "0 clients" in allowed.output and allowed.recap("uaa-test")["changed"] == 0
    assert writes(workspace) == []
