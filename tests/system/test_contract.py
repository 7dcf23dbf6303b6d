# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The promises every platform makes, held against each row of tests/platforms.py through its real playbooks.

One scenario per row chains the contracts that build on each other on one emulator (the dry run, the approved plan,
the real run and its proof, the re-run, the audit, the stale plan refused, the roll back); the lost answer, two runs
at once and the leak check each start from the seed. A contract a platform does not offer is a declared skip of its
row (``Platform.skip``, with the reason), reported as a skipped test: a missing contract is visible, never silent. A
platform of the product's registry without a row fails the suite.
"""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter

import pytest
import requests

from ansible_collections.apiops.credentials.plugins.plugin_utils._platforms import PLATFORMS as PRODUCT
from ansible_collections.apiops.credentials.plugins.plugin_utils._platforms import sink_file

from tests.platforms import PLATFORMS
from tests.system.conftest import VAULT_PASSWORD
from tests.system.test_leaks import assert_no_leak

CONTRACTS = ("dry run", "real run", "re-run", "lost answer", "two runs at once", "no leak", "audit", "approved plan", "roll back")
ROWS = [name for name, row in PLATFORMS.items() if row.product]
COUNT = 2  # credentials per row: enough for "each credential" to mean more than one, few enough for make test's time
CONCURRENCY = 4
# Results of a run that did its work; anything else (failed, would fail, skipped...) is not a carried out plan.
DONE = ("rotated", "added", "retired", "restored", "rolled back")
OWNER = "platform-team@example.org"  # owner_email: who is told of each new secret
SEED_OWNER = "owner@example.com"  # the owner of the API Connect seed's consumer org, who is told instead


def secrets_of(records):
    return [value for record in records.values() for name, value in record.items() if "secret" in name and isinstance(value, str) and value]


newest_only = pytest.mark.newest_only


def by_row(test, contract=None):
    """Parametrize ``test`` by row; a row whose ``bugs`` name ``contract`` is expected to fail, strictly."""
    params = [pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=PLATFORMS[name].bugs[contract]))
              if contract in PLATFORMS[name].bugs else name for name in ROWS]
    return pytest.mark.parametrize("name", params)(test)


def contract_of(contract):
    return lambda test: by_row(test, contract)


class Scene:
    """One row on the workspace's emulator: its seed, its inventory, and what its runs did there."""

    def __init__(self, workspace, name):
        self.workspace = workspace
        self.row = PLATFORMS[name]
        self.product = PRODUCT[self.row.product]
        self.url = workspace.emulators[self.row.emulator].url
        self.reports = os.path.join(workspace.path, "reports", self.row.product)
        self.seen = 0  # request log entries already looked at
        workspace.control("state", self.row.seed(COUNT), platform=self.row.emulator)
        self.inventory()
        self.control("requests", method="DELETE")

    def control(self, what, body=None, method="POST"):
        return self.workspace.control(what, body, method=method, platform=self.row.emulator)

    def inventory(self, host_vars=None, **options):
        """The row's inventory with ``host_vars`` and ``options`` (role options by their short name: plan_file) on its host.

        Every run tells the owners of new secrets (smtp, to the SMTP sink of the workspace): each contract holds with it.
        """
        inventory = self.row.inventory(self.url, COUNT, self.workspace.sink_dir, CONCURRENCY, self.workspace.path, VAULT_PASSWORD)
        host = next(iter(next(iter(inventory.values()))["hosts"].values()))
        host.update(host_vars or {})
        told = {"smtp": {"host": "127.0.0.1", "port": self.workspace.smtp_port, "sender": "rotation@example.org"}, "owner_email": OWNER}
        options = dict({option: value for option, value in told.items() if "%s_%s" % (self.product.role, option) not in host}, **options)
        host.update({"%s_%s" % (self.product.role, option): value for option, value in options.items()})
        self.workspace.write_inventory(inventory)

    def play(self, playbook=None, *extra, check=False, ok=True):
        run = self.workspace.play(playbook or self.row.playbook, *extra, check=check)
        if ok:
            assert run.rc == 0, run.output[-3000:]
        return run

    def mail(self):
        """The messages the SMTP sink received since the last call."""
        url = self.workspace.emulators["apic"].url + "/_emulator/mail"
        received = requests.get(url, timeout=10).json()
        requests.delete(url, timeout=10)
        return received

    def writes(self):
        """{credential: writes} since the last call: what the runs in between wrote to the platform."""
        log = self.control("requests", method="GET")
        fresh, self.seen = log[self.seen:], len(log)
        return Counter(credential for credential in map(self.row.written, fresh) if credential)

    def report(self, kind):
        with open(os.path.join(self.reports, "%s-%s.json" % (self.row.host, kind)), encoding="utf-8") as handle:
            return json.load(handle)

    def actions(self, kind):
        return {row["credential"]: row["action"] for row in self.report(kind)["credentials"]}

    def records(self):
        return self.workspace.read_record(sink_file(self.row.product, self.workspace.sink_dir, self.row.host))["credentials"]

    def sink_files(self):
        """Every file under the sink directory: records, and the locks and journals a run may leave."""
        return [os.path.join(entry[0], name) for entry in os.walk(self.workspace.sink_dir) for name in entry[2]]

    def proven(self):
        """Every credential of the sink: its new secret accepted, its old one rejected where the protocol retires it."""
        records = self.records()
        assert len(records) == COUNT, sorted(records)
        unproven = {key: proof for key, proof in ((key, self.row.proves(self.url, key, record)) for key, record in records.items())
                    if proof[0] is not True or proof[1] is False}
        assert not unproven, "(new accepted, old rejected) per credential: %s" % unproven
        assert self.row.done(self.url, COUNT), "the emulator does not show every credential rotated"
        return records

    def written_once(self, writes):
        assert len(writes) == COUNT and set(writes.values()) == {self.row.writes_each}, \
            "writes per credential (each should have %d): %s" % (self.row.writes_each, dict(writes))


def test_every_platform_of_the_product_has_a_row_and_every_skip_a_reason():
    rows = {PLATFORMS[name].product for name in ROWS}
    assert set(PRODUCT) <= rows, "platforms without a row in tests/platforms.py: %s" % sorted(set(PRODUCT) - rows)
    assert rows <= set(PRODUCT), "rows for no platform of the product: %s" % sorted(rows - set(PRODUCT))
    for name in ROWS:
        row = PLATFORMS[name]
        assert row.writes and row.lost_answer and row.proves and row.host, "%s lacks what the contracts need" % name
        assert set(row.skip) <= set(CONTRACTS), "%s skips contracts that do not exist: %s" % (name, sorted(set(row.skip) - set(CONTRACTS)))
        assert all(len(reason) > 20 for reason in row.skip.values()), "%s: a skip without its reason" % name
        assert set(row.bugs) <= set(CONTRACTS), "%s names bugs in contracts that do not exist" % name
        assert (row.rollback is None) == ("roll back" in row.skip), "%s: roll back is neither offered nor declared skipped" % name
        assert row.rollback is None or row.rolled_back, "%s: roll back is offered, but nothing says how it is proven" % name


@pytest.mark.parametrize("name,contract", [(name, contract) for name in ROWS for contract in PLATFORMS[name].skip])
def test_declared_skip(name, contract):
    pytest.skip("%s does not offer %s: %s" % (name, contract, PLATFORMS[name].skip[contract]))


@newest_only
@by_row
def test_dry_run_plan_real_run_rerun_audit_stale_plan_and_roll_back(workspace, name):
    scene = Scene(workspace, name)
    row = scene.row

    # 1. The dry run writes nothing, on the platform or in the sink, and its plan names an action per credential;
    # with --diff it shows each change, the secret masked (the diff is made only when asked for).
    dry = scene.play(check=True)  # --check --diff
    assert dry.output.count(": secret ********") >= COUNT, dry.output[-3000:]
    assert scene.writes() == {}, "the dry run wrote to the platform"
    assert scene.sink_files() == [], "the dry run wrote the sink"
    plan = scene.actions("plan")
    assert len(plan) == COUNT and "none" not in plan.values(), plan
    assert dry.recap(row.host)["changed"] > 0, "a dry run with work to do shows no change"
    assert scene.mail() == [], "the dry run told an owner"

    # 8. The plan, approved, is what the real run carries out; 1. and the real run does what the plan said.
    approved = os.path.join(workspace.path, "approved.json")
    shutil.copy(os.path.join(scene.reports, row.host + "-plan.json"), approved)
    if "approved plan" not in row.skip:
        scene.inventory(plan_file=approved)
    real = scene.play()
    assert ": secret ********" not in real.output, "a run without --diff shows a diff"
    report = scene.report("report")
    assert {r["credential"]: r["action"] for r in report["credentials"]} == plan, "the real run did not do what the plan said"
    assert {r["result"] for r in report["credentials"]} <= set(DONE), report["credentials"]
    if "approved plan" not in row.skip:
        assert report["plan_digest"], "the real run does not name the plan it carried out"

    # 2. ... and proves it: each credential written as often as its protocol needs, the new secret accepted, the
    # old one rejected; and its owner is told, once, without the secret.
    scene.written_once(scene.writes())
    rotated = scene.proven()
    told = scene.mail()
    named = [line for message in told for line in message["body"].splitlines() if line.startswith("  - ")]
    assert len(named) == COUNT and {to for m in told for to in m["to"]} <= {OWNER, SEED_OWNER}, told
    assert not [value for value in secrets_of(rotated) if any(value in m["body"] for m in told)], "a notice holds a secret"

    # 3. A re-run changes nothing.
    scene.inventory()
    again = scene.play()
    assert again.recap(row.host)["changed"] == 0, again.output[-3000:]
    assert scene.writes() == {}, "the re-run wrote to the platform"
    assert scene.mail() == [], "the re-run told an owner again"

    # 7. The audit finds the credentials as the run left them.
    if "audit" not in row.skip:
        audit = scene.play("credential_audit.yml")
        results = {r["credential"]: r["result"] for r in scene.report("audit")["credentials"]}
        assert results and set(results.values()) == {"compliant"}, (results, audit.output[-2000:])
        assert scene.writes() == {}, "the audit wrote to the platform"

    # 8. The plan approved before the rotation no longer fits the world: the run refuses it and changes nothing.
    if "approved plan" not in row.skip:
        scene.inventory(plan_file=approved)
        stale = scene.play(ok=False)
        assert stale.rc != 0 and "changed since the plan" in stale.output, stale.output[-3000:]
        assert scene.writes() == {}, "a run refusing its plan wrote to the platform"
        assert scene.records() == rotated, "a run refusing its plan wrote the sink"
        scene.inventory()

    # 9. Roll back puts the value from before the last change back: accepted again, the one replaced rejected (where
    # the protocol replaces it). Some rows change once more first, so that it is a value of this collection's.
    if "roll back" not in row.skip:
        for control, host_vars in row.rollback_setup(scene.url, COUNT, workspace.path, VAULT_PASSWORD) if row.rollback_setup else ():
            if control:
                scene.control(*control)
            scene.inventory(host_vars)
            scene.play()
        before = scene.records()
        scene.writes()
        back = scene.play(*row.rollback, ok=False)
        rows = scene.report("report")["credentials"]
        results = {r["credential"]: r["result"] for r in rows if r["action"] != "none"}
        assert back.rc == 0 and results and set(results.values()) == {"rolled back"}, (rows, back.output[-3000:])
        assert scene.writes(), "the roll back wrote nothing"
        after = scene.records()
        assert all(row.rolled_back(scene.url, key, before[key], after[key]) for key in before), (before, after)


@newest_only
@contract_of("lost answer")
def test_a_lost_answer_is_not_written_again(workspace, name):
    scene = Scene(workspace, name)
    # 4. The platform applies one write and the answer is lost; the next run converges without writing it again.
    scene.control("faults", dict(scene.row.lost_answer, status=502, after=True, count=1))
    scene.play(ok=False)
    scene.control("faults", method="DELETE")
    scene.play()
    scene.written_once(scene.writes())
    scene.proven()


@newest_only
@by_row
def test_a_refused_notice_is_told_by_the_re_run(workspace, name):
    """The mail server refuses the owners' notice (451 at DATA): the rotation stands, proven, and its credentials fail
    naming why; the re-run writes nothing to the platform and tells each owner, once, without a secret."""
    scene = Scene(workspace, name)
    mailbox = workspace.emulators["apic"].url + "/_emulator/mail"
    requests.post(mailbox, json={"fail_next": 100}, timeout=10)
    try:
        refused = scene.play(ok=False)
    finally:
        requests.post(mailbox, json={"fail_next": 0}, timeout=10)
    assert refused.rc != 0 and "its owner was not told" in refused.output, refused.output[-3000:]
    scene.written_once(scene.writes())
    rotated = scene.proven()
    assert scene.mail() == [], "a refused notice was kept"

    scene.play()
    assert scene.writes() == {}, "the run that told the owners wrote to the platform"
    told = scene.mail()
    named = [line for message in told for line in message["body"].splitlines() if line.startswith("  - ")]
    assert len(named) == COUNT, told
    assert not [value for value in secrets_of(rotated) if any(value in m["body"] for m in told)], "a notice holds a secret"
    scene.play()
    assert scene.mail() == [], "owners were told twice"


@newest_only
@by_row
def test_two_runs_at_once_rotate_once(workspace, name):
    scene = Scene(workspace, name)
    scene.control("latency", {"seconds": 0.05})  # the runs overlap for longer than their start-up differs
    first, second = workspace.play_many(scene.row.playbook, scene.row.playbook)
    scene.control("latency", {"seconds": 0})
    assert first.rc == 0 and second.rc == 0, first.output[-2000:] + second.output[-2000:]
    scene.written_once(scene.writes())
    scene.proven()


@by_row
def test_verbose_jobs_leak_nothing(workspace, name):
    """6. Where AWX keeps output (stdout, job events, artifacts) at -vvvv: no secret any emulator ever knew. A dry run
    and a run whose answer to one write is lost (its warnings and retries are output too), and a run to finish where
    that one did not; the outcome is proven (this is the one contract the oldest ansible-core leg runs too)."""
    scene = Scene(workspace, name)
    dry = workspace.job(scene.row.playbook, check=True, verbosity=4)
    assert dry.rc == 0, dry.output[-3000:]
    scene.control("faults", dict(scene.row.lost_answer, status=502, after=True, count=1))
    done = workspace.job(scene.row.playbook, verbosity=4)
    if done.rc != 0:
        done = workspace.job(scene.row.playbook, verbosity=4)
    assert done.rc == 0, done.output[-3000:]
    scene.proven()
    assert_no_leak(workspace)


def bad_inputs(name):
    """(case, host variables, words the one message must hold) for a row: each breaks one thing a user gets wrong.
    Drawn from the product's registry (the URL and login options, the list of credentials), not written per platform."""
    product = PRODUCT[PLATFORMS[name].product]
    url = next(option for option in product.auth_argspec if option.endswith("_url"))
    cases = [("url without scheme", {url: "host.example.com"}, "has no http:// or https:// scheme"),
             ("unreachable url", {url: "http://127.0.0.1:1"}, "cannot connect to http://127.0.0.1:1"),
             ("misspelt variable", {product.role + "_concurency": 4}, "did you mean %s_concurrency" % product.role),
             ("concurrency zero", {product.role + "_concurrency": 0}, "concurrency must be at least 1")]
    if product.items:
        cases.append(("nothing listed", {"%s_%s" % (product.role, product.items): []},
                      "%s_%s is empty" % (product.role, product.items)))
    cases.append(("mail server down", {product.role + "_smtp": {"host": "127.0.0.1", "port": 1, "sender": "rotation@example.org"}},
                  "smtp: the SMTP server 127.0.0.1:1 cannot be used"))
    if product.protocol != "age_policy":  # a catalog's owners are its consumer orgs': one without fails at the end
        cases.append(("nobody to tell", {product.role + "_owner_email": ""}, "nobody would be told about"))
    return cases


def wrong_login(scene):
    """The row's login with its secret (the first set that the registry marks no_log) replaced: (variable, host vars)."""
    inventory = scene.row.inventory(scene.url, COUNT, scene.workspace.sink_dir, CONCURRENCY, scene.workspace.path, VAULT_PASSWORD)
    host = next(iter(next(iter(inventory.values()))["hosts"].values()))
    option = next(option for option, spec in scene.product.auth_argspec.items() if spec.get("no_log") and host.get(option))
    return option, {option: "Not-the-Secret-In-Use-0000"}


@newest_only
@pytest.mark.parametrize("name,case", [(name, case[0]) for name in ROWS for case in bad_inputs(name)] + [(name, "wrong login") for name in ROWS])
def test_bad_input_gets_one_message_and_changes_nothing(workspace, name, case):
    """Bad input, row by row: the run fails with a message that names the problem and the fix, with no traceback,
    no write to the platform or the sink, and no secret in the output."""
    scene = Scene(workspace, name)
    if case == "wrong login":
        option, host_vars = wrong_login(scene)
        words = option
    else:
        _case, host_vars, words = next(each for each in bad_inputs(name) if each[0] == case)
    scene.inventory(host_vars)
    run = scene.play(ok=False)
    assert run.rc != 0, run.output[-3000:]
    assert words in run.output, "the message does not say %r:\n%s" % (words, run.output[-3000:])
    assert "Traceback (most recent call last)" not in run.output
    assert not scene.writes(), "bad input led to a write on the platform"
    assert not [path for path in scene.sink_files() if path.endswith(".vault")], "bad input led to a sink file"
    workspace.jobs = 1  # assert_no_leak wants a job; the playbook's output is in workspace.outputs
    assert_no_leak(workspace)
