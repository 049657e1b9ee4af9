#!/usr/bin/env bash
# The arm64 NEON kernels under emulation: vet for arm64, then the kernels'
# tests (bit-exact against kernels/generic kernel by kernel, and both real
# models bit-identical across kernel paths) under qemu-aarch64-static twice:
# as a Cortex-A72 (ARMv8.0, the neon path) and as "max" (dotprod too).
# Both models are calibrated natively first (8 images) so that the
# whole-model test does not calibrate under emulation.
set -euo pipefail
cd "$(dirname "$0")/.."
export EDGED_TESTDATA="${EDGED_TESTDATA:-$(cd .. && pwd)/shared}"

if ! command -v qemu-aarch64-static >/dev/null; then
  echo "installing qemu-user-static"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends qemu-user-static >/dev/null
fi

echo "== GOARCH=arm64 go vet ./..."
GOARCH=arm64 go vet ./...

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ -d "$EDGED_TESTDATA/models" ]; then
  echo "== calibrating both models natively (8 images) for the whole-model test"
  go build -o "$tmp/edged" ./cmd/edged
  imgs="$EDGED_TESTDATA/imagenet-sample/images"
  "$tmp/edged" calibrate --weights "$EDGED_TESTDATA/models/shufflenet_v2_x0_5.pth" \
    --images "$imgs" --limit 8 --out "$tmp/shufflenet_v2_x0_5.edgeq" >"$tmp/s.log" 2>&1 &
  s=$!
  "$tmp/edged" calibrate --weights "$EDGED_TESTDATA/models/mobilenet_v3_small_tf.pth" --padding tf \
    --images "$imgs" --limit 8 --out "$tmp/mobilenet_v3_small_tf.edgeq" >"$tmp/m.log" 2>&1 &
  m=$!
  wait $s || { cat "$tmp/s.log"; exit 1; }
  wait $m || { cat "$tmp/m.log"; exit 1; }
  export EDGED_KERNEL_MODELS=$tmp
else
  echo "shared test data not found at $EDGED_TESTDATA: the whole-model test will skip"
fi

for cpu in cortex-a72 max; do
  echo "== GOARCH=arm64 go test ./kernels/... under qemu-aarch64-static -cpu $cpu"
  GOARCH=arm64 go test -count=1 -exec "qemu-aarch64-static -cpu $cpu" ./kernels/...
done
