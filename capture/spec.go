package capture

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
)

// kind is the backend a spec needs.
type kind int

const (
	kindPath      kind = iota // image file or directory (pure Go)
	kindHTTP                  // snapshot or MJPEG (pure Go)
	kindDevice                // V4L2 device (GoCV)
	kindVideoFile             // video file (GoCV)
	kindStreamURL             // RTSP and other stream URLs (GoCV)
	kindPipeline              // GStreamer pipeline (GoCV)
	kindExec                  // a command writing MJPEG to stdout (pure Go)
)

// spec is a parsed source string.
type spec struct {
	kind   kind
	target string   // path, URL or pipeline
	device int      // kindDevice with an index; -1 for a device path
	args   []string // kindExec: the command and its arguments
}

// videoExts are the file extensions read as video by OpenCV.
var videoExts = map[string]bool{
	".avi": true, ".mp4": true, ".mkv": true, ".mov": true, ".m4v": true,
	".webm": true, ".mjpg": true, ".mjpeg": true, ".h264": true, ".ts": true,
}

func parseSpec(s string) (spec, error) {
	if s == "" {
		return spec{}, fmt.Errorf("%w: empty source", ErrBadSource)
	}
	if rest, ok := strings.CutPrefix(s, "gocv:"); ok {
		if rest == "" {
			return spec{}, fmt.Errorf("%w: gocv: needs a device, file, URL or gst: pipeline after it", ErrBadSource)
		}
		sp, err := parseSpec(rest)
		if err != nil {
			return spec{}, err
		}
		switch sp.kind {
		case kindHTTP:
			sp.kind = kindStreamURL
		case kindPath:
			sp.kind = kindVideoFile
		}
		return sp, nil
	}
	if rest, ok := strings.CutPrefix(s, "exec:"); ok {
		args, err := splitArgs(rest)
		if err != nil {
			return spec{}, err
		}
		return spec{kind: kindExec, target: strings.TrimSpace(rest), args: args}, nil
	}
	if rest, ok := strings.CutPrefix(s, "gst:"); ok {
		rest = strings.TrimSpace(rest)
		if rest == "" {
			return spec{}, fmt.Errorf(`%w: gst: needs a pipeline ending in appsink, e.g. "gst:videotestsrc ! videoconvert ! appsink"`, ErrBadSource)
		}
		return spec{kind: kindPipeline, target: rest}, nil
	}
	if n, err := strconv.Atoi(s); err == nil {
		if n < 0 {
			return spec{}, fmt.Errorf("%w: device index %d is negative", ErrBadSource, n)
		}
		return spec{kind: kindDevice, target: s, device: n}, nil
	}
	if strings.HasPrefix(s, "/dev/video") || strings.HasPrefix(s, "/dev/v4l/") {
		return spec{kind: kindDevice, target: s, device: -1}, nil
	}
	if i := strings.Index(s, "://"); i > 0 {
		u, err := url.Parse(s)
		if err != nil {
			return spec{}, fmt.Errorf("%w: %v", ErrBadSource, err)
		}
		switch strings.ToLower(u.Scheme) {
		case "http", "https":
			if u.Host == "" {
				return spec{}, fmt.Errorf("%w: URL has no host", ErrBadSource)
			}
			return spec{kind: kindHTTP, target: s}, nil
		case "file":
			return parseSpec(u.Path)
		}
		return spec{kind: kindStreamURL, target: s}, nil
	}
	if videoExts[strings.ToLower(filepath.Ext(s))] {
		return spec{kind: kindVideoFile, target: s}, nil
	}
	return spec{kind: kindPath, target: s}, nil
}

// Redact returns source with the password of a URL source, and of URLs
// in the command of an exec: source (ffmpeg -i rtsp://user:pass@cam/),
// replaced: what logs and errors may show of a camera's source.
func Redact(source string) string { return redact(source) }

// redact is Redact.
func redact(s string) string {
	if !strings.Contains(s, "://") || !strings.Contains(s, "@") {
		return s
	}
	if rest, ok := strings.CutPrefix(s, "exec:"); ok {
		words := strings.Split(rest, " ")
		for i, w := range words {
			words[i] = redact(w)
		}
		return "exec:" + strings.Join(words, " ")
	}
	prefix := ""
	if rest, ok := strings.CutPrefix(s, "gocv:"); ok {
		prefix, s = "gocv:", rest
	}
	u, err := url.Parse(s)
	if err != nil {
		return prefix + s
	}
	return prefix + u.Redacted()
}
