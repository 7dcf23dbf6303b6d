# -*- coding: utf-8 -*-
# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the apiops.credentials collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""Each platform described once: the row that the actions, the lease tools, the docs checks and the tests read.

A row names what is the platform's own (its adapter, its login options and where they are documented, its engine
task and role, its AWX credential type); everything else is shared. ``tests/unit/plugins/plugin_utils/test_platforms.py``
holds every row against the files it names, so a new platform is a row plus its own files (docs/adding_a_platform.md).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

COLLECTION = "ansible_collections.apiops.credentials.plugins"


def collection_module(path):
    """A module of this collection's plugins by "<package>.<module>" (``plugin_utils._notify``), imported when first
    asked for."""
    return importlib.import_module("%s.%s" % (COLLECTION, path))


def _named(path):
    """The object a row names as "<package>.<module>.<name>" (``plugin_utils._uaa_rotation.UaaAdapter``)."""
    module, _dot, name = path.rpartition(".")
    return getattr(collection_module(module), name)


@dataclass(frozen=True)
class Platform:
    name: str  # the short name: reports, sink files and keys, leases
    title: str  # in words, for messages and docs
    noun: str  # what the platform calls its credentials, for messages
    # The engine's adapter and the login options (each with its environment variable: AWX credential types,
    # module_defaults), by where they are: a run imports its own platform's, not every platform's (ansible-playbook
    # compiles an action's modules anew each time, about 2 ms for each platform's pair).
    adapter_class: str  # its ``protocol`` says how a rotation goes
    auth_options: str
    doc_fragment: str  # where the login options are documented, once
    action: str  # the engine task (its docs module documents every option)
    role: str  # the role that drives the task; its variables are <role>_<option>
    credential_type: str  # docs/awx/credential_types/<file>: the AWX credential type that injects the login
    items: str = ""  # the option that lists the credentials to work on ("": the task finds them itself)
    sink_layout: str = "dir"  # "dir": a file sink is sink_dir/<name>/<target>.vault

    @property
    def adapter(self):
        return _named(self.adapter_class)

    @property
    def auth_argspec(self):
        return _named(self.auth_options)

    @property
    def protocol(self):
        return self.adapter.protocol


PLATFORMS = {row.name: row for row in (
    Platform(name="uaa", title="Cloud Foundry UAA", noun="clients", adapter_class="plugin_utils._uaa_rotation.UaaAdapter",
             auth_options="module_utils._uaa.UAA_AUTH_ARGSPEC", doc_fragment="uaa", action="uaa_rotation",
             role="uaa_secret_rotation", credential_type="uaa.yml", items="clients"),
    Platform(name="anypoint", title="MuleSoft Anypoint", noun="secrets", adapter_class="plugin_utils._anypoint_rotation.AnypointAdapter",
             auth_options="module_utils._anypoint.ANYPOINT_AUTH_ARGSPEC", doc_fragment="anypoint", action="anypoint_rotation",
             role="anypoint_secret_rotation", credential_type="anypoint.yml", items="targets"),
    Platform(name="apic_v5", title="IBM API Connect v5", noun="applications", adapter_class="plugin_utils._apic_v5_rotation.ApicV5Adapter",
             auth_options="module_utils._apic_v5.APIC_V5_AUTH_ARGSPEC", doc_fragment="apic_v5", action="apic_v5_restore",
             role="apic_v5_credential_restore", credential_type="apic_v5.yml"),
    Platform(name="apic", title="IBM API Connect v10", noun="credentials", adapter_class="plugin_utils._apic_catalog_rotation.ApicCatalogAdapter",
             auth_options="module_utils._apic.APIC_AUTH_ARGSPEC", doc_fragment="apic", action="apic_catalog_rotation",
             role="apic_credential_rotation", credential_type="apic.yml"),
    Platform(name="keycloak", title="Keycloak", noun="clients", adapter_class="plugin_utils._keycloak_rotation.KeycloakAdapter",
             auth_options="module_utils._keycloak.KEYCLOAK_AUTH_ARGSPEC", doc_fragment="keycloak", action="keycloak_rotation",
             role="keycloak_secret_rotation", credential_type="keycloak.yml", items="clients"),
)}


def sink_file(platform, sink_dir, target):
    """The file sink of one inventory host of a platform whose records live under ``sink_dir`` (one file per host)."""
    return "%s/%s/%s.vault" % (sink_dir.rstrip("/"), platform, target)


def with_sink_dir():
    """The platforms whose file sinks live under ``sink_dir`` (the lease tools find them there)."""
    return sorted(name for name, row in PLATFORMS.items() if row.sink_layout == "dir")
