//go:build !gocv

package capture

// openGoCV is the stub of builds without OpenCV: every source that needs it
// fails with ErrNoGoCV, which the camera reports as failed, not retried.
func openGoCV(spec, Options) (Source, error) {
	return nil, ErrNoGoCV
}
