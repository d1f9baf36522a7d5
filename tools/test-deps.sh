#!/usr/bin/env bash
# Installs what the test suite runs besides cargo, and fails loudly when it cannot:
#   - moto's S3 server (the S3 tests run against it on 127.0.0.1);
#   - Chromium (the HTML report is rendered headless, screenshots and console checked);
#   - pyarrow, pandas, DuckDB and pyspark, with Java 17 for Spark (the exported Parquet files
#     are read back by each of them).
# Idempotent: what is there already is left as it is.
set -euo pipefail
export PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1

fail() { echo "error: $*" >&2; exit 1; }

python3 -m pip install --quiet 'moto[server]' pyarrow pandas duckdb pyspark \
    || fail "could not install moto[server] pyarrow pandas duckdb pyspark (python3 -m pip)"

if ! command -v chromium >/dev/null && [[ -z "${CHROMIUM:-}" ]]; then
    if [[ $(id -u) == 0 ]]; then
        { apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium >/dev/null; } \
            || fail "could not install chromium (apt-get), which the HTML report's browser test needs"
    else
        fail "the HTML report's browser test needs chromium: install the chromium package (or set CHROMIUM to the binary)"
    fi
fi

java -version >/dev/null 2>&1 \
    || fail "no java: pyspark, which the export's interop test runs, needs Java 17 (Debian: openjdk-17-jre-headless)"
echo "test dependencies: moto, pyarrow, pandas, duckdb, pyspark, $(chromium --version 2>/dev/null || echo "chromium at $CHROMIUM"), $(java -version 2>&1 | head -1)"
