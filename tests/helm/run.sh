#!/usr/bin/env bash
# Offline check of the Helm chart (helm/hotline) and the Dockerfile, without helm, docker or a
# cluster:
#   1. builds tests/helm/render (a Go renderer: Go text/template + sprig + Helm's include, tpl,
#      toYaml, required, lookup …) from Debian's golang-* packages, in GOPATH mode (no network);
#   2. renders the chart with the default values, the production example
#      (helm/hotline/ci/values-production.yaml) and a trial fixture (tests/helm/values-trial.yaml),
#      and checks that values the chart must refuse are refused;
#   3. validates every rendered object with kubernetes-validate --strict against the chart's
#      oldest Kubernetes (1.25), 1.31 and the newest the validator ships;
#   4. tests/helm/check.py: HOTLINE_* names against `hotline-api config`, probes, non-root and
#      read-only containers, the migration hook, NetworkPolicies, and starts the real binaries
#      with each container's environment to see them accept it; then, where PostgreSQL and
#      Redis answer (always in CI), runs the default install's migration Job, api and worker
#      for real (scratch database, uid 10001, worker under tini in its own PID namespace);
#   5. the Dockerfile (dockerfile-parse): binaries, port, user, pinned bases, .dockerignore.
# Build artefacts live in $HOME/.cache (hotline-helm, hotline-helm-venv). Exits non-zero on any
# failure.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
chart="$root/helm/hotline"
cache="$HOME/.cache/hotline-helm"
venv="$HOME/.cache/hotline-helm-venv"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/hotline-target}"
mkdir -p "$cache"
out="$cache/out"
rm -rf "$out"
mkdir -p "$out"

step() { printf '\n--- %s\n' "$1"; }

# 1. Tools: Go and the Go libraries from Debian, Python tools in a venv.
# tini: the live run starts the worker under it, as the image does.
go_pkgs=(golang-go golang-github-masterminds-sprig-dev golang-k8s-sigs-yaml-dev tini)
missing=()
for p in "${go_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
command -v python3 >/dev/null || missing+=(python3)
if [ ${#missing[@]} -gt 0 ]; then
  step "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

step "building the renderer (Go $(go env GOVERSION), GOPATH=/usr/share/gocode, offline)"
(
  cd "$root/tests/helm/render"
  GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS= GOCACHE="$cache/go-build" GOPROXY=off \
    go build -o "$cache/render" .
)

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" || { apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null && python3 -m venv "$venv"; }
fi
"$venv/bin/python" -c "import kubernetes_validate, dockerfile_parse" 2>/dev/null ||
  "$venv/bin/pip" install -q "kubernetes-validate==1.37.0" "dockerfile-parse==2.0.1"
py="$venv/bin/python"
"$py" -c 'import sys; assert sys.version_info >= (3, 11), "check.py needs Python 3.11 (tomllib)"'

# The configuration keys the services know: the binary's own table (the README's copy is
# generated from it, so the binary is the source of truth), and both binaries to start with
# the rendered environments.
step "hotline-api and hotline-worker (cargo build, shared target dir: may wait for a lock)"
cargo build -q --locked -p hotline-api -p hotline-worker
"$CARGO_TARGET_DIR/debug/hotline-api" config > "$out/config-keys.md"
echo "  $(grep -c '^| `' "$out/config-keys.md") configuration keys from hotline-api config"

# 2. Render.
render() { "$cache/render" -chart "$chart" -name hotline -namespace hotline "$@"; }
declare -A files=([default]="" [production]="$chart/ci/values-production.yaml" [trial]="$root/tests/helm/values-trial.yaml")
step "rendering"
for profile in default production trial; do
  args=()
  [ -n "${files[$profile]}" ] && args=(-f "${files[$profile]}")
  render "${args[@]}" -notes "$out/$profile-NOTES.txt" > "$out/$profile.yaml"
  render "${args[@]}" -upgrade > "$out/$profile-upgrade.yaml"
  cmp -s "$out/$profile.yaml" "$out/$profile-upgrade.yaml" || { echo "  $profile: install and upgrade render differently"; exit 1; }
  printf '  %-10s %3d objects: %s\n' "$profile" "$(grep -c '^kind:' "$out/$profile.yaml")" \
    "$(grep '^kind:' "$out/$profile.yaml" | awk '{print $2}' | sort | uniq -c | awk '{printf "%s%s×%s", sep, $2, $1; sep=", "}')"
done

# Values the chart must refuse, each with the words of its message.
refuse() {
  local name=$1 expect=$2 body=$3
  printf '%s\n' "$body" > "$out/refuse-$name.yaml"
  if render -f "$out/refuse-$name.yaml" > /dev/null 2> "$out/refuse-$name.err"; then
    echo "  FAIL: values '$name' rendered, expected a refusal ($expect)"; exit 1
  fi
  grep -q -- "$expect" "$out/refuse-$name.err" || { echo "  FAIL: values '$name' refused with: $(cat "$out/refuse-$name.err")"; exit 1; }
  echo "  refused $name: $(sed 's/.*error calling [a-z]*: //' "$out/refuse-$name.err" | head -c 140)"
}
refuse secret-in-config "is a secret" 'config: {pii_key: x}'
refuse chart-key-in-config "is set by the chart" 'api: {config: {bind: "0.0.0.0:9"}}'
refuse upper-case-key "file keys" 'worker: {config: {LOG_LEVEL: debug}}'
refuse unknown-secret-ref "not a secret configuration key" 'secrets: {refs: {log_level: {key: x}}}'
refuse create-without-values "secrets.values.database_url is required" 'secrets: {create: true}'
refuse hpa-bounds "must not exceed" 'api: {autoscaling: {enabled: true, minReplicas: 5, maxReplicas: 2}}'

# 3. Schemas.
newest=$("$py" -c 'import kubernetes_validate.utils as u; print(u.latest_version())')
step "kubernetes-validate --strict (1.25.0 = the chart's kubeVersion floor, 1.31.0, $newest)"
for profile in default production trial; do
  for k in 1.25.0 1.31.0 "$newest"; do
    "$venv/bin/kubernetes-validate" --strict --quiet -k "$k" "$out/$profile.yaml"
  done
  echo "  $profile: $(grep -c '^kind:' "$out/$profile.yaml") objects valid against 1.25.0, 1.31.0 and $newest"
done

# 4. Semantics.
step "chart checks (tests/helm/check.py)"
for profile in default production trial; do
  "$py" "$root/tests/helm/check.py" chart "$out/$profile.yaml" "$out/$profile-NOTES.txt" \
    --keys "$out/config-keys.md" --profile "$profile" --repo "$root" \
    --api-bin "$CARGO_TARGET_DIR/debug/hotline-api" --worker-bin "$CARGO_TARGET_DIR/debug/hotline-worker"
done

# 4b. The rendered default install run for real against PostgreSQL and Redis on this machine
# (a scratch database and key prefix, removed afterwards): migration Job, api, worker.
pg_url="${HOTLINE_HELM_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
redis_url="${HOTLINE_HELM_REDIS_URL:-redis://127.0.0.1:6379/15}"
step "live: the default install's Job, api and worker environments against PostgreSQL and Redis"
if command -v psql >/dev/null && psql "$pg_url" -qAtc 'select 1' >/dev/null 2>&1 &&
   command -v redis-cli >/dev/null && [ "$(redis-cli -u "$redis_url" ping 2>/dev/null)" = PONG ]; then
  "$py" "$root/tests/helm/check.py" live --rendered "$out/default.yaml" \
    --api-bin "$CARGO_TARGET_DIR/debug/hotline-api" --worker-bin "$CARGO_TARGET_DIR/debug/hotline-worker" \
    --database-admin-url "$pg_url" --redis-url "$redis_url"
elif [ -n "${CI:-}" ]; then
  echo "  FAIL: PostgreSQL ($pg_url) or Redis ($redis_url) does not answer (CI runs this after starting them)"; exit 1
else
  echo "  skipped: PostgreSQL ($pg_url) or Redis ($redis_url) does not answer"
fi

# 5. Dockerfile.
step "Dockerfile (dockerfile-parse $("$py" -c 'import importlib.metadata as m; print(m.version("dockerfile-parse"))'))"
"$py" "$root/tests/helm/check.py" dockerfile --repo "$root" --rendered "$out/default.yaml" --keys "$out/config-keys.md"

# Optional, slow (a release build, 15+ minutes on 2 cores): the Dockerfile's own cargo command
# on exactly the files `docker build .` would send (.dockerignore applied), in its own target
# directory. This is the builder stage without docker; the image itself is not built.
if [ "${HOTLINE_HELM_BUILD_CONTEXT:-0}" = 1 ]; then
  cmd=$(grep -o 'cargo build [^&\\]*' "$root/Dockerfile" | head -n1)
  step "the Dockerfile's builder command on the build context: $cmd"
  "$py" "$root/tests/helm/check.py" context --repo "$root" --dest "$cache/context"
  (cd "$cache/context" && CARGO_TARGET_DIR="$cache/context-target" $cmd)
  for b in hotline-api hotline-worker; do
    "$cache/context-target/release/$b" --version
  done
fi

step "helm chart and Dockerfile: all checks passed (rendered files in $out)"
