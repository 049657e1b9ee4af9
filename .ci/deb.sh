#!/usr/bin/env bash
# The Debian packages, end to end:
#   1. make deb: edged for arm64, armhf and amd64; their control fields,
#      conffiles and paths checked with dpkg-deb --info/--contents, and each
#      binary's ELF machine;
#   2. lintian: no errors (the warnings accepted are listed below, with why);
#   3. the amd64 package installed with dpkg into a throwaway root (maintainer
#      scripts run chrootless with DPKG_ROOT): the system user made, the
#      packaged binary run on the packaged config (chroot: it is static),
#      an upgrade that keeps an edited conffile, and a purge that leaves the
#      root exactly as it was;
#   4. unless EDGED_SKIP_GOCV=1: the arm64 GoCV build cross-compiled against
#      Debian 12's arm64 OpenCV (scripts/gocv-sysroot.sh, cached in
#      .cache/), the edged-gocv .deb and its exact libopencv Depends, and the
#      GoCV capture and daemon tests run under qemu-aarch64-static with the
#      sysroot as QEMU_LD_PREFIX.
# Needs dpkg-dev, lintian, systemd (systemd-sysusers), passwd, the cross
# toolchain (gcc/g++-aarch64-linux-gnu), qemu-user-static, ffmpeg, network
# to deb.debian.org (step 4). Runs as root.
set -euo pipefail
cd "$(dirname "$0")/.."
export EDGED_TESTDATA="${EDGED_TESTDATA:-$(cd .. && pwd)/shared}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== $* ($(date -u +%T))"; }
t0=$(date +%s)

# The model every package carries: the repository's, else one calibrated
# here on 8 shared images (only to have a valid file to package).
model=models/shufflenet_v2_x0_5.edgeq
if [ ! -f "$model" ]; then
  step "no $model: calibrating one on 8 images for the packages"
  go build -o "$tmp/edged" ./cmd/edged
  "$tmp/edged" calibrate --weights "$EDGED_TESTDATA/models/shufflenet_v2_x0_5.pth" \
    --images "$EDGED_TESTDATA/imagenet-sample/images" --limit 8 --out "$tmp/model.edgeq" >"$tmp/cal.log" 2>&1 ||
    { cat "$tmp/cal.log"; fail "calibrating the package model"; }
  model="$tmp/model.edgeq"
fi

version=$(git log -1 --format=0.0~git%cd.%h --date=format:%Y%m%d%H%M%S)
step "make deb (version $version)"
rm -f dist/edged_*.deb dist/edged-gocv_*.deb
make -s deb MODEL="$model" DEB_VERSION="$version"

# elf_machine FILE: e_machine, bytes 18-19 of the ELF header.
elf_machine() { od -An -tx2 -j18 -N2 "$1" | tr -d ' '; }

# check_deb FILE NAME ARCH ELF_MACHINE: control fields, conffiles, paths.
# (Extracted first: grep -q on a dpkg-deb pipe would break its pipe.)
check_deb() {
  local deb=$1 name=$2 arch=$3 machine=$4
  [ -f "$deb" ] || fail "$deb was not built"
  local x="$tmp/x-$arch"
  rm -rf "$x"; mkdir -p "$x"
  dpkg-deb -x "$deb" "$x/data"
  dpkg-deb -e "$deb" "$x/ctl"
  local info contents
  info=$(dpkg-deb --info "$deb")
  for want in "Package: $name" "Version: $version" "Architecture: $arch" "Section: video"; do
    grep -qx " $want" <<<"$info" || fail "$deb: control lacks '$want':"$'\n'"$info"
  done
  grep -q '^ Depends: systemd' <<<"$info" || fail "$deb: Depends does not start with systemd"
  [ "$(cat "$x/ctl/conffiles")" = /etc/edged/config.yaml ] || fail "$deb: conffiles is not exactly /etc/edged/config.yaml"
  for s in postinst prerm postrm; do
    [ -x "$x/ctl/$s" ] || fail "$deb: no executable $s script"
  done
  contents=$(dpkg-deb --contents "$deb" | awk '{print $1, $2, $6}')
  for want in \
    "-rwxr-xr-x root/root ./usr/bin/edged" \
    "-rw-r--r-- root/root ./lib/systemd/system/edged.service" \
    "-rw-r--r-- root/root ./etc/edged/config.yaml" \
    "drwxr-xr-x root/root ./etc/edged/models/" \
    "-rw-r--r-- root/root ./usr/share/edged/models/shufflenet_v2_x0_5.edgeq" \
    "-rw-r--r-- root/root ./usr/lib/sysusers.d/edged.conf" \
    "-rw-r--r-- root/root ./usr/share/doc/$name/copyright" \
    "-rw-r--r-- root/root ./usr/share/doc/$name/changelog.gz"; do
    grep -qxF -- "$want" <<<"$contents" || fail "$deb: contents lack '$want':"$'\n'"$contents"
  done
  grep -qx 'ExecStart=/usr/bin/edged run --config /etc/edged/config.yaml' "$x/data/lib/systemd/system/edged.service" ||
    fail "$deb: the unit does not run /usr/bin/edged"
  cmp -s packaging/config.yaml "$x/data/etc/edged/config.yaml" || fail "$deb: /etc/edged/config.yaml is not packaging/config.yaml"
  local m
  m=$(elf_machine "$x/data/usr/bin/edged")
  [ "$m" = "$machine" ] || fail "$deb: /usr/bin/edged has ELF machine $m, want $machine"
  echo "ok $deb ($(du -k "$deb" | cut -f1) KiB)"
}
check_deb "dist/edged_${version}_arm64.deb" edged arm64 00b7
check_deb "dist/edged_${version}_armhf.deb" edged armhf 0028
check_deb "dist/edged_${version}_amd64.deb" edged amd64 003e
info=$(dpkg-deb --info "dist/edged_${version}_amd64.deb")
grep -qx ' Conflicts: edged-gocv' <<<"$info" || fail "edged does not conflict with edged-gocv"

# Accepted lintian warnings (none is an error):
#   no-manual-page                     edged documents itself (-h, README)
#   statically-linked-binary           the pure-Go build is static on purpose
#   initial-upload-closes-no-bugs      not uploaded to Debian
#   maintainer-script-calls-systemctl  postinst/postrm's daemon-reload and
#                                      reset-failed, guarded by
#                                      /run/systemd/system as debhelper's
#                                      snippets are
#   copyright-without-copyright-notice no project license chosen yet (TBD)
#   package-contains-empty-directory   /etc/edged/models and /var/lib/edged
#                                      are meant to be empty
#   systemd-service-file-refers-to-unusual-wantedby-target, systemd-service-
#   file-missing-documentation-key: whatever the unit's owner decides
lint() {
  local out
  out=$(lintian --tag-display-limit 0 --fail-on error --suppress-tags \
    no-manual-page,statically-linked-binary,initial-upload-closes-no-bugs,package-contains-empty-directory \
    "$@" 2>&1) || { echo "$out"; fail "lintian reports errors on $*"; }
  [ -z "$out" ] || echo "$out"
}
step "lintian"
lint dist/edged_"${version}"_*.deb

step "install the amd64 package into a throwaway root"
root="$tmp/root"
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/etc"
: >"$root/var/lib/dpkg/status"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\nvideo:x:44:\n' >"$root/etc/group"
printf 'root:*:19000:0:99999:7:::\n' >"$root/etc/shadow"
printf 'root:*::\nvideo:*::\n' >"$root/etc/gshadow"
# What every system has and user tools leave: backups and the lock.
for f in passwd group shadow gshadow; do cp "$root/etc/$f" "$root/etc/$f-"; done
: >"$root/etc/.pwd.lock"
(cd "$root" && find . -path ./var/lib/dpkg -prune -o -print | sort >"$tmp/before.txt")
(cd "$root" && cat etc/passwd etc/group etc/shadow etc/gshadow >"$tmp/before.etc")
dpkg_root() { dpkg --root="$root" --log=/dev/null --force-script-chrootless --force-depends "$@"; }
dpkg_root -i "dist/edged_${version}_amd64.deb" >"$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log"; fail "dpkg -i"; }
grep -q '^edged:x:[0-9]*:[0-9]*:edged camera classifier:/var/lib/edged:/usr/sbin/nologin$' "$root/etc/passwd" ||
  fail "postinst did not create the system user edged: $(cat "$root/etc/passwd")"
grep -q "$version" <<<"$(chroot "$root" /usr/bin/edged version)" || fail "edged version does not print $version"
chroot "$root" /usr/bin/edged config check /etc/edged/config.yaml >"$tmp/check.out" 2>"$tmp/check.err" ||
  { cat "$tmp/check.err"; fail "edged config check /etc/edged/config.yaml"; }
grep -q 'path: /usr/share/edged/models/shufflenet_v2_x0_5.edgeq' "$tmp/check.out" || fail "packaged config: model.path"
grep -q 'does not exist' "$tmp/check.err" && fail "packaged config: the model is missing: $(cat "$tmp/check.err")"
echo "ok: installed; edged version and config check run on the packaged files"

step "upgrade: an edited conffile is kept"
next="${version}.1"
make -s deb MODEL="$model" DEB_VERSION="$next" DEB_TARGETS=amd64:amd64:
echo "# edited by the user" >>"$root/etc/edged/config.yaml"
dpkg_root -i "dist/edged_${next}_amd64.deb" >"$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log"; fail "dpkg -i (upgrade)"; }
grep -qx '# edited by the user' "$root/etc/edged/config.yaml" || fail "the upgrade replaced the edited config.yaml"
grep -q "$next" <<<"$(chroot "$root" /usr/bin/edged version)" || fail "the upgrade did not replace /usr/bin/edged"
[ "$(grep -c '^edged:' "$root/etc/passwd")" = 1 ] || fail "the upgrade duplicated the edged user"
echo "ok: upgraded to $next, config.yaml edit kept"

step "purge leaves nothing"
mkdir -p "$root/etc/systemd/system/multi-user.target.wants"
ln -s /lib/systemd/system/edged.service "$root/etc/systemd/system/multi-user.target.wants/edged.service"
mkdir -p "$root/var/lib/edged" # as StateDirectory= makes it
touch "$root/var/lib/edged/state" "$root/etc/edged/models/mine.edgeq"
dpkg_root --purge edged >"$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log"; fail "dpkg --purge"; }
rmdir "$root/etc/systemd/system/multi-user.target.wants" "$root/etc/systemd/system" "$root/etc/systemd" 2>/dev/null || true
(cd "$root" && find . -path ./var/lib/dpkg -prune -o -print | sort >"$tmp/after.txt")
(cd "$root" && cat etc/passwd etc/group etc/shadow etc/gshadow >"$tmp/after.etc")
diff "$tmp/before.txt" "$tmp/after.txt" || fail "purge left files behind (diff above)"
diff "$tmp/before.etc" "$tmp/after.etc" || fail "purge left the user or group behind (diff above)"
echo "ok: purged; the root is as before"
echo "debs: $(($(date +%s) - t0)) s"

[ "${EDGED_SKIP_GOCV:-}" = 1 ] && exit 0
exec bash .ci/gocv-arm64.sh "$model"
