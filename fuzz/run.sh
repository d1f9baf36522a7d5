#!/usr/bin/env bash
# A long fuzzing run of one target, one job, into the persistent corpus fuzz/corpus/TARGET/
# (not in git: inputs found are kept for the next run; fuzz/seed.sh refreshes the seeds).
#
#   fuzz/run.sh TARGET [RUNS] [libFuzzer flags...]
#   fuzz/run.sh extract                           # 10,000,000 inputs
#   fuzz/run.sh decode_frame 0 -max_total_time=3600
#   fuzz/run.sh parquet_read 100000 -only_ascii=0
#
# RUNS = 0 means no limit on inputs (stop with -max_total_time or Ctrl-C). Reports the inputs
# executed and exec/s; exits non-zero on a crash, timeout (1 s) or OOM (512 MB), naming the
# reproducer. Replay one with: <fuzz bin dir>/TARGET path/to/crash-…
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

t=${1:?"usage: fuzz/run.sh TARGET [RUNS] [libFuzzer flags...]   (TARGET: ${FUZZ_TARGETS[*]})"}
runs=${2:-10000000}
shift $(( $# < 2 ? $# : 2 ))
if [[ " ${FUZZ_TARGETS[*]} " != *" $t "* ]]; then
    echo "fuzz: unknown target $t (${FUZZ_TARGETS[*]})" >&2
    exit 2
fi
[[ $runs == 0 ]] && runs=-1

"$FUZZ_DIR/seed.sh" >/dev/null || exit 1
fuzz_build "$t" || exit 1
artifacts=${FUZZ_ARTIFACTS:-$FUZZ_TARGET_DIR/artifacts}/$t
mkdir -p "$artifacts"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
start=$SECONDS
"$FUZZ_BIN_DIR/$t" "$FUZZ_DIR/corpus/$t" \
    -dict="$(fuzz_dict "$t")" -max_len="$(fuzz_max_len "$t")" \
    -runs="$runs" -timeout=1 -rss_limit_mb=512 \
    -artifact_prefix="$artifacts/" -print_final_stats=1 "$@" 2>&1 | tee "$log" \
    | grep --line-buffered -E '^#[0-9]+.*(pulse|DONE)|INITED|ERROR|panicked|SUMMARY|Test unit written'
rc=${PIPESTATUS[0]}
stat() { sed -n "s/^stat::$1: *//p" "$log" | tail -1; }
echo "fuzz: $t: $(stat number_of_executed_units) executions in $((SECONDS - start)) s, $(stat average_exec_per_sec) exec/s, $(stat new_units_added) new inputs, peak RSS $(stat peak_rss_mb) MB, corpus $(ls "$FUZZ_DIR/corpus/$t" | wc -l) files"
reproducer=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | grep -v '/slow-unit-' | tail -1)
if [[ $rc != 0 || -n $reproducer ]]; then
    echo "fuzz: $t: FAILED (exit $rc); reproducer: ${reproducer:-none written}" >&2
    grep -A12 'panicked' "$log" | head -14 >&2
    exit 1
fi
