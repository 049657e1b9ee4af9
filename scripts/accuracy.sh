#!/usr/bin/env bash
# Reproduces README's int8 accuracy table: calibrate on 100 of the 500
# shared ImageNet images (every 5th by name), evaluate on the other 400.
#   scripts/accuracy.sh [METHODS] [INT16 CAPS]
# e.g. scripts/accuracy.sh "minmax percentile entropy mse" "0 6"
set -euo pipefail
cd "$(dirname "$0")/.."
S=${EDGED_TESTDATA:-../shared}
methods=${1:-"minmax percentile entropy mse"}
caps=${2:-"6"}
out=$(mktemp -d)
go build -o "$out/edged" ./cmd/edged
echo "| model | method | int16 cap | int16 tensors / weights | int8 top-1 (float) | Δ top-1 | agreement | logits SQNR |"
echo "|---|---|---|---|---|---|---|---|"
for m in "shufflenet_v2_x0_5 torch" "mobilenet_v3_small_tf tf"; do
  set -- $m
  name=$1 pad=$2
  for method in $methods; do
    for cap in $caps; do
      model="$out/$name-$method-$cap.edgeq"
      "$out/edged" calibrate --weights "$S/models/$name.pth" --padding "$pad" --images "$S/imagenet-sample/images" \
        --limit 100 --method "$method" --int16 "$cap" --out "$model" >/dev/null 2>"$out/log"
      r=$("$out/edged" eval --model "$model" --float-weights "$S/models/$name.pth" --images "$S/imagenet-sample/images" \
        --labels "$S/imagenet-sample/labels.tsv" --reference "$S/imagenet-sample/float-$name.tsv" --json)
      t16=$("$out/edged" inspect "$model" | awk '/^int16_tensors:/{print $2}')
      w16=$("$out/edged" inspect "$model" | grep -c "weights: int16" || true)
      python3 -c "
import json,sys; r=json.loads(sys.argv[1])
print('| %s | %s | %s | %s / %s | %.2f%% (%.2f%%) | %+.2f | %.2f%% | %.1f dB |' % ('$name','$method','$cap','$t16','$w16', r['top1'], r['reference_top1'], r['top1']-r['reference_top1'], r['agreement'], r['logits_sqnr_db']))" "$r"
    done
  done
done
rm -rf "$out"
