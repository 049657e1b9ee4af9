package capture

import "testing"

func TestParseSpec(t *testing.T) {
	tests := []struct {
		in     string
		kind   kind
		target string
	}{
		{"samples/", kindPath, "samples/"},
		{"/srv/still.JPG", kindPath, "/srv/still.JPG"},
		{"0", kindDevice, "0"},
		{"12", kindDevice, "12"},
		{"/dev/video2", kindDevice, "/dev/video2"},
		{"/dev/v4l/by-id/usb-cam-video-index0", kindDevice, "/dev/v4l/by-id/usb-cam-video-index0"},
		{"http://cam/snap.jpg", kindHTTP, "http://cam/snap.jpg"},
		{"HTTPS://cam:8443/stream", kindHTTP, "HTTPS://cam:8443/stream"},
		{"rtsp://user:pw@cam/h264", kindStreamURL, "rtsp://user:pw@cam/h264"},
		{"clip.MP4", kindVideoFile, "clip.MP4"},
		{"/videos/a.avi", kindVideoFile, "/videos/a.avi"},
		{"x.mkv", kindVideoFile, "x.mkv"},
		{"gst:videotestsrc ! videoconvert ! appsink", kindPipeline, "videotestsrc ! videoconvert ! appsink"},
		{"gocv:http://cam/video", kindStreamURL, "http://cam/video"},
		{"gocv:still.jpg", kindVideoFile, "still.jpg"},
		{"gocv:1", kindDevice, "1"},
		{"gocv:gst:v4l2src ! appsink", kindPipeline, "v4l2src ! appsink"},
		{"file:///srv/samples", kindPath, "/srv/samples"},
	}
	for _, tt := range tests {
		sp, err := parseSpec(tt.in)
		if err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		if sp.kind != tt.kind || sp.target != tt.target {
			t.Errorf("%q: got kind %d target %q, want kind %d target %q", tt.in, sp.kind, sp.target, tt.kind, tt.target)
		}
	}
	for _, bad := range []string{"", "gocv:", "gst:", "gst:  ", "-1", "http:///nohost"} {
		if _, err := parseSpec(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"http://admin:secret@cam/snap.jpg":  "http://admin:xxxxx@cam/snap.jpg",
		"gocv:rtsp://admin:secret@cam/live": "gocv:rtsp://admin:xxxxx@cam/live",
		"samples/":                          "samples/",
		"http://cam/snap.jpg?user=a@b":      "http://cam/snap.jpg?user=a@b",
	} {
		if got := redact(in); got != want {
			t.Errorf("redact(%q) = %q, want %q", in, got, want)
		}
	}
}
