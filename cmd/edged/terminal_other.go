//go:build !linux

package main

import (
	"io"
	"os"
)

// isTerminal reports whether w is a character device: on systems other
// than Linux (edged's target) that is close enough to "a terminal".
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
