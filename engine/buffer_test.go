package engine

import (
	"path/filepath"
	"testing"
	"unsafe"

	"github.com/edged/edged/quant"
)

// span is where a planned tensor's storage lies.
func span(b buf) (lo, hi uintptr) {
	var p unsafe.Pointer
	var n int
	switch {
	case b.i8 != nil:
		p, n = unsafe.Pointer(unsafe.SliceData(b.i8)), len(b.i8)
	case b.i16 != nil:
		p, n = unsafe.Pointer(unsafe.SliceData(b.i16)), 2*len(b.i16)
	default:
		p, n = unsafe.Pointer(unsafe.SliceData(b.f32)), 4*len(b.f32)
	}
	return uintptr(p), uintptr(p) + uintptr(n)
}

// TestPlanBufs: no two tensors that are alive at once (one written at or
// before a step that reads the other) share a byte, each starts on a
// 64-byte boundary, and the plan is much smaller than every tensor apart.
func TestPlanBufs(t *testing.T) {
	m, err := quant.ReadFile(filepath.Join("..", "models", "shufflenet_v2_x0_5.edgeq"))
	if err != nil {
		t.Fatal(err)
	}
	// lifetimes derived here, apart from planBufs: [written, last read]
	born := make([]int, len(m.Tensors))
	dies := make([]int, len(m.Tensors))
	for i, op := range m.Ops {
		born[op.Out] = i + 1
		for _, in := range op.Inputs {
			dies[in] = i + 1
		}
	}
	dies[m.Output] = len(m.Ops) + 1
	bufs := planBufs(m, false)
	var lo0, hi0 uintptr = ^uintptr(0), 0
	sum := uintptr(0)
	for a := range bufs {
		alo, ahi := span(bufs[a])
		if alo%64 != 0 {
			t.Errorf("tensor %d (%s) starts at %#x, not on 64 bytes", a, m.Tensors[a].Name, alo)
		}
		if n := uintptr(m.Tensors[a].Shape.Len() * m.Tensors[a].DType.Size()); ahi-alo != n {
			t.Errorf("tensor %d has %d bytes, want %d", a, ahi-alo, n)
		}
		lo0, hi0, sum = min(lo0, alo), max(hi0, ahi), sum+ahi-alo
		for b := a + 1; b < len(bufs); b++ {
			blo, bhi := span(bufs[b])
			live := born[a] <= dies[b] && born[b] <= dies[a]
			if live && alo < bhi && blo < ahi {
				t.Errorf("tensors %d (%s, steps %d-%d) and %d (%s, steps %d-%d) are alive together and overlap",
					a, m.Tensors[a].Name, born[a], dies[a], b, m.Tensors[b].Name, born[b], dies[b])
			}
		}
	}
	if hi0-lo0 > sum*2/5 {
		t.Errorf("the plan spans %d bytes of the tensors' %d: little is shared", hi0-lo0, sum)
	}
	t.Logf("%d tensors, %d KB apart, %d KB planned", len(bufs), sum>>10, (hi0-lo0)>>10)
	kept := planBufs(m, true)
	for a := range kept {
		alo, ahi := span(kept[a])
		for b := a + 1; b < len(kept); b++ {
			if blo, bhi := span(kept[b]); alo < bhi && blo < ahi {
				t.Fatalf("kept tensors %d and %d overlap", a, b)
			}
		}
	}
}
