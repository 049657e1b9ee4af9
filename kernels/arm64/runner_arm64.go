//go:build !purego

package arm64

import (
	"unsafe"

	"github.com/edged/edged/kernels/generic"
)

// Running a packed conv: the 1×1 GEMM straight over the pixel rows, im2col_NEON
// tiles into the same GEMM, or the depthwise kernels over a padded copy of
// the input; each accumulator tile then goes through the epilogue.

// Runner runs one band of a packed conv (a range of output rows, with the
// band's geometry) with scratch memory of its own, so that Runners of one
// Conv may run concurrently. A Runner allocates nothing per Run.
type Runner struct {
	c      *Conv
	p      generic.QConv
	acc    []int32
	mb     int    // GEMM rows, or depthwise output rows, per tile
	pad    []byte // the padded input (im2col_NEON, depthwise), zero point outside
	ph, pw int
	col    []byte // im2col_NEON rows, or K-padded activation rows
}

// NewRunner prepares a Runner for the band p of c: p may differ from the
// packed conv only in InH, OutH and PadT (engine row bands).
func (c *Conv) NewRunner(p *generic.QConv) (*Runner, bool) {
	if !p.IsBandOf(c.p.ConvParams) || p.Epi != c.p.Epi {
		return nil, false
	}
	cp := &p.ConvParams
	r := &Runner{c: c, p: *p}
	esz := c.in.Size()
	switch c.kind {
	case k1x1, kIm2col:
		m := cp.OutH * cp.OutW
		r.mb = max(4, min(tileBytes/(4*c.n16), 256)) &^ 3
		r.mb = min(r.mb, round(m, 4))
		r.acc = make([]int32, r.mb*c.n16+accPad)
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
		r.acc = make([]int32, r.mb*cp.OutW*c.n16+accPad)
		r.ph = (cp.OutH-1)*cp.StrideH + cp.KH
		r.pw = (cp.OutW-1)*cp.StrideW + cp.KW
		r.pad = make([]byte, r.ph*r.pw*c.cp*esz+16)
		fillZP(r.pad, p.InZP, esz)
	}
	return r, true
}

// accPad pads accumulator tiles: the epilogue's last partial vector reads
// up to 8 lanes past a row.
const accPad = 16

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
	if c.out == generic.Float32 {
		requantI32F32_NEON(acc, 4*c.n16, m, n, prm, out, ldout)
		return
	}
	c.epi(acc, 4*c.n16, m, n, prm, out, ldout, unsafe.Pointer(&c.sc))
}

func (r *Runner) run1x1(in, out unsafe.Pointer) {
	c, cp := r.c, &r.p.ConvParams
	esz, osz := c.in.Size(), c.out.Size()
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
	esz := r.c.in.Size()
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
	esz, osz := c.in.Size(), c.out.Size()
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
				im2col_NEON(src, prow, step, run, cp.KH, seg, dst, kpb)
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
	esz, osz := c.in.Size(), c.out.Size()
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
