#!/usr/bin/env bash
# Builds and tests the Node.js package (bindings/node):
#   1. npm ci from the committed package-lock.json (onnxruntime-node 1.30.0, which ships the
#      ONNX Runtime library the package loads, and @napi-rs/cli + typescript for the build);
#   2. napi build --platform --release (cargo's output lands in target/<triple>/release);
#   3. fails when the generated native.js / native.d.ts drift from the committed ones, and
#      type-checks the public index.d.ts;
#   4. node --test test/ (node's runner prints its summary last).
# Run from anywhere; needs node >= 20.17, npm, cargo. OZINSTANT_UPDATE_GENERATED=1 rewrites
# the committed native.js / native.d.ts instead of failing on drift.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pkg="$root/bindings/node"
cd "$pkg"

# onnxruntime-node's postinstall would fetch CUDA provider libraries from nuget.org on
# linux/x64; the CPU library we need is in the npm tarball already. Skip that download.
export ONNXRUNTIME_NODE_INSTALL=skip
echo "== npm ci"
npm ci --no-audit --no-fund

echo "== napi build --platform --release"
generated="$(mktemp -d)"
trap 'rm -rf "$generated"' EXIT
"$pkg/node_modules/.bin/napi" build --platform --release --js native.js --dts native.d.ts --output-dir "$generated"
cp "$generated"/ozinstant.*.node "$pkg/"

echo "== generated bindings are up to date"
drift=0
for f in native.js native.d.ts; do
  if ! diff -u "$f" "$generated/$f"; then
    drift=1
  fi
done
if [ "$drift" -ne 0 ]; then
  if [ "${OZINSTANT_UPDATE_GENERATED:-0}" = "1" ]; then
    cp "$generated/native.js" "$generated/native.d.ts" "$pkg/"
    echo "updated native.js / native.d.ts: commit them"
  else
    echo "error: bindings/node/native.js or native.d.ts drifted from the code (diff above)." >&2
    echo "Rerun with OZINSTANT_UPDATE_GENERATED=1 and commit the result." >&2
    exit 1
  fi
fi

echo "== type-check index.d.ts"
"$pkg/node_modules/.bin/tsc" -p test-support/tsconfig.json

echo "== node --test"
node --test test/
