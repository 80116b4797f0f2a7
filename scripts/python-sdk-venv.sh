#!/usr/bin/env bash
# Creates the Python virtual environments holding the reference SDK,
# hologram-python 0.10.3, for the tests that compare against it:
#
#   - VENV_DIR (default <workspace>/target/python-sdk-venv): the default
#     python3 (3.11 is known to work). On it only CustomCloud and
#     CSRPSKAuthentication import. Used by adapters/sim/tests/python_sdk.rs
#     and the benchmark.
#   - <workspace>/target/python39-venv (PY39_VENV overrides the place):
#     Python 3.9 from pyenv ($(pyenv root)/versions/3.9*/bin/python3.9, or
#     PY39 naming the interpreter). On it the WHOLE reference imports:
#     HologramCloud with TOTP (python-sdk-auth ships bytecode for 3.9 only),
#     the modem classes and the `hologram` script. Used by reference-tests/.
#
#   scripts/python-sdk-venv.sh [--no-py39] [VENV_DIR]
#
# Idempotent: a venv already holding that version and importing what its
# tests need is left as it is.
#
# When a venv cannot be made it prints a SKIPPED line with the reason,
# exits 0 and leaves no half-made venv. When the interpreter itself is
# missing it also writes the reason to <venv>.skipped: the tests read that
# file and report SKIPPED even under CI=true. Any other failure (PyPI
# unreachable, an import that fails) writes no such file, so under CI=true
# the tests fail: the interpreter is there, the set-up should have worked.
# Set PYTHON to choose the first interpreter (default python3).
set -euo pipefail

version="0.10.3"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

py39=yes
if [ "${1:-}" = "--no-py39" ]; then
  py39=no
  shift
fi
venv="${1:-$root/target/python-sdk-venv}"
python="${PYTHON:-python3}"
venv39="${PY39_VENV:-$root/target/python39-venv}"

# What must import in each venv.
IMPORTS_311='from Hologram.CustomCloud import CustomCloud
from Hologram.Authentication.CSRPSKAuthentication import CSRPSKAuthentication'
IMPORTS_39='from Hologram.HologramCloud import HologramCloud
from Hologram.CustomCloud import CustomCloud
from Hologram.Authentication.CSRPSKAuthentication import CSRPSKAuthentication
from HologramAuth.TOTPAuthentication import TOTPAuthentication
from Hologram.Network.Modem.Nova_U201 import Nova_U201
from Hologram.Network.Modem.NovaM import NovaM
from Hologram.Network.Modem.BG96 import BG96
from Hologram.Network.Modem.E303 import E303'

# installed VENV: the venv holds hologram-python $version.
installed() {
  [ -x "$1/bin/python" ] &&
    "$1/bin/python" - "$version" <<'PY' >/dev/null 2>&1
import sys
from importlib.metadata import version
sys.exit(0 if version("hologram-python") == sys.argv[1] else 1)
PY
}

# usable VENV IMPORTS: the parts its tests use import.
usable() {
  "$1/bin/python" -c "$2" >/dev/null 2>&1
}

# skip VENV REASON [marker]: say SKIPPED; with "marker", record the reason
# for the tests (the interpreter is missing: nothing to fail on in CI).
skip() {
  echo "python-sdk-venv: SKIPPED: $2"
  if [ "${3:-}" = marker ]; then
    mkdir -p "$(dirname "$1")"
    printf '%s\n' "$2" >"$1.skipped"
  fi
}

# build NAME VENV INTERPRETER IMPORTS DEFAULT_VENV
build() {
  local name="$1" dir="$2" interpreter="$3" imports="$4" default_dir="$5"
  rm -f "$dir.skipped"
  if installed "$dir" && usable "$dir" "$imports"; then
    echo "python-sdk-venv: hologram-python $version already in $dir ($name)"
    return 0
  fi
  local created=no
  if [ ! -x "$dir/bin/python" ]; then
    if ! "$interpreter" -m venv "$dir"; then
      rm -rf "$dir"
      skip "$dir" "cannot create a venv with $interpreter (is the venv module installed?)"
      return 0
    fi
    created=yes
  fi
  if ! "$dir/bin/python" -m pip install --disable-pip-version-check --quiet \
      --timeout 20 --retries 1 "hologram-python==$version"; then
    if [ "$created" = yes ]; then rm -rf "$dir"; fi
    skip "$dir" "could not install hologram-python==$version into $dir from PyPI (unreachable?)"
    return 0
  fi
  if ! usable "$dir" "$imports"; then
    # Leave no venv a test would pick up and fail on (a venv the caller
    # named and this script did not make is theirs: kept).
    if [ "$created" = yes ] || [ "$dir" = "$default_dir" ]; then
      rm -rf "$dir"
    fi
    skip "$dir" "hologram-python $version installed with $interpreter but the SDK does not import ($name needs: $(echo "$imports" | tr '\n' ';'))"
    return 0
  fi
  echo "python-sdk-venv: hologram-python $version ready: $dir/bin/python ($name)"
}

# The default interpreter: CustomCloud + CSRPSKAuthentication.
if command -v "$python" >/dev/null 2>&1; then
  build "$python" "$venv" "$python" "$IMPORTS_311" "$root/target/python-sdk-venv"
elif installed "$venv" && usable "$venv" "$IMPORTS_311"; then
  echo "python-sdk-venv: hologram-python $version already in $venv"
else
  skip "$venv" "$python not found; the Python SDK test will be skipped" marker
fi

[ "$py39" = yes ] || exit 0

# Python 3.9: the whole SDK, TOTP and modem classes included.
interpreter39="${PY39:-}"
if [ -z "$interpreter39" ] && command -v pyenv >/dev/null 2>&1; then
  pyenv_root="$(pyenv root 2>/dev/null || true)"
  if [ -n "$pyenv_root" ]; then
    for candidate in "$pyenv_root"/versions/3.9*/bin/python3.9; do
      [ -x "$candidate" ] && interpreter39="$candidate"
    done
  fi
fi
if [ -z "$interpreter39" ] || [ ! -x "$interpreter39" ]; then
  if installed "$venv39" && usable "$venv39" "$IMPORTS_39"; then
    echo "python-sdk-venv: hologram-python $version already in $venv39 (python3.9)"
    exit 0
  fi
  skip "$venv39" "no Python 3.9 interpreter (pyenv root/versions/3.9*/bin/python3.9, or PY39); the reference-SDK tests that need the whole SDK will be skipped" marker
  exit 0
fi
build "python3.9" "$venv39" "$interpreter39" "$IMPORTS_39" "$root/target/python39-venv"
