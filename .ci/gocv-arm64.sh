#!/usr/bin/env bash
# The GoCV build for arm64, cross-compiled here against Debian 12's arm64
# OpenCV 4.6 (Raspberry Pi OS bookworm's): the sysroot (scripts/gocv-
# sysroot.sh; cached in .cache/ between steps and runs), `make deb-gocv`
# and its control fields (the exact libopencv-*406 Depends), and the GoCV
# capture and daemon tests cross-compiled and run under qemu-aarch64-static
# with the sysroot as QEMU_LD_PREFIX (the .avi test included).
#   .ci/gocv-arm64.sh [MODEL]    (.ci/deb.sh calls it with its model)
set -euo pipefail
cd "$(dirname "$0")/.."
export EDGED_TESTDATA="${EDGED_TESTDATA:-$(cd .. && pwd)/shared}"
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== $* ($(date -u +%T))"; }
t0=$(date +%s)
model="${1:-models/shufflenet_v2_x0_5.edgeq}"
sysroot=.cache/gocv-sysroot-arm64
version=$(git log -1 --format=0.0~git%cd.%h --date=format:%Y%m%d%H%M%S)

step "arm64 OpenCV sysroot"
root=$(bash scripts/gocv-sysroot.sh "$sysroot")
echo "sysroot: $root ($(du -sh "$root" | cut -f1)); $(($(date +%s) - t0)) s"

step "make deb-gocv"
t1=$(date +%s)
rm -f dist/edged-gocv_*.deb
make -s deb-gocv MODEL="$model" DEB_VERSION="$version" SYSROOT="$sysroot"
deb="dist/edged-gocv_${version}_arm64.deb"
[ -f "$deb" ] || fail "$deb was not built"
info=$(dpkg-deb --info "$deb")
depends=$(sed -n 's/^ Depends: //p' <<<"$info")
for m in core imgproc imgcodecs videoio highgui objdetect dnn features2d calib3d photo video flann; do
  grep -qE "(^|, )libopencv-$m""406 \(= [^)]+\)" <<<"$depends" || fail "$deb: Depends lacks an exact libopencv-$m""406: $depends"
done
grep -qx ' Conflicts: edged' <<<"$info" || fail "$deb: does not conflict with edged"
grep -qx ' Replaces: edged' <<<"$info" || fail "$deb: does not replace edged"
x=$(mktemp -d)  # dpkg-deb -x/-e make the subdirectories
trap 'rm -rf "$x"' EXIT
dpkg-deb -x "$deb" "$x/data"
dpkg-deb -e "$deb" "$x/ctl"
[ "$(cat "$x/ctl/conffiles")" = /etc/edged/config.yaml ] || fail "$deb: conffiles"
m=$(od -An -tx2 -j18 -N2 "$x/data/usr/bin/edged" | tr -d ' ')
[ "$m" = 00b7 ] || fail "$deb: /usr/bin/edged has ELF machine $m, want aarch64 (00b7)"
# Every library the binary needs is in a package it depends on (or libc).
needed=$(aarch64-linux-gnu-readelf -d dist/edged-gocv-linux-arm64 | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p')
for so in $needed; do
  case $so in libc.so.* | libm.so.* | libstdc++.so.* | libgcc_s.so.* | ld-linux-*) continue ;; esac
  pkg=${so#libopencv_}
  pkg=libopencv-${pkg%%.so.*}406
  grep -q "$pkg (" <<<"$depends" || fail "$deb: the binary needs $so but Depends lacks $pkg"
done
echo "ok $deb ($(du -k "$deb" | cut -f1) KiB); Depends: $depends"
grep -qE '(^|, )libc6 \(>= 2\.[0-9]+\), libgcc-s1, libstdc\+\+6 \(>= 12\)' <<<"$depends" || fail "$deb: Depends lacks libc6/libgcc-s1/libstdc++6"
# Accepted warnings: .ci/deb.sh's, and hardening-no-pie: Go links a
# position-dependent executable by default (-buildmode=pie would rebuild
# everything for no gain in a memory-safe language).
lintian --tag-display-limit 0 --fail-on error --suppress-tags \
  no-manual-page,initial-upload-closes-no-bugs,package-contains-empty-directory "$deb" ||
  fail "lintian reports errors on $deb"
echo "deb-gocv: $(($(date +%s) - t1)) s"

# The tests that open a GStreamer pipeline (TestGoCVGStreamerPipeline,
# TestGoCVGreySourceLent) are left out here, by name: the sysroot holds
# OpenCV's runtime set, not GStreamer's plugins (videotestsrc, appsink).
# They run natively against the system OpenCV in .ci/test's gocv step,
# where a missing plugin fails CI.
step "GoCV capture and daemon tests, arm64 under qemu-aarch64-static"
t2=$(date +%s)
lib="$root/usr/lib/aarch64-linux-gnu"
log="$x/test.log"
status=0
CGO_ENABLED=1 GOOS=linux GOARCH=arm64 CC=aarch64-linux-gnu-gcc CXX=aarch64-linux-gnu-g++ \
  PKG_CONFIG_LIBDIR="$root/pc" PKG_CONFIG_SYSROOT_DIR="$root" PKG_CONFIG_PATH= \
  CGO_LDFLAGS="-Wl,-rpath-link,$lib -Wl,-rpath-link,$root/lib/aarch64-linux-gnu" \
  go test -count=1 -timeout 20m -tags gocv -run 'GoCV' -skip 'TestGoCVGStreamerPipeline|TestGoCVGreySourceLent' -v -ldflags="-extldflags=-Wl,-rpath-link,$root/usr/lib" \
  -exec "env QEMU_LD_PREFIX=$root qemu-aarch64-static -cpu cortex-a72" \
  ./capture/ ./daemon/ >"$log" 2>&1 || status=$?
grep -E '^(--- |ok|FAIL|panic)|^ +[a-z_]+_test.go:[0-9]+:' "$log" || true
[ $status = 0 ] || { tail -50 "$log"; fail "GoCV tests under qemu"; }
grep -q -- '--- PASS: TestGoCVVideoFile' "$log" || fail "TestGoCVVideoFile (the .avi) did not pass"
grep -q -- '--- PASS: TestGoCVVideoClassifiedLikeImages' "$log" || fail "the daemon's GoCV test did not pass"
echo "gocv tests under qemu: $(($(date +%s) - t2)) s; gocv total: $(($(date +%s) - t0)) s"
