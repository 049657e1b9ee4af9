# edged builds. Everything here is plain `go build`; make only names the
# combinations.
#
#   make build   ./edged for this machine (pure Go)
#   make test    the test suite (bash .ci/test; bash .ci/run also installs
#                what it needs on a fresh Debian machine)
#   make dist    static CGO_ENABLED=0 binaries for the boards, with SHA256SUMS
#   make deb     Debian packages edged_VERSION_{arm64,armhf,amd64}.deb (nfpm)
#   make dist-gocv  the GoCV (OpenCV) binary for arm64, cross-compiled against
#                Debian 12's arm64 OpenCV 4.6 (scripts/gocv-sysroot.sh)
#   make deb-gocv   edged-gocv_VERSION_arm64.deb
#
# The GoCV variant (V4L2, RTSP, video files through OpenCV) for this machine:
# go build -tags gocv ./cmd/edged (needs libopencv-dev).

GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
DIST    := dist

# name:GOOS:GOARCH:GOARM
TARGETS := linux-arm64:linux:arm64: linux-armv7:linux:arm:7 linux-amd64:linux:amd64:

.PHONY: all build test dist deb dist-gocv deb-gocv clean

all: build

build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o edged ./cmd/edged

test:
	bash .ci/test

dist:
	rm -rf $(DIST)
	mkdir -p $(DIST)
	@set -e; for t in $(TARGETS); do \
		name=$${t%%:*}; rest=$${t#*:}; \
		os=$${rest%%:*}; rest=$${rest#*:}; \
		arch=$${rest%%:*}; arm=$${rest#*:}; \
		echo "$(DIST)/edged-$$name ($(VERSION))"; \
		CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch GOARM=$$arm \
			$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(DIST)/edged-$$name ./cmd/edged; \
	done
	cd $(DIST) && sha256sum edged-* > SHA256SUMS
	@cat $(DIST)/SHA256SUMS

# Debian packages. The version must sort upwards from build to build (the
# upgrade keeps the config and restarts the service): the commit time, then
# the commit.
DEB_VERSION ?= $(shell git log -1 --format=0.0~git%cd.%h --date=format:%Y%m%d%H%M%S 2>/dev/null || echo 0.0~dev)
# The model every package installs in /usr/share/edged/models/.
MODEL       ?= models/shufflenet_v2_x0_5.edgeq
# debarch:GOARCH:GOARM
DEB_TARGETS := arm64:arm64: armhf:arm:7 amd64:amd64:
NFPM        := $(GO) tool nfpm
SYSROOT     ?= .cache/gocv-sysroot-arm64

deb: $(DIST)/pkg/edged.service $(DIST)/pkg/changelog.gz
	@test -f $(MODEL) || { echo "make deb: $(MODEL) is missing: make it with edged calibrate (README Quickstart) or set MODEL=" >&2; exit 1; }
	@set -e; for t in $(DEB_TARGETS); do \
		debarch=$${t%%:*}; rest=$${t#*:}; arch=$${rest%%:*}; arm=$${rest#*:}; \
		CGO_ENABLED=0 GOOS=linux GOARCH=$$arch GOARM=$$arm \
			$(GO) build -trimpath -ldflags '-s -w -X main.version=$(DEB_VERSION)' -o $(DIST)/pkg/edged-$$debarch ./cmd/edged; \
		PKG_NAME=edged PKG_ARCH=$$debarch PKG_VERSION=$(DEB_VERSION) PKG_BINARY=$(DIST)/pkg/edged-$$debarch \
		PKG_SUMMARY="classifies camera frames on the board and publishes them over MQTT" \
		PKG_DEPENDS= PKG_CONFLICTS=edged-gocv PKG_UNIT=$(DIST)/pkg/edged.service PKG_MODEL=$(MODEL) \
		PKG_CHANGELOG=$(DIST)/pkg/changelog.gz \
			$(NFPM) package --config packaging/nfpm.yaml --packager deb --target $(DIST)/; \
	done

# The packaged unit runs /usr/bin/edged; systemd/edged.service documents a
# manual install into /usr/local/bin.
$(DIST)/pkg/edged.service: systemd/edged.service
	mkdir -p $(DIST)/pkg
	sed 's|/usr/local/bin/edged|/usr/bin/edged|g' $< > $@

# A Debian changelog entry for this build (lintian wants one).
$(DIST)/pkg/changelog.gz: FORCE
	mkdir -p $(DIST)/pkg
	{ echo "edged ($(DEB_VERSION)) unstable; urgency=medium"; echo; \
	  echo "  * Built from git commit $$(git rev-parse --short HEAD 2>/dev/null || echo unknown)."; echo; \
	  echo " -- edged maintainers <edged@users.noreply.github.com>  $$(date -R -d @$$(git log -1 --format=%ct 2>/dev/null || date +%s))"; \
	} | gzip -n -9 > $@

# The GoCV binary for arm64, cross-compiled against the sysroot. The
# rpath-links let the linker find the libraries OpenCV's libraries need
# (libgdal's are partly in /usr/lib); the binary itself records no path.
dist-gocv:
	@set -e; root=$$(bash scripts/gocv-sysroot.sh $(SYSROOT)); lib=$$root/usr/lib/aarch64-linux-gnu; \
	mkdir -p $(DIST); \
	CGO_ENABLED=1 GOOS=linux GOARCH=arm64 CC=aarch64-linux-gnu-gcc CXX=aarch64-linux-gnu-g++ \
	PKG_CONFIG_LIBDIR=$$root/pc PKG_CONFIG_SYSROOT_DIR=$$root PKG_CONFIG_PATH= \
	CGO_LDFLAGS="-Wl,-rpath-link,$$lib -Wl,-rpath-link,$$root/lib/aarch64-linux-gnu" \
		$(GO) build -tags gocv -trimpath -o $(DIST)/edged-gocv-linux-arm64 \
		-ldflags "-s -w -X main.version=$(DEB_VERSION) -extldflags=-Wl,-rpath-link,$$root/usr/lib" ./cmd/edged; \
	ls -l $(DIST)/edged-gocv-linux-arm64

deb-gocv: dist-gocv $(DIST)/pkg/edged.service $(DIST)/pkg/changelog.gz
	@test -f $(MODEL) || { echo "make deb-gocv: $(MODEL) is missing: make it with edged calibrate (README Quickstart) or set MODEL=" >&2; exit 1; }
	PKG_NAME=edged-gocv PKG_ARCH=arm64 PKG_VERSION=$(DEB_VERSION) PKG_BINARY=$(DIST)/edged-gocv-linux-arm64 \
	PKG_SUMMARY="classifies camera frames, publishes them over MQTT (OpenCV capture)" \
	PKG_DEPENDS="libc6 (>= $$(aarch64-linux-gnu-readelf -V $(DIST)/edged-gocv-linux-arm64 | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1 | cut -d_ -f2)), libgcc-s1, libstdc++6 (>= 12), $$(paste -sd, $(SYSROOT)/opencv-depends.txt | sed 's/,/, /g')" \
	PKG_CONFLICTS=edged \
	PKG_UNIT=$(DIST)/pkg/edged.service PKG_MODEL=$(MODEL) PKG_CHANGELOG=$(DIST)/pkg/changelog.gz \
		$(NFPM) package --config packaging/nfpm.yaml --packager deb --target $(DIST)/

FORCE:

clean:
	rm -rf $(DIST) edged
