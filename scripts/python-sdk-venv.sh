#!/usr/bin/env bash
# Creates a Python virtual environment holding the reference SDK,
# hologram-python 0.10.3, for adapters/sim/tests/python_sdk.rs.
#
#   scripts/python-sdk-venv.sh [VENV_DIR]     (default: <workspace>/target/python-sdk-venv)
#
# Idempotent: does nothing when the venv already holds that version.
# When Python, venv or PyPI is not available it prints a SKIPPED line and
# exits 0, and leaves no half-made venv: the Rust test then skips visibly.
# Set PYTHON to choose the interpreter (default python3).
set -euo pipefail

version="0.10.3"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${1:-$root/target/python-sdk-venv}"
python="${PYTHON:-python3}"

installed() {
  [ -x "$venv/bin/python" ] &&
    "$venv/bin/python" - "$version" <<'PY' >/dev/null 2>&1
import sys
from importlib.metadata import version
sys.exit(0 if version("hologram-python") == sys.argv[1] else 1)
PY
}

# The parts the test uses must import (HologramCloud does not on Python 3.11).
usable() {
  "$venv/bin/python" -c 'from Hologram.CustomCloud import CustomCloud
from Hologram.Authentication.CSRPSKAuthentication import CSRPSKAuthentication' \
    >/dev/null 2>&1
}

if installed && usable; then
  echo "python-sdk-venv: hologram-python $version already in $venv"
  exit 0
fi

if ! command -v "$python" >/dev/null 2>&1; then
  echo "python-sdk-venv: SKIPPED: $python not found; the Python SDK test will be skipped"
  exit 0
fi

created=no
if [ ! -x "$venv/bin/python" ]; then
  if ! "$python" -m venv "$venv"; then
    rm -rf "$venv"
    echo "python-sdk-venv: SKIPPED: cannot create a venv with $python (is the venv module installed?)"
    exit 0
  fi
  created=yes
fi

if ! "$venv/bin/python" -m pip install --disable-pip-version-check --quiet \
    --timeout 20 --retries 1 "hologram-python==$version"; then
  if [ "$created" = yes ]; then rm -rf "$venv"; fi
  echo "python-sdk-venv: SKIPPED: could not install hologram-python==$version from PyPI (unreachable?)"
  exit 0
fi

if ! usable; then
  # Leave no venv the Rust test would pick up and fail on (a venv the
  # caller named and this script did not make is theirs: kept).
  if [ "$created" = yes ] || [ "$venv" = "$root/target/python-sdk-venv" ]; then
    rm -rf "$venv"
  fi
  echo "python-sdk-venv: SKIPPED: hologram-python $version installed but CustomCloud does not import with $python (Python 3.11 is known to work)"
  exit 0
fi
echo "python-sdk-venv: hologram-python $version ready: $venv/bin/python"
