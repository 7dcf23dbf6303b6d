# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One vocabulary (issue #22) in the modules: secret and state; the old names client_secret and operation still work,
with a deprecation warning in the result, and a task that gives both names of one option fails.

Over real HTTP to the emulators, through main()."""

from __future__ import annotations

import contextlib
import json
from unittest import mock

from ansible.module_utils.common import warnings

try:
    from ansible.module_utils import _internal as module_utils_internal
except ImportError:  # ansible-core before 2.19
    module_utils_internal = None

from ansible_collections.apiops.credentials.plugins.modules import anypoint_client_secret, apic_app_credential
from ansible_collections.apiops.credentials.plugins.modules import apic_v5_portal_credential
from tests.unit.conftest import APIC_LOGIN, run_module
from tests.unit.plugins.modules.test_anypoint_client_secret import SANDBOX_SECRET
from tests.unit.plugins.modules.test_anypoint_client_secret import args as anypoint_args
from tests.unit.plugins.modules.test_apic_v5_portal_credential import ORIGINAL_ID, ORIGINAL_SECRET
from tests.unit.plugins.modules.test_apic_v5_portal_credential import args as v5_args


def run(main, args, capsys, **kwargs):
    """run_module as on a target: without the warnings of an earlier in-process run (ansible keeps a module's in a
    process-wide list), and, on ansible-core 2.19 and later, with the deprecations in the result even when this test
    process has imported controller code (which makes ansible send them to the controller's display instead)."""
    warnings._global_deprecations.clear()  # pylint: disable=protected-access
    warnings._global_warnings.clear()  # pylint: disable=protected-access
    on_target = mock.patch.object(module_utils_internal, "is_controller", False) if module_utils_internal else contextlib.nullcontext()
    with on_target:
        return run_module(main, args, capsys, **kwargs)


def deprecations(result):
    """The deprecation messages of a module's result, each checked to name this collection and release 1.0.0."""
    found = []
    for entry in result.get("deprecations") or []:
        # ansible-core 2.19 and later return each as a serialized DeprecationSummary, with the message in its event
        # and the collection in its deprecator; earlier ones as a flat dict.
        collection = entry.get("collection_name") or (entry.get("deprecator") or {}).get("resolved_name")
        assert entry.get("version") == "1.0.0" and collection == "apiops.credentials", entry
        found.append(entry.get("msg") or entry["event"]["msg"])
    return found


def test_anypoint_state_is_silent_and_operation_still_works(anypoint, capsys):
    new = run(anypoint_client_secret.main, anypoint_args(anypoint, environment="Sandbox", state="verify",
                                                         secret=SANDBOX_SECRET), capsys)
    assert new["secret_valid"] and not new["changed"] and deprecations(new) == []
    old = run(anypoint_client_secret.main, anypoint_args(anypoint, environment="Sandbox", operation="verify",
                                                         secret=SANDBOX_SECRET), capsys)
    assert old["secret_valid"] and not old["changed"]
    assert deprecations(old) == ["Alias 'operation' is deprecated. See the module docs for more information"]


def test_anypoint_state_and_operation_together_fail(anypoint, capsys):
    both = run(anypoint_client_secret.main, anypoint_args(anypoint, environment="Sandbox", state="verify", operation="rotate",
                                                          secret=SANDBOX_SECRET), capsys)
    assert both["failed"] and both["msg"] == "state and its deprecated alias operation are both set: give only state."


def test_v5_secret_is_silent_and_client_secret_still_works_masked(apic_v5, capsys):
    task = dict(org="acme-dev", app="orders-app", client_id=ORIGINAL_ID)
    new = run(apic_v5_portal_credential.main, v5_args(apic_v5, secret=ORIGINAL_SECRET, **task), capsys, check_mode=True)
    assert new["changed"] and deprecations(new) == []
    old = run(apic_v5_portal_credential.main, v5_args(apic_v5, client_secret=ORIGINAL_SECRET, **task), capsys)
    assert old["changed"] and old["client_id"] == ORIGINAL_ID
    assert deprecations(old) == ["Alias 'client_secret' is deprecated. See the module docs for more information"]
    assert ORIGINAL_SECRET not in json.dumps(old)  # the old name is as secret as the new one
    again = run(apic_v5_portal_credential.main, v5_args(apic_v5, secret=ORIGINAL_SECRET, **task), capsys)
    assert not again["changed"] and deprecations(again) == []


def test_v5_operation_still_works(apic_v5, capsys):
    old = run(apic_v5_portal_credential.main, v5_args(apic_v5, org="acme-dev", app="billing-app", operation="reset"),
              capsys, check_mode=True)
    assert old["changed"] and deprecations(old) == ["Alias 'operation' is deprecated. See the module docs for more information"]


def test_v5_both_names_fail(apic_v5, capsys):
    both = run(apic_v5_portal_credential.main, v5_args(apic_v5, org="acme-dev", app="orders-app", client_id=ORIGINAL_ID,
                                                       secret=ORIGINAL_SECRET, client_secret=ORIGINAL_SECRET), capsys)
    assert both["failed"] and both["msg"] == "secret and its deprecated alias client_secret are both set: give only secret."
    assert ORIGINAL_SECRET not in json.dumps(both)


def test_apic_client_secret_still_works_and_warns(apic, capsys):
    where = dict(APIC_LOGIN, apic_url=apic.url, retries=2, consumer_org="TestCOrg", app="fresh-app", name="second")
    created = run(apic_app_credential.main, dict(where, secret="Unit-Test-S3cret-for-apic-v10-31"), capsys)
    assert created["changed"] and created["secret_proven"] and deprecations(created) == []
    old = run(apic_app_credential.main, dict(where, state="verify", client_secret="Unit-Test-S3cret-for-apic-v10-31"), capsys)
    assert old["secret_valid"] is True
    assert deprecations(old) == ["Alias 'client_secret' is deprecated. See the module docs for more information"]
    assert "Unit-Test-S3cret-for-apic-v10-31" not in json.dumps(old)
    both = run(apic_app_credential.main, dict(where, secret="a-secret-0000000000000000000000", client_secret="b-secret-0000000000000000000000"), capsys)
    assert both["failed"] and both["msg"] == "secret and its deprecated alias client_secret are both set: give only secret."
