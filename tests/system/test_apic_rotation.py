# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""playbooks/apic_rotate.yml end to end against the API Connect v10 emulator."""

from __future__ import annotations

import json
import os
import re

import pytest

from ansible_collections.apiops.credentials.plugins.plugin_utils._plan import plan_digest

from tests.emulators.framework import load_seed
from tests.emulators.launch import SEEDS


# The collection's own logic, the same on every ansible-core: run on the newest leg (make test's oldest leg skips it).
pytestmark = pytest.mark.newest_only

DELIVERY_TASKS = """---
# A delivery step as an operator would write it: here it records which credentials to hand over (no secrets).
- name: Read the sink
  apiops.credentials.vault_file_secret:
    path: "{{ apic_credential_rotation_sink_path }}"
  register: sink
  no_log: true

- name: Record what would be handed over
  ansible.builtin.copy:
    content: "{{ apic_credential_rotation_delivered | map(attribute='new_credential') | sort | to_json }}"
    dest: "{{ delivery_record }}"
    mode: "0600"
  when: sink.record.credentials[apic_credential_rotation_delivered[0].sink_key].client_secret | length == 32
  no_log: true
"""


def apic_inventory(workspace, **extra):
    server = workspace.emulators["apic"]
    delivery = os.path.join(workspace.path, "deliver.yml")
    with open(delivery, "w", encoding="utf-8") as handle:
        handle.write(DELIVERY_TASKS)
    host = {
        "apic_url": server.url, "apic_org": "acme", "apic_catalog": "sandbox",
        "apic_username": "apiops-admin", "apic_password": "Pr0vider-Adm1n-Passw0rd-v10",
        "apic_client_id": "599b7aef-8841-4ee2-88a0-84d49c4d6ff2", "apic_client_secret": "0ea28423-e73b-47d4-b40e-ddb45c48bb0c",
        "apic_retries": 2,
        "apic_credential_rotation_sink_dir": workspace.sink_dir,
        "apic_credential_rotation_report_dir": os.path.join(workspace.path, "reports"),
        "apic_credential_rotation_smtp": {"host": "127.0.0.1", "port": workspace.smtp_port, "sender": "api-platform@example.com"},
        "apic_credential_rotation_delivery_tasks": delivery,
        "delivery_record": os.path.join(workspace.path, "delivered.json"),
    }
    host.update(extra)
    return workspace.write_inventory({"apic_catalogs": {"hosts": {"sandbox": host}}})


def writes(workspace):
    log = workspace.control("requests", method="GET", platform="apic")
    return [entry for entry in log if entry["method"] != "GET" and entry["path"] != "/api/token"]


def test_plan_then_rotate_then_nothing_to_do(workspace):
    apic_inventory(workspace)
    plan = workspace.play("apic_rotate.yml", check=True)
    assert plan.rc == 0, plan.output[-3000:]
    assert writes(workspace) == []
    with open(os.path.join(workspace.path, "reports", "sandbox-plan.json"), encoding="utf-8") as handle:
        planned = json.load(handle)
    assert planned["actions"] == {"none": 6, "create_new": 2, "retire_old": 1}
    assert planned["schema"] == "apiops.credentials/report/1" and planned["summary"] == {"planned": 3, "unchanged": 6}
    assert "| TestCOrg | corguser1@example.com | expired-app | credential-for-expired-app | 95 | create new |" in \
        open(os.path.join(workspace.path, "reports", "sandbox-plan.md"), encoding="utf-8").read()
    assert not os.path.exists(os.path.join(workspace.sink_dir, "apic", "sandbox.vault"))

    run = workspace.play("apic_rotate.yml")
    assert run.rc == 0, run.output[-3000:]
    assert "9 credentials: create_new 2, none 6, retire_old 1" in run.output
    with open(os.path.join(workspace.path, "delivered.json"), encoding="utf-8") as handle:
        assert json.load(handle) == ["credential-for-expired-app_new", "credential-for-partner-app_new"]
    record = workspace.read_record(os.path.join(workspace.sink_dir, "apic", "sandbox.vault"))
    for key in ("TestCOrg/expired-app/credential-for-expired-app", "PartnerOrg/partner-app/credential-for-partner-app"):
        entry = record["credentials"][key]
        assert entry["state"] == "verified" and entry["notified_at"]
        check = workspace.control("check_credentials", {"client_id": entry["client_id"], "client_secret": entry["client_secret"]},
                                  platform="apic")
        assert check["valid"] and check["credential"].endswith("_new")
    assert len(workspace.control("mail", method="GET", platform="apic")) == 2

    workspace.control("requests", method="DELETE", platform="apic")
    again = workspace.play("apic_rotate.yml")
    assert again.rc == 0 and again.recap("sandbox")["changed"] == 0, again.output[-3000:]
    assert writes(workspace) == []
    assert len(workspace.control("mail", method="GET", platform="apic")) == 2


def test_lost_create_answer_is_confirmed_not_resent(workspace):
    apic_inventory(workspace, apic_credential_rotation_consumer_org="PartnerOrg")
    # The platform creates the credential, then the answer is lost (502 after applying).
    workspace.control("faults", {"method": "POST", "path": "/credentials$", "status": 502, "after": True, "count": 1}, platform="apic")
    run = workspace.play("apic_rotate.yml")
    assert run.rc == 0, run.output[-3000:]
    posts = [w for w in writes(workspace) if w["path"].endswith("/credentials")]
    assert len(posts) == 1
    state = workspace.control("state", method="GET", platform="apic")
    assert sorted(state["acme"]["sandbox"]["consumer_orgs"]["PartnerOrg"]["apps"]["partner-app"]["credentials"]) == [
        "credential-for-partner-app", "credential-for-partner-app_new"]


def test_one_failure_does_not_stop_the_others(workspace):
    seed = load_seed(os.path.join(SEEDS, "apic.json"))
    apps = seed["orgs"][0]["catalogs"][0]["consumer_orgs"][0]["apps"]
    apps.append({"name": "overdue-app", "credentials": [{"name": "credential-for-overdue-app", "age_days": 130}]})
    workspace.control("state", seed, platform="apic")
    apic_inventory(workspace)
    run = workspace.play("apic_rotate.yml")
    assert run.rc != 0
    assert "1 of 10 credentials failed: TestCOrg/overdue-app/credential-for-overdue-app: past deletion (130 >= 100 days)" in run.output
    state = workspace.control("state", method="GET", platform="apic")
    assert "credential-for-expired-app_new" in state["acme"]["sandbox"]["consumer_orgs"]["TestCOrg"]["apps"]["expired-app"]["credentials"]
    with open(os.path.join(workspace.path, "reports", "sandbox-report.json"), encoding="utf-8") as handle:
        report = json.load(handle)
    assert report["failed"] == 1


def sink_entry(workspace, key):
    return workspace.read_record(os.path.join(workspace.sink_dir, "apic", "sandbox.vault"))["credentials"][key]


def test_creates_that_fail_are_retried_with_the_secret_already_saved(workspace):
    apic_inventory(workspace, apic_credential_rotation_consumer_org="PartnerOrg")
    workspace.control("faults", {"method": "POST", "path": "/credentials$", "status": 500, "count": 5,
                                 "body": {"status": 500, "message": ["injected"]}}, platform="apic")
    first = workspace.play("apic_rotate.yml")
    assert first.rc != 0
    saved = sink_entry(workspace, "PartnerOrg/partner-app/credential-for-partner-app")
    assert saved["state"] == "pending" and saved["client_secret"]
    workspace.control("faults", method="DELETE", platform="apic")
    second = workspace.play("apic_rotate.yml")
    assert second.rc == 0, second.output[-3000:]
    done = sink_entry(workspace, "PartnerOrg/partner-app/credential-for-partner-app")
    assert done["state"] == "verified" and done["client_secret"] == saved["client_secret"]
    assert workspace.control("check_credentials", {"client_id": done["client_id"], "client_secret": done["client_secret"]},
                             platform="apic")["valid"]


def test_a_delete_without_its_rename_is_finished_by_the_next_run(workspace):
    apic_inventory(workspace, apic_credential_rotation_consumer_org="TestCOrg")
    workspace.control("faults", {"method": "PATCH", "path": "/credentials/[^/]+$", "status": 500, "count": 5,
                                 "body": {"status": 500, "message": ["injected"]}}, platform="apic")
    assert workspace.play("apic_rotate.yml").rc != 0
    apps = workspace.control("state", method="GET", platform="apic")["acme"]["sandbox"]["consumer_orgs"]["TestCOrg"]["apps"]
    assert sorted(apps["retire-app"]["credentials"]) == ["credential-for-retire-app_new"]  # deleted, not renamed
    workspace.control("faults", method="DELETE", platform="apic")
    run = workspace.play("apic_rotate.yml")
    assert run.rc == 0, run.output[-3000:]
    apps = workspace.control("state", method="GET", platform="apic")["acme"]["sandbox"]["consumer_orgs"]["TestCOrg"]["apps"]
    assert sorted(apps["retire-app"]["credentials"]) == ["credential-for-retire-app"]
    assert apps["retire-app"]["credentials"]["credential-for-retire-app"]["title"] == "Credential for retire-app"
    assert sink_entry(workspace, "TestCOrg/retire-app/credential-for-retire-app")["state"] == "active"


def test_platform_generated_secrets_survive_a_lost_answer(workspace):
    apic_inventory(workspace, apic_credential_rotation_consumer_org="PartnerOrg", apic_credential_rotation_generate_secrets="platform")
    # The credential is created, the answer is lost: the secret the platform made is gone with it.
    workspace.control("faults", {"method": "POST", "path": "/credentials$", "status": 502, "after": True, "count": 1}, platform="apic")
    assert workspace.play("apic_rotate.yml").rc != 0
    run = workspace.play("apic_rotate.yml")  # finds its own <name>_new and resets its secret
    assert run.rc == 0, run.output[-3000:]
    entry = sink_entry(workspace, "PartnerOrg/partner-app/credential-for-partner-app")
    assert entry["state"] == "verified"
    assert workspace.control("check_credentials", {"client_id": entry["client_id"], "client_secret": entry["client_secret"]},
                             platform="apic")["valid"]


def test_a_rename_the_sink_did_not_record_is_recorded_by_the_next_run(workspace):
    apic_inventory(workspace, apic_credential_rotation_consumer_org="TestCOrg")
    # The rename back to the old name is applied, and answered with an error: the platform is done, the run stops
    # with the sink saying retiring (as after a crash right after the rename).
    workspace.control("faults", {"method": "PATCH", "path": "/credentials/[^/]+$", "status": 500, "after": True, "count": 1,
                                 "body": {"status": 500, "message": ["injected"]}}, platform="apic")
    assert workspace.play("apic_rotate.yml").rc != 0
    apps = workspace.control("state", method="GET", platform="apic")["acme"]["sandbox"]["consumer_orgs"]["TestCOrg"]["apps"]
    assert sorted(apps["retire-app"]["credentials"]) == ["credential-for-retire-app"]  # renamed on the platform
    assert sink_entry(workspace, "TestCOrg/retire-app/credential-for-retire-app")["state"] == "retiring"
    run = workspace.play("apic_rotate.yml")
    assert run.rc == 0, run.output[-3000:]
    assert sink_entry(workspace, "TestCOrg/retire-app/credential-for-retire-app")["state"] == "active"
    assert workspace.play("apic_rotate.yml").recap("sandbox")["changed"] == 0


def test_two_runs_at_once_on_one_catalog_mail_each_owner_once(workspace):
    apic_inventory(workspace)
    workspace.control("latency", {"seconds": 0.05}, platform="apic")
    first, second = workspace.play_many("apic_rotate.yml", "apic_rotate.yml")
    assert first.rc == 0 and second.rc == 0, first.output[-2000:] + second.output[-2000:]
    mail = workspace.control("mail", method="GET", platform="apic")
    owners = [tuple(message["to"]) for message in mail]
    assert len(owners) == len(set(owners)), "an owner was mailed twice: %s" % owners


def test_an_approved_plan_is_carried_out_only_while_nothing_changed(workspace):
    apic_inventory(workspace, apic_credential_rotation_consumer_org="TestCOrg")
    first = workspace.play("apic_rotate.yml", check=True)
    assert first.rc == 0 and "secret ********" in first.output, "no masked diff with --diff"
    approved = os.path.join(workspace.path, "approved.json")
    os.replace(os.path.join(workspace.path, "reports", "sandbox-plan.json"), approved)
    assert workspace.play("apic_rotate.yml").rc == 0  # before the window, another run did the work
    workspace.control("requests", method="DELETE", platform="apic")
    apic_inventory(workspace, apic_credential_rotation_consumer_org="TestCOrg", apic_credential_rotation_plan_file=approved)
    refused = workspace.play("apic_rotate.yml")
    assert refused.rc != 0 and "changed since the plan" in refused.output
    assert writes(workspace) == []

    apic_inventory(workspace, apic_credential_rotation_consumer_org="TestCOrg")
    dry = workspace.play("apic_rotate.yml", check=True)
    assert dry.rc == 0, dry.output[-3000:]
    digest = re.search(r"digest ([0-9a-f]{32}) \(pass it as plan_digest", dry.output).group(1)
    os.replace(os.path.join(workspace.path, "reports", "sandbox-plan.json"), approved)
    # Edited after the approval: refused by its digest before anything is done.
    with open(approved, encoding="utf-8") as handle:
        plan = json.load(handle)
    edited = os.path.join(workspace.path, "edited.json")
    with open(edited, "w", encoding="utf-8") as handle:
        json.dump(dict(plan, credentials=plan["credentials"][1:]), handle)
    apic_inventory(workspace, apic_credential_rotation_consumer_org="TestCOrg", apic_credential_rotation_plan_file=edited,
                   apic_credential_rotation_plan_digest=digest)
    refused = workspace.play("apic_rotate.yml")
    assert refused.rc != 0 and "is not the one approved" in refused.output, refused.output[-3000:]
    apic_inventory(workspace, apic_credential_rotation_consumer_org="TestCOrg", apic_credential_rotation_plan_file=approved,
                   apic_credential_rotation_plan_digest=digest)
    done = workspace.play("apic_rotate.yml")
    assert done.rc == 0, done.output[-3000:]
    with open(os.path.join(workspace.path, "reports", "sandbox-report.json"), encoding="utf-8") as handle:
        assert json.load(handle)["plan_digest"] == digest


def test_a_plan_the_previous_release_wrote_is_honoured(workspace):
    """Its rows named actions in words, as its reports showed them; the digest it printed is the one the report names."""
    apic_inventory(workspace, apic_credential_rotation_consumer_org="TestCOrg")
    assert workspace.play("apic_rotate.yml", check=True).rc == 0
    with open(os.path.join(workspace.path, "reports", "sandbox-plan.json"), encoding="utf-8") as handle:
        plan = json.load(handle)
    labels = {"create_new": "create new", "retire_old": "retire old", "verify_new": "verify new"}
    old_plan = dict(plan, credentials=[dict(row, action=labels.get(row["action"], row["action"])) for row in plan["credentials"]])
    assert old_plan != plan
    approved = os.path.join(workspace.path, "approved.json")
    with open(approved, "w", encoding="utf-8") as handle:
        json.dump(old_plan, handle)
    old_digest = plan_digest(old_plan, "apic", old_plan["credentials"][0]["target"])
    apic_inventory(workspace, apic_credential_rotation_consumer_org="TestCOrg", apic_credential_rotation_plan_file=approved,
                   apic_credential_rotation_plan_digest=old_digest)
    done = workspace.play("apic_rotate.yml")
    assert done.rc == 0, done.output[-3000:]
    with open(os.path.join(workspace.path, "reports", "sandbox-report.json"), encoding="utf-8") as handle:
        assert json.load(handle)["plan_digest"] == old_digest


OURS_OLD = ("0a0a0a0a0b0b0b0b0c0c0c0c0d0d0d0d", "rb-app-0ld-S3cret-made-by-apiops-01")
OURS_NEW = ("1a1a1a1a1b1b1b1b1c1c1c1c1d1d1d1d", "rb-app-n3w-S3cret-made-by-apiops-02")


def test_roll_back_re_creates_the_retired_credential_next_to_the_current_one(workspace):
    # A credential this collection made (its pair is in the sink) whose <name>_new is due for the retirement.
    seed = load_seed(os.path.join(SEEDS, "apic.json"))
    corg = seed["orgs"][0]["catalogs"][0]["consumer_orgs"][0]
    corg["apps"].append({"name": "rb-app", "credentials": [
        {"name": "credential-for-rb-app", "title": "Credential for rb-app", "age_days": 105, "client_id": OURS_OLD[0],
         "client_secret": OURS_OLD[1]},
        {"name": "credential-for-rb-app_new", "title": "Credential for rb-app_new", "age_days": 15, "client_id": OURS_NEW[0],
         "client_secret": OURS_NEW[1]}]})
    workspace.control("state", seed, platform="apic")
    apic_inventory(workspace)
    key = "%s/rb-app/credential-for-rb-app" % corg["name"]
    entry = {"consumer_org": corg["name"], "app": "rb-app", "credential": "credential-for-rb-app", "new_credential": "credential-for-rb-app_new",
             "client_id": OURS_NEW[0], "client_secret": OURS_NEW[1], "previous_client_id": OURS_OLD[0],
             "previous_client_secret": OURS_OLD[1], "state": "verified", "verified_at": "2026-11-16T00:00:00Z",
             "notified_at": "2026-11-16T00:00:00Z"}
    os.makedirs(os.path.join(workspace.sink_dir, "apic"))
    workspace.encrypt(os.path.join("secrets", "apic", "sandbox.vault"),
                      json.dumps({"platform": "apic", "org": "acme", "catalog": "sandbox", "credentials": {key: entry}}))
    rotated = workspace.play("apic_rotate.yml")
    assert rotated.rc == 0, rotated.output[-3000:]
    record = workspace.read_record(os.path.join(workspace.sink_dir, "apic", "sandbox.vault"))["credentials"]
    assert record[key]["state"] == "active" and record[key]["retired_client_id"] == OURS_OLD[0]

    def valid(pair):
        return workspace.control("check_credentials", {"client_id": pair[0], "client_secret": pair[1]}, platform="apic")["valid"]

    assert not valid(OURS_OLD) and valid(OURS_NEW)
    plan = workspace.play("apic_rollback.yml", check=True)
    assert not valid(OURS_OLD), plan.output[-3000:]
    back = workspace.play("apic_rollback.yml")
    with open(os.path.join(workspace.path, "reports", "sandbox-report.json"), encoding="utf-8") as handle:
        rows = {row["credential"]: row for row in json.load(handle)["credentials"]}
    assert rows["credential-for-rb-app"]["result"] == "rolled back", rows["credential-for-rb-app"]
    assert rows["credential-for-retire-app"]["action"] == "blocked" and "never held the secret" in rows["credential-for-retire-app"]["reason"]
    assert back.rc != 0, "a blocked credential fails the run (after every other was handled)"
    assert valid(OURS_OLD) and valid(OURS_NEW), "both the retired pair and the current one work"
    again = workspace.play("apic_rollback.yml")
    assert again.recap("sandbox")["changed"] == 0, again.output[-3000:]
    from tests.system.test_leaks import assert_no_leak  # pylint: disable=import-outside-toplevel  # it imports this module
    assert_no_leak(workspace, extra={OURS_OLD[1], OURS_NEW[1]})  # the client ids are not secret
