# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What AWX does with a custom credential type before it hands a job to ansible-runner.

AWX (awx/main/models/credential CredentialType.inject_credential) renders the injectors in a Jinja2 immutable
sandbox. Inputs left empty are not in the namespace, so they render as empty strings. Every file injector is written,
even when its template renders nothing, to a file in <private data dir>/env, and its path is
``tower.filename.<name>``. Env injectors become the job's environment.
"""

from __future__ import annotations

import os
import stat
import tempfile
from types import SimpleNamespace

import yaml
from jinja2 import sandbox

TYPES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "awx", "credential_types")


def load_type(name):
    with open(os.path.join(TYPES, name + ".yml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def inject(credential_type, inputs, private_data_dir):
    """The environment AWX gives a job that has a credential of ``credential_type`` with ``inputs``."""
    namespace = {key: value for key, value in inputs.items() if isinstance(value, bool) or len(value)}
    tower = SimpleNamespace(filename=SimpleNamespace())
    namespace["tower"] = tower
    env_dir = os.path.join(private_data_dir, "env")
    os.makedirs(env_dir, exist_ok=True)
    jinja = sandbox.ImmutableSandboxedEnvironment()
    for label, template in credential_type["injectors"].get("file", {}).items():
        data = jinja.from_string(template).render(**namespace)
        handle, path = tempfile.mkstemp(dir=env_dir)
        with os.fdopen(handle, "w") as stream:
            stream.write(data)
        os.chmod(path, stat.S_IRUSR | stat.S_IWUSR)
        setattr(tower.filename, label.split(".", 1)[1], path)
    return {name: jinja.from_string(template).render(**namespace)
            for name, template in credential_type["injectors"].get("env", {}).items()}


def slice_hosts(hosts, number, count):
    """The hosts of slice ``number`` (1..count) of a sliced job template, as AWX chooses them.

    AWX (awx/main/models/inventory.py Inventory.get_sliced_hosts) orders the inventory's enabled hosts by name and
    gives slice n every count-th host from the n-th on: ``hosts[n - 1::count]``.
    """
    return sorted(hosts)[number - 1::count]
