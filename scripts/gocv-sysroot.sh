#!/usr/bin/env bash
# gocv-sysroot.sh: an arm64 sysroot of Debian 12's OpenCV 4.6, to cross-build
# the GoCV edged for arm64 boards (Raspberry Pi OS bookworm is Debian 12, so
# these are the libraries on the board).
#
#   scripts/gocv-sysroot.sh [DIR]      (default: .cache/gocv-sysroot-arm64)
#
# libopencv-dev:arm64 cannot be installed beside the amd64 one (libgdal32 is
# not Multi-Arch: same), so nothing is installed: apt resolves, with a
# private state (its own package lists, an empty dpkg status, arm64 only),
# the runtime closure of the OpenCV modules gocv v0.31 links, adds the -dev
# packages of those modules without their dependencies (headers), downloads
# them (`apt-get download`, ~154 MiB), and unpacks each with `dpkg -x`.
# dpkg -x runs no maintainer scripts, so the BLAS/LAPACK alternatives are
# linked by hand, and a trimmed opencv4.pc names only the modules present.
#
# The result is cached: DIR/.complete records the package list, and a
# second run with the same list does nothing. Prints DIR's path on stdout.
# Needs: apt-get, dpkg, network to deb.debian.org. Does not touch the
# system's apt lists or dpkg database (no lock taken).
set -euo pipefail
cd "$(dirname "$0")/.."
root="${1:-.cache/gocv-sysroot-arm64}"
mkdir -p "$root"
root="$(cd "$root" && pwd)"

# The modules gocv v0.31 (package gocv.io/x/gocv, no contrib) links with.
modules="core imgproc imgcodecs videoio highgui objdetect dnn features2d calib3d photo video flann"
# opencv2/opencv.hpp includes these too, so their headers are needed.
headers_only="ml stitching"

runtime=(libc6 libstdc++6)
dev=()
for m in $modules; do
  runtime+=("libopencv-$m""406")
  dev+=("libopencv-$m-dev")
done
for m in $headers_only; do dev+=("libopencv-$m-dev"); done
dev+=(libopencv-dev) # opencv4.pc (replaced below) and OpenCV's cmake files

want="modules=$modules headers=$headers_only norecommends"
if [ -f "$root/.complete" ] && [ "$(cat "$root/.complete")" = "$want" ]; then
  echo "$root"
  exit 0
fi

state="$root.apt"
rm -rf "$state"
mkdir -p "$state/lists/partial" "$state/cache/archives/partial" "$state/debs"
: >"$state/status"
cat >"$state/sources.list" <<'EOF'
deb [arch=arm64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main
deb [arch=arm64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm-updates main
deb [arch=arm64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian-security bookworm-security main
EOF
apt=(
  -o "Dir::State=$state" -o "Dir::State::Lists=$state/lists"
  -o "Dir::State::status=$state/status" -o "Dir::Cache=$state/cache"
  -o "Dir::Etc::SourceList=$state/sources.list" -o "Dir::Etc::SourceParts=$state/none"
  -o APT::Architecture=arm64 -o APT::Architectures::=arm64
  -o APT::Install-Recommends=false -o APT::Sandbox::User=root -o Acquire::Languages=none -q
)

echo "gocv-sysroot: arm64 package lists" >&2
apt-get "${apt[@]}" update >&2

echo "gocv-sysroot: resolving the runtime closure" >&2
apt-get "${apt[@]}" -s install "${runtime[@]}" | awk '/^Inst /{print $2}' >"$state/runtime.txt"
n=$(wc -l <"$state/runtime.txt")
if [ "$n" -lt 50 ]; then
  echo "gocv-sysroot: only $n packages resolved; apt said:" >&2
  apt-get "${apt[@]}" -s install "${runtime[@]}" >&2 || true
  exit 1
fi
printf '%s\n' "${dev[@]}" >"$state/dev.txt"

echo "gocv-sysroot: downloading $n runtime + ${#dev[@]} -dev packages" >&2
(cd "$state/debs" && xargs apt-get "${apt[@]}" download <<<"$(cat "$state/runtime.txt" "$state/dev.txt")" >&2)

echo "gocv-sysroot: unpacking into $root" >&2
find "$root" -mindepth 1 -maxdepth 1 ! -name '.complete' -exec rm -rf {} +
rm -f "$root/.complete"
for deb in "$state"/debs/*.deb; do
  dpkg -x "$deb" "$root"
done

lib="$root/usr/lib/aarch64-linux-gnu"
# update-alternatives links libblas.so.3 and liblapack.so.3 from their
# implementation's directory (openblas if present, else the reference).
for so in libblas.so.3 liblapack.so.3; do
  if [ ! -e "$lib/$so" ]; then
    impl=$(cd "$lib" && ls -d openblas-pthread/$so blas/$so lapack/$so 2>/dev/null | head -1 || true)
    [ -n "$impl" ] && ln -sf "$impl" "$lib/$so"
  fi
done

# A .pc of the modules present (the packaged one lists all of OpenCV's).
mkdir -p "$root/pc"
{
  echo "prefix=/usr"
  echo "libdir=\${prefix}/lib/aarch64-linux-gnu"
  echo "includedir=\${prefix}/include/opencv4"
  echo "Name: OpenCV"
  echo "Description: OpenCV 4.6 (Debian 12 arm64), the modules gocv links"
  echo "Version: $(sed -n 's/^Version: //p' "$lib/pkgconfig/opencv4.pc")"
  printf 'Libs: -L${libdir}'
  for m in $modules; do printf ' -lopencv_%s' "$m"; done
  echo
  echo "Cflags: -I\${includedir}"
} >"$root/pc/opencv4.pc"

# The exact runtime packages of the OpenCV modules, for the .deb's Depends.
for m in $modules; do
  dpkg-deb --show --showformat='${Package} (= ${Version})\n' "$state"/debs/libopencv-"$m"406_*.deb
done >"$root/opencv-depends.txt"

du -sh "$state/debs" "$root" >&2
rm -rf "$state"
echo "$want" >"$root/.complete"
echo "$root"
