package calibrate

import (
	"fmt"
	"log/slog"
	"math"
	"sort"

	"github.com/edged/edged/kernels/generic"
	"github.com/edged/edged/model"
	"github.com/edged/edged/quant"
)

// Options configure a calibration.
type Options struct {
	// Method chooses activation ranges: minmax, percentile, entropy or mse.
	Method string
	// Int16 caps how many tensor groups the sensitivity pass may keep in
	// int16; 0 keeps everything int8.
	Int16 int
	// NoBiasCorrection turns off the correction of the mean error that
	// int8 weights add to each channel.
	NoBiasCorrection bool
	// NoGPTQ rounds weights to nearest instead of GPTQ's
	// error-compensating rounding.
	NoGPTQ bool
	// SensitivityImages is how many calibration images the sensitivity
	// pass scores candidates on (default 16).
	SensitivityImages int
	// Progress, if set, is told each stage's progress.
	Progress func(stage string, done, total int)
	Logger   *slog.Logger
}

// DefaultMethod is the range method `edged calibrate` uses by default:
// chosen by measured accuracy on the shared ImageNet sample (README).
const DefaultMethod = "mse"

// DefaultInt16 is the default cap on int16 tensor groups.
const DefaultInt16 = 6

// Stats are one tensor's observed statistics.
type stats struct {
	obs  []quant.Observer // per tensor
	pre  []float32        // per node: |max| of the fused activation's input
	mean [][]float64      // per tensor: per-channel mean
}

func (o *Options) progress(stage string, done, total int) {
	if o.Progress != nil {
		o.Progress(stage, done, total)
	}
}

// Calibrate quantizes g with the statistics of inputs (preprocessed NHWC
// tensors).
func Calibrate(g *model.Graph, inputs [][]float32, opts Options) (*quant.Model, error) {
	if len(inputs) == 0 {
		return nil, fmt.Errorf("calibration needs at least one image")
	}
	for i, x := range inputs {
		if len(x) != g.Shapes[0].Len() {
			return nil, fmt.Errorf("calibration input %d has %d values, %s wants %d (%v)", i, len(x), g.Arch, g.Shapes[0].Len(), g.Shapes[0])
		}
	}
	if opts.Method == "" {
		opts.Method = DefaultMethod
	}
	if _, err := quant.ChooseRange(&quant.Observer{}, opts.Method, 256); err != nil {
		return nil, err
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	st := observe(g, inputs, &opts)
	plan := &quant.Plan{Ranges: make([]quant.Range, len(g.Shapes)), DTypes: make([]generic.DType, len(g.Shapes)), PreAbsMax: st.pre}
	for t := range g.Shapes {
		r, err := quant.ChooseRange(&st.obs[t], opts.Method, 256)
		if err != nil {
			return nil, err
		}
		plan.Ranges[t] = r
	}
	shareConcatRanges(g, plan.Ranges)
	if !opts.NoGPTQ {
		plan.WeightQ, plan.WeightS = roundWeights(g, Spread(inputs, 32))
	}
	cands := candidates(g)
	if opts.Int16 <= 0 || len(cands) == 0 {
		return finish(g, plan, st, opts, len(inputs))
	}
	ns := opts.SensitivityImages
	if ns <= 0 {
		ns = 16
	}
	sens := newScorer(g, inputs, ns)
	// Two rounds: rank every candidate alone and take the better half of
	// the budget, then rank the rest again on top of those (errors
	// interact: once the worst tensors are int16, others lead) and take
	// the remainder.
	var chosen []candidate
	taken := map[int]bool{}
	for round, budget := range []int{(opts.Int16 + 1) / 2, opts.Int16} {
		cur := withInt16(plan, chosen, st)
		base, err := sens.score(g, cur, st, opts)
		if err != nil {
			return nil, err
		}
		type ranked struct {
			i    int
			gain float64
		}
		var rank []ranked
		for i, c := range cands {
			opts.progress(fmt.Sprintf("sensitivity %d/2", round+1), i, len(cands))
			if taken[i] || conflicts(g, chosen, c) {
				continue
			}
			e, err := sens.score(g, withInt16(cur, []candidate{c}, st), st, opts)
			if err != nil {
				return nil, err
			}
			rank = append(rank, ranked{i, base - e})
		}
		opts.progress(fmt.Sprintf("sensitivity %d/2", round+1), len(cands), len(cands))
		sort.SliceStable(rank, func(i, j int) bool { return rank[i].gain > rank[j].gain })
		for _, r := range rank {
			if len(chosen) >= budget || r.gain <= base*0.01 { // under 1 % of the error: not worth the speed
				break
			}
			c := cands[r.i]
			if conflicts(g, chosen, c) {
				continue
			}
			chosen = append(chosen, c)
			taken[r.i] = true
			log.Info("int16", "what", c.describe(g), "error_reduction", fmt.Sprintf("%.1f%%", 100*r.gain/base))
		}
	}
	return finish(g, withInt16(plan, chosen, st), st, opts, len(inputs))
}

// finish applies bias correction to the final plan and quantizes.
func finish(g *model.Graph, plan *quant.Plan, st *stats, opts Options, images int) (*quant.Model, error) {
	m, err := quantize(g, plan, st, opts)
	if err != nil {
		return nil, err
	}
	m.Method = opts.Method
	m.Images = images
	return m, nil
}

// quantize is quant.Quantize after bias correction (unless disabled).
func quantize(g *model.Graph, plan *quant.Plan, st *stats, opts Options) (*quant.Model, error) {
	if !opts.NoBiasCorrection {
		g = biasCorrect(g, st.mean, plan)
	}
	return quant.Quantize(g, plan)
}

func names(g *model.Graph, ts []int) []string {
	var s []string
	for _, t := range ts {
		s = append(s, tensorName(g, t))
	}
	return s
}

func tensorName(g *model.Graph, t int) string {
	if t == 0 {
		return "input"
	}
	for _, n := range g.Nodes {
		if n.Out == t {
			return n.Name
		}
	}
	return fmt.Sprint(t)
}

// withInt16 returns a copy of p with the candidates' tensors in int16,
// their ranges re-chosen as the full observed extent (int16 has resolution
// to spare; clipping would only add error), and their convs' weights in
// int16.
func withInt16(p *quant.Plan, cs []candidate, st *stats) *quant.Plan {
	q := &quant.Plan{Ranges: append([]quant.Range(nil), p.Ranges...), DTypes: append([]generic.DType(nil), p.DTypes...),
		PreAbsMax: p.PreAbsMax, Weights16: make([]bool, len(p.PreAbsMax)), WeightQ: p.WeightQ, WeightS: p.WeightS}
	if p.Weights16 != nil {
		copy(q.Weights16, p.Weights16)
	}
	for _, c := range cs {
		for _, t := range c.tensors {
			q.DTypes[t] = generic.Int16
			q.Ranges[t] = quant.Range{Min: st.obs[t].Min, Max: st.obs[t].Max}
		}
		if c.weights >= 0 {
			q.Weights16[c.weights] = true
		}
	}
	return q
}

// observe runs the float graph twice over the inputs: once for every
// tensor's extent, once for its histogram.
func observe(g *model.Graph, inputs [][]float32, opts *Options) *stats {
	st := &stats{obs: make([]quant.Observer, len(g.Shapes)), pre: make([]float32, len(g.Nodes))}
	f := model.NewFloat(g)
	f.PreAct = func(i int, n *model.Node, pre []float32) {
		for _, v := range pre {
			st.pre[i] = max(st.pre[i], float32(math.Abs(float64(v))))
		}
	}
	st.mean = make([][]float64, len(g.Shapes))
	for t, s := range g.Shapes {
		st.mean[t] = make([]float64, s.C)
	}
	observe := func(t int, x []float32) {
		st.obs[t].ObserveRange(x)
		m := st.mean[t]
		w := float64(len(inputs) * g.Shapes[t].H * g.Shapes[t].W)
		for i, v := range x {
			m[i%len(m)] += float64(v) / w
		}
	}
	for k, x := range inputs {
		observe(0, x)
		f.RunObserved(x, func(i int, n *model.Node, out []float32) { observe(n.Out, out) })
		opts.progress("ranges", k+1, len(inputs))
	}
	f.PreAct = nil
	for t := range st.obs {
		st.obs[t].StartHistogram()
	}
	for k, x := range inputs {
		st.obs[0].ObserveHist(x)
		f.RunObserved(x, func(i int, n *model.Node, out []float32) { st.obs[n.Out].ObserveHist(out) })
		opts.progress("histograms", k+1, len(inputs))
	}
	return st
}
