#!/usr/bin/env bash
# Signed results with the CLI, from the repository root after `make demo`: a key pair, a signed
# analysis bound to a challenge, a verification, and a forged copy that fails to verify.
set -euo pipefail
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT

openssl genpkey -algorithm ed25519 -out "$dir/key.pem"
openssl pkey -in "$dir/key.pem" -pubout -out "$dir/key.pub.pem"

target/release/ozinstant analyze samples/minivision_live_image_T1.jpg \
  --signing-key "$dir/key.pem" --nonce challenge-42 --format json >"$dir/result.json"
target/release/ozinstant verify --public-key "$dir/key.pub.pem" --nonce challenge-42 "$dir/result.json"

# Any change breaks the signature: verify exits with status 1.
sed 's/"SUCCESS"/"DECLINED"/' "$dir/result.json" >"$dir/forged.json"
if target/release/ozinstant verify --public-key "$dir/key.pub.pem" "$dir/forged.json"; then
  echo "a forged result verified" >&2
  exit 1
fi
