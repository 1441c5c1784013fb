#!/usr/bin/env bash
# The web console in a real browser: Debian's chromium (installed with apt-get when missing),
# headless, driven by playwright-core from npm (pinned in package-lock.json; it downloads no
# browser). Starts the README's run command in an empty folder with the demo city and walks
# the issue's scenario (walk.mjs). Screenshots: one PNG per page visited, in $CONSOLE_OUT
# (default tests/console/out/, kept after the run for a reviewer). Loopback only.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/hotline-target}"
out="${CONSOLE_OUT:-$here/out}"

# Chinese pages need a CJK font, or the screenshots show empty boxes.
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need+=(fonts-noto-cjk)
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq "${need[@]}" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null; }
fi
command -v node >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq nodejs npm >/dev/null; }
(cd "$here" && npm ci --no-audit --no-fund --silent)

cargo build -q -p hotline-api --manifest-path "$root/Cargo.toml"
password="console-walk-password"
source "$root/tests/smoke/demo_server.sh"
start_demo_server "$password"

rm -rf "$out" && mkdir -p "$out"
BASE="$base" PASSWORD="$password" OUT="$out" CHROMIUM="$(command -v chromium)" node "$here/walk.mjs"
echo "screenshots: $(ls "$out"/*.png | wc -l) in $out"
