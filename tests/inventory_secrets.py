# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The secrets an inventory hands the playbooks, for the leak checks."""

from __future__ import annotations


def secret_values(data, secret=False):
    """Every string under a key that ends in secret or password (client_secret, current_secret...), at any depth."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from secret_values(value, secret or key.endswith(("secret", "password")))
    elif isinstance(data, list):
        for value in data:
            yield from secret_values(value, secret)
    elif secret and isinstance(data, str) and data:
        yield data
