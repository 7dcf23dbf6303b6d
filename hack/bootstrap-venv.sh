#!/usr/bin/env bash
# Create .venv with Python >= 3.12 (ansible-core 2.21 needs it on the controller) and the pinned tools.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv
stamp="$venv/.installed-$(sha256sum requirements-dev.txt | cut -c1-16)"
if [ -f "$stamp" ]; then
  exit 0
fi

find_python() {
  local candidates=()
  if command -v pyenv >/dev/null 2>&1; then
    local root
    root=$(pyenv root)
    candidates+=("$root"/versions/3.14*/bin/python3 "$root"/versions/3.13*/bin/python3 "$root"/versions/3.12*/bin/python3)
  fi
  candidates+=("$HOME"/.pyenv/versions/3.1[234]*/bin/python3)
  for name in python3.14 python3.13 python3.12 python3; do
    if command -v "$name" >/dev/null 2>&1; then
      candidates+=("$(command -v "$name")")
    fi
  done
  local candidate
  for candidate in "${candidates[@]}"; do
    [ -x "$candidate" ] || continue
    if "$candidate" -c 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

if ! python=$(find_python); then
  echo "ERROR: no Python 3.12 or newer found (ansible-core 2.21 needs it)." >&2
  echo "Install one, for example 'pyenv install 3.12', then run make again." >&2
  exit 1
fi

echo "Creating $venv with $python ($("$python" --version 2>&1))"
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet -r requirements-dev.txt
touch "$stamp"
