#!/usr/bin/env bash
# Open311 GeoReport v2 as outside clients see it. Builds and starts the server the way the
# README's quick start does (empty folder, --demo, SQLite), then, from a venv of pinned
# PyPI packages (requirements.txt):
#   1. test_clients.py: the real clients civicbot (reads and writes) and georeport (reads,
#      JSON and XML), unchanged; every response checked against the Open311 JSON Schemas in
#      ../shared/data/open311, plus Content-Type, XML prolog, error lists, no personal data;
#   2. schemathesis against our own OpenAPI description (/api-docs/openapi.json), the
#      /open311/v2/ operations only, all checks, a bounded number of examples;
#   3. test_clients.py --sweep: everything the server lists after the fuzzing (requests,
#      updates, JSON and XML) still validates against the Open311 schemas.
# Loopback only. Exits non-zero on any failure; the last line counts both.
# Settings: CARGO_TARGET_DIR, OPEN311_VENV, OPEN311_SCHEMAS (the JSON Schemas' folder),
# OPEN311_MAX_EXAMPLES (schemathesis examples per operation and phase, default 20),
# OPEN311_SEED (schemathesis seed, default fixed so CI runs are repeatable).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
schemas="${OPEN311_SCHEMAS:-$root/../shared/data/open311}"
for f in service.json services.json service-definition.json request.json requests.json; do
  [ -f "$schemas/$f" ] || { echo "Open311 JSON Schema $schemas/$f is missing (shared/ must sit beside the repo)"; exit 1; }
done
schemas=$(cd "$schemas" && pwd)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/hotline-target}"

source "$root/tests/open311/venv.sh"

cargo build -q -p hotline-api --manifest-path "$root/Cargo.toml"

password="open311-suite-password"
# schemathesis posts hundreds of generated requests from one address within minutes; the
# server's Open311 budget (rate_limit_open311_post, its own e2e test) must not answer them 429.
export HOTLINE_RATE_LIMIT_OPEN311_POST="100000/1h"
source "$root/tests/smoke/demo_server.sh"
start_demo_server "$password"
# schemathesis keeps its state in the working folder: the temporary one, not the checkout.
cd "$work"

passed=0
failed=0
# Adds a test_clients.py summary (JSON {passed, failed}) to the counts; a run that failed
# without saying why, or left no summary, counts as one failure more.
tally() {
  local summary=$1 rc=$2 what=$3 p f
  if [ -f "$summary" ]; then
    read -r p f < <("$venv/bin/python" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["passed"], d["failed"])' "$summary")
    passed=$((passed + p)); failed=$((failed + f))
    [ "$rc" = 0 ] || [ "$f" != 0 ] || failed=$((failed + 1))
  else
    echo "FAIL $what ended without a summary (exit $rc)"
    failed=$((failed + 1))
  fi
}

echo "--- real clients (civicbot, georeport) against $base/open311/v2"
clients_rc=0
"$venv/bin/python" "$here/test_clients.py" --base "$base" --password "$password" --schemas "$schemas" \
  --out-dir "$work/st" --summary "$work/clients.json" || clients_rc=$?
tally "$work/clients.json" "$clients_rc" "test_clients.py"

echo "--- schemathesis against $base/api-docs/openapi.json (the /open311/v2/ operations)"
if [ -s "$work/st/api_key" ]; then
  cp "$here/schemathesis.toml" "$work/st/schemathesis.toml"
  st_rc=0
  OPEN311_API_KEY=$(cat "$work/st/api_key") \
    "$venv/bin/schemathesis" --config-file "$work/st/schemathesis.toml" run "$base/api-docs/openapi.json" \
    --url "$base" --include-path-regex '^/open311/v2/' --checks all \
    --max-examples "${OPEN311_MAX_EXAMPLES:-20}" --seed "${OPEN311_SEED:-311}" \
    --no-color || st_rc=$?
  if [ "$st_rc" = 0 ]; then
    echo "PASS schemathesis: 0 server errors, 0 schema violations, all checks"
    passed=$((passed + 1))
  else
    echo "FAIL schemathesis (exit $st_rc)"
    failed=$((failed + 1))
  fi
else
  echo "FAIL schemathesis not run: test_clients.py obtained no API key"
  failed=$((failed + 1))
fi

echo "--- after schemathesis: what the server now lists is still valid Open311"
if [ -s "$work/st/api_key" ]; then
  sweep_rc=0
  "$venv/bin/python" "$here/test_clients.py" --base "$base" --password "$password" --schemas "$schemas" \
    --sweep --summary "$work/sweep.json" || sweep_rc=$?
  tally "$work/sweep.json" "$sweep_rc" "test_clients.py --sweep"
fi

if [ "$failed" != 0 ]; then
  echo "--- server log (last 40 lines)"
  tail -n 40 "$work/server.log" || true
fi
echo "open311-clients: $passed passed, $failed failed"
[ "$failed" = 0 ]
