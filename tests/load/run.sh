#!/usr/bin/env bash
# Durability and scale-out in a short mode (bounded counts), as .ci/run runs them: fails on any
# lost or duplicated case, a corrupt SQLite file, a 5xx during a rolling restart, a deadline
# crossing handled twice or drift.
#   tests/load/run.sh            short mode, debug build (what CI runs)
#   HOTLINE_LOAD_BUILD=release tests/load/run.sh --full    the figures of docs/BENCHMARKS.md
# Needs PostgreSQL and Redis on 127.0.0.1 (it kills and restarts PostgreSQL once: run alone).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/hotline-target}"
export HOTLINE_LOAD_BUILD="${HOTLINE_LOAD_BUILD:-debug}"
mode="--short"
[ "${1:-}" = "--full" ] && mode=""

need=()
command -v wrk >/dev/null || need+=(wrk)
command -v sqlite3 >/dev/null || need+=(sqlite3)
command -v pgbench >/dev/null || need+=(postgresql-client)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq "${need[@]}" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null; }
fi
venv="$HOME/.cache/hotline-venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -c "import aiohttp" 2>/dev/null || "$venv/bin/pip" install -q aiohttp

profile_flag=()
[ "$HOTLINE_LOAD_BUILD" = "release" ] && profile_flag=(--release)
cargo build -q --locked "${profile_flag[@]}" -p hotline-api -p hotline-worker --manifest-path "$root/Cargo.toml"

cd "$here"
"$venv/bin/python" durability.py sqlite $mode
"$venv/bin/python" durability.py postgres $mode
"$venv/bin/python" scaleout.py $mode
echo "durability and scale-out: all checks passed ($HOTLINE_LOAD_BUILD build${mode:+, short})"
