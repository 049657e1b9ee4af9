package capture

import "testing"

func TestNeedsGoCV(t *testing.T) {
	for spec, want := range map[string]bool{
		"samples/":                               false,
		"still.jpg":                              false,
		"http://cam/snapshot.jpg":                false,
		"https://cam:81/stream":                  false,
		"file:///srv/frames/":                    false,
		"exec:ffmpeg -i rtsp://cam/s -f mjpeg -": false, // pure Go reads the command's MJPEG
		"0":                                      true,
		"/dev/video0":                            true,
		"/dev/v4l/by-id/usb-cam":                 true,
		"rtsp://cam/stream":                      true,
		"clip.mp4":                               true,
		"gst:videotestsrc ! appsink":             true,
		"gocv:http://cam/video":                  true,
		"gocv:samples/":                          true,
		"gst:":                                   false, // bad: Open says why
		"":                                       false,
	} {
		if got := NeedsGoCV(spec); got != want {
			t.Errorf("NeedsGoCV(%q) = %v, want %v", spec, got, want)
		}
	}
}
