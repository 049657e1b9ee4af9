# edged builds. Everything here is plain `go build`; make only names the
# combinations.
#
#   make build   ./edged for this machine (pure Go)
#   make test    the test suite (bash .ci/test; bash .ci/run also installs
#                what it needs on a fresh Debian machine)
#   make dist    static CGO_ENABLED=0 binaries for the boards, with SHA256SUMS
#
# The GoCV variant (V4L2, RTSP, video files through OpenCV) is built on the
# board itself, against its OpenCV: go build -tags gocv ./cmd/edged

GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X main.version=$(VERSION)
DIST    := dist

# name:GOOS:GOARCH:GOARM
TARGETS := linux-arm64:linux:arm64: linux-armv7:linux:arm:7 linux-amd64:linux:amd64:

.PHONY: all build test dist clean

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

clean:
	rm -rf $(DIST) edged
