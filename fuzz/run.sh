#!/usr/bin/env bash
# Builds the fuzz targets with libFuzzer's coverage instrumentation and runs each
# for a while. Stable Rust: the flags below are the ones `cargo fuzz` passes with
# `--sanitizer none` (SanitizerCoverage through LLVM's sancov pass, no -Z flag);
# libfuzzer-sys compiles libFuzzer itself with the system C++ compiler. There is
# no AddressSanitizer (it needs nightly); safe Rust's bounds checks, overflow
# checks and debug assertions (on here) and the harnesses' own asserts are what
# turn a bug into a crash.
#
# Usage: fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]   (default: 15, every target)
# Inputs that reach new code go to target/fuzz/found/TARGET (not the committed
# corpus); a crash stops the run with its input in target/fuzz/artifacts/TARGET/:
# minimise it, commit it to fuzz/regressions/TARGET/, fix the code.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-15}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(channel frame_decoder message handshake block_validation log_classifier fleet_file)
fi

host=$(rustc -vV | sed -n 's/^host: //p')
flags=(
  -Cpasses=sancov-module
  -Cllvm-args=-sanitizer-coverage-level=4
  -Cllvm-args=-sanitizer-coverage-inline-8bit-counters
  -Cllvm-args=-sanitizer-coverage-pc-table
  -Cllvm-args=-sanitizer-coverage-trace-compares
  -Cdebug-assertions
  -Coverflow-checks
)
# --target keeps the instrumentation off build scripts and proc macros, which run
# on the host without libFuzzer; the own target dir keeps these objects apart
# from the workspace's ordinary build.
RUSTFLAGS="${flags[*]}" cargo build --locked --release -p timecoin-fuzz --features libfuzzer \
  --bins --target "$host" --target-dir target/fuzz

for target in "${targets[@]}"; do
  found=target/fuzz/found/$target
  artifacts=target/fuzz/artifacts/$target
  log=target/fuzz/$target.log
  mkdir -p "$found" "$artifacts"
  inputs=("$found" "fuzz/corpus/$target")
  [ -d "fuzz/regressions/$target" ] && inputs+=("fuzz/regressions/$target")
  echo "fuzz: $target for ${seconds}s"
  if ! "target/fuzz/$host/release/$target" -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "${inputs[@]}" >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "fuzz: $target found a crash; its input is in $artifacts/" >&2
    exit 1
  fi
  grep -E '^stat::(number_of_executed_units|new_units_added|peak_rss_mb)' "$log" | sed 's/^/  /'
done
