//go:build !purego

package amd64

import (
	"unsafe"

	"github.com/edged/edged/kernels/generic"
)

// A Runner computes one band of a packed conv, tile after tile of output
// rows: the GEMM reads the input's pixel rows themselves (1×1 convs with
// a whole step of K), or rows copied, widened to int16, or gathered by
// im2col_AVX2 from a padded copy of the input; every accumulator tile
// then goes through the epilogue. The band is a range of output rows with
// its own geometry. Its working memory (accumulators, GEMM rows, padded
// input) is its own, or a Scratch it shares with Runners that never run
// at the same time; Run allocates nothing.
type Runner struct {
	c  *Conv
	p  generic.QConv // the band
	sc *Scratch
	// where acc, col and pad lie in sc, bound by each Run
	nacc, ncol, npadb int

	// a tile: mb output rows (GEMM rows, a multiple of the micro-tile's
	// unless fewer remain; depthwise: image rows), their accumulators and
	// the GEMM rows of kp activations (copied, widened or gathered)
	mb  int
	acc []int32
	col []byte

	// im2col and depthwise: the band's input padded to ph × pw pixels
	// (zero point outside), as the kernels read it; depthwise: the byte
	// offsets of the window's taps, in pairs
	ph, pw int
	pad    []byte
	taps   []int
	// depthwise on the AVX2 kernels: the row pairs of pad, and a row of
	// the zero point in the input's type
	pairs int
	zrow  []byte
	// a padded row of the zero point (pad's element type), the source of
	// the borders the padded copies rewrite at every run
	zp []byte
}

// Scratch is working memory that Runners share when they never run at
// the same time: an engine gives one to each of its threads for the bands
// that thread runs, layer after layer. The layers' accumulator tiles and
// padded inputs then reuse the same lines, which the previous layer left
// in cache, instead of each layer writing memory of its own that the
// caches lost since the last inference. A Runner binds its part at every
// Run and makes no assumption about what another left there: the padded
// copies rewrite their zero-point borders each time.
type Scratch struct {
	b []byte
}

// reserve makes s at least n bytes (before any Run: growing drops the
// contents, which Runners do not keep between runs).
func (s *Scratch) reserve(n int) {
	if len(s.b) < n {
		s.b = make([]byte, n)
	}
}

// NewRunner prepares a Runner for the band p of c, with working memory of
// its own: p may differ from the packed conv only in InH, OutH and PadT
// (engine row bands).
func (c *Conv) NewRunner(p *generic.QConv) (*Runner, bool) {
	return c.NewRunnerScratch(p, new(Scratch))
}

// NewRunnerScratch is NewRunner with its working memory in s, shared with
// Runners that never run at the same time as this one.
func (c *Conv) NewRunnerScratch(p *generic.QConv, s *Scratch) (*Runner, bool) {
	if !p.IsBandOf(c.p.ConvParams) || p.Epi != c.p.Epi {
		return nil, false
	}
	cp := &p.ConvParams
	r := &Runner{c: c, p: *p, sc: s}
	if c.kind == kDepthwise {
		r.newDepthwise()
	} else {
		m := cp.OutH * cp.OutW
		r.mb = max(c.mr, min(tileBytes/(4*c.npad), 256)/c.mr*c.mr)
		r.mb = min(r.mb, round(m, c.mr))
		r.nacc = r.mb * c.npad
		r.ncol = r.mb*c.kp*c.aesz + 32
		if c.kind == kIm2col {
			r.ph = (cp.OutH-1)*cp.StrideH + cp.KH
			r.pw = (cp.OutW-1)*cp.StrideW + cp.KW
			r.npadb = r.ph*r.pw*cp.InC*c.aesz + 32
			r.zp = make([]byte, r.pw*cp.InC*c.aesz)
			fillZP(r.zp, p.InZP, c.aesz)
		}
	}
	s.reserve(scratchAlign(4*r.nacc) + scratchAlign(r.ncol) + r.npadb)
	return r, true
}

// scratchAlign rounds n up to whole cache lines.
func scratchAlign(n int) int { return (n + 63) &^ 63 }

// bind points acc, col and pad at r's parts of its Scratch.
func (r *Runner) bind() {
	b := r.sc.b
	r.acc = unsafe.Slice((*int32)(unsafe.Pointer(unsafe.SliceData(b))), r.nacc)
	o := scratchAlign(4 * r.nacc)
	r.col = b[o : o+r.ncol]
	o += scratchAlign(r.ncol)
	r.pad = b[o : o+r.npadb]
}

// Run computes the band: in and out point to the band's input and output
// tensors (the element types given to PackConv), whose sizes the caller
// has checked.
func (r *Runner) Run(in, out unsafe.Pointer) {
	r.bind()
	if r.c.kind == kDepthwise {
		r.runDepthwise(in, out)
		return
	}
	if r.c.kind == kIm2col {
		r.copyPadded(in)
	}
	c, cp := r.c, &r.p.ConvParams
	m, n := cp.OutH*cp.OutW, cp.OutC
	osz := c.out.Size()
	for r0 := 0; r0 < m; r0 += r.mb {
		rows := min(r.mb, m-r0)
		if c.kind == kIm2col {
			r.im2col(r0, rows)
			r.gemm(r.col, c.kp*c.aesz, rows, 0)
		} else {
			r.gemm1x1(in, r0, rows)
		}
		r.finish(4*c.npad, rows, unsafe.Add(out, r0*n*osz))
	}
}

// finish runs the epilogue over rows accumulator rows (accs bytes apart)
// into out's rows of OutC: flat rows at a time as one where the conv was
// packed for it, the rows left one by one.
func (r *Runner) finish(accs, rows int, out unsafe.Pointer) {
	c := r.c
	n, osz := c.p.OutC, c.out.Size()
	acc, sc := ptr(r.acc), unsafe.Pointer(c.sc)
	if f := c.flat; f > 1 && rows >= f && accs == 4*n {
		m := rows / f
		c.epi(acc, accs*f, m, n*f, ptr(c.prmFlat), out, n*f*osz, sc)
		acc, out, rows = unsafe.Add(acc, m*f*accs), unsafe.Add(out, m*f*n*osz), rows-m*f
	}
	if rows > 0 {
		c.epi(acc, accs, rows, n, ptr(c.prm), out, n*osz, sc)
	}
}

func ptr[T any](s []T) unsafe.Pointer { return unsafe.Pointer(unsafe.SliceData(s)) }

// gemm runs the micro-kernels over m rows of col-like a (stride lda
// bytes, rows readable up to a whole micro-tile past m) into the
// accumulator tile from row row0: whole micro-tiles, then the rows left,
// one at a time when they are few (each such row streams all the weights
// again), else as one more micro-tile.
func (r *Runner) gemm(a []byte, lda, m, row0 int) {
	if m%r.c.mr > r.c.mr/4 {
		m = round(m, r.c.mr)
	}
	r.gemmAt(ptr(a), lda, m, row0)
}

// gemmAt runs whole micro-tiles over m rows of a, and the rows left over
// one at a time, into the accumulator rows from row0.
func (r *Runner) gemmAt(a unsafe.Pointer, lda, m, row0 int) {
	c := r.c
	steps, w, acc := c.kp*c.aesz/4, ptr(c.w), unsafe.Pointer(&r.acc[row0*c.npad])
	full := m / c.mr * c.mr
	if full > 0 {
		c.gemm(a, lda, full, steps, w, c.nb, c.half, acc, 4*c.npad)
	}
	if full < m {
		c.gemm1(unsafe.Add(a, full*lda), lda, m-full, steps, w, c.nb, c.half, unsafe.Add(acc, 4*full*c.npad), 4*c.npad)
	}
}

// gemm1x1 runs rows r0.. of a 1×1 conv: straight from the input where its
// rows are whole steps, else through col (copied, or widened to int16).
func (r *Runner) gemm1x1(in unsafe.Pointer, r0, rows int) {
	c := r.c
	esz := c.in.Size()
	k, kpb := c.k, c.kp*c.aesz
	src := unsafe.Add(in, r0*k*esz)
	if !c.wide && c.k == c.kp {
		// whole micro-tiles from the input itself, which ends with the
		// band; the rows left over through col, where a micro-tile may
		// read past them
		full := rows / c.mr * c.mr
		r.gemmAt(src, kpb, full, 0)
		if tail := rows - full; tail > 0 {
			copy(r.col[:tail*kpb], unsafe.Slice((*byte)(unsafe.Add(src, full*kpb)), tail*kpb))
			r.gemm(r.col, kpb, tail, full)
		}
		return
	}
	if c.wide {
		widenI8I16_AVX2(src, k, ptr(r.col), kpb, rows, k)
	} else {
		s := unsafe.Slice((*byte)(src), rows*k*esz)
		for i := 0; i < rows; i++ {
			copy(r.col[i*kpb:i*kpb+k*esz], s[i*k*esz:])
		}
	}
	r.gemm(r.col, kpb, rows, 0)
}

// copyPadded copies the band's input into the padded buffer (widened to
// int16 for an int16 GEMM), the zero point around it.
func (r *Runner) copyPadded(in unsafe.Pointer) {
	p, c := &r.p.ConvParams, r.c
	w, h, ok := r.inRect()
	r.padBorders(w, h, p.InC*c.aesz)
	if !ok {
		return
	}
	esz := c.in.Size()
	dst := unsafe.Pointer(&r.pad[p.PadT*r.pw*p.InC*c.aesz+p.PadL*p.InC*c.aesz])
	if c.wide {
		widenI8I16_AVX2(in, p.InW*p.InC, dst, r.pw*p.InC*2, h, w*p.InC)
		return
	}
	src := unsafe.Slice((*byte)(in), p.InH*p.InW*p.InC*esz)
	for iy := 0; iy < h; iy++ {
		d := unsafe.Slice((*byte)(unsafe.Add(dst, iy*r.pw*p.InC*esz)), w*p.InC*esz)
		copy(d, src[iy*p.InW*p.InC*esz:])
	}
}

// im2col gathers the patches of output pixels p0..p0+rows-1 into col.
func (r *Runner) im2col(p0, rows int) {
	c, cp := r.c, &r.p.ConvParams
	a := c.aesz
	seg, prow, step, kpb := cp.KW*cp.InC*a, r.pw*cp.InC*a, cp.StrideW*cp.InC*a, c.kp*a
	for i := 0; i < rows; {
		oy, ox := (p0+i)/cp.OutW, (p0+i)%cp.OutW
		run := min(rows-i, cp.OutW-ox)
		src := oy*cp.StrideH*prow + ox*step
		if seg <= 32 {
			im2col_AVX2(unsafe.Pointer(&r.pad[src]), prow, step, run, cp.KH, seg, unsafe.Pointer(&r.col[i*kpb]), kpb)
		} else {
			for j := 0; j < run; j++ {
				for ky := 0; ky < cp.KH; ky++ {
					s := src + j*step + ky*prow
					copy(r.col[(i+j)*kpb+ky*seg:(i+j)*kpb+(ky+1)*seg], r.pad[s:s+seg])
				}
			}
		}
		i += run
	}
}

// inRect is the part of the band's input the padded copy holds: w pixels
// of h rows (the rest lies past the last window); ok false when nothing.
func (r *Runner) inRect() (w, h int, ok bool) {
	p := &r.p.ConvParams
	w, h = min(p.InW, r.pw-p.PadL), min(p.InH, r.ph-p.PadT)
	return w, h, w > 0 && h > 0
}

// padBorders writes the zero point around the w × h input pixels of the
// pixel-major padded buffer (ph × pw pixels of px bytes, the input from
// PadT, PadL), and zeros in the vector of slack past it.
func (r *Runner) padBorders(w, h, px int) {
	p := &r.p.ConvParams
	w, h = max(w, 0), max(h, 0)
	if h == 0 || w == 0 {
		w, h = 0, 0
	}
	row := r.pw * px
	r.zero(r.pad[:p.PadT*row])
	for y := p.PadT; y < p.PadT+h; y++ {
		r.zero(r.pad[y*row : y*row+p.PadL*px])
		r.zero(r.pad[y*row+(p.PadL+w)*px : (y+1)*row])
	}
	r.zero(r.pad[(p.PadT+h)*row : r.ph*row])
	clear(r.pad[r.ph*row:])
}

// zero fills b with the zero point, copied from r.zp.
func (r *Runner) zero(b []byte) {
	for len(b) > 0 {
		b = b[copy(b, r.zp):]
	}
}

// fillZP fills b with the zero point zp as elements of esz bytes: one
// element, then doubling copies (memmove speed for the long runs).
func fillZP(b []byte, zp int32, esz int) {
	if len(b) < esz {
		return
	}
	b[0] = byte(zp)
	if esz == 2 {
		b[1] = byte(zp >> 8)
	}
	for n := esz; n < len(b); n *= 2 {
		copy(b[n:], b[:n])
	}
}
