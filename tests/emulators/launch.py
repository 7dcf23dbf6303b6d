# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Start every platform emulator, write where they listen, and run a command against them.

    python -m tests.emulators.launch --config-out tests/integration/integration_config.yml -- CMD ARGS...

Each emulator starts from its seed (``tests/emulators/seeds/<name>.json``, or its class's ``SEED``). The config file
is YAML (also valid JSON) with one ``<platform>_url`` key per emulator, which
integration targets and playbooks read. Without a command the emulators serve
until interrupted. The command's exit status is returned.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import importlib
import json
import os
import signal
import subprocess
import sys

from tests.emulators.framework import Emulator, Server, load_seed
from tests.emulators.smtp import SmtpSink

SEEDS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seeds")


def emulator_class(name):
    """The one Emulator subclass that ``tests/emulators/<name>.py`` defines."""
    module = importlib.import_module("tests.emulators." + name)
    found = [value for value in vars(module).values()
             if isinstance(value, type) and issubclass(value, Emulator) and value.__module__ == module.__name__]
    if len(found) != 1:
        raise ImportError("tests/emulators/%s.py must define exactly one Emulator subclass, not %d" % (name, len(found)))
    return found[0]


NOT_EMULATORS = ("__init__", "framework", "launch", "smtp")


def discover(seed_dir=SEEDS):
    """Every emulator that has a seed: ``tests/emulators/<name>.py``, with ``seeds/<name>.json`` or a ``SEED`` of its
    Emulator subclass (an emulator may carry its seed itself: a new platform is then one file here).

    Found rather than listed, so that a new platform (or sink) adds its emulator and edits nothing here.
    """
    here = os.path.dirname(os.path.abspath(__file__))
    found = {}
    for entry in sorted(os.listdir(here)):
        name = entry[:-len(".py")]
        if not entry.endswith(".py") or name in NOT_EMULATORS:
            continue
        emulator = emulator_class(name)
        if os.path.exists(os.path.join(seed_dir, name + ".json")) or getattr(emulator, "SEED", None) is not None:
            found[name] = emulator
    return found


# The platforms' emulators and the sinks' (awx_controller: AWX's credentials; vault: HashiCorp Vault KV v2).
EMULATORS = discover()


def seed_of(name, seed_dir=SEEDS):
    """The state ``name``'s emulator starts from: ``seeds/<name>.json``, or a copy of its class's ``SEED``."""
    path = os.path.join(seed_dir, name + ".json")
    if os.path.exists(path):
        return load_seed(path)
    return copy.deepcopy(EMULATORS[name].SEED)


def start(name, seed_dir=SEEDS):
    """One emulator, started from its seed. API Connect gets an SMTP sink for owner notifications."""
    server = Server(EMULATORS[name](seed_of(name, seed_dir))).start()
    server.smtp = None
    if name == "apic":
        server.smtp = server.emulator.mailbox = SmtpSink().start()
    return server


def stop(server):
    server.stop()
    if server.smtp is not None:
        server.smtp.stop()


@contextlib.contextmanager
def serve(name):
    """One emulator, started from its seed, stopped on exit (for test fixtures)."""
    server = start(name)
    try:
        yield server
    finally:
        stop(server)


def start_all(names=None, seed_dir=SEEDS):
    return {name: start(name, seed_dir) for name in EMULATORS if not names or name in names}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config-out", help="write the emulator URLs to this file")
    parser.add_argument("--only", action="append", choices=sorted(EMULATORS), help="start only these emulators")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="command to run (after --)")
    options = parser.parse_args(argv)
    servers = start_all(options.only)
    urls = {"%s_url" % name: server.url for name, server in servers.items()}
    ports = {"%s_smtp_port" % name: server.smtp.port for name, server in servers.items() if server.smtp is not None}
    if options.config_out:
        with open(options.config_out, "w", encoding="utf-8") as handle:
            json.dump(dict(urls, **ports), handle, indent=2)
            handle.write("\n")
    command = [part for part in options.command if part != "--"] if options.command else []
    try:
        if not command:
            for name, url in urls.items():
                print("%s %s" % (name, url), flush=True)
            for name, port in ports.items():
                print("%s %s" % (name, port), flush=True)
            signal.pause()
            return 0
        env = dict(os.environ, **{key.upper().replace("_URL", "_EMULATOR_URL"): url for key, url in urls.items()})
        env.update({key.upper(): str(port) for key, port in ports.items()})
        return subprocess.call(command, env=env)
    except KeyboardInterrupt:
        return 130
    finally:
        for server in servers.values():
            stop(server)


if __name__ == "__main__":
    sys.exit(main())
