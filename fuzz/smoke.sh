#!/usr/bin/env bash
# A short coverage-guided fuzzing run of every target, for the test command (issue 15): builds
# the targets (see common.sh: stable Rust, no cargo-fuzz), seeds the corpora from the fixtures,
# then fuzzes each target for its share of FUZZ_SECONDS (default 60) from its seeds, one
# target at a time, each input limited to 1 s and 512 MB RSS. Any crash, timeout or OOM fails
# the run, naming the input that caused it and how to replay it. The last line of output is
# `fuzz: N passed, M failed` (targets).
#
#   fuzz/smoke.sh                    # all targets, ~60 s of fuzzing in all (plus the build)
#   fuzz/smoke.sh decode_frame       # some targets only
#   FUZZ_SECONDS=300 fuzz/smoke.sh   # longer
#
# Inputs found along the way go to a temporary corpus (the tree stays clean); reproducers to
# $FUZZ_ARTIFACTS (default: <fuzz target dir>/artifacts/<target>/), which CI can keep.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

targets=("${@:-${FUZZ_TARGETS[@]}}")
budget=${FUZZ_SECONDS:-60}
per=$(( (budget + ${#targets[@]} - 1) / ${#targets[@]} ))
artifacts=${FUZZ_ARTIFACTS:-$FUZZ_TARGET_DIR/artifacts}
passed=0
failed=0

summary() {
    echo "fuzz: $passed passed, $failed failed"
}

if ! "$FUZZ_DIR/seed.sh" >/dev/null; then
    echo "fuzz: error: fuzz/seed.sh failed" >&2
    failed=${#targets[@]}
    summary
    exit 1
fi
start=$SECONDS
if ! fuzz_build "${targets[@]}"; then
    echo "fuzz: error: the fuzz targets do not build (cargo output above)" >&2
    failed=${#targets[@]}
    summary
    exit 1
fi
echo "fuzz: built ${targets[*]} in $((SECONDS - start)) s; fuzzing each for $per s"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for t in "${targets[@]}"; do
    mkdir -p "$work/$t" "$artifacts/$t"
    log=$work/$t.log
    "$FUZZ_BIN_DIR/$t" "$work/$t" "$FUZZ_DIR/corpus/$t" \
        -dict="$(fuzz_dict "$t")" -max_len="$(fuzz_max_len "$t")" \
        -max_total_time="$per" -timeout=1 -rss_limit_mb=512 \
        -artifact_prefix="$artifacts/$t/" -print_final_stats=1 >"$log" 2>&1
    rc=$?
    stat() { sed -n "s/^stat::$1: *//p" "$log" | tail -1; }
    reproducer=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | grep -v '/slow-unit-' | tail -1)
    if [[ $rc == 0 && -z $reproducer ]]; then
        passed=$((passed + 1))
        echo "fuzz: $t: ok: $(stat number_of_executed_units) inputs, $(stat average_exec_per_sec) exec/s, $(stat new_units_added) new, peak RSS $(stat peak_rss_mb) MB"
        continue
    fi
    failed=$((failed + 1))
    case ${reproducer##*/} in
        crash-*) what=crash ;;
        timeout-*) what="timeout (over 1 s)" ;;
        oom-*) what="out of memory (over 512 MB)" ;;
        *) what="exit status $rc" ;;
    esac
    echo "---- $t: last lines of libFuzzer's output ----" >&2
    grep -v -E '^#[0-9]+|NEW_FUNC|Uses: ' "$log" | grep -v -E '^ +(at |[0-9]+: (std|core|__rust|libfuzzer_sys|_ZN6fuzzer|__libc|_start|main$))' \
        | tail -40 >&2
    echo "----" >&2
    echo "fuzz: $t: FAILED: $what; reproducer: ${reproducer:-none written}" >&2
    [[ -n $reproducer ]] && echo "fuzz: $t: replay: $FUZZ_BIN_DIR/$t $reproducer" >&2
done
summary
[[ $failed == 0 ]]
