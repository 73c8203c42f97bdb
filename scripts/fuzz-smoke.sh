#!/usr/bin/env bash
# Fuzzing smoke test (make fuzz-smoke): builds the cargo-fuzz targets of fuzz/ on the stable
# toolchain (-s none: coverage-guided libFuzzer without a sanitizer, which needs nightly) and
# runs each one for FUZZ_SECONDS on a seed corpus generated from samples/. Fails on any crash,
# panic, failed oracle assertion, timeout or out-of-memory; the input that did it is kept in
# fuzz/artifacts/<target>/ (replay it with `cargo fuzz run -s none <target> <file>`).
#
#   scripts/fuzz-smoke.sh               every target
#   scripts/fuzz-smoke.sh decode c_api  some targets
#
# Environment: FUZZ_SECONDS (default 60) per target; FUZZ_TIMEOUT (default 60) seconds one input
# may take; FUZZ_RSS_MB (default 2048). Steps: fetch ONNX Runtime (idempotent) -> install
# cargo-fuzz $cargo_fuzz_version into .cache/tools if missing -> check fuzz/Cargo.lock is
# up to date (cargo fetch --locked) -> cargo fuzz build -> seed corpora (fuzz/corpus/, git-
# ignored; generated once by fuzz/examples/make_seeds.rs) -> replay fuzz/regressions/<target>/
# -> run each target. Logs: target/fuzz-smoke/<target>.log.
set -euo pipefail

cd "$(dirname "$0")/.."
root="$(pwd)"

seconds="${FUZZ_SECONDS:-60}"
timeout="${FUZZ_TIMEOUT:-60}"
rss_mb="${FUZZ_RSS_MB:-2048}"
cargo_fuzz_version="0.13.1"
all_targets=(decode config_json analyze_bytes analyze_pixels c_api shotset video)
targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=("${all_targets[@]}")
logs="$root/target/fuzz-smoke"
mkdir -p "$logs"

./scripts/fetch-ort.sh
ort_version="${ORT_VERSION:-1.31.1}"
export ORT_DYLIB_PATH="${ORT_DYLIB_PATH:-$root/.cache/onnxruntime/libonnxruntime.so.$ort_version}"
export ORT_DISABLE_TELEMETRY=1

export PATH="$root/.cache/tools/bin:$PATH"
if ! cargo fuzz --version 2>/dev/null | grep -q " $cargo_fuzz_version\$"; then
  echo "==> installing cargo-fuzz $cargo_fuzz_version into .cache/tools"
  cargo install --locked cargo-fuzz --version "$cargo_fuzz_version" --root "$root/.cache/tools"
fi

cd fuzz
# cargo fuzz has no --locked: check the committed lock file first, so that the build below
# cannot change it silently.
echo "==> cargo fetch --locked (fuzz/Cargo.lock is up to date)"
cargo fetch --locked --quiet
echo "==> cargo fuzz build -s none"
cargo fuzz build -s none

# Seeds: generated from samples/ once (fuzz/corpus/ is git-ignored and keeps what the fuzzer
# learns between runs); config seeds are committed in fuzz/seeds/config/.
if [ ! -d corpus/decode ] || [ ! -d corpus/analyze_bytes ]; then
  echo "==> generating seed corpora from samples/"
  cargo run --locked --quiet --example make_seeds -- "$root/samples" corpus
fi
mkdir -p corpus/config_json corpus/analyze_pixels corpus/c_api corpus/shotset corpus/video
cp -n seeds/config/* corpus/config_json/ 2>/dev/null || true
# The committed sample archives and clips seed the container targets.
cp -n "$root"/samples/shotsets/*.zip corpus/shotset/ 2>/dev/null || true
for clip in "$root"/samples/video/*.mp4 "$root"/samples/video/*.mov "$root"/samples/video/*.webm \
            "$root"/core/tests/data/unsupported/*.mp4 "$root"/core/tests/data/unsupported/*.webm; do
  cp -n "$clip" corpus/video/ 2>/dev/null || true
done

passed=0
failed=0
report=()
for t in "${targets[@]}"; do
  log="$logs/$t.log"
  extra=()
  [ "$t" = config_json ] && extra+=("-dict=dict/config.dict")
  # Known crashers, fixed since: each must now pass.
  if [ -d "regressions/$t" ] && [ -n "$(ls -A "regressions/$t")" ]; then
    echo "==> $t: replaying fuzz/regressions/$t/"
    if ! cargo fuzz run -s none "$t" regressions/"$t"/* -- -runs=1 >"$logs/$t-regressions.log" 2>&1; then
      tail -n 40 "$logs/$t-regressions.log" >&2
      failed=$((failed + 1))
      report+=("$t: a regression input fails (log: $logs/$t-regressions.log)")
      continue
    fi
  fi
  echo "==> $t: fuzzing for ${seconds}s"
  if cargo fuzz run -s none "$t" "corpus/$t" -- -max_total_time="$seconds" -timeout="$timeout" \
    -rss_limit_mb="$rss_mb" -print_final_stats=1 "${extra[@]}" >"$log" 2>&1; then
    passed=$((passed + 1))
    stats="$(grep -E '#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 | sed 's/^#\([0-9]*\)[[:space:]]*DONE[[:space:]]*/\1 execs, /')"
    report+=("$t: ok: ${stats:-no stats}")
  else
    failed=$((failed + 1))
    grep -E "panicked|ERROR: libFuzzer|SUMMARY|Test unit written|==[0-9]+==" "$log" | head -n 20 >&2 || true
    tail -n 30 "$log" >&2
    report+=("$t: FAILED (log: $log; crashing input in fuzz/artifacts/$t/)")
  fi
done

echo
for line in "${report[@]}"; do echo "$line"; done
echo "fuzz-smoke: $passed passed, $failed failed (${seconds}s per target)"
[ "$failed" -eq 0 ]
