#!/usr/bin/env bash
# The README's run command as a newcomer uses it, checked over HTTP: in an empty folder,
# `cargo run -p hotline-api -- --demo` serves /healthz; admin_12319 signs in; city_admin
# lists at least 9 lines; admin_12319 asking for a 12315 user gets 404.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/hotline-target}"
cargo build -q -p hotline-api --manifest-path "$root/Cargo.toml"

source "$root/tests/smoke/demo_server.sh"
start_demo_server "smoke-test-password"
test -f "$work/hotline-data/hotline.db" || { echo "no SQLite file created"; exit 1; }

token() {
  curl -fs -X POST "$base/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"smoke-test-password\"}" |
    python3 -c 'import sys, json; print(json.load(sys.stdin)["access_token"])'
}
admin=$(token admin_12319)
city=$(token city_admin)
lines=$(curl -fs "$base/api/v1/tenants?limit=200" -H "authorization: Bearer $city" |
  python3 -c 'import sys, json; print(len(json.load(sys.stdin)["items"]))')
[ "$lines" -ge 9 ] || { echo "city_admin sees $lines tenants, expected at least 9"; exit 1; }
user=$(curl -fs "$base/api/v1/tenants/12315/users" -H "authorization: Bearer $city" |
  python3 -c 'import sys, json; print(json.load(sys.stdin)["items"][0]["id"])')
code=$(curl -s -o /dev/null -w '%{http_code}' "$base/api/v1/tenants/12315/users/$user" -H "authorization: Bearer $admin")
[ "$code" = 404 ] || { echo "admin_12319 reading a 12315 user got $code, expected 404"; exit 1; }
echo "quickstart smoke: healthz ok, $lines tenants, cross-tenant read 404"
echo "1 passed, 0 failed"
