#!/usr/bin/env bash
# Tests the Python package the way a user gets it: builds the abi3 wheel with maturin, installs
# it with its dependencies (onnxruntime==1.31.1, numpy) into a fresh virtualenv, and runs the
# pytest suite in bindings/python/tests (which also runs examples/python/analyze.py).
#
#   ./scripts/test-python.sh [extra pytest arguments]
#   OZI_TEST_PIP_SOURCE=1 ./scripts/test-python.sh   # also checks `pip install ./bindings/python`
#
# Caches (all git-ignored, under .cache/): pip downloads in .cache/pip, the onnxruntime wheel in
# .cache/wheels (scripts/fetch-ort.sh), built wheels in .cache/wheelhouse. The virtualenv
# .cache/venv-test is recreated on every run. Cargo builds into the shared ./target.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

python="${PYTHON:-python3}"
venv=.cache/venv-test
wheelhouse=.cache/wheelhouse
export PIP_CACHE_DIR="$root/.cache/pip"
export PIP_DISABLE_PIP_VERSION_CHECK=1
start=$SECONDS

./scripts/fetch-ort.sh # idempotent: puts the onnxruntime wheel in .cache/wheels

echo "== fresh virtualenv $venv"
"$python" -m venv --clear "$venv"
vpy="$root/$venv/bin/python"
"$vpy" -m pip install --quiet "maturin==1.16.0"

echo "== maturin build (release, abi3)"
rm -f "$wheelhouse"/ozinstant-*.whl
"$vpy" -m maturin build --release --locked -m bindings/python/Cargo.toml --out "$wheelhouse" \
  --interpreter "$vpy"
wheel="$(ls "$wheelhouse"/ozinstant-*.whl | head -n 1)"
echo "built $wheel"

echo "== pip install wheel + dependencies"
# cryptography: the independent verifier of signed results (tests/test_attestation.py).
"$vpy" -m pip install --quiet --find-links .cache/wheels "$wheel" "pytest>=7" "pillow>=9" "cryptography==50.0.2"

echo "== pytest"
# Run from outside the source tree so that `import ozinstant` is the installed wheel.
set +e
(cd "$root/bindings/python/tests" && "$vpy" -m pytest -q -p no:cacheprovider "$root/bindings/python/tests" "$@")
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "test-python: pytest collected no tests" >&2
  exit 1
fi
if [ "$status" -eq 0 ] && [ "${OZI_TEST_PIP_SOURCE:-0}" = 1 ]; then
  # Optional (about 1.5 min more): the source route, maturin as PEP 517 backend.
  echo "== pip install ./bindings/python (PEP 517)"
  "$python" -m venv --clear .cache/venv-pep517
  .cache/venv-pep517/bin/python -m pip install --quiet --find-links .cache/wheels ./bindings/python
  (cd /tmp && "$root/.cache/venv-pep517/bin/python" "$root/examples/python/analyze.py" "$root/samples/skimage_live_astronaut.png")
fi
echo "test-python: $((SECONDS - start)) s"
exit "$status"
