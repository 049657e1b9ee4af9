#!/usr/bin/env bash
# edged's int8 kernels against ONNX Runtime 1.24.1 int8 on this x86 machine,
# side by side in one run: ShuffleNetV2 x0.5 and MobileNetV3-Small (TF
# padding), 1 and 2 threads, every edged kernel path this CPU offers.
#
# ONNX Runtime comes from ../shared/tools/peers (its run.sh builds ort_bench
# and exports and quantizes the models; this script runs it once with
# SKIP_X86=1 SKIP_ICOUNT=1 if $PEERS_WORK has no ort_bench yet; that needs
# python3-torch, python3-torchvision, python3-onnx, npm). The host's speed
# drifts by tens of percent over minutes, so engines are interleaved: each
# round runs every engine once in a fresh process (ORT: 30 warm-up runs,
# then N timed; edged bench: N timed after its own warm-up), and the table
# gives, per engine, the median over rounds of each round's median, the
# fastest round's, and the median (and range) over rounds of the ratio to
# ONNX Runtime's U8S8 model in the same round.
#
#   bash scripts/x86-bench.sh            # ROUNDS=7 N=300 by default
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=$(cd "${EDGED_TESTDATA:-../shared}" && pwd)
PEERS=${PEERS_WORK:-/tmp/peers}
ROUNDS=${ROUNDS:-7}
N=${N:-300}
ORT_LIB=$PEERS/npm/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1
INPUT=$SHARED/golden/inputs/n01443537_goldfish.JPEG.f32
if [ ! -x "$PEERS/bin/ort_bench-amd64" ] || [ ! -f "$PEERS/models/shufflenet_v2_x0_5_u8s8.onnx" ]; then
  echo "== setting up ONNX Runtime with $SHARED/tools/peers/run.sh (SKIP_X86=1 SKIP_ICOUNT=1)"
  PEERS_WORK=$PEERS SKIP_X86=1 SKIP_ICOUNT=1 bash "$SHARED/tools/peers/run.sh" >/dev/null
fi
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
go build -o "$W/edged" ./cmd/edged
cp models/shufflenet_v2_x0_5.edgeq "$W/shufflenet_v2_x0_5.edgeq"
"$W/edged" calibrate --weights "$SHARED/models/mobilenet_v3_small_tf.pth" --padding tf \
  --images "$SHARED/imagenet-sample/images" --out "$W/mobilenet_v3_small_tf.edgeq" >/dev/null 2>&1
avail=""
for k in vnni avx2 generic; do
  EDGED_KERNELS=$k "$W/edged" bench --model "$W/shufflenet_v2_x0_5.edgeq" --iterations 1 >/dev/null 2>&1 && avail="$avail $k"
done
echo "edged kernel paths: $avail; $(nproc) cores; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
R=$W/results.tsv
for round in $(seq 1 "$ROUNDS"); do
  for m in shufflenet_v2_x0_5 mobilenet_v3_small_tf; do
    for t in 1 2; do
      for v in u8s8 int8; do
        ms=$("$PEERS/bin/ort_bench-amd64" -lib "$ORT_LIB" -model "$PEERS/models/${m}_$v.onnx" -input "$INPUT" \
          -n "$N" -warmup 30 -threads "$t" 2>/dev/null | sed -n 's/.* median_ms=\([0-9.]*\).*/\1/p')
        label=S8S8; [ "$v" = u8s8 ] && label=U8S8
        echo -e "$round\t$m\tORT int8 $label\t$t\t$ms" >> "$R"
      done
      for k in $avail; do
        line=$(EDGED_KERNELS=$k "$W/edged" bench --model "$W/$m.edgeq" --threads "$t" --iterations "$N" 2>&1 | grep '^latency')
        ms=$(echo "$line" | awk '{v=$3; if (v ~ /µs$/) {sub(/µs$/, "", v); v/=1000} else {sub(/ms$/, "", v)}; print v}')
        echo -e "$round\t$m\tedged $k\t$t\t$ms" >> "$R"
      done
    done
  done
  echo "round $round/$ROUNDS done" >&2
done
python3 - "$R" "$ROUNDS" <<'PY'
import statistics, sys
rows, byround = {}, {}
for line in open(sys.argv[1]):
    rnd, m, e, t, ms = line.rstrip("\n").split("\t")
    if ms:
        rows.setdefault((m, int(t), e), []).append(float(ms))
        byround[(rnd, m, int(t), e)] = float(ms)
# Each round's ratio to ONNX Runtime's U8S8 model in the same round: the
# engines of a round ran within seconds of each other, so the host's
# drift between rounds cancels out of it.
def ratios(m, t, e):
    return [byround[(r, m, t, e)] / byround[(r, m, t, "ORT int8 U8S8")]
            for (r, mm, tt, ee) in byround if (mm, tt, ee) == (m, t, e) and (r, m, t, "ORT int8 U8S8") in byround]
print(f"\n| model | threads | engine | median of round medians (ms) | fastest round (ms) | median of round ratios to ORT U8S8 |")
print("|---|---|---|---|---|---|")
for (m, t, e), v in sorted(rows.items()):
    r = ratios(m, t, e)
    rr = f"{statistics.median(r):.2f}× ({min(r):.2f}–{max(r):.2f})" if r and not e.startswith("ORT") else ""
    print(f"| {m} | {t} | {e} | {statistics.median(v):.3f} | {min(v):.3f} | {rr} |")
PY
