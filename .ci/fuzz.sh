#!/usr/bin/env bash
# Runs every fuzz target of the module for a short fixed time each
# (FUZZTIME, default 10s), so CI exercises the hostile-input paths (MJPEG
# part reader, config, MQTT command payloads, image decoder, model files)
# beyond their seed corpora. A failure leaves the crashing input in the
# package's testdata/fuzz/ for `go test` to replay. Usage:
#   bash .ci/fuzz.sh            # all targets, 10s each
#   FUZZTIME=1m bash .ci/fuzz.sh ./capture/...
set -euo pipefail
cd "$(dirname "$0")/.."
export EDGED_TESTDATA="${EDGED_TESTDATA:-$(cd .. && pwd)/shared}"
fuzztime="${FUZZTIME:-10s}"
pkgs=("${@:-./...}")

# `go test -list` prints a package's matching names, then its "ok" line.
targets=()
names=()
while read -r first second _; do
  case "$first" in
    Fuzz*) names+=("$first") ;;
    ok)
      for n in "${names[@]}"; do targets+=("$second $n"); done
      names=()
      ;;
    *) names=() ;;
  esac
done < <(go test -list '^Fuzz' "${pkgs[@]}")

if [ "${#targets[@]}" -eq 0 ]; then
  echo "fuzz.sh: no fuzz targets found in ${pkgs[*]}" >&2
  exit 1
fi
# fuzzOnce runs one target and sets $rc; its output is also kept in $log.
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
fuzzOnce() {
  rc=0
  go test -run '^$' -fuzz "^${2}\$" -fuzztime "$fuzztime" -fuzzminimizetime "$minimize" "$1" 2>&1 | tee "$log" || rc=$?
}

# Go 1.26's fuzzing coordinator can fail a target at the -fuzztime deadline
# with a bare "context deadline exceeded" and no input found: when the
# deadline's context is cancelled, the coordinator may see the parent's error
# before the child context it compares against is cancelled
# (go.dev/issue/75804, fixed in Go 1.27). Such a run is retried once. A run
# that wrote a failing input to testdata/fuzz/, or printed anything else
# after "--- FAIL", is a real failure and is never retried.
deadlineOnly() {
  [ "$(sed -n '/^--- FAIL/,$p' "$log" | grep -v -E '^(--- FAIL|FAIL|exit status|    context deadline exceeded$)' | grep -c .)" -eq 0 ] &&
    grep -q '^    context deadline exceeded$' "$log"
}

# inputs counts the failing inputs saved for a target.
inputs() {
  if [ -d "$1" ]; then ls -A "$1" | wc -l; else echo 0; fi
}

# Minimizing each new interesting input stops all fuzzing for up to a
# minute by default; in a 10 s run that is most of the budget. A crasher is
# still written, just less minimized.
minimize="${FUZZMINIMIZETIME:-2s}"
for t in "${targets[@]}"; do
  read -r pkg name <<<"$t"
  dir="$(go list -f '{{.Dir}}' "$pkg")/testdata/fuzz/$name"
  before="$(inputs "$dir")"
  echo "== fuzz $pkg $name ($fuzztime)"
  fuzzOnce "$pkg" "$name"
  if [ "$rc" -ne 0 ] && [ "$(inputs "$dir")" -eq "$before" ] && deadlineOnly; then
    echo "fuzz.sh: $name failed with the coordinator's bare deadline error and found nothing (go.dev/issue/75804); running it once more" >&2
    fuzzOnce "$pkg" "$name"
  fi
  if [ "$rc" -ne 0 ]; then
    exit "$rc"
  fi
done
