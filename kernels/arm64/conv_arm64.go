//go:build !purego

package arm64

import (
	"unsafe"

	"github.com/edged/edged/kernels/generic"
)

// ISA selects the int8 multiply-accumulate instructions.
type ISA uint8

const (
	// NEON is ARMv8.0 Advanced SIMD (Cortex-A53/A57/A72): int8 GEMMs
	// multiply with SMULL/SMLAL2 into int16 and SADALP into int32, 16 k
	// per step (or 8 for rows of at most c8MaxK values), or, for weights
	// of -128, SMLAL by element from int16.
	NEON ISA = iota
	// DotProd adds ARMv8.2's SDOT (Cortex-A55/A76/A78 and later).
	DotProd
)

type convKind uint8

const (
	k1x1 convKind = iota
	kIm2col
	kDepthwise
)

type gemmFunc func(a unsafe.Pointer, lda, m, k int, w unsafe.Pointer, nb, half int, acc unsafe.Pointer, ldc int)
type dwFunc func(src unsafe.Pointer, prow, ow, cp, step int, w unsafe.Pointer, acc unsafe.Pointer, accs int)
type epiFunc func(acc unsafe.Pointer, ldacc, rows, n int, prm, out unsafe.Pointer, ldout int, sc unsafe.Pointer)

// Conv is a convolution packed for these kernels: the weights in the
// micro-kernels' layout and the epilogue's parameters. It is immutable
// after PackConv and shared by the Runners of all its bands.
type Conv struct {
	p       generic.QConv
	kind    convKind
	in, out generic.DType
	kp      int // GEMM depth padded to 4 (8 for the ARMv8.0 int8 kernel)
	n16     int // output channels padded to 16: the accumulator row
	cp      int // depthwise: channels padded to 8
	w       []byte
	nb      int // weight blocks (16 wide, 8 for the ARMv8.0 int8 kernel)
	half    int // 1: an 8-wide block follows the nb blocks
	gemm    gemmFunc
	dw      dwFunc
	prm     []int32
	sc      [8]int32
	epi     epiFunc
}

// c8MaxK is the deepest int8 GEMM (ARMv8.0 path) that gemm4x8c8NEON
// runs; deeper ones go to gemm2x8c16NEON, whose 16-k main loop is faster
// once it amortizes its reduction.
const c8MaxK = 40

// tileBytes bounds an accumulator tile, so that it stays in L1.
const tileBytes = 32 << 10

// PackConv packs w for the convolution p with input and output element
// types in and out. ok is false when the conv is outside what the kernels
// do (grouped convs other than depthwise, depthwise windows other than
// 3×3 and 5×5, parameters outside the ranges the epilogue handles, or a
// weight of -128 where two int8 products share an int16 lane): the caller
// then runs kernels/generic, which computes the same result.
func PackConv(p *generic.QConv, w []int8, in, out generic.DType, isa ISA) (c *Conv, ok bool) {
	return packConv(p, w, nil, in, out, isa)
}

// PackConvW16 is PackConv for a conv with int16 weights and an int8 input
// (kernels/generic's ConvQW16): dense convs only.
func PackConvW16(p *generic.QConv, w []int16, out generic.DType, isa ISA) (c *Conv, ok bool) {
	if max(p.Groups, 1) != 1 {
		return nil, false
	}
	return packConv(p, nil, w, generic.Int8, out, isa)
}

func packConv(p *generic.QConv, w []int8, w16 []int16, in, out generic.DType, isa ISA) (c *Conv, ok bool) {
	cp := &p.ConvParams
	g := max(cp.Groups, 1)
	if p.Validate(cp.InH*cp.InW*cp.InC, max(len(w), len(w16)), cp.OutH*cp.OutW*cp.OutC) != nil || in == generic.Float32 {
		return nil, false
	}
	if (p.Epi == generic.EpiFloat) != (out == generic.Float32) || !epilogueOK(p, out) {
		return nil, false
	}
	c = &Conv{p: *p, in: in, out: out, n16: round(cp.OutC, 16)}
	c.prm, ok = packEpilogue(p, cp.OutC)
	c.epi = pickEpilogue(p.Epi, out, ok, p.OutZP == 0)
	c.sc = [8]int32{p.OutZP, 0, 0, p.Three, p.Six, p.PostMult, max(p.PostShift, 0), min(p.PostShift, 0)}
	lo, hi := int32(-128), int32(127)
	if out == generic.Int16 {
		lo, hi = -32768, 32767
	}
	c.sc[1], c.sc[2] = max(p.OutMin, lo), min(p.OutMax, hi)

	switch {
	case g == 1:
		c.kind = kIm2col
		if cp.KH == 1 && cp.KW == 1 && cp.StrideH == 1 && cp.StrideW == 1 && cp.PadT == 0 && cp.PadL == 0 &&
			cp.OutH == cp.InH && cp.OutW == cp.InW {
			c.kind = k1x1
		}
		k := cp.KH * cp.KW * cp.InC
		c.kp = round(k, 4)
		c.nb, c.half = gemmBlocks(cp.OutC)
		switch {
		case w16 != nil:
			c.w = packGemmI16(func(o, kk int) int16 { return w16[o*k+kk] }, p.Bias, cp.OutC, k, c.kp)
			c.gemm = gemm4x16I8W16NEON
		case in == generic.Int16 && isa == DotProd:
			// int16 activations split into two int8 halves for SDOT:
			// 128·Σw joins the bias (see gemm2x16c4I16SDOT)
			b := make([]int32, cp.OutC)
			for o := range b {
				s := int32(0)
				for _, v := range w[o*k : (o+1)*k] {
					s += int32(v)
				}
				b[o] = p.Bias[o] + 128*s
			}
			c.w = packGemmSDOT(w, b, cp.OutC, k, c.kp)
			c.gemm = gemm2x16c4I16SDOT
		case in == generic.Int16:
			c.w = packGemmI16(func(o, kk int) int16 { return int16(w[o*k+kk]) }, p.Bias, cp.OutC, k, c.kp)
			c.gemm = gemm4x16I16NEON
		case isa == DotProd:
			c.w = packGemmSDOT(w, p.Bias, cp.OutC, k, c.kp)
			c.gemm = gemm4x16c4SDOT
		case k <= c8MaxK && !hasMinus128(w[:cp.OutC*k]):
			// short rows: 8 k per step into four accumulators per row
			// (gemm4x8c8NEON) beats both the lane kernel (4 MACs per
			// instruction) and gemm2x8c16NEON's per-tile reduction:
			// per 4×8 outputs at K = 24 about 200 instructions against
			// 220 and 240 (scripts/icount.sh: -0.1 M on ShuffleNet)
			c.kp = round(k, 8)
			c.w, c.nb = packGemmNEONc8(w, p.Bias, cp.OutC, k, c.kp)
			c.half = 0
			c.gemm = gemm4x8c8NEON
		case k <= 28:
			// short rows with a weight of -128 (which two int8 products
			// per int16 lane cannot take): the lane kernel with the
			// weights widened to int16
			c.w = packGemmI16(func(o, kk int) int16 { return int16(w[o*k+kk]) }, p.Bias, cp.OutC, k, c.kp)
			c.gemm = gemm4x16I8W16NEON
		default:
			if hasMinus128(w[:cp.OutC*k]) {
				return nil, false
			}
			c.kp = round(k, 8)
			c.w, c.nb = packGemmNEON(w, p.Bias, cp.OutC, k, c.kp)
			c.half = 0
			c.gemm = gemm2x8c16NEON
		}
	case g == cp.InC && g == cp.OutC:
		c.kind = kDepthwise
		taps := cp.KH * cp.KW
		c.cp = round(cp.InC, 8)
		switch {
		case cp.KH == 3 && cp.KW == 3 && in == generic.Int8:
			c.dw = dwconv3x3NEON
		case cp.KH == 5 && cp.KW == 5 && in == generic.Int8:
			c.dw = dwconv5x5NEON
		case cp.KH == 3 && cp.KW == 3 && in == generic.Int16:
			c.dw = dwconv3x3I16NEON
		case cp.KH == 5 && cp.KW == 5 && in == generic.Int16:
			c.dw = dwconv5x5I16NEON
		default:
			return nil, false
		}
		if in == generic.Int8 {
			if hasMinus128(w[:cp.OutC*taps]) {
				return nil, false
			}
			c.w = packDwI8(w, p.Bias, cp.InC, c.cp, taps)
		} else {
			c.w = packDwI16(w, p.Bias, cp.InC, c.cp, taps)
		}
	default:
		return nil, false
	}
	return c, true
}

// epilogueOK reports whether the epilogue's parameters are within what the
// NEON epilogue reproduces exactly: shifts SQSHL/SRSHL can apply, the
// zero point added in int16 lanes for int8 outputs, Three and Six in
// int16 lanes.
func epilogueOK(p *generic.QConv, out generic.DType) bool {
	if p.Epi == generic.EpiFloat {
		return true
	}
	for _, s := range p.Shift[:p.OutC] {
		if s < -31 || s > 31 {
			return false
		}
	}
	if out == generic.Int8 && (p.OutZP < -32640 || p.OutZP > 32640) {
		return false
	}
	if out == generic.Int16 && (p.OutMin > 32767 || p.OutMax < -32768) {
		return false
	}
	if out == generic.Int8 && (p.OutMin > 127 || p.OutMax < -128) {
		return false
	}
	switch p.Epi {
	case generic.EpiHardswish, generic.EpiHardsigmoid:
		in16 := func(v int32) bool { return v >= -32768 && v <= 32767 }
		return in16(p.Three) && in16(p.Six) && p.PostShift >= -31 && p.PostShift <= 31
	}
	return true
}

// pickEpilogue picks the requantization kernel: by epilogue, output type,
// whether any shift is a left shift, and for int16 outputs whether the
// zero point is 0 (always, for a model file's symmetric int16 tensors),
// which saves adding it.
func pickEpilogue(e generic.Epilogue, out generic.DType, shl, zp0 bool) epiFunc {
	type key struct {
		e     generic.Epilogue
		out16 bool
		shl   bool
	}
	if out == generic.Int16 && zp0 {
		return map[key]epiFunc{
			{generic.EpiClamp, true, false}:       requantClampI16NoZP,
			{generic.EpiClamp, true, true}:        requantClampI16NoZPShl,
			{generic.EpiHardswish, true, false}:   requantHardswishI16NoZP,
			{generic.EpiHardswish, true, true}:    requantHardswishI16NoZPShl,
			{generic.EpiHardsigmoid, true, false}: requantHardsigmoidI16NoZP,
			{generic.EpiHardsigmoid, true, true}:  requantHardsigmoidI16NoZPShl,
		}[key{e, true, shl}]
	}
	return map[key]epiFunc{
		{generic.EpiClamp, false, false}:       requantClampI8,
		{generic.EpiClamp, false, true}:        requantClampI8Shl,
		{generic.EpiClamp, true, false}:        requantClampI16,
		{generic.EpiClamp, true, true}:         requantClampI16Shl,
		{generic.EpiHardswish, false, false}:   requantHardswishI8,
		{generic.EpiHardswish, false, true}:    requantHardswishI8Shl,
		{generic.EpiHardswish, true, false}:    requantHardswishI16,
		{generic.EpiHardswish, true, true}:     requantHardswishI16Shl,
		{generic.EpiHardsigmoid, false, false}: requantHardsigmoidI8,
		{generic.EpiHardsigmoid, false, true}:  requantHardsigmoidI8Shl,
		{generic.EpiHardsigmoid, true, false}:  requantHardsigmoidI16,
		{generic.EpiHardsigmoid, true, true}:   requantHardsigmoidI16Shl,
	}[key{e, out == generic.Int16, shl}]
}
