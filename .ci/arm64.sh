#!/usr/bin/env bash
# The arm64 NEON kernels under emulation: vet for arm64, then the kernels'
# tests (bit-exact against kernels/generic kernel by kernel, and both real
# models bit-identical across kernel paths) under qemu-aarch64-static twice:
# as a Cortex-A72 (ARMv8.0, the neon path) and as "max" (dotprod too).
# Both models are calibrated natively first (8 images) so that the
# whole-model test does not calibrate under emulation; without ../shared
# this fails. Last, the purego build on arm64 (generic kernels only).
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
if [ ! -d "$EDGED_TESTDATA/models" ]; then
  echo "shared test data not found at $EDGED_TESTDATA (models/): set EDGED_TESTDATA; the whole-model test needs it" >&2
  exit 1
fi
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

# EDGED_EXPECT_KERNELS: the best path each emulated CPU must be offered
# (TestPaths), so NEON or SDOT silently missing fails instead of passing
# on the generic oracle alone.
for cpu_path in cortex-a72:neon max:dotprod; do
  cpu=${cpu_path%%:*}
  echo "== GOARCH=arm64 go test ./kernels/... under qemu-aarch64-static -cpu $cpu (expect ${cpu_path#*:})"
  EDGED_EXPECT_KERNELS=${cpu_path#*:} \
    GOARCH=arm64 go test -count=1 -exec "qemu-aarch64-static -cpu $cpu" ./kernels/...
  # The decoder's and resampler's NEON kernels (IDCTs, upsampling, colour
  # conversion, both resampling passes) against their Go oracle, and the
  # 500 sample images against Pillow's bytes, on this core.
  echo "== GOARCH=arm64 go test ./preprocess under qemu-aarch64-static -cpu $cpu"
  GOARCH=arm64 go test -count=1 -exec "qemu-aarch64-static -cpu $cpu" ./preprocess
  # The engine's worker handoff on this core's atomics: a lost wake-up
  # hangs here (and did, as a pair of flags, under qemu-user).
  echo "== GOARCH=arm64 go test -run Workers ./engine under qemu-aarch64-static -cpu $cpu"
  GOARCH=arm64 go test -count=1 -timeout 5m -run Workers -exec "qemu-aarch64-static -cpu $cpu" ./engine
done

# The purego build on arm64 is what a board gets with -tags purego: the
# generic kernels compiled for arm64 (their own tests, and both models on
# them, TestPaths requiring generic alone). On amd64 purego builds the same
# files as the default build, so it would only repeat those tests.
echo "== GOARCH=arm64 go test -tags purego ./kernels/... under qemu-aarch64-static"
EDGED_EXPECT_KERNELS=generic \
  GOARCH=arm64 go test -count=1 -tags purego -exec "qemu-aarch64-static -cpu cortex-a72" ./kernels/...
