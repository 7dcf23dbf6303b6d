# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""API Connect v5 pure functions: the secret hash, the plan, name resolution, backup validation."""

from __future__ import annotations

import pytest

from ansible_collections.apiops.credentials.plugins.module_utils._apic_v5 import (
    find_one,
    hash_secret,
    looks_hashed,
    plan_credential,
    validate_backup_rows,
)

GOOD = {"org": "acme", "app": "orders", "client_id": "0ec9010b", "client_secret": "a-plain-secret"}


def test_hash_matches_the_documented_example():
    # seed 004: printf SECRET | shasum -a 256 | cut -d " " -f 1 | xxd -r -p | base64
    assert hash_secret("jM2kG1eI5aF4aQ4qW1hH7wT4hK5sG3oB6sL2pV0rW8aR4rG8bT") == "ZFGcgrXetduo6x41snstOV4HBITAej8gXODfGkJPaoE="


def test_looks_hashed():
    assert looks_hashed("ZFGcgrXetduo6x41snstOV4HBITAej8gXODfGkJPaoE=")
    assert not looks_hashed("jM2kG1eI5aF4aQ4qW1hH7wT4hK5sG3oB6sL2pV0rW8aR4rG8bT")
    assert not looks_hashed("Z" * 43 + "!")


@pytest.mark.parametrize("current, update, expected", [
    ("old-id", "on_change_of_client_id", True),
    ("new-id", "on_change_of_client_id", False),
    ("new-id", "always", True),
])
def test_plan_credential(current, update, expected):
    assert plan_credential(current, "new-id", update)[0] is expected


def test_find_one_by_id_or_unique_name():
    items = [{"id": "1", "name": "a"}, {"id": "2", "name": "b"}, {"id": "3", "name": "b"}]
    assert find_one(items, "1", "app", "org")["name"] == "a"
    assert find_one(items, "a", "app", "org")["id"] == "1"
    with pytest.raises(ValueError, match="2 apps are named b in org: use the app id instead"):
        find_one(items, "b", "app", "org")
    with pytest.raises(ValueError, match="no app named c in org"):
        find_one(items, "c", "app", "org")


def test_a_good_backup_has_no_problems():
    assert validate_backup_rows([GOOD, dict(GOOD, app="billing", client_secret=None,
                                            client_secret_hash="ZFGcgrXetduo6x41snstOV4HBITAej8gXODfGkJPaoE=")]) == []


def test_each_bad_row_gets_a_clear_message_without_its_secret():
    rows = [
        dict(GOOD, client_secret=""),
        dict(GOOD, app="x", client_secret_hash="ZFGcgrXetduo6x41snstOV4HBITAej8gXODfGkJPaoE="),
        {"org": "acme", "client_id": "c", "client_secret": "s3cr3t-value"},
        dict(GOOD, app="y", client_secret=None, client_secret_hash="not-a-hash"),
        GOOD,
        dict(GOOD, extra="?"),
        "a string",
    ]
    problems = validate_backup_rows(rows)
    assert "row 1 (acme/orders): the secret is missing (give client_secret or client_secret_hash)" in problems
    assert "row 2 (acme/x): give client_secret or client_secret_hash, not both" in problems
    assert "row 3 (acme/?): app is missing" in problems
    assert "row 4 (acme/y): client_secret_hash is not a Base64 SHA-256 digest (44 characters)" in problems
    assert "row 5 (acme/orders): duplicate of row 1 (same org, app and credential)" in problems
    assert "row 6 (acme/orders): unknown keys extra" in problems
    assert "row 7: must be a mapping" in problems
    assert "s3cr3t-value" not in " ".join(problems) and "a-plain-secret" not in " ".join(problems)
    assert validate_backup_rows({"not": "a list"})[0].startswith("the backup must be a list")
