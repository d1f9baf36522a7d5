#!/usr/bin/env bash
# Throughput benchmark of `cnitrail scan` on a CloudTrail corpus written by `cnitrail simulate`,
# against two baselines on the same files: `gzip -dc` and `gzip -dc | jq` (both with 2 jobs).
#
# Usage:
#   bench/scan.sh [SIZE_MB] [WORKDIR]            local corpus (defaults: 5000 MB, /tmp/cnitrail-bench)
#   bench/scan.sh --s3 [N_OBJECTS] [WORKDIR]     S3 benchmark against moto (default 10000 objects)
#
# Environment (all optional):
#   CARGO_TARGET_DIR  build directory                      [$HOME/.cache/cnitrail-target]
#   CNITRAIL_BIN      use this cnitrail binary (scan and simulate); nothing is built
#   SKIP_BUILD=1      run no cargo at all (the binary must already exist)
#   JOBS              parallel jobs of the baselines           [2]
#   JQ_MAX_MB         above this corpus size jq runs on a deterministic subset of about this
#                     many MB and its time is scaled          [1000]
#   SKIP_JQ=1         skip baseline B
#   SEED              simulate --seed                          [1]
#   REPEAT            runs of each timed step; the best is kept [1]
#
# All timings are wall-clock with a warm page cache (the corpus is read once before timing).
# On a shared machine, use REPEAT=3: the best run is the least disturbed one.
# Exit status: 0 when cnitrail's counts equal the simulator's manifest, 1 on a MISMATCH or a
# failing cnitrail run (jq's count is reported beside cnitrail's, never failed on).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/cnitrail-target}"
JOBS="${JOBS:-2}"
JQ_MAX_MB="${JQ_MAX_MB:-1000}"
SEED="${SEED:-1}"
REPEAT="${REPEAT:-1}"

MODE=local
if [[ "${1:-}" == "--s3" ]]; then
    MODE=s3
    shift
    N_OBJECTS="${1:-10000}"
    WORKDIR="${2:-/tmp/cnitrail-bench}"
elif [[ "${1:-}" == "-h" || "${1:-}" == "--help" ]]; then
    sed -n '2,23p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 0
else
    SIZE_MB="${1:-5000}"
    WORKDIR="${2:-/tmp/cnitrail-bench}"
fi
[[ "${N_OBJECTS:-1}" =~ ^[0-9]+$ ]] || { echo "N_OBJECTS must be an integer" >&2; exit 2; }
[[ "${SIZE_MB:-1}" =~ ^[0-9]+([.][0-9]+)?$ ]] || { echo "SIZE_MB must be a number" >&2; exit 2; }
mkdir -p "$WORKDIR"
WORKDIR="$(cd "$WORKDIR" && pwd)"

for tool in python3 gzip xargs find /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "missing tool: $tool" >&2; exit 2; }
done

STATUS=0
ROWS=()          # markdown table rows
row() { ROWS+=("| $1 | $2 | $3 |"); }
say() { printf '\n== %s\n' "$*"; }
now() { date +%s.%N; }
# Runs "$@" REPEAT times; sets BEST to the shortest wall time in seconds.
best_of() {
    local t0 t1 w r
    BEST=""
    for r in $(seq 1 "$REPEAT"); do
        t0=$(now)
        "$@"
        t1=$(now)
        w=$(calc "round($t1 - $t0, 3)")
        [[ "$REPEAT" == 1 ]] || echo "   run $r: $w s"
        if [[ -z "$BEST" ]] || python3 -c "import sys; sys.exit(0 if $w < $BEST else 1)"; then BEST=$w; fi
    done
}
calc() { python3 -c "import sys; print($1)"; }
# Reads a key of a JSON file (dotted path), prints it.
jget() { python3 -c 'import json,sys
v=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): v=v[k]
print(v)' "$1" "$2"; }

# ---------------------------------------------------------------------------------------------
say "1. build"
BIN="${CNITRAIL_BIN:-$CARGO_TARGET_DIR/release/cnitrail}"
if [[ "${SKIP_BUILD:-0}" != 1 && -z "${CNITRAIL_BIN:-}" ]]; then
    echo "+ cargo build --release -p cnitrail   (CARGO_TARGET_DIR=$CARGO_TARGET_DIR)"
    if ! (cd "$ROOT" && cargo build --release -p cnitrail); then
        echo "!! build failed" >&2
        exit 1
    fi
fi
[[ -x "$BIN" ]] || { echo "no cnitrail binary at $BIN" >&2; exit 1; }
echo "cnitrail: $BIN"

# The stats object cnitrail prints on stderr: the last line that parses as a JSON object.
stats_from() {
    python3 - "$1" "$2" <<'EOF'
import json, sys
found = None
for line in open(sys.argv[1], errors="replace"):
    line = line.strip()
    if line.startswith("{"):
        try:
            v = json.loads(line)
        except ValueError:
            continue
        if isinstance(v, dict) and "records_read" in v:
            found = v
if found is None:
    sys.exit("no stats JSON object on cnitrail's stderr")
json.dump(found, open(sys.argv[2], "w"))
EOF
}

# Peak RSS (MB) from a `/usr/bin/time -v -o FILE` report.
rss_mb() { awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2/1024}' "$1"; }

# Compares one stats field with the manifest; a difference fails the run.
check() { # label actual expected
    if [[ "$2" == "$3" ]]; then
        echo "   ok  $1 = $2"
    else
        echo "!! MISMATCH: $1 = $2, expected $3" >&2
        STATUS=1
    fi
}

# cnitrail's stats against the manifest: every difference fails the run.
check_counts() { # stats.json
    echo "   cnitrail vs the simulator's manifest (a difference fails the run):"
    check "records_read" "$(jget "$1" records_read)" "$RECORDS"
    check "records_kept (manifest: calls_by_api over the ${#KEPT_APIS[@]} kept calls)" "$(jget "$1" records_kept)" "$KEPT"
    check "files_read" "$(jget "$1" files_read)" "$FILES"
    check "files_skipped (digests)" "$(jget "$1" files_skipped)" "$DIGESTS"
    check "bytes_decoded (manifest: bytes_json)" "$(jget "$1" bytes_decoded)" "$BYTES"
}

# The calls cnitrail keeps (and jq selects): ENI and IP address calls, and the instance calls
# that start and end a node.
KEPT_APIS=(AssignPrivateIpAddresses UnassignPrivateIpAddresses AssignIpv6Addresses UnassignIpv6Addresses
    CreateNetworkInterface AttachNetworkInterface DetachNetworkInterface DeleteNetworkInterface
    ModifyNetworkInterfaceAttribute CreateTags RunInstances TerminateInstances)

# Writes (or reuses) a corpus: `cnitrail simulate --out DIR ARGS...`. DIR is reused when its
# manifest.json exists and DIR/bench.json records the same arguments; otherwise it is emptied
# first, so that no file of an earlier corpus stays behind.
GEN_WALL=""
generate() { # dir, simulate args...
    local dir="$1"; shift
    local want t0 t1
    want=$(python3 -c 'import json,sys; print(json.dumps({"simulate": sys.argv[1:]}))' "$@")
    if [[ -f "$dir/manifest.json" && -f "$dir/bench.json" ]] && [[ "$(cat "$dir/bench.json")" == "$want" ]]; then
        echo "reusing $dir (bench.json: same simulate arguments)"
        return
    fi
    rm -rf "$dir"
    mkdir -p "$dir"
    echo "+ cnitrail simulate --out $dir $*"
    t0=$(now)
    if ! "$BIN" simulate --out "$dir" "$@" 2>&1 | tee "$WORKDIR/simulate.log"; then
        echo "!! cnitrail simulate failed" >&2
        exit 1
    fi
    t1=$(now)
    GEN_WALL=$(calc "round($t1 - $t0, 2)")
    printf '%s\n' "$want" >"$dir/bench.json"
}

# Sets FILES, DIGESTS, RECORDS, DUPS, KEPT (records of the kept calls, each counted once), BYTES,
# GZBYTES from DIR/manifest.json.
read_manifest() {
    M="$1/manifest.json"
    read -r FILES DIGESTS RECORDS DUPS KEPT BYTES GZBYTES < <(python3 - "$M" "${KEPT_APIS[@]}" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
kept = sum(m["calls_by_api"].get(a, 0) for a in sys.argv[2:])
print(m["files"], m["digest_files"], m["records"], m["duplicates"], kept, m["bytes_json"], m["bytes_gzip"])
EOF
)
    ENI_SHARE=$(calc "round(100 * $KEPT / $RECORDS, 2)")
}

machine_rows() {
    local cpu
    cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
    row "machine" "$(nproc) cores, ${cpu:-unknown CPU}, $(awk '/MemTotal/ {printf "%.0f GiB RAM", $2/1048576}' /proc/meminfo)" "$(uname -sr)"
    row "date, commit" "$(date -u +%Y-%m-%dT%H:%MZ)" "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$ROOT" diff --quiet 2>/dev/null || echo ' (dirty tree)')"
    row "tools" "$(gzip --version | head -1), $(jq --version 2>/dev/null || echo 'no jq'), $(python3 --version)" "$("$BIN" --version 2>/dev/null || echo 'cnitrail ?')"
}

print_table() {
    say "results (markdown)"
    echo "| what | figure | notes |"
    echo "|---|---|---|"
    printf '%s\n' "${ROWS[@]}"
}

# =============================================================================================
if [[ "$MODE" == s3 ]]; then
    CORPUS="$WORKDIR/s3corpus"
    say "S3. corpus of about $N_OBJECTS small objects"
    # A 3-node cluster in one account and region; other services' calls at 20 records per
    # second; 5-minute batches cut into files of about 75 KB of JSON (about 48 records). That
    # makes about 1,500 objects per simulated hour, so the hours set the object count.
    S3_HOURS=$(calc "max(0.1, round($N_OBJECTS / 1500, 2))")
    S3_ARGS=(--seed "$SEED" --hours "$S3_HOURS" --nodes 3 --max-nodes 3 --noise-per-second 20 --max-file-kb 75)
    generate "$CORPUS" "${S3_ARGS[@]}"
    read_manifest "$CORPUS"
    echo "manifest: $FILES event objects + $DIGESTS digests, $RECORDS records ($DUPS duplicates), $KEPT ENI calls (the kept calls): ENI share $ENI_SHARE %"

    python3 -c 'import boto3, moto' 2>/dev/null || { echo "needs python3 boto3 and moto[server]" >&2; exit 2; }
    PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    MOTO_LOG="$WORKDIR/moto.log"
    if command -v moto_server >/dev/null; then
        moto_server -H 127.0.0.1 -p "$PORT" >"$MOTO_LOG" 2>&1 &
    else
        python3 -m moto.server -H 127.0.0.1 -p "$PORT" >"$MOTO_LOG" 2>&1 &
    fi
    MOTO_PID=$!
    trap 'kill "$MOTO_PID" 2>/dev/null || true; wait "$MOTO_PID" 2>/dev/null || true' EXIT
    ENDPOINT="http://127.0.0.1:$PORT"
    for _ in $(seq 1 100); do
        python3 -c "import urllib.request,sys; urllib.request.urlopen('$ENDPOINT/', timeout=1)" 2>/dev/null && break
        kill -0 "$MOTO_PID" 2>/dev/null || { echo "moto exited:"; cat "$MOTO_LOG"; exit 1; }
        sleep 0.2
    done
    echo "moto on $ENDPOINT (pid $MOTO_PID)"

    say "S3. upload (boto3, 16 threads)"
    t0=$(now)
    python3 "$ROOT/bench/s3_upload.py" "$ENDPOINT" bench "$CORPUS/trail" 16
    t1=$(now)
    UP_WALL=$(calc "round($t1 - $t0, 2)")
    echo "upload wall: $UP_WALL s"

    say "S3. cnitrail scan s3://bench/"
    set +e
    t0=$(now)
    # No --region filter: it would prune the listing to CloudTrail/<region>/ and leave the digests
    # out of files_skipped. The bucket is moto's us-east-1.
    AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true \
        /usr/bin/time -v -o "$WORKDIR/s3.time" \
        "$BIN" scan s3://bench/ --endpoint-url "$ENDPOINT" --bucket-region us-east-1 --format jsonl --stats json \
        >/dev/null 2>"$WORKDIR/s3.stderr"
    rc=$?
    t1=$(now)
    set -e
    if ! stats_from "$WORKDIR/s3.stderr" "$WORKDIR/s3.stats.json" || [[ $rc != 0 ]]; then
        echo "!! cnitrail failed (exit $rc); its stderr:" >&2
        tail -n 40 "$WORKDIR/s3.stderr" >&2
        exit 1
    fi
    S=$WORKDIR/s3.stats.json
    WALL=$(calc "round($t1 - $t0, 3)")
    S3_CPU=$(awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} /Percent of CPU/ {p=$2} END {printf "%.2f s CPU (%s)", u+s, p}' "$WORKDIR/s3.time")
    echo "wall $WALL s, $S3_CPU, peak RSS $(rss_mb "$WORKDIR/s3.time") MB, $(calc "round($FILES / $WALL)") event objects/s"
    check_counts "$S"

    machine_rows
    row "S3 corpus" "$FILES objects (about $(calc "round($RECORDS / $FILES)") records, $(calc "round($BYTES / $FILES / 1e3)") KB JSON each) + $DIGESTS digests, $RECORDS records ($KEPT ENI calls, $ENI_SHARE %)" "cnitrail simulate ${S3_ARGS[*]}"
    if [[ -n "$GEN_WALL" ]]; then
        row "cnitrail simulate (generation)" "$GEN_WALL s" ""
    fi
    row "upload to moto (boto3, 16 threads)" "$UP_WALL s, $(calc "round(($FILES + $DIGESTS) / $UP_WALL)") objects/s" "moto is the bottleneck, not cnitrail"
    row "cnitrail scan s3://bench/" "$WALL s, $(calc "round($FILES / $WALL)") objects/s, peak RSS $(rss_mb "$WORKDIR/s3.time") MB" "$S3_CPU; list + GET + decode against moto on 127.0.0.1"
    print_table
    [[ $STATUS == 0 ]] || echo "!! MISMATCH above" >&2
    exit $STATUS
fi

# =============================================================================================
CORPUS="$WORKDIR/corpus"
TRAIL="$CORPUS/trail/AWSLogs"
say "1b. corpus of about $SIZE_MB MB (decompressed) in $CORPUS"
# Six hours of a 300-node cluster under WARM_IP_TARGET=2, MINIMUM_IP_TARGET=5 (many small IP
# calls), with other services' calls raised until the trail reaches SIZE_MB of JSON.
GEN_ARGS=(--seed "$SEED" --hours 6 --nodes 300 --max-nodes 300 --mode warm-ip --warm-ip-target 2
    --minimum-ip-target 5 --subnet-cidr 10.0.0.0/16 --size-mb "$SIZE_MB")
generate "$CORPUS" "${GEN_ARGS[@]}"
read_manifest "$CORPUS"
MB=$(calc "$BYTES / 1e6")
echo "manifest: $FILES files + $DIGESTS digests, $RECORDS records ($DUPS duplicates), $KEPT ENI calls (the kept calls): ENI share $ENI_SHARE %, $(calc "round($BYTES/1e6,1)") MB decompressed, $(calc "round($GZBYTES/1e6,1)") MB gzip"

say "page cache warm-up (read every file once)"
find "$TRAIL" -type f -print0 | xargs -0 cat >/dev/null
echo done

# ---------------------------------------------------------------------------------------------
# Files per gzip/jq invocation: 64, fewer on small corpora so that all jobs get work.
PER=$(calc "max(1, min(64, $FILES // ($JOBS * 4)))")
say "2. baseline A: gzip -dc, $JOBS jobs ($PER files per call)"
gunzip_all() {
    find "$TRAIL" -name '*.json.gz' -path '*/CloudTrail/*' -print0 | xargs -0 -P"$JOBS" -n "$PER" gzip -dc >/dev/null
}
best_of gunzip_all
GZ_WALL=$BEST
GZ_MBS=$(calc "round($MB / $GZ_WALL, 1)")
echo "gzip -dc -P$JOBS: $GZ_WALL s, $GZ_MBS MB/s decompressed"

# ---------------------------------------------------------------------------------------------
NAMES=$(printf '"%s",' "${KEPT_APIS[@]}"); NAMES=${NAMES%,}
export JQ_FILTER=".Records[] | select(.eventSource==\"ec2.amazonaws.com\" and (.eventName|IN($NAMES)))"
JQ_WALL=""; JQ_NOTE=""
if [[ "${SKIP_JQ:-0}" == 1 ]] || ! command -v jq >/dev/null; then
    say "3. baseline B: jq skipped"
else
    say "3. baseline B: gzip -dc | jq, $JOBS jobs"
    find "$TRAIL" -name '*.json.gz' -path '*/CloudTrail/*' -print0 | sort -z >"$WORKDIR/files.lst"
    # Every k-th file (by path) when the corpus is larger than JQ_MAX_MB; sizes from the gzip trailer.
    read -r K SUB_FILES SUB_BYTES < <(python3 - "$WORKDIR/files.lst" "$WORKDIR/jq-files.lst" "$BYTES" "$JQ_MAX_MB" <<'EOF'
import math, struct, sys
files = open(sys.argv[1], "rb").read().split(b"\0")[:-1]
total, cap = int(sys.argv[3]), float(sys.argv[4]) * 1e6
k = max(1, math.ceil(total / cap))
sub = files[::k]
size = 0
for f in sub:
    with open(f, "rb") as fh:
        fh.seek(-4, 2)
        size += struct.unpack("<I", fh.read(4))[0]
open(sys.argv[2], "wb").write(b"".join(f + b"\0" for f in sub))
print(k, len(sub), size)
EOF
)
    echo "jq filter: $JQ_FILTER"
    if [[ $K -gt 1 ]]; then
        echo "corpus > $JQ_MAX_MB MB: jq runs on every ${K}th file ($SUB_FILES files, $(calc "round($SUB_BYTES/1e6,1)") MB) and its time is scaled by $(calc "round($BYTES/$SUB_BYTES,3)")"
    fi
    PER_JQ=$(calc "max(1, min(64, $SUB_FILES // ($JOBS * 4)))")
    jq_all() {
        xargs -0 -P"$JOBS" -n "$PER_JQ" sh -c 'gzip -dc "$@" | jq -c "$JQ_FILTER"' _ <"$WORKDIR/jq-files.lst" | wc -l >"$WORKDIR/jq.count"
    }
    best_of jq_all
    JQ_COUNT=$(tr -d ' ' <"$WORKDIR/jq.count")
    JQ_SUB_WALL=$BEST
    JQ_WALL=$(calc "round($JQ_SUB_WALL * $BYTES / $SUB_BYTES, 2)")
    JQ_MBS=$(calc "round($SUB_BYTES / 1e6 / $JQ_SUB_WALL, 1)")
    if [[ $K -gt 1 ]]; then
        JQ_NOTE="measured on a 1/$K subset ($(calc "round($SUB_BYTES/1e6)") MB, ${JQ_SUB_WALL} s), scaled"
        echo "jq -P$JOBS: subset $JQ_SUB_WALL s ($JQ_MBS MB/s, $JQ_COUNT records selected); scaled to the whole corpus: $JQ_WALL s"
    else
        JQ_NOTE="whole corpus"
        echo "jq -P$JOBS: $JQ_WALL s, $JQ_MBS MB/s, $JQ_COUNT records selected"
    fi
fi

# ---------------------------------------------------------------------------------------------
say "4. cnitrail scan"
# Output to stdout redirected to /dev/null: `-o FILE` writes FILE.partial and renames it, which
# must never be pointed at /dev/null.
CMD=("$BIN" scan "$TRAIL" --format jsonl --stats json)
echo "+ /usr/bin/time -v ${CMD[*]} >/dev/null 2>stderr"
WALL=""
for r in $(seq 1 "$REPEAT"); do
    set +e
    t0=$(now)
    /usr/bin/time -v -o "$WORKDIR/cnitrail.run.time" "${CMD[@]}" >/dev/null 2>"$WORKDIR/cnitrail.run.stderr"
    rc=$?
    t1=$(now)
    set -e
    [[ -c /dev/null ]] || echo "!! /dev/null is no longer a character device" >&2
    if [[ $rc != 0 ]] || ! stats_from "$WORKDIR/cnitrail.run.stderr" "$WORKDIR/cnitrail.stats.json"; then
        echo "!! cnitrail failed (exit $rc); its stderr:" >&2
        tail -n 40 "$WORKDIR/cnitrail.run.stderr" >&2
        exit 1
    fi
    w=$(calc "round($t1 - $t0, 3)")
    [[ "$REPEAT" == 1 ]] || echo "   run $r: $w s"
    if [[ -z "$WALL" ]] || python3 -c "import sys; sys.exit(0 if $w < $WALL else 1)"; then
        WALL=$w
        mv "$WORKDIR/cnitrail.run.time" "$WORKDIR/cnitrail.time"
        mv "$WORKDIR/cnitrail.run.stderr" "$WORKDIR/cnitrail.stderr"
    fi
done
S="$WORKDIR/cnitrail.stats.json"
stats_from "$WORKDIR/cnitrail.stderr" "$S"
RSS=$(rss_mb "$WORKDIR/cnitrail.time")
CPU=$(awk -F': ' '/Percent of CPU/ {print $2}' "$WORKDIR/cnitrail.time")
DECODED=$(jget "$S" bytes_decoded)
CT_MBS=$(calc "round($DECODED / 1e6 / $WALL, 1)")
CT_RPS=$(calc "round($(jget "$S" records_read) / $WALL)")
VS_GZ=$(calc "round($WALL / $GZ_WALL, 2)")
echo "wall $WALL s, CPU $CPU, peak RSS $RSS MB, $CT_MBS MB/s decompressed, $CT_RPS records/s"
echo "wall(cnitrail) / wall(gzip -dc -P$JOBS) = $VS_GZ"
if [[ -n "$JQ_WALL" ]]; then
    VS_JQ=$(calc "round($WALL / $JQ_WALL, 3)")
    echo "wall(cnitrail) / wall(jq -P$JOBS) = $VS_JQ  (jq is $(calc "round($JQ_WALL / $WALL, 1)")x slower)"
fi
echo "stats: $(cut -c1-400 "$S")"
check_counts "$S"
if [[ -n "$JQ_WALL" ]]; then
    # jq does not deduplicate: on the whole corpus it selects the kept calls' records with their
    # second deliveries, i.e. records_kept + duplicates of cnitrail's stats.
    CT_SEL=$(calc "$(jget "$S" records_kept) + $(jget "$S" duplicates)")
    if [[ $K -gt 1 ]]; then
        echo "   note: jq selected $JQ_COUNT records on its 1/$K subset (not compared)"
    elif [[ "$JQ_COUNT" == "$CT_SEL" ]]; then
        echo "   ok  jq selected $JQ_COUNT = cnitrail records_kept + duplicates (not a failure if not)"
    else
        echo "   note: jq selected $JQ_COUNT, cnitrail records_kept + duplicates = $CT_SEL (reported only)"
    fi
fi

# ---------------------------------------------------------------------------------------------
machine_rows
row "corpus" "$FILES files + $DIGESTS digests, $RECORDS records ($KEPT ENI calls: $ENI_SHARE %), $(calc "round($BYTES/1e6)") MB decompressed / $(calc "round($GZBYTES/1e6)") MB gzip" "cnitrail simulate ${GEN_ARGS[*]}"
if [[ -n "$GEN_WALL" ]]; then
    row "cnitrail simulate (generation)" "$GEN_WALL s, $(calc "round($MB / $GEN_WALL, 1)") MB/s decompressed output" "gzip level 6, one compression thread per core"
fi
row "A: gzip -dc, $JOBS jobs" "$GZ_WALL s, $GZ_MBS MB/s" "xargs -P$JOBS -n $PER, output to /dev/null"
if [[ -n "$JQ_WALL" ]]; then
    row "B: gzip -dc \| jq select, $JOBS jobs" "$JQ_WALL s, $(calc "round($MB / $JQ_WALL, 1)") MB/s" "$JQ_NOTE"
fi
row "cnitrail scan --format jsonl" "$WALL s, $CT_MBS MB/s, $(calc "round($CT_RPS/1e6, 2)") M records/s" "peak RSS $RSS MB, CPU $CPU"
row "ratio cnitrail / gzip -dc" "$VS_GZ" "< 1: faster than decompressing alone with gzip"
if [[ -n "$JQ_WALL" ]]; then
    row "ratio cnitrail / jq" "$VS_JQ" "jq is $(calc "round($JQ_WALL / $WALL, 1)")x slower"
fi
row "counts" "records_read $(jget "$S" records_read), records_kept $(jget "$S" records_kept), files_read $(jget "$S" files_read), files_skipped $(jget "$S" files_skipped)" "$([[ $STATUS == 0 ]] && echo 'equal to the manifest' || echo 'MISMATCH')"
print_table
[[ $STATUS == 0 ]] || echo "!! MISMATCH above" >&2
exit $STATUS
