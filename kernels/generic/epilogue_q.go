package generic

import (
	"math"
	"unsafe"
)

// The conv epilogue: accumulators → requantized (and activated) outputs,
// evaluated branch-free per channel where the parameters allow it, and
// through Requantize itself otherwise.

// qMul is a requantization multiplier in the branch-free form the row
// loops evaluate, equal to Requantize(x, Mult, Shift) whenever qFastMul
// holds: v = sat32(x·pow); v = (v·m2 + 2^31) >> 32; v = (v + rnd) >> rs.
type qMul struct {
	pow int64  // 2^max(Shift, 0), applied as a multiply
	m2  int64  // 2·Mult: v·m2 is Requantize's 2·v·Mult
	rnd int64  // 2^(rs-1), or 0 when rs == 0
	rs  uint64 // max(-Shift, 0)
}

// qFastMul reports whether qMul reproduces Requantize for mult and shift
// with room to fold a zero point into rnd: x·2^Shift must not overflow
// int64, 2·v·Mult must not reach 2^63 (only -2^31·-2^31 does), and
// zp<<rs must stay far from 2^63. QuantizeMultiplier's results always
// qualify.
func qFastMul(mult, shift int32) bool {
	return mult != math.MinInt32 && shift >= -31 && shift <= 32
}

func newQMul(mult, shift int32) qMul {
	m := qMul{pow: 1, m2: 2 * int64(mult)}
	if shift > 0 {
		m.pow = 1 << shift
	} else if shift < 0 {
		m.rs = uint64(-shift)
		m.rnd = 1 << (m.rs - 1)
	}
	return m
}

// qEpi is a conv epilogue prepared once per call.
type qEpi struct {
	p      *QConv
	lo, hi int64 // [OutMin, OutMax] ∩ the output type's range
	fast   bool  // every multiplier qualifies for qMul: use ch and act
	shl    bool  // some channel multiplier shifts left (Shift > 0)
	ch     []qChan
	act    qAct
}

// qChan is one output channel's requantization in the form the row loops
// use: v = sat32((acc+b)·pow); v = (v·m2 + 2^31) >> 32; v = (v + rnd) >> rs,
// where for EpiClamp rnd also carries OutZP<<rs, so that the shift adds
// the zero point: (v+r)>>s + zp == (v + r + zp<<s) >> s.
type qChan struct {
	m2, rnd, pow int64
	b            int32
	rs           uint32
}

// qAct is the second step of hardswish and hardsigmoid, the same for every
// channel: t = clamp(pre+Three, 0, Six) (times pre for hardswish), then
// the post multiplier, with OutZP folded into rnd as in qChan.
type qAct struct {
	three, six       int64
	m2, rnd, pow, lo int64
	hi               int64
	rs               uint64
	swish            bool
}

// newQEpi prepares p's epilogue for Out, keeping per-channel state in s.
func newQEpi[Out qOut](p *QConv, s *qScratch) qEpi {
	e := qEpi{p: p, lo: int64(p.OutMin), hi: int64(p.OutMax)}
	var z Out
	switch unsafe.Sizeof(z) {
	case 1:
		e.lo, e.hi = max(e.lo, -1<<7), min(e.hi, 1<<7-1)
	case 2:
		e.lo, e.hi = max(e.lo, -1<<15), min(e.hi, 1<<15-1)
	}
	if p.Epi == EpiFloat {
		return e
	}
	n := p.OutC
	e.fast = true
	for o := 0; o < n; o++ {
		e.fast = e.fast && qFastMul(p.Mult[o], p.Shift[o])
		e.shl = e.shl || p.Shift[o] > 0
	}
	act := p.Epi == EpiHardswish || p.Epi == EpiHardsigmoid
	if act {
		// pre·t must fit int32 without saturation: |pre| ≤ 2^15, t ≤ Six.
		e.fast = e.fast && qFastMul(p.PostMult, p.PostShift) && p.Six >= 0 && p.Six <= 1<<16
	}
	if !e.fast {
		return e
	}
	zp := int64(p.OutZP)
	if act {
		m := newQMul(p.PostMult, p.PostShift)
		e.act = qAct{three: int64(p.Three), six: int64(p.Six), m2: m.m2, pow: m.pow,
			rnd: m.rnd + zp<<m.rs, rs: m.rs, lo: e.lo, hi: e.hi, swish: p.Epi == EpiHardswish}
		zp = 0 // the pre-activation has no zero point
	}
	if cap(s.ch) < n {
		s.ch = make([]qChan, n)
	}
	e.ch = s.ch[:n]
	for o := range e.ch {
		m := newQMul(p.Mult[o], p.Shift[o])
		e.ch[o] = qChan{m2: m.m2, rnd: m.rnd + zp<<m.rs, pow: m.pow, b: p.Bias[o], rs: uint32(m.rs)}
	}
	return e
}

// qFinish finishes a tile of accumulators (Σ in·w, bias not yet added):
// rows × n values, acc[r*as+j] for output channel o0+j, written to
// out[r*os+j]. The loops live in small out-of-line functions, one row at
// a time: Go's register allocator spills heavily in one large function
// with many loops.
func qFinish[Out qOut](e *qEpi, acc []int32, as, rows, n, o0 int, out []Out, os int) {
	p := e.p
	for r := 0; r < rows; r++ {
		a, o := acc[r*as:r*as+n], out[r*os:r*os+n]
		switch {
		case p.Epi == EpiFloat:
			qRowFloat(p.Bias[o0:o0+n], p.OutScale[o0:o0+n], a, o)
		case !e.fast:
			qFinishExact(e, a, o0, o)
		case p.Epi == EpiClamp && e.shl:
			qRowClampShl(e.ch[o0:o0+n], a, o, e.lo, e.hi)
		case p.Epi == EpiClamp:
			qRowClamp(e.ch[o0:o0+n], a, o, e.lo, e.hi)
		default:
			if e.shl {
				qRowPreShl(e.ch[o0:o0+n], a)
			} else {
				qRowPre(e.ch[o0:o0+n], a)
			}
			qRowAct(&e.act, a, o)
		}
	}
}

//go:noinline
func qRowFloat[Out qOut](bias []int32, sc []float32, acc []int32, out []Out) {
	bias, sc, out = bias[:len(acc)], sc[:len(acc)], out[:len(acc)]
	for j, a := range acc {
		out[j] = Out(float32(a+bias[j]) * sc[j])
	}
}

// qRowClamp is EpiClamp for channels that all have pow == 1.
//
//go:noinline
func qRowClamp[Out qOut](ch []qChan, acc []int32, out []Out, lo, hi int64) {
	ch, out = ch[:len(acc)], out[:len(acc)]
	for j, a := range acc {
		c := &ch[j]
		v := (int64(a+c.b)*c.m2 + 1<<31) >> 32
		out[j] = Out(min(max((v+c.rnd)>>(c.rs&63), lo), hi))
	}
}

// qRowClampShl is EpiClamp when some channel shifts left first.
//
//go:noinline
func qRowClampShl[Out qOut](ch []qChan, acc []int32, out []Out, lo, hi int64) {
	ch, out = ch[:len(acc)], out[:len(acc)]
	for j, a := range acc {
		c := &ch[j]
		v := min(max(int64(a+c.b)*c.pow, math.MinInt32), math.MaxInt32)
		v = (v*c.m2 + 1<<31) >> 32
		out[j] = Out(min(max((v+c.rnd)>>(c.rs&63), lo), hi))
	}
}

// qRowPre replaces accumulators by the saturated 16-bit pre-activation
// sat16(Requantize(acc+b)), for channels that all have pow == 1.
//
//go:noinline
func qRowPre(ch []qChan, acc []int32) {
	ch = ch[:len(acc)]
	for j, a := range acc {
		c := &ch[j]
		v := (int64(a+c.b)*c.m2 + 1<<31) >> 32
		acc[j] = int32(min(max((v+c.rnd)>>(c.rs&63), -1<<15), 1<<15-1))
	}
}

// qRowPreShl is qRowPre when some channel shifts left first.
//
//go:noinline
func qRowPreShl(ch []qChan, acc []int32) {
	ch = ch[:len(acc)]
	for j, a := range acc {
		c := &ch[j]
		v := min(max(int64(a+c.b)*c.pow, math.MinInt32), math.MaxInt32)
		v = (v*c.m2 + 1<<31) >> 32
		acc[j] = int32(min(max((v+c.rnd)>>(c.rs&63), -1<<15), 1<<15-1))
	}
}

// qRowAct applies hardswish or hardsigmoid to a row of pre-activations.
//
//go:noinline
func qRowAct[Out qOut](a *qAct, pre []int32, out []Out) {
	out = out[:len(pre)]
	three, six, m2, rnd, rs, lo, hi := a.three, a.six, a.m2, a.rnd, a.rs&63, a.lo, a.hi
	if a.pow != 1 {
		pow := a.pow
		for j, v := range pre {
			t := min(max(int64(v)+three, 0), six)
			if a.swish {
				t *= int64(v)
			}
			t = min(max(t*pow, math.MinInt32), math.MaxInt32)
			t = (t*m2 + 1<<31) >> 32
			out[j] = Out(min(max((t+rnd)>>rs, lo), hi))
		}
		return
	}
	if a.swish {
		for j, v := range pre {
			t := min(max(int64(v)+three, 0), six) * int64(v)
			t = (t*m2 + 1<<31) >> 32
			out[j] = Out(min(max((t+rnd)>>rs, lo), hi))
		}
		return
	}
	for j, v := range pre {
		t := min(max(int64(v)+three, 0), six)
		t = (t*m2 + 1<<31) >> 32
		out[j] = Out(min(max((t+rnd)>>rs, lo), hi))
	}
}

// qFinishExact is qFinish through Requantize itself, for parameters
// outside qMul's domain.
func qFinishExact[Out qOut](e *qEpi, acc []int32, o0 int, out []Out) {
	p := e.p
	lo, hi := int32(e.lo), int32(e.hi)
	for i, a := range acc {
		o := o0 + i
		r := Requantize(a+p.Bias[o], p.Mult[o], p.Shift[o])
		if p.Epi != EpiClamp {
			pre := int64(min(max(r, -1<<15), 1<<15-1))
			t := min(max(pre+int64(p.Three), 0), int64(p.Six))
			x := t
			if p.Epi == EpiHardswish {
				x = pre * t
			}
			r = Requantize(qSat32(x), p.PostMult, p.PostShift)
		}
		out[i] = Out(qClampZP(p.OutZP, r, lo, hi))
	}
}
