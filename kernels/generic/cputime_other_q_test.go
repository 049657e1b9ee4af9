//go:build !linux

package generic_test

import (
	"testing"
	"time"
)

type tqCPUTimer struct{}

func tqStartCPU(b *testing.B) *tqCPUTimer { return &tqCPUTimer{} }

func (t *tqCPUTimer) restart() {}

// elapsed is 0: thread CPU time is only measured on Linux.
func (t *tqCPUTimer) elapsed() time.Duration { return 0 }
