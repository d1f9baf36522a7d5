# Shared by fuzz/seed.sh, fuzz/smoke.sh and fuzz/run.sh (sourced, not run).
#
# The targets are built on STABLE Rust with plain cargo and the flags cargo-fuzz passes for
# `--sanitizer none`: libFuzzer's coverage instrumentation (SanitizerCoverage: inline 8-bit
# counters, PC table, comparison tracing) is a stable LLVM pass (`-Cpasses=sancov-module`), and
# libfuzzer-sys compiles libFuzzer itself with the system C++ compiler. Nothing to install but
# a C++ compiler: no nightly, no cargo-fuzz. (AddressSanitizer needs nightly's -Zsanitizer and
# is not used; debug assertions and overflow checks are on instead, see fuzz/Cargo.toml.)
#
# `--target <host>` keeps the flags off build scripts and proc macros, which must not be
# instrumented. The build goes to its own target directory, never the main workspace's: other
# flags would make the two rebuild each other.

FUZZ_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(dirname "$FUZZ_DIR")
FUZZ_TARGETS=(decode_frame extract parquet_read)
FUZZ_TARGET_DIR=${CNITRAIL_FUZZ_TARGET_DIR:-${CARGO_TARGET_DIR:-$HOME/.cache/cnitrail-target}/fuzz}
HOST_TRIPLE=$(rustc -vV | sed -n 's/^host: //p')
FUZZ_BIN_DIR=$FUZZ_TARGET_DIR/$HOST_TRIPLE/release
FUZZ_RUSTFLAGS="--cfg fuzzing -Cpasses=sancov-module \
-Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
-Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares"

# Per target: the longest input tried, and the dictionary.
fuzz_max_len() {
    case $1 in
        decode_frame) echo 65536 ;;
        extract) echo 16384 ;;
        parquet_read) echo 65536 ;;
    esac
}
fuzz_dict() {
    case $1 in
        parquet_read) echo "$FUZZ_DIR/parquet.dict" ;;
        *) echo "$FUZZ_DIR/cloudtrail.dict" ;;
    esac
}

# fuzz_build TARGET...: builds the named targets (all when none), at low priority.
fuzz_build() {
    local bins=() features=(--no-default-features)
    local t
    for t in "${@:-${FUZZ_TARGETS[@]}}"; do
        bins+=(--bin "$t")
        [[ $t == parquet_read ]] && features=()
    done
    (
        cd "$FUZZ_DIR"
        RUSTFLAGS="$FUZZ_RUSTFLAGS" nice -n 10 cargo build --release \
            --manifest-path "$FUZZ_DIR/Cargo.toml" --target "$HOST_TRIPLE" \
            --target-dir "$FUZZ_TARGET_DIR" "${features[@]}" "${bins[@]}"
    )
}

# The environment the targets run in: one polars thread, backtraces for crashes.
export POLARS_MAX_THREADS=${POLARS_MAX_THREADS:-1}
export RUST_BACKTRACE=${RUST_BACKTRACE:-1}
