#!/usr/bin/env bash
# Runs every cargo-fuzz target (fuzz/) for SECONDS each, one process, and prints one line per
# target: executions, seconds, crashes. Installs cargo-fuzz when missing. Not part of .ci/run
# (the same functions are property-tested in `cargo test --workspace`, hotline-domain props::*).
#
#   tests/fuzz/run.sh [SECONDS] [TARGET...]      default: 60 seconds, all targets
#
# Only a stable toolchain is needed: RUSTC_BOOTSTRAP=1 lets it take libFuzzer's -Z flags
# (coverage instrumentation and AddressSanitizer). FUZZ_SANITIZER=none builds without ASan if
# the sanitizer does not work on a machine. The corpus grows in fuzz/corpus/ (not in git); the
# committed seeds are in fuzz/seeds/. A crash leaves its input in fuzz/artifacts/<target>/ and
# the script exits 1; reproduce with `RUSTC_BOOTSTRAP=1 cargo fuzz run <target> <file>`.
set -euo pipefail

secs="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(rule_set intake_body phone)
root="$(cd "$(dirname "$0")/../.." && pwd)"
fuzz="$root/fuzz"

if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi
export RUSTC_BOOTSTRAP=1
build=(--fuzz-dir "$fuzz" --sanitizer "${FUZZ_SANITIZER:-address}")
[ -n "${CARGO_TARGET_DIR:-}" ] && build+=(--target-dir "$CARGO_TARGET_DIR")

failed=0
for t in "${targets[@]}"; do
    mkdir -p "$fuzz/corpus/$t" "$fuzz/artifacts/$t"
    log="$(mktemp)"
    set +e
    nice -n 10 cargo fuzz run "${build[@]}" "$t" "$fuzz/corpus/$t" "$fuzz/seeds/$t" -- \
        -max_total_time="$secs" -dict="$fuzz/dict/json.dict" -print_final_stats=1 \
        -artifact_prefix="$fuzz/artifacts/$t/" 2>"$log"
    status=$?
    set -e
    runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
    # libFuzzer's last status line: coverage (edges), features, corpus, speed.
    last="$(grep -E '^#[0-9]+' "$log" | tail -1 | grep -oE '(cov|ft|exec/s): [0-9]+' | tr '\n' ' ')"
    crashes="$(find "$fuzz/artifacts/$t" -type f | wc -l)"
    echo "fuzz $t: exit $status, ${runs:-?} executions in ${secs} s, $crashes crash file(s), corpus $(find "$fuzz/corpus/$t" -type f | wc -l) inputs; $last"
    if [ "$status" -ne 0 ] || [ "$crashes" -ne 0 ]; then
        failed=1
        tail -n 40 "$log"
    fi
    rm -f "$log"
done
exit "$failed"
