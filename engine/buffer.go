package engine

import (
	"slices"
	"unsafe"

	"github.com/edged/edged/kernels/generic"
	"github.com/edged/edged/quant"
)

// buf is one tensor's storage: exactly one of the slices is set, by the
// tensor's element type.
type buf struct {
	i8  []int8
	i16 []int16
	f32 []float32
}

func newBuf(t *quant.Tensor) buf {
	n := t.Shape.Len()
	switch t.DType {
	case generic.Int16:
		return buf{i16: make([]int16, n)}
	case generic.Float32:
		return buf{f32: make([]float32, n)}
	}
	return buf{i8: make([]int8, n)}
}

// bufAt is t's storage at the start of b.
func bufAt(t *quant.Tensor, b []byte) buf {
	n, p := t.Shape.Len(), unsafe.Pointer(unsafe.SliceData(b))
	switch t.DType {
	case generic.Int16:
		return buf{i16: unsafe.Slice((*int16)(p), n)}
	case generic.Float32:
		return buf{f32: unsafe.Slice((*float32)(p), n)}
	}
	return buf{i8: unsafe.Slice((*int8)(p), n)}
}

// slice returns elements [lo, hi) of b.
func (b buf) slice(lo, hi int) buf {
	switch {
	case b.i8 != nil:
		return buf{i8: b.i8[lo:hi]}
	case b.i16 != nil:
		return buf{i16: b.i16[lo:hi]}
	}
	return buf{f32: b.f32[lo:hi]}
}

// planBufs gives m's tensors their storage: one arena in which tensors
// whose lifetimes do not overlap share memory, the way ONNX Runtime's
// and TFLite's memory planners do. A tensor lives from the step that
// writes it (the input: step 0, its quantization) to the last step that
// reads it; the output lives to the end. Each one only its own storage
// would spread an inference over every tensor at once (MobileNetV3-Small:
// 2.4 MB, ShuffleNetV2 x0.5: 2.6 MB), so that every layer writes lines
// the caches lost long ago; planned, the arena is what is live at once
// (0.5 and 0.7 MB), which stays in a core's L2. keep gives every tensor
// its own storage, for Engine.Tensor after a run.
func planBufs(m *quant.Model, keep bool) []buf {
	bufs := make([]buf, len(m.Tensors))
	if keep {
		for i := range m.Tensors {
			bufs[i] = newBuf(&m.Tensors[i])
		}
		return bufs
	}
	// step s+1 runs op s; a tensor no op writes (only the input, in a
	// valid model) is written at step 0
	first := make([]int, len(m.Tensors))
	last := make([]int, len(m.Tensors))
	for i, op := range m.Ops {
		first[op.Out] = i + 1
		for _, in := range op.Inputs {
			last[in] = max(last[in], i+1)
		}
	}
	last[m.Output] = len(m.Ops) + 1
	// Greedy by size: the largest tensors are placed first, each at the
	// lowest offset clear of every placed tensor alive at the same time.
	const align = 64
	type span struct{ t, off, size int }
	order := make([]int, len(m.Tensors))
	for i := range order {
		order[i] = i
	}
	size := func(t int) int {
		n := m.Tensors[t].Shape.Len() * m.Tensors[t].DType.Size()
		return (n + align - 1) / align * align
	}
	slices.SortStableFunc(order, func(a, b int) int { return size(b) - size(a) })
	var placed []span
	total := 0
	for _, t := range order {
		var clash []span
		for _, p := range placed {
			if first[p.t] <= last[t] && first[t] <= last[p.t] {
				clash = append(clash, p)
			}
		}
		slices.SortFunc(clash, func(a, b span) int { return a.off - b.off })
		off := 0
		for _, c := range clash {
			if off+size(t) <= c.off {
				break
			}
			off = max(off, c.off+c.size)
		}
		placed = append(placed, span{t, off, size(t)})
		total = max(total, off+size(t))
	}
	// 64-byte aligned: the arena's start is a large allocation's
	arena := make([]byte, total+2*align) // and a vector of slack past the end
	base := (align - int(uintptr(unsafe.Pointer(unsafe.SliceData(arena))))%align) % align
	for _, p := range placed {
		bufs[p.t] = bufAt(&m.Tensors[p.t], arena[base+p.off:base+p.off+p.size])
	}
	return bufs
}
