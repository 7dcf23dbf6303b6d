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
"""

import ensurepip
import subprocess
import sys

GET_PIP_ONLY_FLAGS = ("--no-setuptools", "--no-wheel")


def main():
    arguments = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY_FLAGS]
    ensurepip.bootstrap(upgrade=True)
    return subprocess.call([sys.executable, "-m", "pip", "install"] + arguments)


if __name__ == "__main__":
    sys.exit(main())
