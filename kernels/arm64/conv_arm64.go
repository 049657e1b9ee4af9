//go:build !purego

package arm64

import (
	"unsafe"

	"github.com/edged/edged/kernels/generic"
)

// Elem is a tensor's element type.
type Elem uint8

const (
	I8 Elem = iota
	I16
	F32
)

func (e Elem) size() int { return [...]int{1, 2, 4}[e] }

// ISA selects the int8 multiply-accumulate instructions.
type ISA uint8

const (
	// NEON is ARMv8.0 Advanced SIMD: SMULL/SMLAL2 into int16, SADALP into
	// int32 (Cortex-A53/A57/A72).
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
	in, out Elem
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

// tileBytes bounds an accumulator tile, so that it stays in L1.
const tileBytes = 32 << 10

// PackConv packs w for the convolution p with input and output element
// types in and out. ok is false when the conv is outside what the kernels
// do (grouped convs other than depthwise, depthwise windows other than
// 3×3 and 5×5, parameters outside the ranges the epilogue handles, or a
// weight of -128 where two int8 products share an int16 lane): the caller
// then runs kernels/generic, which computes the same result.
func PackConv(p *generic.QConv, w []int8, in, out Elem, isa ISA) (c *Conv, ok bool) {
	return packConv(p, w, nil, in, out, isa)
}

// PackConvW16 is PackConv for a conv with int16 weights and an int8 input
// (kernels/generic's ConvQW16): dense convs only.
func PackConvW16(p *generic.QConv, w []int16, out Elem, isa ISA) (c *Conv, ok bool) {
	if max(p.Groups, 1) != 1 {
		return nil, false
	}
	return packConv(p, nil, w, I8, out, isa)
}

func packConv(p *generic.QConv, w []int8, w16 []int16, in, out Elem, isa ISA) (c *Conv, ok bool) {
	cp := &p.ConvParams
	g := max(cp.Groups, 1)
	if p.Validate(cp.InH*cp.InW*cp.InC, max(len(w), len(w16)), cp.OutH*cp.OutW*cp.OutC) != nil || in == F32 {
		return nil, false
	}
	if (p.Epi == generic.EpiFloat) != (out == F32) || !epilogueOK(p, out) {
		return nil, false
	}
	c = &Conv{p: *p, in: in, out: out, n16: round(cp.OutC, 16)}
	c.prm, ok = packEpilogue(p, cp.OutC)
	c.epi = pickEpilogue(p.Epi, out, ok)
	c.sc = [8]int32{p.OutZP, 0, 0, p.Three, p.Six, p.PostMult, max(p.PostShift, 0), min(p.PostShift, 0)}
	lo, hi := int32(-128), int32(127)
	if out == I16 {
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
			c.gemm = gemmI8W16NEON
		case in == I16 && isa == DotProd:
			// int16 activations split into two int8 halves for SDOT:
			// 128·Σw joins the bias (see gemmI16SDOT)
			b := make([]int32, cp.OutC)
			for o := range b {
				s := int32(0)
				for _, v := range w[o*k : (o+1)*k] {
					s += int32(v)
				}
				b[o] = p.Bias[o] + 128*s
			}
			c.w = packGemmSDOT(w, b, cp.OutC, k, c.kp)
			c.gemm = gemmI16SDOT
		case in == I16:
			c.w = packGemmI16(func(o, kk int) int16 { return int16(w[o*k+kk]) }, p.Bias, cp.OutC, k, c.kp)
			c.gemm = gemmI16NEON
		case isa == DotProd:
			c.w = packGemmSDOT(w, p.Bias, cp.OutC, k, c.kp)
			c.gemm = gemmI8SDOT
		case k <= 28:
			// short rows: the lane kernel with the weights widened to
			// int16 needs no ADDP reduction per output, which is what
			// dominates the SADALP kernel at this depth (per 64 outputs
			// about 300 instructions against 340 at K = 16, 520 against
			// 556 at K = 27 padded to 32)
			c.w = packGemmI16(func(o, kk int) int16 { return int16(w[o*k+kk]) }, p.Bias, cp.OutC, k, c.kp)
			c.gemm = gemmI8W16NEON
		default:
			if hasMinus128(w[:cp.OutC*k]) {
				return nil, false
			}
			c.kp = round(k, 8)
			c.w, c.nb = packGemmNEON(w, p.Bias, cp.OutC, k, c.kp)
			c.half = 0
			c.gemm = gemmI8NEON
		}
	case g == cp.InC && g == cp.OutC:
		c.kind = kDepthwise
		taps := cp.KH * cp.KW
		c.cp = round(cp.InC, 8)
		switch {
		case cp.KH == 3 && cp.KW == 3 && in == I8:
			c.dw = dwI8K3x3
		case cp.KH == 5 && cp.KW == 5 && in == I8:
			c.dw = dwI8K5x5
		case cp.KH == 3 && cp.KW == 3 && in == I16:
			c.dw = dwI16K3x3
		case cp.KH == 5 && cp.KW == 5 && in == I16:
			c.dw = dwI16K5x5
		default:
			return nil, false
		}
		if in == I8 {
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
func epilogueOK(p *generic.QConv, out Elem) bool {
	if p.Epi == generic.EpiFloat {
		return true
	}
	for _, s := range p.Shift[:p.OutC] {
		if s < -31 || s > 31 {
			return false
		}
	}
	if out == I8 && (p.OutZP < -32640 || p.OutZP > 32640) {
		return false
	}
	if out == I16 && (p.OutMin > 32767 || p.OutMax < -32768) {
		return false
	}
	if out == I8 && (p.OutMin > 127 || p.OutMax < -128) {
		return false
	}
	switch p.Epi {
	case generic.EpiHardswish, generic.EpiHardsigmoid:
		in16 := func(v int32) bool { return v >= -32768 && v <= 32767 }
		return in16(p.Three) && in16(p.Six) && p.PostShift >= -31 && p.PostShift <= 31
	}
	return true
}

func pickEpilogue(e generic.Epilogue, out Elem, shl bool) epiFunc {
	type key struct {
		e     generic.Epilogue
		out16 bool
		shl   bool
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
	}[key{e, out == I16, shl}]
}

// Runner runs one band of a packed conv (a range of output rows, with the
// band's geometry) with scratch memory of its own, so that Runners of one
// Conv may run concurrently. A Runner allocates nothing per Run.
type Runner struct {
	c      *Conv
	p      generic.QConv
	acc    []int32
	mb     int    // GEMM rows, or depthwise output rows, per tile
	pad    []byte // the padded input (im2col, depthwise), zero point outside
	ph, pw int
	col    []byte // im2col rows, or K-padded activation rows
}

// NewRunner prepares a Runner for the band p of c: p may differ from the
// packed conv only in InH, OutH and PadT (engine row bands).
func (c *Conv) NewRunner(p *generic.QConv) (*Runner, bool) {
	a, b := p.ConvParams, c.p.ConvParams
	a.InH, a.OutH, a.PadT = b.InH, b.OutH, b.PadT
	if a != b || p.Epi != c.p.Epi {
		return nil, false
	}
	cp := &p.ConvParams
	r := &Runner{c: c, p: *p}
	esz := c.in.size()
	switch c.kind {
	case k1x1, kIm2col:
		m := cp.OutH * cp.OutW
		r.mb = max(4, min(tileBytes/(4*c.n16), 256)) &^ 3
		r.mb = min(r.mb, round(m, 4))
		r.acc = make([]int32, r.mb*c.n16)
		if c.kind == kIm2col {
			r.ph = (cp.OutH-1)*cp.StrideH + cp.KH
			r.pw = (cp.OutW-1)*cp.StrideW + cp.KW
			r.pad = make([]byte, r.ph*r.pw*cp.InC*esz+32)
			fillZP(r.pad[:len(r.pad)-32], p.InZP, esz)
			r.col = make([]byte, r.mb*c.kp*esz+32)
		} else if c.kp != cp.InC {
			r.col = make([]byte, r.mb*c.kp*esz)
		}
	case kDepthwise:
		r.mb = max(1, min(cp.OutH, tileBytes/(4*c.n16*cp.OutW)))
		r.acc = make([]int32, r.mb*cp.OutW*c.n16)
		r.ph = (cp.OutH-1)*cp.StrideH + cp.KH
		r.pw = (cp.OutW-1)*cp.StrideW + cp.KW
		r.pad = make([]byte, r.ph*r.pw*c.cp*esz+16)
		fillZP(r.pad, p.InZP, esz)
	}
	return r, true
}

// fillZP fills b with the zero point as elements of esz bytes.
func fillZP(b []byte, zp int32, esz int) {
	for i := 0; i+esz <= len(b); i += esz {
		if esz == 1 {
			b[i] = byte(zp)
		} else {
			b[i], b[i+1] = byte(zp), byte(zp>>8)
		}
	}
}

// Run computes the band: in and out point to the band's input and output
// tensors (the element types given to PackConv), whose sizes the caller
// has checked.
func (r *Runner) Run(in, out unsafe.Pointer) {
	switch r.c.kind {
	case k1x1:
		r.run1x1(in, out)
	case kIm2col:
		r.copyPadded(in, r.p.InC)
		r.runIm2col(out)
	case kDepthwise:
		r.copyPadded(in, r.c.cp)
		r.runDepthwise(out)
	}
}

// finish runs the epilogue over m accumulator rows into out (row stride
// ldout bytes).
func (r *Runner) finish(m int, out unsafe.Pointer, ldout int) {
	c := r.c
	n := c.p.OutC
	acc := unsafe.Pointer(unsafe.SliceData(r.acc))
	prm := unsafe.Pointer(unsafe.SliceData(c.prm))
	if c.out == F32 {
		requantF32(acc, 4*c.n16, m, n, prm, out, ldout)
		return
	}
	c.epi(acc, 4*c.n16, m, n, prm, out, ldout, unsafe.Pointer(&c.sc))
}

func (r *Runner) run1x1(in, out unsafe.Pointer) {
	c, cp := r.c, &r.p.ConvParams
	esz, osz := c.in.size(), c.out.size()
	m, k, n := cp.OutH*cp.OutW, cp.InC, cp.OutC
	w := unsafe.Pointer(unsafe.SliceData(c.w))
	acc := unsafe.Pointer(unsafe.SliceData(r.acc))
	for r0 := 0; r0 < m; r0 += r.mb {
		rows := min(r.mb, m-r0)
		a := unsafe.Add(in, r0*k*esz)
		lda := k * esz
		if c.kp != k {
			// rows whose K is not a multiple of 8: copy them with zeros
			// after (never overwritten) so the kernel reads no further
			src := unsafe.Slice((*byte)(a), rows*k*esz)
			for i := 0; i < rows; i++ {
				copy(r.col[i*c.kp*esz:i*c.kp*esz+k*esz], src[i*k*esz:])
			}
			a, lda = unsafe.Pointer(unsafe.SliceData(r.col)), c.kp*esz
		}
		c.gemm(a, lda, rows, c.kp, w, c.nb, c.half, acc, 4*c.n16)
		r.finish(rows, unsafe.Add(out, r0*n*osz), n*osz)
	}
}

// copyPadded copies the band's input into the padded buffer, whose pixels
// have cp channels; everything outside the input keeps the zero point
// written when the Runner was made.
func (r *Runner) copyPadded(in unsafe.Pointer, cp int) {
	p := &r.p.ConvParams
	esz := r.c.in.size()
	w := min(p.InW, r.pw-p.PadL)
	if w <= 0 {
		return
	}
	src := unsafe.Slice((*byte)(in), p.InH*p.InW*p.InC*esz)
	for iy := 0; iy < p.InH; iy++ {
		py := iy + p.PadT
		if py >= r.ph {
			break
		}
		s := src[iy*p.InW*p.InC*esz:]
		d := r.pad[(py*r.pw+p.PadL)*cp*esz:]
		if cp == p.InC {
			copy(d[:w*cp*esz], s)
			continue
		}
		for x := 0; x < w; x++ {
			copy(d[x*cp*esz:x*cp*esz+p.InC*esz], s[x*p.InC*esz:])
		}
	}
}

func (r *Runner) runIm2col(out unsafe.Pointer) {
	c, cp := r.c, &r.p.ConvParams
	esz, osz := c.in.size(), c.out.size()
	npix, n := cp.OutH*cp.OutW, cp.OutC
	seg := cp.KW * cp.InC * esz
	prow := r.pw * cp.InC * esz
	step := cp.StrideW * cp.InC * esz
	kpb := c.kp * esz
	fast := seg <= 32
	pad := unsafe.Pointer(unsafe.SliceData(r.pad))
	col := unsafe.Pointer(unsafe.SliceData(r.col))
	w := unsafe.Pointer(unsafe.SliceData(c.w))
	acc := unsafe.Pointer(unsafe.SliceData(r.acc))
	for p0 := 0; p0 < npix; p0 += r.mb {
		rows := min(r.mb, npix-p0)
		for i := 0; i < rows; {
			oy, ox := (p0+i)/cp.OutW, (p0+i)%cp.OutW
			run := min(rows-i, cp.OutW-ox)
			src := unsafe.Add(pad, oy*cp.StrideH*prow+ox*step)
			dst := unsafe.Add(col, i*kpb)
			if fast {
				im2col(src, prow, step, run, cp.KH, seg, dst, kpb)
			} else {
				for j := 0; j < run; j++ {
					for ky := 0; ky < cp.KH; ky++ {
						copy(unsafe.Slice((*byte)(unsafe.Add(dst, j*kpb+ky*seg)), seg),
							unsafe.Slice((*byte)(unsafe.Add(src, j*step+ky*prow)), seg))
					}
				}
			}
			i += run
		}
		c.gemm(col, kpb, rows, c.kp, w, c.nb, c.half, acc, 4*c.n16)
		r.finish(rows, unsafe.Add(out, p0*n*osz), n*osz)
	}
}

func (r *Runner) runDepthwise(out unsafe.Pointer) {
	c, cp := r.c, &r.p.ConvParams
	esz, osz := c.in.size(), c.out.size()
	cpb := c.cp * esz
	prow := r.pw * cpb
	pad := unsafe.Pointer(unsafe.SliceData(r.pad))
	w := unsafe.Pointer(unsafe.SliceData(c.w))
	acc := unsafe.Pointer(unsafe.SliceData(r.acc))
	accs := 4 * c.n16
	for oy0 := 0; oy0 < cp.OutH; oy0 += r.mb {
		rows := min(r.mb, cp.OutH-oy0)
		for i := 0; i < rows; i++ {
			src := unsafe.Add(pad, (oy0+i)*cp.StrideH*prow)
			c.dw(src, prow, cp.OutW, cpb, cp.StrideW*cpb, w, unsafe.Add(acc, i*cp.OutW*accs), accs)
		}
		r.finish(rows*cp.OutW, unsafe.Add(out, oy0*cp.OutW*cp.OutC*osz), cp.OutC*osz)
	}
}
