package calibrate

import (
	"github.com/edged/edged/model"
	"github.com/edged/edged/quant"
)

// shareConcatRanges gives every tensor that flows into, or out of, a
// channel concat one common range: the concat's inputs, its output, and
// what slices and shuffles pass through unchanged. ShuffleNet then moves
// data between its blocks without ever rescaling it: the branch convs
// write straight into the shared scale, and the untouched half of each
// block is copied as is. (Each rescale rounds once more; over ShuffleNet's
// 16 blocks those roundings add up.)
func shareConcatRanges(g *model.Graph, ranges []quant.Range) {
	parent := make([]int, len(g.Shapes))
	for i := range parent {
		parent[i] = i
	}
	find := func(x int) int {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	shared := map[int]bool{}
	for _, n := range g.Nodes {
		switch n.Kind {
		case model.Concat, model.Slice, model.Shuffle:
			for _, in := range n.Inputs {
				parent[find(in)] = find(n.Out)
			}
			if n.Kind == model.Concat {
				shared[n.Out] = true
			}
		}
	}
	union := map[int]quant.Range{}
	member := map[int]bool{}
	for t := range shared {
		member[find(t)] = true
	}
	for t := range g.Shapes {
		r := find(t)
		if !member[r] {
			continue
		}
		u, ok := union[r]
		if !ok {
			u = ranges[t]
		}
		u.Min, u.Max = min(u.Min, ranges[t].Min), max(u.Max, ranges[t].Max)
		union[r] = u
	}
	for t := range g.Shapes {
		if u, ok := union[find(t)]; ok {
			ranges[t] = u
		}
	}
}
