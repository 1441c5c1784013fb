# Sourced by tests/open311/run.sh and tests/api/schemathesis.sh: the Python venv of the external
# clients and schemathesis (tests/open311/requirements.txt), created once and reinstalled when
# the requirements change. Sets $venv.
_requirements="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/requirements.txt"
venv="${OPEN311_VENV:-$HOME/.cache/hotline-open311-venv}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" 2>/dev/null || {
    rm -rf "$venv"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq python3-venv
    python3 -m venv "$venv"
  }
fi
_want=$(sha256sum "$_requirements" | cut -d' ' -f1)
if [ "$(cat "$venv/.open311-requirements" 2>/dev/null || true)" != "$_want" ]; then
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$_requirements"
  echo "$_want" >"$venv/.open311-requirements"
fi
