#!/usr/bin/env bash
# Create a virtualenv with a Python in a given range and the pinned requirements (make demo / make test call it).
#   hack/bootstrap-venv.sh VENV_DIR REQUIREMENTS MIN_MINOR MAX_MINOR
# picks the newest Python 3.MIN_MINOR..3.MAX_MINOR found through pyenv or on PATH. A stamp with the hash of the
# requirements file keeps a finished venv until the requirements change.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=$1
requirements=$2
min_minor=$3
max_minor=$4
stamp="$venv/.installed-$(sha256sum "$requirements" | cut -c1-16)"
if [ -f "$stamp" ]; then
  exit 0
fi

find_python() {
  local candidates=() minor
  for ((minor = max_minor; minor >= min_minor; minor--)); do
    if command -v pyenv >/dev/null 2>&1; then
      candidates+=("$(pyenv root)"/versions/3."$minor".*/bin/python3)
    fi
    candidates+=("$HOME"/.pyenv/versions/3."$minor".*/bin/python3)
    if command -v python3."$minor" >/dev/null 2>&1; then
      candidates+=("$(command -v python3."$minor")")
    fi
  done
  if command -v python3 >/dev/null 2>&1; then
    candidates+=("$(command -v python3)")
  fi
  local candidate
  for candidate in "${candidates[@]}"; do
    [ -x "$candidate" ] || continue
    if "$candidate" -c "import sys, venv; sys.exit(0 if (3, $min_minor) <= sys.version_info[:2] <= (3, $max_minor) else 1)" \
        >/dev/null 2>&1; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

if ! python=$(find_python); then
  echo "ERROR: $venv needs Python 3.$min_minor to 3.$max_minor ($requirements pins an ansible-core that runs on them)." >&2
  echo "Install one, for example 'pyenv install 3.$max_minor', then run make again." >&2
  exit 1
fi

echo "Creating $venv with $python ($("$python" --version 2>&1)) from $requirements"
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet -r "$requirements"
touch "$stamp"
