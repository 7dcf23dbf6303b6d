# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The API Connect v5 adapter of the engine over real HTTP to the v5 portal emulator."""

from __future__ import annotations

import pytest

from ansible.errors import AnsibleActionFail

from ansible_collections.apiops.credentials.plugins.module_utils._apic_v5 import ApicV5Api, hash_secret
from ansible_collections.apiops.credentials.plugins.module_utils._http import ApiError
from ansible_collections.apiops.credentials.plugins.plugin_utils._apic_v5_rotation import ApicV5Adapter, describe
from ansible_collections.apiops.credentials.plugins.plugin_utils._engine import ApiContext, Engine, Work
from ansible_collections.apiops.credentials.plugins.plugin_utils._vault_sink import RecordFile, VaultSink
from tests.unit.conftest import control

ROWS = [{"org": "acme-dev", "app": "orders-app", "client_id": "0ec9010b-11d5-4459-8e9f-2695459c9ed5"},
        {"org": "acme-dev", "app": "billing-app", "client_id": "11111111-2222-3333-4444-555555555555"}]


def params(server):
    return dict(apic_v5_url=server.url, apic_v5_username="owner-acme", apic_v5_password="acme-0wner-Passw0rd-v5-11",
                apic_v5_context="myOrg.myCatalog", validate_certs=True, ca_path=None, request_timeout=5, retries=1)


def work(row):
    location, name, key = describe(row)
    return Work("v5-test", name, key, dict(row), location=location, strategy="restore")


def test_the_restore_decision_reads_the_app_after_the_lists_another_run_may_have_changed(apic_v5):
    adapter = ApicV5Adapter(params(apic_v5), warn=lambda message: None, rate_gate=None)
    orders, billing = work(ROWS[0]), work(ROWS[1])
    before = adapter.current_id(orders), adapter.current_id(billing)  # the org and app lists are read and kept
    assert ROWS[0]["client_id"] not in before

    # Another run restores orders-app while this one works on billing-app (it holds only billing-app's lock).
    other = ApicV5Api(ApiContext(params(apic_v5), lambda message: None))
    org = next(o for o in other.orgs() if o["name"] == "acme-dev")
    app = next(a for a in other.apps(org["id"]) if a["name"] == "orders-app")
    other.set_credential(org["id"], app["id"], None, ROWS[0]["client_id"], hash_secret("a-restored-secret-value-01"))

    # Once this run takes orders-app's lock, it must see that restore, or it would put the value in a second time.
    assert adapter.current_id(orders) == ROWS[0]["client_id"]


# ---- the requests a restore costs, through the engine ------------------------------------------------------------
ORG_ID = "5cb59c800cf2ee801253c6e9"  # acme-dev in tests/emulators/seeds/apic_v5.json
APP_IDS = {"orders-app": "5cb59e420cf2ee801253c6f3", "billing-app": "5cb59e420cf2ee801253c6f4"}
BACKUP = [dict(ROWS[0], client_secret="Orig1nal-Orders-Secret-value-0001"),
          dict(ROWS[1], client_secret="Orig1nal-Billing-Secret-value-002")]


@pytest.fixture
def store(tmp_path):
    password = tmp_path / "password"
    password.write_text("unit-test-vault-password\n")
    return RecordFile(VaultSink(None, str(password)), str(tmp_path / "sink.vault"))


def restore(server, store, rows, probe=True):
    adapter = ApicV5Adapter(params(server), warn=lambda message: None, rate_gate=None,
                            gateway_probe_url=server.url + "/gateway/myOrg/myCatalog/ping" if probe else None)
    engine = Engine(adapter, store, {"operation": "restore", "update_secret": "on_change_of_client_id"}, concurrency=2,
                    errors=(ApiError, AnsibleActionFail))
    return engine.run([work(row) for row in rows])


def requests_per_app(server):
    """The request log as (method, what) per application, and the requests of no single application."""
    per_app, shared = {}, []
    for entry in control(server, "requests", method="GET"):
        app = next((name for name, app_id in APP_IDS.items() if entry["path"].endswith(app_id)
                    or entry["path"].endswith(app_id + "/credentials")), None)
        if app:
            per_app.setdefault(app, []).append((entry["method"], "credentials" if entry["path"].endswith("/credentials") else "app"))
        else:
            shared.append((entry["method"], entry["path"]))
    return per_app, shared


def test_a_proven_restore_costs_the_decision_read_the_put_and_one_gateway_call(apic_v5, store):
    done = restore(apic_v5, store, BACKUP)
    assert [w.result for w in done] == ["restored", "restored"], [w.error for w in done]
    per_app, shared = requests_per_app(apic_v5)
    # The app is read once its lock is held (the decision), the PUT names the client id, and the gateway accepts the
    # client id with the secret: that call proves both, so the app is not read back a second time.
    assert per_app == {name: [("GET", "app"), ("PUT", "credentials")] for name in APP_IDS}
    assert sorted(shared) == [("GET", "/gateway/myOrg/myCatalog/ping")] * 2 + [
        ("GET", "/v1/portal/orgs"), ("GET", "/v1/portal/orgs/%s/apps" % ORG_ID)]
    for row in BACKUP:
        assert control(apic_v5, "check_credentials", {"client_id": row["client_id"], "client_secret": row["client_secret"]})["valid"]


def test_a_restore_the_gateway_cannot_prove_reads_the_client_id_back(apic_v5, store):
    # Only the hash is known, or no gateway API is named: the portal's own view of the app is the only proof of the PUT.
    hashed = dict(ROWS[1], client_secret_hash=hash_secret("Orig1nal-Billing-Secret-value-002"))
    done = restore(apic_v5, store, [hashed])
    assert done[0].result == "restored (unproven)", done[0].error
    assert requests_per_app(apic_v5)[0] == {"billing-app": [("GET", "app"), ("PUT", "credentials"), ("GET", "app")]}

    control(apic_v5, "reset")
    done = restore(apic_v5, store, [BACKUP[0]], probe=False)
    assert done[0].result == "restored (unproven)", done[0].error
    assert requests_per_app(apic_v5)[0] == {"orders-app": [("GET", "app"), ("PUT", "credentials"), ("GET", "app")]}


def test_a_secret_the_gateway_rejects_is_told_apart_from_a_client_id_that_did_not_take(apic_v5, store):
    # A portal that hashes what it gets: the client id took, the secret is wrong for the gateway. The app is read back
    # then, so the message that says the client id is in place is true.
    control(apic_v5, "config", {"default_put_secret": "plaintext"})
    done = restore(apic_v5, store, [BACKUP[0]])
    assert done[0].result == "failed" and "has the backup's client id, but the gateway rejects" in done[0].error
    assert requests_per_app(apic_v5)[0] == {"orders-app": [("GET", "app"), ("PUT", "credentials"), ("GET", "app")]}


def test_a_put_answer_the_portal_does_not_show_fails_the_restore(apic_v5, store):
    # The PUT is answered as done but nothing changed: the gateway rejects the pair, and the read back says why.
    control(apic_v5, "faults", {"method": "PUT", "path": "/credentials$", "count": 1, "status": 200,
                                "body": {"clientID": BACKUP[0]["client_id"], "clientSecret": "*" * 44}})
    done = restore(apic_v5, store, [BACKUP[0]])
    assert done[0].result == "failed" and "but shows client id a1b2c3d4-new1" in done[0].error, done[0].error
    assert store.get(describe(BACKUP[0])[2])["state"] == "pending"  # a re-run finishes it
    again = restore(apic_v5, RecordFile(store.sink, store.path), [BACKUP[0]])
    assert again[0].result == "restored", again[0].error


def test_a_roll_back_to_another_client_id_is_proven_with_that_client_id(apic_v5, store):
    # A second restore changed the client id; the roll back puts the first value back, and the gateway call that
    # proves it sends the client id put back, not the row's (the one it replaced).
    first = BACKUP[0]
    second = dict(first, client_id="22222222-3333-4444-5555-666666666666", client_secret="Second-Orders-Secret-value-0002")
    assert restore(apic_v5, store, [first])[0].result == "restored"
    assert restore(apic_v5, RecordFile(store.sink, store.path), [second])[0].result == "restored"
    adapter = ApicV5Adapter(params(apic_v5), warn=lambda message: None, rate_gate=None,
                            gateway_probe_url=apic_v5.url + "/gateway/myOrg/myCatalog/ping")
    back = Engine(adapter, RecordFile(store.sink, store.path), {"operation": "rollback"},
                  errors=(ApiError, AnsibleActionFail)).run([work(second)])[0]
    assert back.result == "rolled back", back.error
    assert control(apic_v5, "check_credentials", {"client_id": first["client_id"], "client_secret": first["client_secret"]})["valid"]
    record = RecordFile(store.sink, store.path).get(describe(first)[2])
    assert (record["client_id"], record["previous_client_id"]) == (first["client_id"], second["client_id"])
