package capture

// NeedsGoCV reports whether spec names a source that only the OpenCV
// backend reads (a V4L2 device, a video file, an RTSP or other stream URL,
// a GStreamer pipeline, anything forced with "gocv:"; not an "exec:"
// command, whose MJPEG output the pure-Go build reads), so that a binary
// without it (HasGoCV false) can refuse the config up front instead of
// reporting the camera failed at run time. A spec that does not parse
// needs nothing: Open reports it.
func NeedsGoCV(spec string) bool {
	sp, err := parseSpec(spec)
	return err == nil && sp.kind != kindPath && sp.kind != kindHTTP && sp.kind != kindExec
}
