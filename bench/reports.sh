#!/usr/bin/env bash
# Time of each report against `cnitrail scan` of the same files (issue 6: every report under
# 1.2 x the scan). The corpus is the one bench/scan.sh writes for the same SIZE_MB and SEED
# (six hours of a 300-node cluster under WARM_IP_TARGET=2), reused when present.
#
# Usage:
#   bench/reports.sh [SIZE_MB] [WORKDIR]      defaults: 1000 MB of JSON, /tmp/cnitrail-bench-1000
#
# Environment (all optional):
#   CARGO_TARGET_DIR  build directory                      [$HOME/.cache/cnitrail-target]
#   CNITRAIL_BIN      use this cnitrail binary; nothing is built
#   SEED              simulate --seed                      [1]
#   REPEAT            rounds of all the steps; each step's best is kept [3]
#
# Timings are wall-clock with a warm page cache; peak RSS from /usr/bin/time.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/cnitrail-target}"
SIZE_MB="${1:-1000}"
WORKDIR="${2:-/tmp/cnitrail-bench-$SIZE_MB}"
SEED="${SEED:-1}"
REPEAT="${REPEAT:-3}"
mkdir -p "$WORKDIR"

if [[ -n "${CNITRAIL_BIN:-}" ]]; then
    BIN="$CNITRAIL_BIN"
else
    (cd "$ROOT" && cargo build --release --locked --quiet)
    BIN="$CARGO_TARGET_DIR/release/cnitrail"
fi

CORPUS="$WORKDIR/corpus"
GEN_ARGS=(--seed "$SEED" --hours 6 --nodes 300 --max-nodes 300 --mode warm-ip --warm-ip-target 2
    --minimum-ip-target 5 --subnet-cidr 10.0.0.0/16 --size-mb "$SIZE_MB")
want=$(python3 -c 'import json,sys; print(json.dumps({"simulate": sys.argv[1:]}))' "${GEN_ARGS[@]}")
if [[ -f "$CORPUS/manifest.json" && -f "$CORPUS/bench.json" && "$(cat "$CORPUS/bench.json")" == "$want" ]]; then
    echo "reusing $CORPUS"
else
    rm -rf "$CORPUS"
    mkdir -p "$CORPUS"
    "$BIN" simulate --out "$CORPUS" "${GEN_ARGS[@]}"
    printf '%s\n' "$want" >"$CORPUS/bench.json"
fi
TRAIL="$CORPUS/trail"
find "$TRAIL" -type f -print0 | xargs -0 cat >/dev/null
GZ_MB=$(du -sm "$TRAIL" | cut -f1)

# Runs one step once; prints its wall time, CPU time (user + sys) and peak RSS. CPU time is the
# steadier figure on a shared machine.
run_once() { # name, command...
    local name="$1"; shift
    local w u s m
    /usr/bin/time -f "%e %U %S %M" -o "$WORKDIR/time" "$@" >/dev/null 2>"$WORKDIR/$name.err" || {
        echo "!! $name failed:" >&2; cat "$WORKDIR/$name.err" >&2; exit 1; }
    read -r w u s m <"$WORKDIR/time"
    echo "$w $(python3 -c "print(round($u + $s, 2))") $m"
}

declare -A WALL CPU RSS
steps=(scan churn exhaustion leaks throttle report)
# Rounds of every step in turn, best of REPEAT per step: a slow phase of a shared host then
# touches every command alike instead of one of them.
for r in $(seq 1 "$REPEAT"); do
    for s in "${steps[@]}"; do
        case $s in
            scan) cmd=("$BIN" scan "$TRAIL" -o /dev/null -q) ;;
            report) cmd=("$BIN" report "$TRAIL" -o "$WORKDIR/report.html" -q) ;;
            *) cmd=("$BIN" "$s" "$TRAIL" -o /dev/null -q --format jsonl) ;;
        esac
        read -r w c m < <(run_once "$s" "${cmd[@]}")
        if [[ -z "${WALL[$s]:-}" ]] || python3 -c "import sys; sys.exit(0 if $w < ${WALL[$s]} else 1)"; then
            WALL[$s]=$w; CPU[$s]=$c; RSS[$s]=$m
        fi
    done
    echo "round $r: $(for s in "${steps[@]}"; do printf '%s %s s  ' "$s" "${WALL[$s]}"; done)"
done

echo
echo "corpus: $(python3 -c "import json; m=json.load(open('$CORPUS/manifest.json')); print(f\"{m['records']} records, {m['bytes_json']/1e6:.0f} MB JSON, {m['bytes_gzip']/1e6:.0f} MB gzip, {m['files']} files\")"); commit $(git -C "$ROOT" rev-parse --short HEAD); best of $REPEAT"
echo "| command | wall | / scan | CPU (user + sys) | / scan | peak RSS |"
echo "|---|---|---|---|---|---|"
for s in "${steps[@]}"; do
    echo "| \`cnitrail $s\` | ${WALL[$s]} s | $(python3 -c "print(round(${WALL[$s]} / ${WALL[scan]}, 2))") | ${CPU[$s]} s | $(python3 -c "print(round(${CPU[$s]} / ${CPU[scan]}, 2))") | $((RSS[$s] / 1024)) MB |"
done
