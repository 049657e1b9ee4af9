package daemon

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/edged/edged/internal/proctest"
)

// The daemon's log shows a camera's source without the password of a URL
// in it (an exec: command's RTSP URL here), as capture's errors do.
func TestCameraSourceRedactedInLog(t *testing.T) {
	m := testModel(t)
	cfg := cameraConfig(t, m, `{name: cam, source: "exec:/bin/false rtsp://admin:s3cret@cam/live", fps: 5}`)
	var log proctest.Buffer
	d, err := New(cfg, Options{Logger: slog.New(slog.NewTextHandler(&log, nil)), Predictions: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	proctest.Eventually(t, "the camera to start", 30*time.Second, func() bool { return strings.Contains(log.String(), "camera started") })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if out := log.String(); strings.Contains(out, "s3cret") || !strings.Contains(out, "rtsp://admin:xxxxx@cam/live") {
		t.Errorf("the log shows the source's password, or not the redacted source:\n%s", out)
	}
}
