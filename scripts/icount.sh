#!/usr/bin/env bash
# Instructions per inference on emulated ARM cores, generic kernels vs NEON,
# by difference: (count of `edged bench --iterations 11`) − (count of
# `--iterations 1`), divided by 10, one thread. Prints a Markdown table.
#
#   scripts/icount.sh [SHUFFLENET.edgeq MOBILENET.edgeq]
#
# GOGC=off keeps the garbage collector (still busy after the model load)
# and GOMAXPROCS=1 idle scheduler threads out of the difference, so the
# counts repeat to within a few thousand instructions.
#
# Without model files it calibrates both shared checkpoints first (100
# images, as README's calibration example). Needs Debian's qemu-user (the
# dynamic qemu-aarch64 that arm64-icount's plugin runs in).
set -euo pipefail
cd "$(dirname "$0")/.."
shared="${EDGED_TESTDATA:-$(cd .. && pwd)/shared}"
icount="$shared/tools/arm64-icount/arm64-icount"
[ -x /usr/bin/qemu-aarch64 ] || { echo "icount.sh: install Debian's qemu-user (apt-get install -y qemu-user)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ $# -eq 2 ]; then
  shuf=$1 mob=$2
else
  go build -o "$tmp/edged" ./cmd/edged
  imgs="$shared/imagenet-sample/images"
  shuf=$tmp/shufflenet_v2_x0_5.edgeq mob=$tmp/mobilenet_v3_small_tf.edgeq
  echo "calibrating (100 images each)..." >&2
  "$tmp/edged" calibrate --weights "$shared/models/shufflenet_v2_x0_5.pth" --images "$imgs" --limit 100 --out "$shuf" >&2 2>/dev/null
  "$tmp/edged" calibrate --weights "$shared/models/mobilenet_v3_small_tf.pth" --padding tf --images "$imgs" --limit 100 --out "$mob" >&2 2>/dev/null
fi
GOARCH=arm64 go build -o "$tmp/edged-arm64" ./cmd/edged

# count MODEL CPU PATH ITERATIONS: instructions of one bench run
count() {
  GOGC=off GOMAXPROCS=1 EDGED_KERNELS=$3 "$icount" -cpu "$2" "$tmp/edged-arm64" bench --model "$1" --iterations "$4" --threads 1 2>&1 |
    awk '/^insns:/ { print $2 }'
}
# per MODEL CPU PATH: instructions per inference, in millions
per() {
  a=$(count "$1" "$2" "$3" 1)
  b=$(count "$1" "$2" "$3" 11)
  awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", (b - a) / 10 / 1e6 }'
}

echo "| model | core | generic (M) | NEON path | NEON (M) | generic / NEON |"
echo "|---|---|---|---|---|---|"
for m in "$shuf:shufflenet_v2_x0_5" "$mob:mobilenet_v3_small_tf"; do
  file=${m%%:*} name=${m#*:}
  for cpu in cortex-a72 neoverse-n1; do
    path=neon
    [ "$cpu" = neoverse-n1 ] && path=dotprod
    g=$(per "$file" "$cpu" generic)
    n=$(per "$file" "$cpu" "$path")
    awk -v name="$name" -v cpu="$cpu" -v g="$g" -v p="$path" -v n="$n" \
      'BEGIN { printf "| %s | %s | %s | %s | %s | %.1f× |\n", name, cpu, g, p, n, g / n }'
  done
done
