//go:build gocv

package capture

import "gocv.io/x/gocv"

// HasGoCV reports whether this binary was built with the OpenCV backend
// (-tags gocv).
const HasGoCV = true

// OpenCVVersion is the version of the OpenCV library in use ("" without
// GoCV).
func OpenCVVersion() string { return gocv.OpenCVVersion() }
