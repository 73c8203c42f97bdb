#!/usr/bin/env bash
# Fetches ONNX Runtime's shared library from the PyPI wheel onnxruntime==$ORT_VERSION into the
# repo-local, git-ignored cache .cache/onnxruntime/. Idempotent. No other network access.
set -euo pipefail
ORT_VERSION="${ORT_VERSION:-1.31.1}"
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/.cache/onnxruntime"
lib="$dest/libonnxruntime.so.$ORT_VERSION"
if [ -f "$lib" ]; then
  echo "onnxruntime $ORT_VERSION: $lib"
  exit 0
fi
wheels="$root/.cache/wheels"
mkdir -p "$wheels" "$dest"
python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
  --dest "$wheels" "onnxruntime==$ORT_VERSION"
whl="$(ls "$wheels"/onnxruntime-"$ORT_VERSION"-*.whl | head -n 1)"
python3 - "$whl" "$dest" "$ORT_VERSION" <<'PY'
import sys, zipfile, os
whl, dest, ver = sys.argv[1:4]
name = f"onnxruntime/capi/libonnxruntime.so.{ver}"
with zipfile.ZipFile(whl) as z:
    data = z.read(name)
tmp = os.path.join(dest, f".libonnxruntime.so.{ver}.tmp")
with open(tmp, "wb") as f:
    f.write(data)
os.chmod(tmp, 0o755)
os.replace(tmp, os.path.join(dest, f"libonnxruntime.so.{ver}"))
PY
echo "onnxruntime $ORT_VERSION: $lib"
