package engine

import (
	"fmt"
	"time"

	"github.com/edged/edged/kernels"
	"github.com/edged/edged/kernels/generic"
	"github.com/edged/edged/model"
	"github.com/edged/edged/quant"
)

// Options configure an Engine.
type Options struct {
	// Threads splits each layer's work across this many goroutines
	// (default 1). Results are identical for every count.
	Threads int
	// Kernels names the kernel path every op is bound to when the engine
	// is built: "generic", "neon" or "dotprod" (kernels.Paths lists what
	// this build and CPU run). Empty: EDGED_KERNELS if set, else the best
	// for this CPU (kernels.Default).
	Kernels string
	// KeepTensors gives every tensor storage of its own, so that Tensor
	// returns each one after a run (tests, calibration). Without it,
	// tensors whose lifetimes do not overlap share memory (see planBufs).
	KeepTensors bool
}

// step is one op of the model, split into tasks that may run in parallel.
type step struct {
	name  string
	kind  model.Kind
	tasks []func()
	// tmp tensors that a step needs before its main tasks (a concat input
	// of other quantization parameters is rescaled first).
	pre []func()
}

// Engine runs one int8 model. Its methods are not safe for concurrent use:
// one inference at a time per Engine (the daemon serializes them).
type Engine struct {
	m    *quant.Model
	ks   *kernels.Set
	bufs []buf
	keep bool // Options.KeepTensors
	// the conv bands' working memory, one per thread: task i of every
	// step runs on worker i
	scratch []*kernels.Scratch
	input   []float32 // the float32 input of the run in progress (Run), read by step 0
	inLen   int
	steps   []step
	workers *workers
}

// New plans m: resolves the kernel path, derives every kernel's
// parameters, binds every op to the path's kernels, allocates every buffer
// and builds the per-thread tasks.
func New(m *quant.Model, opts Options) (*Engine, error) {
	// A model read from a file was validated already; one built in memory
	// gets the same guarantee before any kernel trusts its indices.
	if err := m.Validate(); err != nil {
		return nil, err
	}
	ks, err := kernels.Lookup(opts.Kernels)
	if err != nil {
		return nil, err
	}
	threads := max(opts.Threads, 1)
	scratch := make([]*kernels.Scratch, threads)
	for i := range scratch {
		scratch[i] = kernels.NewScratch()
	}
	e := &Engine{m: m, ks: ks, bufs: planBufs(m, opts.KeepTensors), keep: opts.KeepTensors, scratch: scratch, inLen: m.Tensors[0].Shape.Len()}
	in := &m.Tensors[0]
	if in.DType == generic.Float32 {
		return nil, fmt.Errorf("model input must be int8 or int16")
	}
	q, err := quantizeTask(ks, &e.input, 1/in.Scale, in.ZP, e.bufs[0])
	if err != nil {
		return nil, fmt.Errorf("input: %w", err)
	}
	e.steps = append(e.steps, step{name: "quantize input", tasks: []func(){q}})
	for i := range m.Ops {
		s, err := e.plan(&m.Ops[i], threads)
		if err == nil && len(s.tasks) > threads {
			// the worker pool has a mailbox per extra thread
			err = fmt.Errorf("split into %d tasks for %d threads", len(s.tasks), threads)
		}
		if err != nil {
			return nil, fmt.Errorf("op %d (%s): %w", i, m.Ops[i].Name, err)
		}
		e.steps = append(e.steps, s)
	}
	if threads > 1 {
		e.workers = newWorkers(threads - 1)
	}
	return e, nil
}

// Close stops the worker goroutines.
func (e *Engine) Close() {
	if e.workers != nil {
		e.workers.stop()
		e.workers = nil
	}
}

// Kernels names the kernel path e's ops are bound to. A conv the NEON
// kernels do not cover runs on kernels/generic whatever the path.
func (e *Engine) Kernels() string { return e.ks.Path() }

// Model returns the model e runs.
func (e *Engine) Model() *quant.Model { return e.m }

// Run computes the logits of one normalized NHWC input (224×224×3). The
// returned slice belongs to e and is overwritten by the next Run.
func (e *Engine) Run(input []float32) ([]float32, error) {
	return e.run(input, nil)
}

// Layers names the steps of an inference, for RunTimed.
func (e *Engine) Layers() []string {
	names := make([]string, len(e.steps))
	for i, s := range e.steps {
		names[i] = s.name
	}
	return names
}

// LayerKind describes step i: its op kind and element types.
func (e *Engine) LayerKind(i int) string {
	if i == 0 {
		return "quantize"
	}
	op := &e.m.Ops[i-1]
	k := op.Kind.String()
	if op.Kind == model.Conv {
		c := op.Conv
		switch {
		case c.Groups > 1:
			k = fmt.Sprintf("dw%dx%ds%d", c.KH, c.KW, c.StrideH)
		case c.KH == 1 && c.KW == 1:
			k = "conv1x1"
		default:
			k = fmt.Sprintf("conv%dx%ds%d", c.KH, c.KW, c.StrideH)
		}
	}
	in, out := e.m.Tensors[op.Inputs[0]].DType, e.m.Tensors[op.Out].DType
	if in != generic.Int8 || out != generic.Int8 {
		k += fmt.Sprintf(" %s>%s", shortType(in), shortType(out))
	}
	return k
}

func shortType(d generic.DType) string {
	switch d {
	case generic.Int16:
		return "i16"
	case generic.Float32:
		return "f32"
	}
	return "i8"
}

// RunTimed is Run adding each step's wall time to times[i] (len(Layers())).
func (e *Engine) RunTimed(input []float32, times []time.Duration) ([]float32, error) {
	return e.run(input, times)
}

func (e *Engine) run(input []float32, times []time.Duration) ([]float32, error) {
	if len(input) != e.inLen {
		return nil, fmt.Errorf("input has %d values, the model wants %d (%v)", len(input), e.inLen, e.m.Tensors[0].Shape)
	}
	// the first step reads the caller's input in place, for this run only
	e.input = input
	out := e.runSteps(0, times)
	e.input = nil
	return out, nil
}

// runSteps runs steps from..end (step 0 quantizes the float32 input),
// adding each one's wall time to times[i] when times is not nil, and
// returns the logits.
func (e *Engine) runSteps(from int, times []time.Duration) []float32 {
	for i := from; i < len(e.steps); i++ {
		var t0 time.Time
		if times != nil {
			t0 = time.Now()
		}
		s := &e.steps[i]
		for _, f := range s.pre {
			f()
		}
		e.workers.run(s.tasks)
		if times != nil {
			times[i] += time.Since(t0)
		}
	}
	return e.bufs[e.m.Output].f32
}

// Tensor returns the raw storage of tensor t after a run, as int8, int16
// or float32 (for tests and calibration's sensitivity pass). Only an
// engine built with KeepTensors keeps them all; otherwise Tensor returns
// the output alone, and nil for the others, whose memory later layers
// reused.
func (e *Engine) Tensor(t int) (i8 []int8, i16 []int16, f32 []float32) {
	if !e.keep && t != e.m.Output {
		return nil, nil, nil
	}
	b := e.bufs[t]
	return b.i8, b.i16, b.f32
}

func (e *Engine) plan(op *quant.Op, threads int) (step, error) {
	m := e.m
	s := step{name: op.Name, kind: op.Kind}
	out := &m.Tensors[op.Out]
	in := &m.Tensors[op.Inputs[0]]
	ob, ib := e.bufs[op.Out], e.bufs[op.Inputs[0]]
	var err error
	add := func(f func(), e error) {
		if e != nil {
			err = e
			return
		}
		s.tasks = append(s.tasks, f)
	}
	switch op.Kind {
	case model.Conv:
		p, perr := convParams(op, in, out)
		if perr != nil {
			return s, perr
		}
		subs := splitConv(p, threads)
		convs, cerr := bandConvs(e.ks, op, p, subs, in.DType, out.DType, e.scratch)
		if cerr != nil {
			return s, cerr
		}
		for i, sub := range subs {
			add(convTask(convs[i], ib.slice(sub.inLo, sub.inHi), ob.slice(sub.outLo, sub.outHi)))
		}
	case model.Add:
		b := &m.Tensors[op.Inputs[1]]
		p := addParams(op, in, b, out)
		bb := e.bufs[op.Inputs[1]]
		for _, r := range splitRange(out.Shape.Len(), threads, 1024) {
			add(addTask(e.ks, p, ib.slice(r[0], r[1]), bb.slice(r[0], r[1]), ob.slice(r[0], r[1])))
		}
	case model.MulChannels:
		g := &m.Tensors[op.Inputs[1]]
		p := mulChannelsParams(in, g, out)
		c := in.Shape.C
		for _, r := range splitRange(in.Shape.H*in.Shape.W, threads, 64) {
			add(mulChannelsTask(e.ks, p, ib.slice(r[0]*c, r[1]*c), e.bufs[op.Inputs[1]], ob.slice(r[0]*c, r[1]*c), r[1]-r[0], c))
		}
	case model.GlobalAvgPool:
		hw := in.Shape.H * in.Shape.W
		add(avgPoolTask(e.ks, rescaleParams(in, out, hw), ib, ob, hw, in.Shape.C))
	case model.MaxPool:
		if !sameQuant(in, out) {
			return s, fmt.Errorf("max pool must keep its input's quantization")
		}
		add(maxPoolTask(e.ks, &op.Pool, ib, ob))
	case model.Slice:
		if !sameQuant(in, out) {
			return s, fmt.Errorf("slice must keep its input's quantization")
		}
		add(sliceTask(e.ks, ib, ob, in.Shape.H*in.Shape.W, in.Shape.C, op.From, op.To))
	case model.Shuffle:
		if !sameQuant(in, out) {
			return s, fmt.Errorf("shuffle must keep its input's quantization")
		}
		add(shuffleTask(e.ks, ib, ob, in.Shape.H*in.Shape.W, in.Shape.C, op.Groups))
	case model.Concat:
		b := &m.Tensors[op.Inputs[1]]
		ab, bb := ib, e.bufs[op.Inputs[1]]
		// Inputs quantized otherwise than the output are rescaled into
		// scratch buffers first.
		for k, t := range []*quant.Tensor{in, b} {
			if sameQuant(t, out) {
				continue
			}
			tmp := newBuf(&quant.Tensor{Shape: t.Shape, DType: out.DType})
			f, rerr := rescaleTask(e.ks, rescaleParams(t, out, 1), e.bufs[op.Inputs[k]], tmp)
			if rerr != nil {
				return s, rerr
			}
			s.pre = append(s.pre, f)
			if k == 0 {
				ab = tmp
			} else {
				bb = tmp
			}
		}
		add(concatTask(e.ks, ab, in.Shape.C, bb, b.Shape.C, in.Shape.H*in.Shape.W, ob))
	default:
		return s, fmt.Errorf("unknown op kind %v", op.Kind)
	}
	return s, err
}

// subConv is one thread's share of a conv: a band of output rows, or for
// a 1×1 output (classifier, squeeze-excitation) a range of output channels.
type subConv struct {
	p                        *generic.QConv
	inLo, inHi, outLo, outHi int
	wLo, wHi                 int
}

func splitConv(p *generic.QConv, threads int) []subConv {
	c := p.ConvParams
	whole := []subConv{{p: p, inHi: c.InH * c.InW * c.InC, outHi: c.OutH * c.OutW * c.OutC,
		wHi: c.OutC * c.KH * c.KW * (c.InC / c.Groups)}}
	if threads <= 1 {
		return whole
	}
	if c.OutH == 1 && c.OutW == 1 && c.KH == 1 && c.KW == 1 && c.InH == 1 && c.InW == 1 && c.Groups == 1 {
		if c.OutC < 64 {
			return whole
		}
		k := c.InC
		var subs []subConv
		for _, r := range splitRange(c.OutC, threads, 16) {
			q := *p
			q.OutC = r[1] - r[0]
			q.Bias, q.Mult, q.Shift = p.Bias[r[0]:r[1]], p.Mult[r[0]:r[1]], p.Shift[r[0]:r[1]]
			if p.OutScale != nil {
				q.OutScale = p.OutScale[r[0]:r[1]]
			}
			subs = append(subs, subConv{p: &q, inHi: k, outLo: r[0], outHi: r[1], wLo: r[0] * k, wHi: r[1] * k})
		}
		return subs
	}
	if c.Groups != 1 && c.Groups != c.InC {
		return whole
	}
	var subs []subConv
	for _, r := range splitRange(c.OutH, threads, 1) {
		y0, y1 := r[0], r[1]
		first := y0*c.StrideH - c.PadT
		last := (y1-1)*c.StrideH - c.PadT + c.KH // exclusive
		lo, hi := max(first, 0), min(last, c.InH)
		q := *p
		q.InH = hi - lo
		q.PadT = lo - first
		q.OutH = y1 - y0
		rowIn, rowOut := c.InW*c.InC, c.OutW*c.OutC
		subs = append(subs, subConv{p: &q, inLo: lo * rowIn, inHi: hi * rowIn, outLo: y0 * rowOut, outHi: y1 * rowOut,
			wHi: whole[0].wHi})
	}
	return subs
}

// splitRange cuts [0, n) into at most parts ranges of at least minLen.
func splitRange(n, parts, minLen int) [][2]int {
	parts = max(1, min(parts, n/max(minLen, 1)))
	r := make([][2]int, 0, parts)
	for i := 0; i < parts; i++ {
		r = append(r, [2]int{n * i / parts, n * (i + 1) / parts})
	}
	return r
}
