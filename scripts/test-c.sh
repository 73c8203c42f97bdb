#!/usr/bin/env bash
# Builds and checks the C interface of ozinstant (libozinstant.so / libozinstant.a,
# include/ozinstant.h). Run from anywhere; works in the repository root.
#
#   scripts/test-c.sh            check everything (header drift fails)
#   scripts/test-c.sh --bless    regenerate include/ozinstant.h first (same as OZI_BLESS=1)
#
# Steps: fetch ONNX Runtime (idempotent) -> install cbindgen 0.29.4 into .cache/tools if missing
# -> cargo build (release) -> header check (cbindgen --verify) -> target/release/ozinstant.pc
# -> compile examples/c/analyze.c, ffi/tests/c/test_api.c, ffi/tests/c/stress.c (many threads,
# more calls than max_in_flight), ffi/tests/c/test_fork.c (an engine inherited through fork()
# fails with OZI_STATUS_FORKED), ffi/tests/c/test_biometry.c, ffi/tests/c/test_video.c
# (videos, shot sets, raw frames; the frames are a sample PNG decoded to a PPM by
# ffi/tests/c/png2ppm.py, Python standard library only), ffi/tests/c/test_attest.c (signed
# results: ozi_engine_public_key_pem, ozi_verify_result, tampering fails) and
# ffi/tests/c/test_env.c (loading the library sets ORT_DISABLE_TELEMETRY only when absent) with -Wall -Wextra -Werror against the
# shared and the static library -> run them on samples/ -> run the shared builds under valgrind
# (if available) -> ffi/tests/c/test_hostile.c (shared, static, valgrind) -> build them all with
# AddressSanitizer (gcc -fsanitize=address, LeakSanitizer on) against the shared library and run
# them. Ends with "N passed, M failed"; exits non-zero on any failure.
#
# Environment: OZI_BLESS=1 (regenerate the header), OZI_SKIP_VALGRIND=1, OZI_SKIP_ASAN=1,
# CC (default gcc).
set -euo pipefail

cd "$(dirname "$0")/.."
root="$(pwd)"
# The library loads ONNX Runtime only from an explicit path, ORT_DYLIB_PATH, beside itself or
# through the system loader: point it at the copy `make ort` fetched (a value already set wins).
export ORT_DYLIB_PATH="${ORT_DYLIB_PATH:-$root/.cache/onnxruntime/libonnxruntime.so.${ORT_VERSION:-1.31.1}}"

bless="${OZI_BLESS:-0}"
for arg in "$@"; do
  case "$arg" in
    --bless) bless=1 ;;
    -h | --help)
      sed -n '2,21p' "$0"
      exit 0
      ;;
    *)
      echo "unknown argument: $arg (try --help)" >&2
      exit 2
      ;;
  esac
done

cc="${CC:-gcc}"
cflags=(-Wall -Wextra -Werror -std=c11 -O2 -pthread)
release="$root/target/release"
out="$root/target/c-test"
cbindgen_bin="$root/.cache/tools/bin/cbindgen"
cbindgen_version="0.29.4"
mkdir -p "$out"

passed=0
failed=0
failures=()

# check NAME COMMAND...: runs one check, counts it, keeps going on failure.
check() {
  local name="$1"
  shift
  echo "==> $name"
  if "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    failures+=("$name")
    echo "FAILED: $name" >&2
  fi
}

summary() {
  echo
  for f in "${failures[@]+"${failures[@]}"}"; do echo "failed: $f"; done
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}

# require NAME COMMAND...: a check later steps depend on; stops the script when it fails.
require() {
  check "$@"
  if [ "$failed" -ne 0 ]; then
    summary || true
    exit 1
  fi
}

# --- prerequisites -------------------------------------------------------------------------
require "fetch ONNX Runtime (scripts/fetch-ort.sh)" ./scripts/fetch-ort.sh

install_cbindgen() {
  if [ -x "$cbindgen_bin" ] && "$cbindgen_bin" --version | grep -q " $cbindgen_version\$"; then
    return 0
  fi
  cargo install cbindgen --locked --version "$cbindgen_version" --root "$root/.cache/tools"
}
require "cbindgen $cbindgen_version in .cache/tools" install_cbindgen

# --- build -----------------------------------------------------------------------------------
# One cargo invocation builds libozinstant.so and libozinstant.a exactly like
# `cargo build --release -p ozinstant-ffi --locked` and also prints the native libraries the
# static library needs (rustc's `native-static-libs` note; cargo replays it when nothing
# changed, so a second run costs nothing). A separate `cargo build` + `cargo rustc` pair would
# relink the library on every run, as their fingerprints differ.
build_log="$out/cargo-build.log"
build() {
  # pipefail (set above) makes a cargo failure fail the pipeline.
  cargo rustc --release -p ozinstant-ffi --locked --lib -- --print native-static-libs 2>&1 | tee "$build_log" &&
    [ -f "$release/libozinstant.so" ] && [ -f "$release/libozinstant.a" ]
}
require "cargo build --release -p ozinstant-ffi" build
native_libs="$(sed -n 's/^note: native-static-libs: //p' "$build_log" | tail -n 1)"
if [ -z "$native_libs" ]; then
  # Cargo did not replay the note (older cargo or a cleaned message cache): ask once more.
  touch "$root/ffi/src/lib.rs"
  build
  native_libs="$(sed -n 's/^note: native-static-libs: //p' "$build_log" | tail -n 1)"
fi
# What the static library needs at link time: rustc's list as printed (order and duplicates can
# matter), then whichever of -lpthread -ldl -lm it lacks (ONNX Runtime is dlopen'ed).
libs_private="$native_libs"
for lib in -lpthread -ldl -lm; do
  case " $libs_private " in
    *" $lib "*) ;;
    *) libs_private="$libs_private $lib" ;;
  esac
done
libs_private="${libs_private# }"
check "native static libraries known ($libs_private)" test -n "$native_libs"

# --- header ----------------------------------------------------------------------------------
header_check() {
  if [ "$bless" = 1 ]; then
    "$cbindgen_bin" --quiet --config ffi/cbindgen.toml --output include/ozinstant.h ffi &&
      echo "regenerated include/ozinstant.h"
    return
  fi
  # --verify on a copy: cbindgen rewrites its --output file even when verification fails, which
  # would "fix" the committed header silently and let the next run pass.
  cp include/ozinstant.h "$out/ozinstant.h"
  if ! "$cbindgen_bin" --verify --quiet --config ffi/cbindgen.toml --output "$out/ozinstant.h" ffi; then
    diff -u include/ozinstant.h "$out/ozinstant.h" | head -n 60 >&2 || true
    echo "include/ozinstant.h is out of date: run scripts/test-c.sh --bless (or OZI_BLESS=1) and commit it" >&2
    return 1
  fi
}
check "include/ozinstant.h matches ffi/src (cbindgen --verify)" header_check

header_compiles() {
  "$cc" "${cflags[@]}" -fsyntax-only -x c include/ozinstant.h &&
    if command -v g++ >/dev/null; then g++ -Wall -Wextra -Werror -fsyntax-only -x c++ include/ozinstant.h; fi
}
check "header compiles alone (C11, C++)" header_compiles

# --- pkg-config ------------------------------------------------------------------------------
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)"
write_pc() {
  sed -e "s|@PREFIX@|$root|" -e "s|@LIBDIR@|$release|" -e "s|@INCLUDEDIR@|$root/include|" \
    -e "s|@VERSION@|$version|" -e "s|@LIBS_PRIVATE@|$libs_private|" ffi/ozinstant.pc.in >"$release/ozinstant.pc"
  if command -v pkg-config >/dev/null; then
    PKG_CONFIG_PATH="$release" pkg-config --validate ozinstant &&
      PKG_CONFIG_PATH="$release" pkg-config --static --libs ozinstant | grep -q -- "-ldl"
  else
    echo "pkg-config not installed: target/release/ozinstant.pc written, not validated"
  fi
}
check "target/release/ozinstant.pc" write_pc
if command -v pkg-config >/dev/null; then
  pc_cflags="$(PKG_CONFIG_PATH="$release" pkg-config --cflags ozinstant)"
  pc_libs="$(PKG_CONFIG_PATH="$release" pkg-config --libs ozinstant)"
else
  pc_cflags="-I$root/include"
  pc_libs="-L$release -lozinstant"
fi

# --- compile ---------------------------------------------------------------------------------
programs=(examples/c/analyze.c ffi/tests/c/test_api.c ffi/tests/c/stress.c ffi/tests/c/test_fork.c
  ffi/tests/c/test_biometry.c ffi/tests/c/test_video.c ffi/tests/c/test_env.c ffi/tests/c/test_attest.c)
for src in "${programs[@]}"; do
  name="$(basename "$src" .c)"
  # Shared: flags from ozinstant.pc, rpath to the build tree.
  # shellcheck disable=SC2086
  check "compile $name (shared)" \
    "$cc" "${cflags[@]}" $pc_cflags "$src" -o "$out/$name-shared" $pc_libs -Wl,-rpath,"$release"
  # Static: the archive plus its native libraries; no libozinstant.so needed at run time.
  # shellcheck disable=SC2086
  check "compile $name (static)" \
    "$cc" "${cflags[@]}" -I"$root/include" "$src" -o "$out/$name-static" "$release/libozinstant.a" $libs_private
done
not_linked_to_so() { ! readelf -d "$out/analyze-static" | grep -q "libozinstant"; }
check "static build does not need libozinstant.so" not_linked_to_so

# --- run -------------------------------------------------------------------------------------
# Real pixels for test_video's OZI_MEDIA_KIND_FRAMES checks: the C tests have no image decoder,
# so a sample PNG is decoded to a binary PPM here (Python standard library: zlib, struct).
frames_ppm="$out/astronaut.ppm"
check "frames fixture: samples/skimage_live_astronaut.png -> $frames_ppm (png2ppm.py)" \
  python3 ffi/tests/c/png2ppm.py samples/skimage_live_astronaut.png "$frames_ppm"
run_example() {
  local bin="$1" log="$out/$(basename "$1").log"
  "$bin" samples/*.jpg samples/*.png | tee "$log" &&
    grep -q "minivision_live_image_T1.jpg: SUCCESS" "$log" &&
    grep -q "minivision_spoof_print_image_F1.jpg: DECLINED" "$log" &&
    grep -q "group_three_faces.jpg: FAILED" "$log"
}
example_fails_on_missing_file() {
  if "$1" samples/no_such_file.jpg 2>"$out/missing.log"; then
    echo "exit status 0 for a missing file" >&2
    return 1
  fi
  grep -q "io_error" "$out/missing.log"
}
for kind in shared static; do
  check "analyze ($kind) on samples/" run_example "$out/analyze-$kind"
  check "analyze ($kind) exits non-zero on a missing file" example_fails_on_missing_file "$out/analyze-$kind"
  check "test_api ($kind)" "$out/test_api-$kind" samples
  check "stress ($kind): threads, BUSY, accepted == answered" "$out/stress-$kind" samples
  check "test_fork ($kind): inherited engine fails with OZI_STATUS_FORKED" "$out/test_fork-$kind" samples
  check "test_biometry ($kind): obama/obama2 match, obama/biden do not" "$out/test_biometry-$kind" samples
  check "test_video ($kind): clips, shot sets, raw frames, biometry across kinds" "$out/test_video-$kind" samples \
    "$frames_ppm"
  check "test_attest ($kind): signed results, public key, verify; tampering fails" "$out/test_attest-$kind" samples
  check "test_env ($kind): loading the library sets ORT_DISABLE_TELEMETRY=1 when absent" \
    env -u ORT_DISABLE_TELEMETRY "$out/test_env-$kind" 1
  check "test_env ($kind): an explicit ORT_DISABLE_TELEMETRY=0 stays" \
    env ORT_DISABLE_TELEMETRY=0 "$out/test_env-$kind" 0
done

# --- valgrind --------------------------------------------------------------------------------
valgrind_ok=1
if [ "${OZI_SKIP_VALGRIND:-0}" = 1 ]; then
  echo "!!! OZI_SKIP_VALGRIND=1: valgrind checks SKIPPED"
  valgrind_ok=0
elif ! command -v valgrind >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "==> installing valgrind (apt-get)"
    apt-get install -y valgrind >/dev/null || { apt-get update >/dev/null && apt-get install -y valgrind >/dev/null; } ||
      true
  fi
  if ! command -v valgrind >/dev/null; then
    echo "!!! valgrind is not installed and cannot be installed here (not root): valgrind checks SKIPPED !!!"
    valgrind_ok=0
  fi
fi
if [ "$valgrind_ok" = 1 ]; then
  vg=(valgrind --quiet --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite
    --show-leak-kinds=definite --num-callers=40 --suppressions=ffi/valgrind.supp)
  # Under valgrind one photo takes 20-30 s: the example gets one sample, the test program runs
  # in --quick mode (one worker, small synthetic images except for two verdict checks; every
  # entry point and error path still runs). About 2-3 minutes in all.
  check "valgrind: analyze (shared) on one sample" "${vg[@]}" --log-file="$out/valgrind-analyze.log" \
    "$out/analyze-shared" samples/minivision_live_image_T1.jpg
  check "valgrind: test_api --quick (shared)" "${vg[@]}" --log-file="$out/valgrind-test_api.log" \
    "$out/test_api-shared" --quick samples
  check "valgrind: stress --quick (shared)" "${vg[@]}" --log-file="$out/valgrind-stress.log" \
    "$out/stress-shared" --quick samples
  # --quick: one clip at one frame, synthetic raw frames through submit, every refusal path.
  check "valgrind: test_video --quick (shared)" "${vg[@]}" --log-file="$out/valgrind-test_video.log" \
    "$out/test_video-shared" --quick samples
  echo "valgrind logs: $out/valgrind-*.log"
fi

# --- hostile input (ffi/tests/c/test_hostile.c) ----------------------------------------------
# Bombs, truncations, random bytes, lying pixels and over-limit media through the C door; each
# gets its exact status code. Shared and static builds; under valgrind too when available.
for kind in shared static; do
  if [ "$kind" = shared ]; then
    # shellcheck disable=SC2086
    check "compile test_hostile (shared)" \
      "$cc" "${cflags[@]}" $pc_cflags ffi/tests/c/test_hostile.c -o "$out/test_hostile-shared" $pc_libs \
      -Wl,-rpath,"$release"
  else
    # shellcheck disable=SC2086
    check "compile test_hostile (static)" \
      "$cc" "${cflags[@]}" -I"$root/include" ffi/tests/c/test_hostile.c -o "$out/test_hostile-static" \
      "$release/libozinstant.a" $libs_private
  fi
  check "test_hostile ($kind)" "$out/test_hostile-$kind" samples
done
if [ "$valgrind_ok" = 1 ]; then
  check "valgrind: test_hostile (shared)" "${vg[@]}" --log-file="$out/valgrind-test_hostile.log" \
    "$out/test_hostile-shared" --no-rss samples
fi


# --- AddressSanitizer --------------------------------------------------------------------------
# The C programs built with gcc -fsanitize=address and linked against libozinstant.so. ASan
# checks every access of the C code and, because it replaces malloc/free for the whole process,
# also catches double frees, frees of foreign pointers and leaks (LeakSanitizer at exit) of
# memory the Rust library and ONNX Runtime allocate; reads and writes inside the uninstrumented
# Rust and ONNX Runtime code are covered by valgrind above instead. No suppressions are needed
# (none are used: any report fails the check). strict_init_order etc. add the stricter checks.
asan_ok=1
if [ "${OZI_SKIP_ASAN:-0}" = 1 ]; then
  echo "!!! OZI_SKIP_ASAN=1: AddressSanitizer checks SKIPPED"
  asan_ok=0
elif ! echo 'int main(void){return 0;}' | "$cc" -fsanitize=address -x c - -o "$out/asan-probe" 2>/dev/null; then
  echo "!!! $cc cannot build with -fsanitize=address (libasan missing): AddressSanitizer checks SKIPPED !!!"
  asan_ok=0
fi
if [ "$asan_ok" = 1 ]; then
  asan_flags=(-O1 -g -fno-omit-frame-pointer -fsanitize=address)
  for src in "${programs[@]}" ffi/tests/c/test_hostile.c; do
    name="$(basename "$src" .c)"
    # shellcheck disable=SC2086
    check "compile $name (ASan, shared)" \
      "$cc" "${cflags[@]}" "${asan_flags[@]}" $pc_cflags "$src" -o "$out/$name-asan" $pc_libs -Wl,-rpath,"$release"
  done
  asan_env=(env ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:abort_on_error=0:detect_stack_use_after_return=1:strict_init_order=1:check_initialization_order=1:strict_string_checks=1:log_path=$out/asan")
  rm -f "$out"/asan.*
  check "ASan: analyze on samples/" "${asan_env[@]}" "$out/analyze-asan" samples/*.jpg samples/*.png
  check "ASan: test_api" "${asan_env[@]}" "$out/test_api-asan" samples
  check "ASan: stress" "${asan_env[@]}" "$out/stress-asan" samples
  check "ASan: test_biometry" "${asan_env[@]}" "$out/test_biometry-asan" samples
  check "ASan: test_video" "${asan_env[@]}" "$out/test_video-asan" samples "$frames_ppm"
  check "ASan: test_attest" "${asan_env[@]}" "$out/test_attest-asan" samples
  # The child exits with _exit (no LeakSanitizer pass there: the engine it inherited leaks its
  # worker pool and sessions on purpose); the parent is checked as usual.
  check "ASan: test_fork" "${asan_env[@]}" "$out/test_fork-asan" samples
  # --no-rss: ASan's shadow memory and quarantine make resident-memory figures meaningless.
  check "ASan: test_hostile" "${asan_env[@]}" "$out/test_hostile-asan" --no-rss samples
  no_asan_reports() {
    if ls "$out"/asan.* >/dev/null 2>&1; then
      head -n 60 "$out"/asan.* >&2
      return 1
    fi
  }
  check "ASan: no reports ($out/asan.*)" no_asan_reports
fi

summary
