//go:build !gocv

package capture

// HasGoCV reports whether this binary was built with the OpenCV backend
// (-tags gocv).
const HasGoCV = false

// OpenCVVersion is the version of the OpenCV library in use ("" without
// GoCV).
func OpenCVVersion() string { return "" }
