package model

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/edged/edged/kernels/generic"
)

// builder lowers a state dict into a Graph, remembering which keys it used
// so that leftover (unexpected) keys can be reported.
type builder struct {
	sd   *StateDict
	g    *Graph
	used map[string]bool
	err  error
}

func newBuilder(sd *StateDict, arch string, pad Padding, in Shape) *builder {
	return &builder{
		sd:   sd,
		g:    &Graph{Arch: arch, Padding: pad, Shapes: []Shape{in}},
		used: map[string]bool{},
	}
}

// tensor fetches a parameter with the expected shape, recording the first
// error; later calls after an error return zero tensors so that
// architecture code can stay linear.
func (b *builder) tensor(key string, shape ...int) []float32 {
	if b.err != nil {
		return make([]float32, prod(shape))
	}
	t, err := b.sd.Get(key, shape...)
	if err != nil {
		b.err = err
		return make([]float32, prod(shape))
	}
	b.used[key] = true
	return t.Data
}

func prod(s []int) int {
	n := 1
	for _, v := range s {
		n *= v
	}
	return n
}

func (b *builder) newTensor(s Shape) int {
	b.g.Shapes = append(b.g.Shapes, s)
	return len(b.g.Shapes) - 1
}

func (b *builder) shape(t int) Shape { return b.g.Shapes[t] }

// convSpec is one torchvision Conv2d, optionally followed by BatchNorm and
// an activation.
type convSpec struct {
	name     string // output module name for the node
	conv     string // state-dict prefix of the Conv2d ("features.0.0")
	bn       string // prefix of the BatchNorm2d, "" when none
	bnEps    float64
	bias     bool // the Conv2d has its own bias
	out      int
	k        int
	stride   int
	depthwis bool
	act      generic.Act
}

// conv appends a Conv node reading tensor in and returns its output tensor.
func (b *builder) conv(in int, s convSpec) int {
	is := b.shape(in)
	groups, icPerGroup := 1, is.C
	if s.depthwis {
		groups, icPerGroup = is.C, 1
	}
	w := b.tensor(s.conv+".weight", s.out, icPerGroup, s.k, s.k)
	bias := make([]float64, s.out)
	if s.bias {
		for i, v := range b.tensor(s.conv+".bias", s.out) {
			bias[i] = float64(v)
		}
	}
	scale := make([]float64, s.out)
	for i := range scale {
		scale[i] = 1
	}
	if s.bn != "" {
		gamma := b.tensor(s.bn+".weight", s.out)
		beta := b.tensor(s.bn+".bias", s.out)
		mean := b.tensor(s.bn+".running_mean", s.out)
		variance := b.tensor(s.bn+".running_var", s.out)
		for o := range scale {
			// BatchNorm folding: y = gamma*(conv+bias-mean)/sqrt(var+eps) + beta.
			sc := float64(gamma[o]) / math.Sqrt(float64(variance[o])+s.bnEps)
			scale[o] = sc
			bias[o] = (bias[o]-float64(mean[o]))*sc + float64(beta[o])
		}
	}
	// PyTorch stores OIHW; the kernels want OHWI.
	ohwi := make([]float32, len(w))
	for o := 0; o < s.out; o++ {
		for i := 0; i < icPerGroup; i++ {
			for ky := 0; ky < s.k; ky++ {
				for kx := 0; kx < s.k; kx++ {
					v := float64(w[((o*icPerGroup+i)*s.k+ky)*s.k+kx]) * scale[o]
					ohwi[((o*s.k+ky)*s.k+kx)*icPerGroup+i] = float32(v)
				}
			}
		}
	}
	b32 := make([]float32, s.out)
	for i, v := range bias {
		b32[i] = float32(v)
	}
	padT, oh := b.g.Padding.pads(is.H, s.k, s.stride)
	padL, ow := b.g.Padding.pads(is.W, s.k, s.stride)
	out := b.newTensor(Shape{oh, ow, s.out})
	b.g.Nodes = append(b.g.Nodes, Node{
		Name: s.name, Kind: Conv, Inputs: []int{in}, Out: out, W: ohwi, B: b32,
		Conv: generic.ConvParams{
			InH: is.H, InW: is.W, InC: is.C, OutH: oh, OutW: ow, OutC: s.out,
			KH: s.k, KW: s.k, StrideH: s.stride, StrideW: s.stride,
			PadT: padT, PadL: padL, Groups: groups, Act: s.act,
		},
	})
	return out
}

// linear appends a fully connected layer on a 1×1×C tensor as a 1x1 Conv
// (nn.Linear's [out][in] weight is already OHWI with H=W=1).
func (b *builder) linear(in int, name, key string, out int, act generic.Act) int {
	is := b.shape(in)
	if is.H != 1 || is.W != 1 {
		b.fail(fmt.Errorf("internal: linear %s on a %v tensor", name, is))
	}
	w := b.tensor(key+".weight", out, is.C)
	bias := b.tensor(key+".bias", out)
	o := b.newTensor(Shape{1, 1, out})
	b.g.Nodes = append(b.g.Nodes, Node{
		Name: name, Kind: Conv, Inputs: []int{in}, Out: o,
		W: append([]float32(nil), w...), B: append([]float32(nil), bias...),
		Conv: generic.ConvParams{InH: 1, InW: 1, InC: is.C, OutH: 1, OutW: 1, OutC: out,
			KH: 1, KW: 1, StrideH: 1, StrideW: 1, Groups: 1, Act: act},
	})
	return o
}

func (b *builder) fail(err error) {
	if b.err == nil {
		b.err = err
	}
}

func (b *builder) op(n Node, s Shape) int {
	n.Out = b.newTensor(s)
	b.g.Nodes = append(b.g.Nodes, n)
	return n.Out
}

func (b *builder) add(name string, x, y int) int {
	return b.op(Node{Name: name, Kind: Add, Inputs: []int{x, y}}, b.shape(x))
}

func (b *builder) globalAvgPool(name string, in int) int {
	s := b.shape(in)
	return b.op(Node{Name: name, Kind: GlobalAvgPool, Inputs: []int{in}}, Shape{1, 1, s.C})
}

func (b *builder) mulChannels(name string, x, gate int) int {
	return b.op(Node{Name: name, Kind: MulChannels, Inputs: []int{x, gate}}, b.shape(x))
}

func (b *builder) maxPool(name string, in, k, stride int) int {
	s := b.shape(in)
	padT, oh := b.g.Padding.pads(s.H, k, stride)
	padL, ow := b.g.Padding.pads(s.W, k, stride)
	return b.op(Node{Name: name, Kind: MaxPool, Inputs: []int{in}, Pool: generic.PoolParams{
		InH: s.H, InW: s.W, C: s.C, OutH: oh, OutW: ow, KH: k, KW: k,
		StrideH: stride, StrideW: stride, PadT: padT, PadL: padL,
	}}, Shape{oh, ow, s.C})
}

func (b *builder) slice(in, from, to int) int {
	s := b.shape(in)
	return b.op(Node{Kind: Slice, Inputs: []int{in}, From: from, To: to}, Shape{s.H, s.W, to - from})
}

func (b *builder) concat(name string, x, y int) int {
	s := b.shape(x)
	s.C += b.shape(y).C
	return b.op(Node{Name: name, Kind: Concat, Inputs: []int{x, y}}, s)
}

func (b *builder) shuffle(name string, in, groups int) int {
	return b.op(Node{Name: name, Kind: Shuffle, Inputs: []int{in}, Groups: groups}, b.shape(in))
}

// finish checks that every key of the checkpoint was used, and returns
// the graph.
func (b *builder) finish(out int) (*Graph, error) {
	if b.err != nil {
		return nil, b.err
	}
	var extra []string
	for _, k := range b.sd.Keys {
		if !b.used[k] && !strings.HasSuffix(k, "num_batches_tracked") {
			extra = append(extra, k)
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		more := ""
		if len(extra) > 5 {
			more = fmt.Sprintf(" (and %d more)", len(extra)-5)
			extra = extra[:5]
		}
		return nil, fmt.Errorf("unexpected key(s) %s%s for %s: the checkpoint is of another architecture or width; check --arch",
			strings.Join(extra, ", "), more, b.g.Arch)
	}
	b.g.Output = out
	return b.g, nil
}
