package calibrate

import (
	"strings"

	"github.com/edged/edged/engine"
	"github.com/edged/edged/model"
	"github.com/edged/edged/quant"
)

// maxInt16K bounds the reduction length of a conv that reads an int16
// tensor (zero point 0): bias + K·32768·127 must fit the int32
// accumulator, with 2^29 kept for the bias (quant.Quantize's bound).
const maxInt16K = quant.MaxInt16InputK

// int16Candidates groups the tensors that must share an element type (the
// operands and result of an add or a squeeze-excitation multiply; what a
// pool, slice or shuffle passes through) and returns the groups that may
// be int16: none holds the logits or feeds a conv too long for int32.
func int16Candidates(g *model.Graph) [][]int {
	parent := make([]int, len(g.Shapes))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(x int) int {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	union := func(a, b int) { parent[find(a)] = find(b) }
	bad := map[int]bool{g.Output: true}
	for _, n := range g.Nodes {
		switch n.Kind {
		case model.Add, model.MulChannels, model.MaxPool, model.Slice, model.Shuffle:
			for _, in := range n.Inputs {
				union(in, n.Out)
			}
		case model.Conv:
			if n.Conv.KH*n.Conv.KW*(n.Conv.InC/n.Conv.Groups) > maxInt16K {
				bad[n.Inputs[0]] = true
			}
		}
	}
	byRoot := map[int][]int{}
	var order []int
	for t := range g.Shapes {
		r := find(t)
		if _, ok := byRoot[r]; !ok {
			order = append(order, r)
		}
		byRoot[r] = append(byRoot[r], t)
	}
	var groups [][]int
	for _, r := range order {
		ok := true
		for _, t := range byRoot[r] {
			if bad[t] {
				ok = false
			}
		}
		if ok {
			groups = append(groups, byRoot[r])
		}
	}
	return groups
}

// maxW16K bounds the reduction length of a conv with int16 weights: its
// int8 input, less its zero point, spans 255, so bias + K·255·32767 must
// fit the int32 accumulator.
const maxW16K = quant.MaxInt16WeightK

// candidate is one thing the sensitivity pass may keep in int16: a group
// of tensors that share an element type, or one conv's weights.
type candidate struct {
	tensors []int
	weights int // node index, or -1
}

func (c candidate) describe(g *model.Graph) string {
	if c.weights >= 0 {
		return g.Nodes[c.weights].Name + " weights"
	}
	return strings.Join(names(g, c.tensors), " ")
}

// candidates lists the tensor groups and the conv weights that may be
// int16.
func candidates(g *model.Graph) []candidate {
	var cs []candidate
	for _, grp := range int16Candidates(g) {
		cs = append(cs, candidate{tensors: grp, weights: -1})
	}
	for i, n := range g.Nodes {
		if n.Kind == model.Conv && n.Conv.KH*n.Conv.KW*(n.Conv.InC/n.Conv.Groups) <= maxW16K {
			cs = append(cs, candidate{weights: i})
		}
	}
	return cs
}

// conflicts reports whether c cannot join chosen: int16 weights need an
// int8 input.
func conflicts(g *model.Graph, chosen []candidate, c candidate) bool {
	int16T := map[int]bool{}
	for _, x := range append(chosen, c) {
		for _, t := range x.tensors {
			int16T[t] = true
		}
	}
	for _, x := range append(chosen, c) {
		if x.weights >= 0 && int16T[g.Nodes[x.weights].Inputs[0]] {
			return true
		}
	}
	return false
}

// scorer measures how far an int8 plan's logits are from the float ones
// on a few calibration images: the mean squared logit error.
type scorer struct {
	inputs [][]float32
	want   [][]float32
}

func newScorer(g *model.Graph, inputs [][]float32, n int) *scorer {
	s := &scorer{}
	f := model.NewFloat(g)
	for _, x := range Spread(indexes(len(inputs)), n) {
		in := inputs[x]
		out, _ := f.Run(in)
		s.inputs = append(s.inputs, in)
		s.want = append(s.want, append([]float32(nil), out...))
	}
	return s
}

func indexes(n int) []int {
	r := make([]int, n)
	for i := range r {
		r[i] = i
	}
	return r
}

func (s *scorer) score(g *model.Graph, p *quant.Plan, st *stats, opts Options) (float64, error) {
	m, err := quantize(g, p, st, opts)
	if err != nil {
		return 0, err
	}
	e, err := engine.New(m, engine.Options{Threads: 2})
	if err != nil {
		return 0, err
	}
	defer e.Close()
	var sum float64
	for i, x := range s.inputs {
		got, err := e.Run(x)
		if err != nil {
			return 0, err
		}
		for k, v := range got {
			d := float64(v - s.want[i][k])
			sum += d * d
		}
	}
	return sum / float64(len(s.inputs)), nil
}
