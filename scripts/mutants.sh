#!/usr/bin/env bash
# Mutation check of the test suite (not part of CI): plants each bug of the
# table below, one at a time, in a temporary copy of the repository, runs
# the tests named for it, and prints caught/survived per bug and a summary.
# A bug that survives is a test to write. This is how we check the suite
# from now on: add a line for every bug a review or an incident finds.
#
#   bash scripts/mutants.sh                 # every mutant
#   bash scripts/mutants.sh onchange fps    # mutants whose name contains a word
#
# Each line of the table: name ::: file ::: from ::: to ::: go test arguments
#   from/to are literal text (\n and \t stand for newline and tab); "from"
#   must occur exactly once in the file, else the mutant is reported STALE
#   (the code moved on: update the line, don't delete it).
#   The go test arguments may start with VAR=value words (environment, e.g.
#   GOARCH=arm64 for qemu runs); \x20 is a space inside one argument.
#   -run narrows a slow package to the tests that guard the code; the named
#   tests are ones CI runs.
# Every command is first run on the unmutated copy: a command that fails
# there is reported BASELINE-FAILS, and its mutants cannot count as caught.
# Tests run with EDGED_REQUIRE_TESTDATA=1: missing data fails, never skips.
#
# Needs ../shared (or EDGED_TESTDATA), mosquitto, qemu-user-static, and for
# the gocv mutant libopencv-dev with GStreamer's base plugins.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
export EDGED_TESTDATA="${EDGED_TESTDATA:-$(cd "$repo/.." && pwd)/shared}"
export EDGED_REQUIRE_TESTDATA=1 EDGED_REQUIRE_MOSQUITTO=1
timeout=${MUTANT_TIMEOUT:-15m}

mutants=$(cat <<'TABLE'
# --- the six bugs of issue 16 ---
onchange-boundary ::: publish/onchange.go ::: math.Abs(cur.score-prev.score) > f.scoreDelta ::: math.Abs(cur.score-prev.score) >= f.scoreDelta ::: -run TestChangeFilter ./publish
fps-bound-inclusive ::: internal/limits/limits.go ::: fps > MaxFPS ::: fps >= MaxFPS ::: ./config ./publish
fps-no-upper-bound ::: internal/limits/limits.go ::: fps < MinFPS || fps > MaxFPS ::: fps < MinFPS ::: ./config ./publish
camera-reconnect-tight-loop ::: capture/camera.go ::: wait := bo.next() ::: wait := 0 * bo.next() ::: ./capture
arm64-only-generic ::: kernels/dispatch_arm64.go ::: return []string{NEON, Generic} ::: return []string{Generic} ::: GOARCH=arm64 EDGED_EXPECT_KERNELS=neon -exec=qemu-aarch64-static\x20-cpu\x20cortex-a72 -run TestPaths ./kernels
gocv-ffmpeg-not-gstreamer ::: capture/gocv.go ::: gocv.VideoCaptureGstreamer ::: gocv.VideoCaptureFFmpeg ::: -tags gocv -run GStreamer ./capture
engine-input-zp-off-by-one ::: engine/engine.go ::: in.ZP, e.bufs[0] ::: in.ZP+1, e.bufs[0] ::: -run TestInputQuantized|TestInt8TracksFloat ./engine
# --- kernels, requantization ---
arm64-dotprod-lost ::: kernels/dispatch_arm64.go ::: if cpu.ARM64.HasASIMDDP { ::: if false && cpu.ARM64.HasASIMDDP { ::: GOARCH=arm64 EDGED_EXPECT_KERNELS=dotprod -exec=qemu-aarch64-static\x20-cpu\x20max -run TestPaths ./kernels
requantize-truncates ::: kernels/generic/qparams.go ::: v = (v + 1<<(r-1)) >> r ::: v = v >> r ::: ./kernels/generic
multiplier-truncates ::: kernels/generic/multiplier_q.go ::: m := int64(math.Round(q * (1 << 31))) ::: m := int64(q * (1 << 31)) ::: ./kernels/generic
quantize-rounds-half-away ::: kernels/generic/elementwise_q.go ::: math.RoundToEven(float64(x)*s) ::: math.Round(float64(x)*s) ::: ./kernels/generic
# --- JPEG decoder (chroma upsampling) and resampler ---
upsample-h1v2-bias ::: preprocess/ycbcr.go ::: bias := int32(1 + y%2) ::: bias := int32(2 - y%2) ::: ./preprocess
upsample-h2v2-bias ::: preprocess/ycbcr.go ::: d[1] = uint8((t + sums[i+1] + 7) >> 4) ::: d[1] = uint8((t + sums[i+1] + 8) >> 4) ::: ./preprocess
upsample-h2v1-bias ::: preprocess/ycbcr.go ::: d[0] = uint8((t + int32(cur[i-1]) + 1) >> 2) ::: d[0] = uint8((t + int32(cur[i-1]) + 2) >> 2) ::: ./preprocess
resample-no-rounding ::: preprocess/resample.go ::: s := int32(1 << (precisionBits - 1)) ::: s := int32(0) ::: ./preprocess
resample-weights-truncated ::: preprocess/resample.go ::: k.w = append(k.w, int32(0.5+float64(w*(1<<precisionBits)))) ::: k.w = append(k.w, int32(float64(w*(1<<precisionBits)))) ::: ./preprocess
# --- publish: queue, reconnect, topics, Home Assistant ---
queue-drops-newest ::: publish/queue.go ::: if r.n == len(r.buf) {\n\t\tr.buf[r.head] = queued{} ::: if r.n == len(r.buf) {\n\t\treturn true\n\t\tr.buf[r.head] = queued{} ::: ./publish
reconnect-loses-inflight ::: publish/sender.go ::: if p.queue.pushFront(j.pred) { ::: if true { ::: ./publish
topic-prediction-renamed ::: publish/topics.go ::: + "/prediction" } ::: + "/predictions" } ::: ./publish
ha-discovery-component ::: publish/topics.go ::: t.discovery + "/sensor/" ::: t.discovery + "/sensors/" ::: ./publish
ha-id-drops-dash ::: publish/topics.go ::: r == '_' || r == '-' || ::: r == '_' || ::: ./publish
# --- config bounds, camera backoff, health ---
qos-bound ::: config/validate.go ::: m.QoS >= 0 && m.QoS <= 2 ::: m.QoS >= 0 && m.QoS <= 3 ::: ./config
queue-size-bound ::: config/validate.go ::: maxQueueSize = 1_000_000 ::: maxQueueSize = 1_000_001 ::: ./config
backoff-never-grows ::: capture/backoff.go ::: b.cur = min(b.cur*2, b.max) ::: b.cur = min(b.cur, b.max) ::: ./capture
backoff-never-resets ::: capture/camera.go ::: bo.reset() // it worked ::: // bo.reset() // it worked ::: ./capture
health-ignores-stale-camera ::: daemon/health.go ::: case now.Sub(st.LastFrame) > window: ::: case now.Sub(st.LastFrame) > 1000*window: ::: ./daemon
health-ignores-mqtt ::: daemon/health.go ::: if ps := d.pub.Stats(); !ps.Connected { ::: if ps := d.pub.Stats(); false && !ps.Connected { ::: ./daemon
TABLE
)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
copy=$work/edged
mkdir -p "$copy"
# tracked and new (not ignored) files, as they are in the working tree
(cd "$repo" && git ls-files -z -co --exclude-standard | tar --null -T - -cf -) | tar -xf - -C "$copy"

# runtests "go test arguments" logfile: 0 when the tests pass
runtests() {
  local args=$1 log=$2 envs=() a
  read -r -a words <<<"$args"
  local goargs=()
  for a in "${words[@]}"; do
    if [ ${#goargs[@]} -eq 0 ] && [[ $a =~ ^[A-Z_][A-Z0-9_]*= ]]; then
      envs+=("$a")
    else
      goargs+=("${a//\\x20/ }")
    fi
  done
  (cd "$copy" && env "${envs[@]}" timeout "$timeout" go test -count=1 "${goargs[@]}") >"$log" 2>&1
}

declare -A baseline
caught=0 survived=0 stale=0 invalid=0 n=0
printf '%-30s %-10s %s\n' mutant result "tests that failed"
while IFS= read -r line; do
  [[ -z $line || $line == \#* ]] && continue
  name=${line%% ::: *}; rest=${line#* ::: }
  file=${rest%% ::: *}; rest=${rest#* ::: }
  from=${rest%% ::: *}; rest=${rest#* ::: }
  to=${rest%% ::: *}; args=${rest#* ::: }
  if [ $# -gt 0 ]; then
    match=0
    for w in "$@"; do [[ $name == *"$w"* ]] && match=1; done
    [ $match = 1 ] || continue
  fi
  n=$((n + 1))
  if [ -z "${baseline[$args]+x}" ]; then
    if runtests "$args" "$work/baseline.log"; then baseline[$args]=ok; else
      baseline[$args]=fail
      cp "$work/baseline.log" "$work/baseline-$n.log"
    fi
  fi
  if [ "${baseline[$args]}" != ok ]; then
    printf '%-30s %-10s %s\n' "$name" BASELINE-FAILS "go test $args fails unmutated: $(grep -m1 -E -- '--- FAIL|FAIL|cannot|not installed' "$work/baseline-$n.log" 2>/dev/null | head -c 100)"
    invalid=$((invalid + 1))
    continue
  fi
  cp "$copy/$file" "$work/orig"
  if ! /usr/bin/env python3 - "$copy/$file" "$from" "$to" <<'PY'
import sys
path, frm, to = sys.argv[1], sys.argv[2], sys.argv[3]
unesc = lambda s: s.replace("\\n", "\n").replace("\\t", "\t")
frm, to = unesc(frm), unesc(to)
src = open(path).read()
if src.count(frm) != 1:
    sys.exit(1)
open(path, "w").write(src.replace(frm, to))
PY
  then
    printf '%-30s %-10s %s\n' "$name" STALE "\"$from\" is not in $file exactly once"
    stale=$((stale + 1))
    continue
  fi
  if runtests "$args" "$work/mutant.log"; then
    printf '%-30s %-10s %s\n' "$name" SURVIVED "(go test $args passed)"
    survived=$((survived + 1))
  else
    fails=$(grep -E -- '^\s*--- FAIL' "$work/mutant.log" | sed -E 's/.*--- FAIL: ([^ ]+).*/\1/' | sort -u | tr '\n' ' ')
    [ -z "$fails" ] && fails="build or vet: $(grep -m1 -v '^#' "$work/mutant.log" | head -c 100)"
    printf '%-30s %-10s %s\n' "$name" caught "$fails"
    caught=$((caught + 1))
  fi
  cp "$work/orig" "$copy/$file"
done <<<"$mutants"
echo "== $n mutants: $caught caught, $survived survived, $stale stale, $invalid with a failing baseline"
[ $survived -eq 0 ] && [ $stale -eq 0 ] && [ $invalid -eq 0 ]
