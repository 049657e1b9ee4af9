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
for t in "${targets[@]}"; do
  read -r pkg name <<<"$t"
  echo "== fuzz $pkg $name ($fuzztime)"
  go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" "$pkg"
done
