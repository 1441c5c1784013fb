#!/usr/bin/env bash
# The README's run command as a newcomer uses it, checked over HTTP: in an empty folder,
# `cargo run -p hotline-api -- --demo` serves /healthz; admin_12319 signs in; city_admin
# lists at least 9 lines; admin_12319 asking for a 12315 user gets 404.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/hotline-target}"
cargo build -q -p hotline-api --manifest-path "$root/Cargo.toml"

work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cd "$work"
HOTLINE_BIND="127.0.0.1:$port" HOTLINE_DEMO_PASSWORD="smoke-test-password" \
  "$CARGO_TARGET_DIR/debug/hotline-api" --demo >"$work/server.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$work"' EXIT

base="http://127.0.0.1:$port"
for _ in $(seq 1 120); do
  curl -fs "$base/healthz" >/dev/null 2>&1 && break
  kill -0 $pid 2>/dev/null || { cat "$work/server.log"; echo "server exited"; exit 1; }
  sleep 0.25
done
curl -fs "$base/healthz" | grep -q '"ok"' || { cat "$work/server.log"; exit 1; }
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
