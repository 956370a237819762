#!/usr/bin/env bash
# libFuzzer over the parsers and the engine (fuzz/, cargo-fuzz). Needs a
# nightly toolchain and cargo-fuzz; without nightly it says so and exits 0, so
# it is not part of .ci/run. Results: docs/reliability.md.
#
#   tools/fuzz.sh build                       # seed corpora + the four targets
#   tools/fuzz.sh run TARGET [RUNS] [SECONDS] # one target: RUNS inputs (default 10 million,
#                                             # -1 = no limit), at most SECONDS (0 = no limit)
#
# Targets: case_assess, kb_file, fhir_input, kb_file_in_set (slow: give SECONDS).
# A crash or a timeout (10 s per input) exits non-zero and leaves the input in
# fuzz/artifacts/TARGET/; reproduce it with `cargo +nightly fuzz run -a -s none
# TARGET fuzz/artifacts/TARGET/<file>`. SYNTHEA_BULK_DIR adds a few patients of
# a Bulk Data export to the FHIR seeds, CLUNEAL (a built binary) the answers of
# its `fhir next-question`.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
    echo "fuzz: no nightly toolchain; skipped"
    exit 0
fi
# Overflow checks on (-a); no sanitizer (-s none): Cluneal forbids unsafe code,
# and without AddressSanitizer a run is 3-5 times faster.
flags=(-a -s none)
case "${1:-}" in
build)
    python3 fuzz/seed_corpus.py "${SYNTHEA_BULK_DIR:-}" "${CLUNEAL:-}"
    (cd fuzz && cargo +nightly fuzz build "${flags[@]}")
    ;;
run)
    target=${2:?a target}
    runs=${3:-10000000}
    seconds=${4:-0}
    mkdir -p "fuzz/artifacts/$target"
    bin=fuzz/target/x86_64-unknown-linux-gnu/release/$target
    [ -x "$bin" ] || { echo "fuzz: build first (tools/fuzz.sh build)"; exit 2; }
    "$bin" "fuzz/corpus/$target" -runs="$runs" -max_total_time="$seconds" -timeout=10 \
        -print_final_stats=1 -artifact_prefix="fuzz/artifacts/$target/"
    ;;
*)
    sed -n '2,15p' "$0"
    exit 2
    ;;
esac
