#!/usr/bin/env bash
# A Rust host built with `panic = "abort"` (make test-panic-abort): the README's Rust example,
# built in the `panic-abort` profile, gets a typed error for a corrupt JPEG and exits 1, where
# a libjpeg error unwinding through C frames would abort the process (SIGABRT, 134). The
# corrupt file has a stray restart marker inside a sample's entropy-coded data, which
# libjpeg-turbo refuses ("Corrupt JPEG data: premature end of data segment") by unwinding;
# in this build zune-jpeg decodes it instead
# (core/src/decode.rs, JpegDecoder). A good photo must still be analysed.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
export ORT_DYLIB_PATH="${ORT_DYLIB_PATH:-$root/.cache/onnxruntime/libonnxruntime.so.${ORT_VERSION:-1.31.1}}"
cargo build --locked --profile panic-abort -p ozinstant --example analyze
bin="$root/target/panic-abort/examples/analyze"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
python3 - "$root/samples/minivision_live_image_T1.jpg" "$tmp/corrupt.jpg" <<'PY'
import sys
data = bytearray(open(sys.argv[1], "rb").read())
sos = data.index(b"\xff\xda")
start = sos + 2 + int.from_bytes(data[sos + 2:sos + 4], "big")
mid = start + (len(data) - start) // 3
while data[mid - 1] == 0xFF or data[mid] == 0xFF:
    mid += 1
data[mid:mid] = b"\xff\xd5"  # a restart marker where none belongs
open(sys.argv[2], "wb").write(bytes(data))
PY
set +e
"$bin" "$root/samples/minivision_live_image_T1.jpg" >"$tmp/good.out" 2>&1
good=$?
"$bin" "$tmp/corrupt.jpg" >"$tmp/bad.out" 2>&1
bad=$?
set -e
cat "$tmp/good.out" "$tmp/bad.out"
[ "$good" -eq 0 ] || { echo "test-panic-abort: the good photo failed (exit $good)" >&2; exit 1; }
# 0 (decoded, some verdict) or 1 (a typed error) are both fine; a signal is not.
[ "$bad" -le 1 ] || { echo "test-panic-abort: the corrupt JPEG ended the process with exit $bad" >&2; exit 1; }
echo "test-panic-abort: ok (good photo exit 0, corrupt JPEG exit $bad, no abort)"
