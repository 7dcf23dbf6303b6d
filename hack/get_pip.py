# Copyright (c) 2026, apiops.credentials contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Stand-in for get-pip.py, for ansible-test --venv on machines that reach PyPI but not ansible's CI file host.

ansible-test bootstraps pip into each of its empty virtual environments by running
~/.ansible/test/cache/get_pip_<version>.py with pip install arguments
(ansible_test/_util/target/setup/requirements.py). `make` copies this file there
when no such script is cached. It installs the pip that Python bundles
(ensurepip, no network), then lets that pip install the exact versions asked for
from the package index.

ansible-test runs pip with a clean environment (no PIP_CERT, SSL_CERT_FILE or
REQUESTS_CA_BUNDLE), and the pips it pins for older ansible-core (23.x) trust
only their own CA bundle, not the system's as pip 24.2 and newer do. So that a
machine whose network needs a CA from the system store works with every
ansible-core, the virtual environment gets a pip.conf that points pip at the
system CA bundle, where one exists.
"""

import ensurepip
import os
import ssl
import subprocess
import sys

GET_PIP_ONLY_FLAGS = ("--no-setuptools", "--no-wheel")


def trust_the_system_store():
    """Write <venv>/pip.conf with the system CA bundle, unless the venv has a pip.conf already."""
    bundle = ssl.get_default_verify_paths().openssl_cafile
    config = os.path.join(sys.prefix, "pip.conf")
    if sys.prefix == sys.base_prefix or not os.path.isfile(bundle) or os.path.exists(config):
        return
    with open(config, "w", encoding="utf-8") as handle:
        handle.write("[global]\ncert = %s\n" % os.path.realpath(bundle))


def main():
    arguments = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY_FLAGS]
    trust_the_system_store()
    environment = dict(os.environ)
    ensurepip.bootstrap(upgrade=True)  # sets PIP_CONFIG_FILE=/dev/null in this process, so hand pip the original
    return subprocess.call([sys.executable, "-m", "pip", "install"] + arguments, env=environment)


if __name__ == "__main__":
    sys.exit(main())
