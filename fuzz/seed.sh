#!/usr/bin/env bash
# Builds the seed corpora fuzz/corpus/<target>/seed-* from the repository's fixtures (and the
# Parquet seeds kept in fuzz/seeds/parquet/). Deterministic, a few hundred KB, idempotent: the
# seed files are rewritten, inputs that fuzzing added beside them (fuzz/run.sh) are left alone.
#
#   fuzz/seed.sh                       # all targets
#   fuzz/seed.sh --parquet-from BIN    # also regenerate fuzz/seeds/parquet/ with a cnitrail binary
#
# Seed layout per target:
#   decode_frame  two parameter bytes (item limit, read size; see the target) + a whole file:
#                 the gzipped trail files, the shapes plain and gzipped, and small edge cases;
#   extract       one item: each record, LookupEvents entry, EventBridge envelope and Logs
#                 Insights row of the fixtures, as the framer would cut it;
#   parquet_read  Parquet files written by cnitrail (events, ec2_calls).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

parquet_from=
if [[ ${1:-} == --parquet-from ]]; then
    parquet_from=${2:?"--parquet-from needs the path of a cnitrail binary"}
fi

if [[ -n $parquet_from ]]; then
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    mkdir -p "$FUZZ_DIR/seeds/parquet"
    "$parquet_from" scan "$REPO_DIR/fixtures" --format parquet -o "$tmp/events.parquet" -q
    "$parquet_from" export "$REPO_DIR/fixtures" --out "$tmp/export" -q
    cp "$tmp/events.parquet" "$FUZZ_DIR/seeds/parquet/events.parquet"
    find "$tmp/export" -name '*.parquet' -path '*ec2_calls*' | sort | head -1 \
        | xargs -I{} cp {} "$FUZZ_DIR/seeds/parquet/ec2_calls.parquet"
    find "$tmp/export" -name '*.parquet' -path '*events*' | sort | head -1 \
        | xargs -I{} cp {} "$FUZZ_DIR/seeds/parquet/export-events.parquet"
fi

python3 - "$REPO_DIR" "$FUZZ_DIR" <<'PY'
import gzip, io, json, os, sys

repo, fuzz = sys.argv[1], sys.argv[2]
fixtures = os.path.join(repo, "fixtures")


def gz(data):
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as f:
        f.write(data)
    return buf.getvalue()


def write(target, name, data):
    d = os.path.join(fuzz, "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


files = []
for root, _, names in os.walk(fixtures):
    for n in sorted(names):
        files.append(os.path.join(root, n))
files.sort()

# decode_frame: [limit][chunk] + file. Limit index 3 is the default limit, chunk index 7 one
# read; (0, 0) is a 64-byte limit and one byte per read, (1, 4) 1 KB and 64 bytes.
headers = [b"\x03\x07", b"\x00\x00", b"\x01\x04"]
docs = {}
for path in files:
    raw = open(path, "rb").read()
    base = os.path.basename(path)
    if "CloudTrail-Digest" in base:
        name = "digest"
    elif "_CloudTrail_" in base:
        name = "trail-" + base.split("_")[3]  # the delivery time, 20261122T1405Z
    else:
        name = base.replace(".", "-")
    plain = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
    docs[name] = plain
    variants = {"plain": plain, "gz": raw if raw[:2] == b"\x1f\x8b" else gz(raw)}
    for kind, data in variants.items():
        for i, h in enumerate(headers):
            write("decode_frame", f"{name}-{kind}-{i}", h + data)
edge = {
    "empty-records": b'{"Records":[]}',
    "empty-events": b'{"Events":[]}',
    "bom": b'\xef\xbb\xbf{"Records":[{"a":1}]}',
    "two-members": gz(b'{"Records":[{"a":1}') + gz(b',{"b":2}]}'),
    "stray-brace": b'{"Records":[{"a":1}},{"b":2}]}',
    "lines-garbage": b'{"a":1}\nnot json\n{"b":"}"}\r\n[{"c":3},{"d":4}]{"e":5}',
    "escapes": b'{"Records":[{"k":"v\\\\","s":"a\\"}{]"}],"n":null}',
    "truncated-gz": gz(b'{"Records":[{"a":1},{"b":2}]}')[:-6],
    "digest": b'{"awsAccountId":"1","digestStartTime":"2026-11-22T14:00:00Z","logFiles":[]}',
}
for name, data in edge.items():
    for i, h in enumerate(headers[:2]):
        write("decode_frame", f"edge-{name}-{i}", h + data)

# extract: the items the framer would cut from each shape.
compact = lambda v: json.dumps(v, separators=(",", ":")).encode()
n = 0
for name, plain in docs.items():
    text = plain.decode("utf-8-sig")
    try:
        values = [json.loads(text)]
    except json.JSONDecodeError:  # JSON lines
        values = [json.loads(line) for line in text.splitlines() if line.strip()]
    items = []
    for v in values:
        if isinstance(v, dict) and isinstance(v.get("Records"), list):
            items += v["Records"]
        elif isinstance(v, dict) and isinstance(v.get("Events"), list):
            items += v["Events"]
        elif isinstance(v, list):
            items += v
        else:
            items.append(v)
    for i, item in enumerate(items):
        if isinstance(item, dict):
            write("extract", f"{name}-{i}", compact(item))
            n += 1
# A record carried as escaped text, a name hidden by \u, a trimmed record, a throttled call.
write("extract", "lookup-text", b'{"EventId":"1","CloudTrailEvent":"{\\"eventVersion\\":\\"1.08\\",\\"eventTime\\":\\"2026-11-22T14:02:00Z\\",\\"eventSource\\":\\"ec2.amazonaws.com\\",\\"eventName\\":\\"DeleteNetworkInterface\\",\\"requestParameters\\":{\\"networkInterfaceId\\":\\"eni-0abc\\"}}"}')
write("extract", "unicode-name", b'{"eventTime":"2026-11-22T14:02:00Z","eventSource":"ec2.amazonaws.com","eventName":"\\u0041ssignPrivateIpAddresses","requestParameters":{"networkInterfaceId":"eni-1","privateIpAddressesSet":{"item":[{"privateIpAddress":"10.0.0.5"}]}}}')
write("extract", "trimmed", b'{"eventTime":"2026-11-22T14:02:00Z","eventSource":"ec2.amazonaws.com","eventName":"DescribeInstances","userIdentity":{"sessionContext":{"sessionIssuer":{"accountId":"111122223333","arn":"arn:aws:iam::111122223333:role/r"}}}}')
write("extract", "throttled", b'{"eventID":"6a1e2d4c-0000-4000-8000-000000000009","eventTime":"2026-11-22T14:02:00Z","eventSource":"ec2.amazonaws.com","eventName":"AssignPrivateIpAddresses","errorCode":"Client.RequestLimitExceeded","errorMessage":"Request limit exceeded.","userAgent":"amazon-vpc-cni-k8s/v1.22.0","requestParameters":{"networkInterfaceId":"eni-2","secondaryPrivateIpAddressCount":3}}')

# parquet_read: the files written by cnitrail, kept in git.
seeds = os.path.join(fuzz, "seeds", "parquet")
for p in sorted(os.listdir(seeds)) if os.path.isdir(seeds) else []:
    write("parquet_read", p, open(os.path.join(seeds, p), "rb").read())

for t in ("decode_frame", "extract", "parquet_read"):
    d = os.path.join(fuzz, "corpus", t)
    k = len([f for f in os.listdir(d) if f.startswith("seed-")]) if os.path.isdir(d) else 0
    size = sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d) if f.startswith("seed-")) if k else 0
    print(f"seed: {t}: {k} seeds, {size // 1024} KB")
PY
