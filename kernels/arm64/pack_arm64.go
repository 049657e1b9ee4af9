//go:build !purego

package arm64

import (
	"encoding/binary"
	"math"

	"github.com/edged/edged/kernels/generic"
)

// Weight and parameter packing, done once when a model is loaded: the
// layouts below are the ones the generated kernels read (see
// internal/asmgen for the instruction side of each).

func round(n, m int) int { return (n + m - 1) / m * m }

func putI32(b []byte, v int32) { binary.LittleEndian.PutUint32(b, uint32(v)) }

// wAt returns weight (o, k) of an outC×k matrix, 0 outside it.
func wAt(w []int8, n, k, o, kk int) int8 {
	if o >= n || kk >= k {
		return 0
	}
	return w[o*k+kk]
}

func biasAt(b []int32, o int) int32 {
	if o >= len(b) {
		return 0
	}
	return b[o]
}

// gemmBlocks splits n output channels into 16-wide blocks and, when at
// most 8 remain, a last 8-wide one (the kernels' half block).
func gemmBlocks(n int) (nb16, half int) {
	nb16 = n / 16
	switch r := n % 16; {
	case r > 8:
		nb16++
	case r > 0:
		half = 1
	}
	return nb16, half
}

// blockWidths lists the widths of gemmBlocks' blocks.
func blockWidths(n int) []int {
	nb16, half := gemmBlocks(n)
	w := make([]int, nb16, nb16+1)
	for i := range w {
		w[i] = 16
	}
	if half == 1 {
		w = append(w, 8)
	}
	return w
}

// packGemmSDOT: per block of width channels: width int32 biases, then kp/4
// groups of [width channels][4 k].
func packGemmSDOT(w []int8, bias []int32, n, k, kp int) []byte {
	var out []byte
	o0 := 0
	for _, width := range blockWidths(n) {
		b := make([]byte, 4*width+width*kp)
		for l := 0; l < width; l++ {
			putI32(b[4*l:], biasAt(bias[:n], o0+l))
		}
		g := b[4*width:]
		for q := 0; q < kp/4; q++ {
			for l := 0; l < width; l++ {
				for kk := 0; kk < 4; kk++ {
					g[q*4*width+l*4+kk] = byte(wAt(w, n, k, o0+l, 4*q+kk))
				}
			}
		}
		out = append(out, b...)
		o0 += width
	}
	return out
}

// packGemmNEON: blocks of 8 channels: 8 vectors {bias, 0, 0, 0}, then per
// 16 k [8 channels][16 k], and for kp%16 == 8 the last 8 k as four
// vectors of two channels (the layout the kernel's 8-k tail multiplies
// with its activations laid out as {k0-3, k0-3, k4-7, k4-7}).
func packGemmNEON(w []int8, bias []int32, n, k, kp int) ([]byte, int) {
	nb := (n + 7) / 8
	bs := 128 + 8*kp
	out := make([]byte, nb*bs)
	for j := 0; j < nb; j++ {
		b := out[j*bs : (j+1)*bs]
		for l := 0; l < 8; l++ {
			if o := 8*j + l; o < n {
				putI32(b[16*l:], bias[o])
			}
		}
		d := b[128:]
		k0 := 0
		for ; k0+16 <= kp; k0 += 16 {
			for l := 0; l < 8; l++ {
				for kk := 0; kk < 16; kk++ {
					d[l*16+kk] = byte(wAt(w, n, k, 8*j+l, k0+kk))
				}
			}
			d = d[128:]
		}
		if k0 < kp {
			putK8(d, w, n, k, 8*j, k0)
		}
	}
	return out, nb
}

// putK8 writes 8 k (from k0) of channels o0..o0+7 as four vectors
// {c k0-3, c+1 k0-3, c k4-7, c+1 k4-7}, c = o0+2v: the layout the
// kernels' 8-k steps multiply with activations {k0-3, k0-3, k4-7, k4-7}.
func putK8(d []byte, w []int8, n, k, o0, k0 int) {
	for v := 0; v < 4; v++ {
		for l := 0; l < 2; l++ {
			for h := 0; h < 2; h++ {
				for i := 0; i < 4; i++ {
					d[16*v+8*h+4*l+i] = byte(wAt(w, n, k, o0+2*v+l, k0+4*h+i))
				}
			}
		}
	}
}

// packGemmNEONc8: blocks of 8 channels for gemmI8I8_4x8c8_NEONMlalPadal: four vectors
// {b[c], 0, b[c+1], 0} (c = 0, 2, 4, 6), then per 8 k putK8's layout.
func packGemmNEONc8(w []int8, bias []int32, n, k, kp int) ([]byte, int) {
	nb := (n + 7) / 8
	bs := 64 + 8*kp
	out := make([]byte, nb*bs)
	for j := 0; j < nb; j++ {
		b := out[j*bs : (j+1)*bs]
		for l := 0; l < 8; l++ {
			if o := 8*j + l; o < n {
				putI32(b[8*l:], bias[o])
			}
		}
		for k0 := 0; k0 < kp; k0 += 8 {
			putK8(b[64+8*k0:], w, n, k, 8*j, k0)
		}
	}
	return out, nb
}

// packGemmI16: per block of width channels: width int32 biases, then per
// k the width weights as int16 (int8 weights widened, or int16 weights).
func packGemmI16(w func(o, kk int) int16, bias []int32, n, k, kp int) []byte {
	var out []byte
	o0 := 0
	for _, width := range blockWidths(n) {
		b := make([]byte, 4*width+2*width*kp)
		for l := 0; l < width; l++ {
			putI32(b[4*l:], biasAt(bias[:n], o0+l))
		}
		for kk := 0; kk < k; kk++ {
			for l := 0; l < width; l++ {
				if o := o0 + l; o < n {
					binary.LittleEndian.PutUint16(b[4*width+2*width*kk+2*l:], uint16(w(o, kk)))
				}
			}
		}
		out = append(out, b...)
		o0 += width
	}
	return out
}

// packDwI8: per 16-channel block taps × 16 bytes ([tap][channel]) and 16
// int32 biases; a last block of 8 channels when cp%16 == 8.
func packDwI8(w []int8, bias []int32, c, cp, taps int) []byte {
	var out []byte
	for c0 := 0; c0 < cp; c0 += 16 {
		width := min(16, cp-c0)
		blk := make([]byte, taps*width+4*width)
		for t := 0; t < taps; t++ {
			for l := 0; l < width; l++ {
				if o := c0 + l; o < c {
					blk[t*width+l] = byte(w[o*taps+t])
				}
			}
		}
		for l := 0; l < width; l++ {
			putI32(blk[taps*width+4*l:], biasAt(bias[:c], c0+l))
		}
		out = append(out, blk...)
	}
	return out
}

// packDwI16: per 8-channel block taps × 8 int16 weights and 8 int32 biases.
func packDwI16(w []int8, bias []int32, c, cp, taps int) []byte {
	var out []byte
	for c0 := 0; c0 < cp; c0 += 8 {
		blk := make([]byte, taps*16+32)
		for t := 0; t < taps; t++ {
			for l := 0; l < 8; l++ {
				if o := c0 + l; o < c {
					binary.LittleEndian.PutUint16(blk[t*16+2*l:], uint16(int16(w[o*taps+t])))
				}
			}
		}
		for l := 0; l < 8; l++ {
			putI32(blk[taps*16+4*l:], biasAt(bias[:c], c0+l))
		}
		out = append(out, blk...)
	}
	return out
}

// packEpilogue returns the per-channel epilogue parameters by blocks of
// 16: multipliers, negated right shifts, left shifts (EpiFloat: the
// scales' bits), and whether any shift is to the left.
func packEpilogue(p *generic.QConv, n int) ([]int32, bool) {
	nb := (n + 15) / 16
	// epiPad: the epilogues' last partial vector reads up to 8 lanes past
	// a block (see requantClampI32I8_NEON's tail)
	const epiPad = 16
	if p.Epi == generic.EpiFloat {
		prm := make([]int32, nb*16+epiPad)
		for o := 0; o < n; o++ {
			prm[o] = int32(math.Float32bits(p.OutScale[o]))
		}
		return prm, false
	}
	prm := make([]int32, nb*48+epiPad)
	shl := false
	for o := 0; o < n; o++ {
		b, l := o/16, o%16
		s := p.Shift[o]
		prm[b*48+l] = p.Mult[o]
		prm[b*48+16+l] = min(s, 0)
		prm[b*48+32+l] = max(s, 0)
		shl = shl || s > 0
	}
	if (p.Epi == generic.EpiHardswish || p.Epi == generic.EpiHardsigmoid) && p.PostShift > 0 {
		shl = true
	}
	return prm, shl
}

// hasMinus128 reports whether a weight is -128, which the kernels that sum
// two int8 products in an int16 lane cannot take.
func hasMinus128(w []int8) bool {
	for _, v := range w {
		if v == -128 {
			return true
		}
	}
	return false
}
