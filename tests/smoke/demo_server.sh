# Sourced by the scripts that test the running server from outside (quickstart.sh,
# open311/run.sh): starts the README's run command in an empty folder with the demo city.
# Usage: start_demo_server PASSWORD — sets $base, $pid and $work (removed at exit).
start_demo_server() {
  local password=$1
  work=$(mktemp -d)
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  (cd "$work" && HOTLINE_BIND="127.0.0.1:$port" HOTLINE_DEMO_PASSWORD="$password" \
    exec "$CARGO_TARGET_DIR/debug/hotline-api" --demo >"$work/server.log" 2>&1) &
  pid=$!
  trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$work"' EXIT
  base="http://127.0.0.1:$port"
  for _ in $(seq 1 240); do
    curl -fs "$base/healthz" >/dev/null 2>&1 && break
    kill -0 $pid 2>/dev/null || { cat "$work/server.log"; echo "server exited"; exit 1; }
    sleep 0.25
  done
  curl -fs "$base/healthz" | grep -q '"ok"' || { tail -n 50 "$work/server.log"; echo "server not healthy"; exit 1; }
}
