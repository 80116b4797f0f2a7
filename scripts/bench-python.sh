#!/usr/bin/env bash
# Runs hologram-bench with hologram-python 0.10.3 side by side: the SDK, a
# bare std::net loop and the Python SDK's CustomCloud on the same loopback
# simulator, and prints the table with the ratios (see docs/performance.md).
#
#   scripts/bench-python.sh [hologram-bench options...]
#   e.g. scripts/bench-python.sh --json target/bench.json
#
# 1. makes the venv with hologram-python 0.10.3 from PyPI
#    (scripts/python-sdk-venv.sh, idempotent; VENV overrides the place,
#    default <workspace>/target/python-sdk-venv);
# 2. builds hologram-bench and the `hologram` command in release mode;
# 3. runs target/release/hologram-bench --python VENV/bin/python "$@".
# Without Python or PyPI it says so and runs the Rust side alone.
# The Python client it measures is scripts/bench-python.py (embedded in the
# bench binary); run it by hand against `hologram-bench --serve` if needed.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${VENV:-$root/target/python-sdk-venv}"

bash "$root/scripts/python-sdk-venv.sh" --no-py39 "$venv"

cd "$root"
cargo build --release -p hologram-bench -p hologram-cli

python_args=()
if [ -x "$venv/bin/python" ]; then
  python_args=(--python "$venv/bin/python")
else
  echo "bench-python: no hologram-python venv: measuring the Rust side only" >&2
fi

target_dir="${CARGO_TARGET_DIR:-$root/target}"
exec "$target_dir/release/hologram-bench" "${python_args[@]}" "$@"
