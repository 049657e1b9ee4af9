#!/usr/bin/env bash
# Memory soak of `edged run` with one camera: reports the resident memory
# (VmRSS) after a warm-up and then every INTERVAL seconds for DURATION
# seconds, with the frames and predictions so far. It fails when the peak
# RSS is above LIMIT_MB, or when the mean of the last quarter of the samples
# is more than GROWTH_PCT above the mean of the first quarter: single
# samples swing by a few MB with the garbage collector's cycle, a leak
# shows as a trend.
#
#   scripts/soak.sh                      # 10 minutes, 10 fps, shared test data
#   DURATION=3600 FPS=20 scripts/soak.sh
#   MODEL=m.edgeq IMAGES=dir/ scripts/soak.sh
#
# MODEL: an int8 model (default: calibrated here from $EDGED_TESTDATA).
# IMAGES: a directory of images for the directory source (default: 20 of
# the shared ImageNet sample). Needs go, curl and awk.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-600}
INTERVAL=${INTERVAL:-30}
WARMUP=${WARMUP:-20}
FPS=${FPS:-10}
THREADS=${THREADS:-1}
LIMIT_MB=${LIMIT_MB:-40}
GROWTH_PCT=${GROWTH_PCT:-15}
TESTDATA=${EDGED_TESTDATA:-$(cd .. && pwd)/shared}

work=$(mktemp -d)
pid=""
cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; wait "$pid" || true; fi
	rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/edged" ./cmd/edged

if [ -z "${IMAGES:-}" ]; then
	[ -d "$TESTDATA/imagenet-sample/images" ] || { echo "no IMAGES and no test data at $TESTDATA" >&2; exit 2; }
	IMAGES=$work/images
	mkdir -p "$IMAGES"
	ls "$TESTDATA/imagenet-sample/images" | sort | sed -n 101,120p | while read -r f; do
		cp "$TESTDATA/imagenet-sample/images/$f" "$IMAGES/"
	done
fi
if [ -z "${MODEL:-}" ]; then
	MODEL=$work/model.edgeq
	mkdir -p "$work/cal"
	ls "$TESTDATA/imagenet-sample/images" | sort | head -8 | while read -r f; do
		cp "$TESTDATA/imagenet-sample/images/$f" "$work/cal/"
	done
	"$work/edged" calibrate --weights "$TESTDATA/models/shufflenet_v2_x0_5.pth" --images "$work/cal" \
		--int16 0 --out "$MODEL" >/dev/null 2>&1
fi

cat >"$work/config.yaml" <<EOF
device_id: soak
model: {path: $MODEL, threads: $THREADS}
cameras:
  - {name: soak, source: $IMAGES, fps: $FPS}
mqtt: {broker: embedded, embedded_listen: "127.0.0.1:0"}
http: {listen: "127.0.0.1:0"}
EOF

"$work/edged" run --config "$work/config.yaml" 2>"$work/log" &
pid=$!

addr=""
for _ in $(seq 100); do
	addr=$(sed -n 's/.*msg="serving \/healthz and \/metrics" addr=\([^ ]*\).*/\1/p' "$work/log")
	[ -n "$addr" ] && break
	kill -0 "$pid" 2>/dev/null || { cat "$work/log" >&2; exit 1; }
	sleep 0.1
done
[ -n "$addr" ] || { echo "edged did not start serving /metrics" >&2; cat "$work/log" >&2; exit 1; }

mb() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$pid/status"; }
metric() { curl -fsS "http://$addr/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
report() {
	printf '%6ss  rss %6.1f MB  frames %8s  predictions %8s  failed %s\n' "$1" "$(mb "$2")" \
		"$(metric 'edged_frames_captured_total{camera="soak"}')" \
		"$(metric 'edged_predictions_total{camera="soak"}')" \
		"$(metric 'edged_frames_failed_total{camera="soak"}')"
}

echo "edged run: $FPS fps, $THREADS thread(s), ${DURATION}s after a ${WARMUP}s warm-up; images $IMAGES"
sleep "$WARMUP"
start=$(rss_kb)
peak=$start
samples=("$start")
report 0 "$start"
elapsed=0
while [ "$elapsed" -lt "$DURATION" ]; do
	step=$(( DURATION - elapsed < INTERVAL ? DURATION - elapsed : INTERVAL ))
	sleep "$step"
	elapsed=$((elapsed + step))
	kill -0 "$pid" 2>/dev/null || { echo "edged exited" >&2; cat "$work/log" >&2; exit 1; }
	now=$(rss_kb)
	samples+=("$now")
	[ "$now" -gt "$peak" ] && peak=$now
	report "$elapsed" "$now"
done
end=$(rss_kb)

kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=""

# Means of the first and last quarter of the samples (at least one each).
read -r first last growth < <(printf '%s\n' "${samples[@]}" | awk '
	{ v[NR] = $1 }
	END {
		q = int(NR / 4); if (q < 1) q = 1
		for (i = 1; i <= q; i++) { a += v[i]; b += v[NR - q + i] }
		a /= q; b /= q
		printf "%d %d %.1f\n", a, b, 100 * (b - a) / a
	}')
printf 'RSS start %s MB, end %s MB, peak %s MB; mean of the first quarter %s MB, of the last %s MB (%s%%); exit status %d after SIGTERM\n' \
	"$(mb "$start")" "$(mb "$end")" "$(mb "$peak")" "$(mb "$first")" "$(mb "$last")" "$growth" "$status"

fail=0
if [ "$peak" -gt $((LIMIT_MB * 1024)) ]; then echo "FAIL: peak RSS above ${LIMIT_MB} MB"; fail=1; fi
if awk -v g="$growth" -v l="$GROWTH_PCT" 'BEGIN {exit !(g > l)}'; then echo "FAIL: RSS grew more than ${GROWTH_PCT}%"; fail=1; fi
if [ "$status" -ne 0 ]; then echo "FAIL: exit status $status after SIGTERM"; fail=1; fi
[ "$fail" = 0 ] && echo "OK"
exit "$fail"
