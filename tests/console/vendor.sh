#!/usr/bin/env bash
# Vendored browser assets of the web console (services/api/console/vendor/).
#
#   bash tests/console/vendor.sh                      verify every file listed in
#                                                     vendor/SHA256SUMS (coreutils only; CI runs this)
#   bash tests/console/vendor.sh --update PKG VERSION re-fetch PKG@VERSION with `npm pack`,
#                                                     copy its files into vendor/, rewrite SHA256SUMS
#
# PKG is one of: htmx.org, echarts. After --update, edit vendor/VERSIONS.md by hand
# (version, tarball URL, integrity, sha256 columns); the script prints the values.
# VENDOR_DIR overrides the folder checked (used to test the check on a copy).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENDOR_DIR="${VENDOR_DIR:-$ROOT/services/api/console/vendor}"
SUMS=SHA256SUMS

die() { echo "vendor.sh: $*" >&2; exit 1; }

verify() {
    [ -d "$VENDOR_DIR" ] || die "no vendor folder: $VENDOR_DIR"
    [ -s "$VENDOR_DIR/$SUMS" ] || die "missing or empty $VENDOR_DIR/$SUMS"
    cd "$VENDOR_DIR"
    # --strict: malformed lines fail too; a missing listed file fails ("FAILED open or read").
    if sha256sum --strict -c "$SUMS"; then
        local f
        for f in *; do
            case "$f" in "$SUMS"|VERSIONS.md) continue ;; esac
            grep -q "  $f\$" "$SUMS" || echo "vendor.sh: warning: $f is not listed in $SUMS" >&2
        done
        echo "vendor: $(grep -c . "$SUMS") files verified"
    else
        die "vendored asset checksum mismatch or missing file in $VENDOR_DIR"
    fi
}

update() {
    local pkg="$1" ver="$2" prefix js
    case "$pkg" in
        htmx.org) prefix=htmx;    js=dist/htmx.min.js ;;
        echarts)  prefix=echarts; js=dist/echarts.min.js ;;
        *) die "unknown package '$pkg' (expected htmx.org or echarts)" ;;
    esac
    command -v npm >/dev/null || die "npm is needed for --update (apt-get install -y nodejs npm)"

    tmp="$(mktemp -d)"  # global: the EXIT trap runs after update() returns
    trap 'rm -rf "$tmp"' EXIT
    local integrity tarball
    integrity="$(npm view "$pkg@$ver" dist.integrity 2>/dev/null)"
    tarball="$(npm view "$pkg@$ver" dist.tarball 2>/dev/null)"
    [ -n "$integrity" ] || die "npm knows no $pkg@$ver"
    (cd "$tmp" && npm pack "$pkg@$ver" --silent >/dev/null 2>&1) || die "npm pack $pkg@$ver failed"
    local tgz; tgz="$(ls "$tmp"/*.tgz)"
    local got; got="$(node -e 'const c=require("crypto"),fs=require("fs");process.stdout.write("sha512-"+c.createHash("sha512").update(fs.readFileSync(process.argv[1])).digest("base64"))' "$tgz")"
    [ "$got" = "$integrity" ] || die "tarball integrity $got != registry $integrity"
    tar -xzf "$tgz" -C "$tmp"
    local p="$tmp/package"
    [ "$(node -p 'require(process.argv[1]).version' "$p/package.json")" = "$ver" ] \
        || die "package.json version is not $ver"

    # Replace every file of this package (named "$prefix.*") in the vendor folder.
    mkdir -p "$VENDOR_DIR"
    rm -f "$VENDOR_DIR/$prefix".*
    local files=() f
    [ -f "$p/$js" ] || die "$pkg@$ver has no $js"
    cp "$p/$js" "$VENDOR_DIR/$prefix.min.js"; files+=("$prefix.min.js")
    local lic; lic="$(ls "$p" | grep -iE '^licen[cs]e(\.(md|txt))?$' | head -1 || true)"
    [ -n "$lic" ] || die "$pkg@$ver has no LICENSE file"
    cp "$p/$lic" "$VENDOR_DIR/$prefix.LICENSE.txt"; files+=("$prefix.LICENSE.txt")
    local notice; notice="$(ls "$p" | grep -iE '^notice(\.(md|txt))?$' | head -1 || true)"
    if [ -n "$notice" ]; then
        cp "$p/$notice" "$VENDOR_DIR/$prefix.NOTICE.txt"; files+=("$prefix.NOTICE.txt")
    fi
    # Licenses of bundled third-party code (echarts: licenses/LICENSE-d3, named in its LICENSE).
    if [ -d "$p/licenses" ]; then
        for f in "$p"/licenses/*; do
            [ -f "$f" ] || continue
            cp "$f" "$VENDOR_DIR/$prefix.$(basename "$f").txt"; files+=("$prefix.$(basename "$f").txt")
        done
    fi

    # Rewrite SHA256SUMS: drop this package's old lines, add the new ones, keep the rest.
    cd "$VENDOR_DIR"
    { if [ -f "$SUMS" ]; then grep -vF "  $prefix." "$SUMS" || true; fi
      sha256sum "${files[@]}"; } | LC_ALL=C sort -k2 > "$SUMS.new"
    mv "$SUMS.new" "$SUMS"

    echo "updated $pkg to $ver. Now edit $VENDOR_DIR/VERSIONS.md with:"
    echo "  version:   $ver"
    echo "  tarball:   $tarball"
    echo "  integrity: $integrity"
    for f in "${files[@]}"; do
        echo "  sha256 $f: $(sha256sum "$f" | cut -d' ' -f1) ($(wc -c < "$f") bytes)"
    done
}

case "${1:-}" in
    "") verify ;;
    --update) [ $# -eq 3 ] || die "usage: $0 --update PKG VERSION"; update "$2" "$3" ;;
    -h|--help) sed -n '2,11p' "$0" ;;
    *) die "usage: $0 [--update PKG VERSION]" ;;
esac
