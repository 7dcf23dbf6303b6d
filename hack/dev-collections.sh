#!/usr/bin/env bash
# Install the collections the checks need besides ours into a private collections path:
#   hack/dev-collections.sh PYTHON DEST
# awx.awx (credential types) is taken from the Ansible 6.7.0 package on PyPI, which bundles awx.awx 21.10.0,
# because Galaxy is not reachable from every CI machine and PyPI is.
set -euo pipefail
python=$1
dest=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$python" -m pip download --quiet --no-deps --only-binary :all: --dest "$work" ansible==6.7.0
"$python" - "$work"/ansible-6.7.0-py3-none-any.whl "$dest" <<'PY'
import sys
import zipfile

wheel, dest = sys.argv[1:]
prefix = "ansible_collections/awx/awx/"
with zipfile.ZipFile(wheel) as archive:
    members = [name for name in archive.namelist() if name.startswith(prefix)]
    archive.extractall(dest, members)
print("awx.awx installed in %s (%d files)" % (dest, len(members)))
PY
