# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""pytest fixtures for the emulators, made the same way for every platform (unit and system tests use them)."""

from __future__ import annotations

import pytest
import requests

from tests.emulators.launch import EMULATORS, serve


def reset(server):
    """Back to the emulator's seed: state, log, faults, latency, clock."""
    requests.post(server.url + "/_emulator/reset", timeout=5)
    return server


def emulator_fixtures(name):
    """``<name>_server``: the emulator, started once per session; ``<name>``: the same, back at its seed for a test."""
    if name not in EMULATORS:
        raise ValueError("no emulator named %s" % name)

    @pytest.fixture(scope="session", name=name + "_server")
    def server():
        with serve(name) as running:
            yield running

    @pytest.fixture(name=name)
    def fresh(request):
        return reset(request.getfixturevalue(name + "_server"))

    return server, fresh
