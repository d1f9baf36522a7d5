#!/usr/bin/env python3
"""Upload a simulated trail (DIR/trail of `cnitrail simulate --out DIR`) to an S3 endpoint (moto in
the benchmark), in parallel.

Usage: s3_upload.py ENDPOINT_URL BUCKET CORPUS_DIR [THREADS]

Every file under CORPUS_DIR/AWSLogs is uploaded with its path relative to CORPUS_DIR as the key
(AWSLogs/<account>/CloudTrail/...), digests included; manifest.json is not. Prints one line:
"uploaded <n> objects, <bytes> bytes in <seconds> s".
"""
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import boto3
from botocore.config import Config


def main() -> int:
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    endpoint, bucket, corpus = sys.argv[1], sys.argv[2], sys.argv[3]
    threads = int(sys.argv[4]) if len(sys.argv) > 4 else 16
    s3 = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(max_pool_connections=threads, retries={"max_attempts": 10, "mode": "standard"}),
    )
    try:
        s3.create_bucket(Bucket=bucket)
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass

    paths = []
    for root, _dirs, files in os.walk(os.path.join(corpus, "AWSLogs")):
        for f in files:
            paths.append(os.path.join(root, f))
    paths.sort()

    def put(path: str) -> int:
        key = os.path.relpath(path, corpus).replace(os.sep, "/")
        with open(path, "rb") as fh:
            body = fh.read()
        s3.put_object(Bucket=bucket, Key=key, Body=body)
        return len(body)

    t0 = time.monotonic()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        total = sum(pool.map(put, paths))
    secs = time.monotonic() - t0
    print(f"uploaded {len(paths)} objects, {total} bytes in {secs:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
