# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Pure UAA planning functions: normalising, comparing, and choosing the /secret call."""

from __future__ import annotations

import pytest

from ansible_collections.apiops.credentials.plugins.module_utils._uaa import (
    as_set,
    creation_defaults,
    desired_client,
    normalise_client,
    plan_client_update,
    plan_secret,
    secret_diff,
    validate_secret,
)


def test_as_set_accepts_lists_and_uaa_strings():
    assert as_set(["b", "a", "a"]) == ["a", "b"]
    assert as_set("a,b c") == ["a", "b", "c"]
    assert as_set(True) == ["true"]
    assert as_set(None) is None


def test_desired_adds_refresh_token_like_uaa():
    assert desired_client({"authorized_grant_types": ["authorization_code"]})["authorized_grant_types"] == [
        "authorization_code", "refresh_token"]
    assert desired_client({"authorized_grant_types": ["client_credentials"]})["authorized_grant_types"] == ["client_credentials"]


def test_order_and_duplicates_are_not_changes():
    current = normalise_client({"client_id": "x", "authorities": ["b.write", "a.read"], "scope": ["uaa.none"],
                                "lastModified": 1, "resource_ids": ["none"]})
    assert plan_client_update(current, desired_client({"authorities": ["a.read", "b.write", "a.read"]})) == {}


def test_a_removed_item_is_a_change_sent_as_the_whole_list():
    current = normalise_client({"client_id": "x", "authorities": ["a", "b"]})
    assert plan_client_update(current, desired_client({"authorities": ["a"]})) == {"authorities": (["a", "b"], ["a"])}


def test_unmanaged_fields_are_left_alone():
    current = normalise_client({"client_id": "x", "authorities": ["a"], "name": "old"})
    assert plan_client_update(current, desired_client({"name": "old"})) == {}


def test_creation_defaults_match_uaa():
    created = creation_defaults({"authorized_grant_types": ["client_credentials"]})
    assert created["scope"] == ["uaa.none"] and created["authorities"] == ["uaa.none"] and created["resource_ids"] == ["none"]


@pytest.mark.parametrize("secret, ok", [("", False), ("   ", False), (" padded ", False), ("good-secret", True), (None, True)])
def test_validate_secret(secret, ok):
    assert (validate_secret(secret) is None) is ok


@pytest.mark.parametrize("mode, new_works, old_given, old_works, expected", [
    ("update", False, False, False, "UPDATE"),
    ("update", True, False, False, None),
    ("update", True, True, True, "UPDATE"),
    ("update", True, True, False, None),
    ("add", False, False, False, "ADD"),
    ("add", True, True, True, None),
    ("delete_old", True, True, True, "DELETE"),
    ("delete_old", True, True, False, None),
])
def test_plan_secret(mode, new_works, old_given, old_works, expected):
    assert plan_secret(mode, new_works, old_given, old_works) == expected


def test_delete_old_refuses_when_new_secret_does_not_work():
    with pytest.raises(ValueError, match="does not authenticate"):
        plan_secret("delete_old", False, True, True)


def test_secret_diff_is_masked():
    before, after = secret_diff("ADD")
    assert before == ["********"] and after == ["********", "******** (new)"]
