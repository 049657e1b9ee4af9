//go:build !purego

package amd64

import (
	"math"
	"unsafe"

	"github.com/edged/edged/kernels/generic"
)

// The element-wise ops, bound when an engine is planned: each constructor
// checks the op's parameters (and the shapes it is given) once and returns
// a function with kernels/generic's semantics, or ok false when the
// instruction set is None or the parameters are outside what the kernels
// reproduce exactly (the caller then binds kernels/generic). The returned
// functions check nothing and allocate nothing. Both instruction sets run
// the same AVX2 kernels.

func size[T generic.Q]() int { return generic.DTypeOf[T]().Size() }

// poolRun is a run of output columns whose windows have the same width
// and start stride pixels apart: one kernel call per output row.
type poolRun struct{ ox, n, x, kw int }

// poolRuns splits a row of out output columns, windows of k taps every
// stride pixels from -pad over in input columns, into runs of equal
// in-bounds widths: the borders, whose windows are trimmed, and the
// interior. ok is false when a window is entirely in the padding.
func poolRuns(out, in, k, stride, pad int) (runs []poolRun, ok bool) {
	for ox := 0; ox < out; ox++ {
		x := ox*stride - pad
		xa, xb := max(x, 0), min(x+k, in)
		if xa >= xb {
			return nil, false
		}
		if n := len(runs); n > 0 {
			if r := &runs[n-1]; r.kw == xb-xa && r.x+r.n*stride == xa {
				r.n++
				continue
			}
		}
		runs = append(runs, poolRun{ox, 1, xa, xb - xa})
	}
	return runs, true
}

// MaxPool is generic.MaxPoolQ with p, for pixels of at least 8 bytes and
// no window entirely in the padding (generic writes T's minimum there).
func MaxPool[T generic.Q](isa ISA, p *generic.PoolParams) (func(in, out []T), bool) {
	es := size[T]()
	cb := p.C * es
	if isa == None || cb < 8 || p.StrideH < 1 || p.StrideW < 1 || p.OutH < 1 {
		return nil, false
	}
	cols, ok := poolRuns(p.OutW, p.InW, p.KW, p.StrideW, p.PadL)
	rows, ok2 := poolRuns(p.OutH, p.InH, p.KH, p.StrideH, p.PadT)
	if !ok || !ok2 {
		return nil, false
	}
	kern := maxPoolI8_AVX2
	if es == 2 {
		kern = maxPoolI16_AVX2
	}
	rs := p.InW * cb
	return func(in, out []T) {
		_, _ = in[:p.InH*p.InW*p.C], out[:p.OutH*p.OutW*p.C]
		for _, ry := range rows {
			for oy := ry.ox; oy < ry.ox+ry.n; oy++ {
				y := ry.x + (oy-ry.ox)*p.StrideH
				for _, rx := range cols {
					src := unsafe.Add(ptr(in), y*rs+rx.x*cb)
					dst := unsafe.Add(ptr(out), (oy*p.OutW+rx.ox)*cb)
					kern(src, rs, cb, p.StrideW*cb, ry.kw, rx.kw, rx.n, cb, dst)
				}
			}
		}
	}, true
}

// quantConsts are quantizeF32*_AVX2's constants (internal/asmgen's qScale
// ... qZP).
type quantConsts struct {
	s, lo, hi float64
	zp, _     int32
}

// Quantize is generic.QuantizeF32 with invScale and zp, for a positive
// finite invScale (0 would make Inf·0 a NaN after the NaN test) and |zp|
// ≤ 2^21. The last len%16 elements go through kernels/generic.
func Quantize[T generic.Q](isa ISA, invScale float32, zp int32) (func(in []float32, out []T), bool) {
	if isa == None || !(invScale > 0) || math.IsInf(float64(invScale), 0) || zp < -1<<21 || zp > 1<<21 {
		return nil, false
	}
	sc := &quantConsts{s: float64(invScale), lo: -1 << 22, hi: 1 << 22, zp: zp}
	kern := [2]func(in, out unsafe.Pointer, n int, sc unsafe.Pointer){quantizeF32I8_AVX2, quantizeF32I16_AVX2}[size[T]()-1]
	return func(in []float32, out []T) {
		// the kernel takes whole vectors of 16, generic the rest
		in = in[:len(out)]
		m := len(out) &^ 15
		kern(ptr(in), ptr(out), m, unsafe.Pointer(sc))
		generic.QuantizeF32(in[m:], invScale, zp, out[m:])
	}, true
}

// The data movement of ShuffleNet: rows of at least 8 bytes per pixel
// (kernel chunks of 32, 16 and 8 bytes, the last overlapping).

// SliceChannels is generic.SliceChannelsQ of channels [from, to) of hw
// pixels of c channels.
func SliceChannels[T generic.Q](isa ISA, hw, c, from, to int) (func(in, out []T), bool) {
	es := size[T]()
	w := (to - from) * es
	if isa == None || hw < 1 || from < 0 || to > c || w < 8 {
		return nil, false
	}
	return func(in, out []T) {
		_, _ = in[:hw*c], out[:hw*(to-from)]
		copyRows_AVX2(unsafe.Add(ptr(in), from*es), c*es, ptr(out), w, hw, w)
	}, true
}

// ConcatChannels is generic.ConcatChannelsQ of hw pixels of ca and cb
// channels.
func ConcatChannels[T generic.Q](isa ISA, ca, cb, hw int) (func(x, y, out []T), bool) {
	es := size[T]()
	wa, wb := ca*es, cb*es
	if isa == None || hw < 1 || wa < 8 || wb < 8 {
		return nil, false
	}
	return func(x, y, out []T) {
		_, _, _ = x[:hw*ca], y[:hw*cb], out[:hw*(ca+cb)]
		copyRows_AVX2(ptr(x), wa, ptr(out), wa+wb, hw, wa)
		copyRows_AVX2(ptr(y), wb, unsafe.Add(ptr(out), wa), wa+wb, hw, wb)
	}, true
}

// interleave is the kernel interleaving elements of T.
func interleave[T generic.Q]() func(a, b unsafe.Pointer, sa int, out unsafe.Pointer, so, rows, hb int) {
	if size[T]() == 2 {
		return interleaveI16_AVX2
	}
	return interleaveI8_AVX2
}

// ChannelShuffle is generic.ChannelShuffleQ of hw pixels of c channels in
// groups, for two groups (one group is a copy).
func ChannelShuffle[T generic.Q](isa ISA, hw, c, groups int) (func(in, out []T), bool) {
	es := size[T]()
	if isa == None || hw < 1 {
		return nil, false
	}
	switch {
	case groups == 1 && hw*c*es >= 8:
		return func(in, out []T) {
			_, _ = in[:hw*c], out[:hw*c]
			copyRows_AVX2(ptr(in), 0, ptr(out), 0, 1, hw*c*es)
		}, true
	case groups == 2 && c%2 == 0 && c/2*es >= 8:
		kern, hb := interleave[T](), c/2*es
		return func(in, out []T) {
			_, _ = in[:hw*c], out[:hw*c]
			kern(ptr(in), unsafe.Add(ptr(in), hb), 2*hb, ptr(out), 2*hb, hw, hb)
		}, true
	}
	return nil, false
}

// ConcatShuffle is generic.ConcatShuffleQ of two halves of hw pixels of c2
// channels.
func ConcatShuffle[T generic.Q](isa ISA, hw, c2 int) (func(x, y, out []T), bool) {
	es := size[T]()
	if isa == None || hw < 1 || c2*es < 8 {
		return nil, false
	}
	// the halves are contiguous: one row of hw·c2 pairs
	kern, hb := interleave[T](), hw*c2*es
	return func(x, y, out []T) {
		_, _, _ = x[:hw*c2], y[:hw*c2], out[:2*hw*c2]
		kern(ptr(x), ptr(y), 0, ptr(out), 0, 1, hb)
	}, true
}
