#!/usr/bin/env bash
# Schemathesis over the whole OpenAPI description (/api-docs/openapi.json) of a live server,
# started the way the README's quick start does (empty folder, --demo, SQLite). Every check
# (server errors, response schemas, status codes, content types, headers, negative data, …)
# on every operation, signed in: each run below takes the operations one role can reach and
# the token of that role, so that most examples get past authorisation to the code behind
# it; the stateful phase follows the links schemathesis infers (a created unit, user or
# article is read and changed next). The /open311/v2/ operations are left to
# tests/open311/run.sh, which knows their integrator key and the values that exist at run
# time.
# A separate script rather than a step of open311/run.sh: its own server and database, so
# that what it creates, changes or disables does not disturb the Open311 sweep, and the
# runs are chosen by role rather than by one integrator key. It shares that suite's venv
# (the same pinned requirements: schemathesis is the latest release), so CI installs once.
# Loopback only. Exits non-zero on any failure; the last line counts the runs.
# Settings: CARGO_TARGET_DIR, OPEN311_VENV, API_MAX_EXAMPLES (examples per operation and
# phase, default 12), API_SEED (default fixed so CI runs are repeatable), API_TIME_SCALE
# (multiplies each run's time bound, default 1).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/hotline-target}"

source "$root/tests/open311/venv.sh"

cargo build -q -p hotline-api --manifest-path "$root/Cargo.toml"

# Limits generous enough that the fuzzer's hundreds of requests from one address are not
# answered 429 where the description does not say so; tokens outlive the whole run.
export HOTLINE_PUBLIC_RATE_LIMIT_PER_HOUR=1000000
# The edge's request budgets (sign-in, knowledge search, Open311 POSTs) are proven by the e2e
# suite (rate_limits::); here they would only turn generated requests into 429s.
export HOTLINE_RATE_LIMIT_LOGIN="1000000/1m"
export HOTLINE_RATE_LIMIT_KB_SEARCH="1000000/1m"
export HOTLINE_RATE_LIMIT_OPEN311_POST="1000000/1h"
export HOTLINE_ACCESS_TOKEN_TTL=2h
password="schemathesis-suite-password"
source "$root/tests/smoke/demo_server.sh"
start_demo_server "$password"
# schemathesis keeps its state in the working folder: the temporary one, not the checkout.
cd "$work"

token() {
  curl -fsS "$base/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"$password\"}" |
    "$venv/bin/python" -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}

# The values that exist in the demo city (one quoted string a line), drawn most of the time for path parameters so that
# examples reach real records (the rest of the time a generated value, answered 404).
curl -fsS "$base/api/v1/tenants" -H "authorization: Bearer $(token city_admin)" |
  "$venv/bin/python" -c 'import json,sys; [print(json.dumps(t["code"])) for t in json.load(sys.stdin)["items"]]' >"$work/codes.dict"
cp "$here/schemathesis.toml" "$work/schemathesis.toml"

passed=0
failed=0
# run NAME USER SECONDS PATH-REGEX [more schemathesis options]: one run, signed in as USER.
# SECONDS bounds the run (schemathesis fuzzes and walks links until it is spent), scaled by
# API_TIME_SCALE (default 1); the whole script stays under about seven minutes.
run() {
  local name=$1 user=$2 seconds=$3 regex=$4
  shift 4
  seconds=$("$venv/bin/python" -c 'import sys; print(max(5, round(float(sys.argv[1]) * float(sys.argv[2]))))' "$seconds" "${API_TIME_SCALE:-1}")
  echo "--- schemathesis as $user: $name ($regex)"
  local rc=0
  API_TOKEN=$(token "$user") "$venv/bin/schemathesis" --config-file "$work/schemathesis.toml" \
    run "$base/api-docs/openapi.json" --url "$base" --include-path-regex "$regex" --checks all \
    --max-examples "${API_MAX_EXAMPLES:-12}" --seed "${API_SEED:-12345}" --max-time "$seconds" \
    --no-color "$@" || rc=$?
  if [ "$rc" = 0 ]; then
    echo "PASS schemathesis $name"
    passed=$((passed + 1))
  else
    echo "FAIL schemathesis $name (exit $rc)"
    failed=$((failed + 1))
  fi
}

# Each operation once, with the role that can do it (the others are refused, which the
# isolation suite covers). Signing out is last: it ends the session it is sent with.
run "platform administration" city_admin 80 '^/api/v1/(tenants|audit-events|security-policy|me)' \
  --exclude-path-regex '/(rule-sets|kb/|api-keys|users/[^/]+/(roles|mfa))'
run "line configuration" admin_12319 70 '^/api/v1/tenants/[^/]+/(rule-sets|kb/|api-keys)|^/api/v1/(kb/|routing/)'
run "security administration" security_admin 25 '^/api/v1/tenants/[^/]+/users/[^/]+/(roles|mfa)'
run "cases and calls" dispatcher 90 '^/api/v1/(cases|calls|desk|supervision|stats)'
run "public and sign-in" agent 50 '^/(healthz|readyz|api/v1/(public|auth/(login|refresh|mfa)))'
run "sign-out" agent 15 '^/api/v1/auth/logout$'

if [ "$failed" != 0 ]; then
  echo "--- server log (last 40 lines)"
  tail -n 40 "$work/server.log" || true
fi
echo "schemathesis-api: $passed passed, $failed failed"
[ "$failed" = 0 ]
