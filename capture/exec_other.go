//go:build !linux

package capture

import (
	"os"
	"syscall"
)

// procAttr: exec: sources are for Linux boards; elsewhere the command runs
// as an ordinary child and only it is stopped.
func procAttr() *syscall.SysProcAttr { return nil }

func killGroup(pid int, sig syscall.Signal) {
	if p, err := os.FindProcess(pid); err == nil {
		p.Signal(sig)
	}
}
