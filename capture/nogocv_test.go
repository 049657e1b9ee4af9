//go:build !gocv

package capture

import (
	"errors"
	"testing"
)

func TestGoCVSourcesNeedTheBuildTag(t *testing.T) {
	for _, spec := range []string{"0", "/dev/video0", "rtsp://cam/live", "clip.mp4", "gst:videotestsrc ! appsink", "gocv:http://cam/video"} {
		_, err := Open(spec, Options{Name: "front"})
		if !errors.Is(err, ErrNoGoCV) {
			t.Errorf("%q: got %v, want ErrNoGoCV", spec, err)
		}
	}
	_, err := Open("0", Options{Name: "front"})
	want := `camera "front": source "0" needs GoCV: this binary was built without it; rebuild with -tags gocv`
	if err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
}

// Retrying cannot add OpenCV to the binary: the camera fails at once,
// reports why, and Latest returns that error instead of waiting forever.
func TestCameraWithoutGoCVFails(t *testing.T) {
	cam := NewCamera("front", "0", 5, fastOpts)
	states := watchStates(cam)
	cam.Run(testCtx(t)) // returns by itself
	if s := states.all(); len(s) != 1 || s[0] != StateFailed {
		t.Fatalf("states = %v, want [failed]", s)
	}
	_, err := cam.Latest(testCtx(t))
	if !errors.Is(err, ErrNoGoCV) {
		t.Fatalf("Latest: %v", err)
	}
	if st := cam.Stats(); st.Reconnects != 0 || !errors.Is(st.Err, ErrNoGoCV) {
		t.Fatalf("stats = %+v", st)
	}
}
