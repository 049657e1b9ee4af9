package calibrate

import (
	"math"
	"math/rand"
	"testing"

	"github.com/edged/edged/internal/testdata"
	"github.com/edged/edged/kernels/generic"
	"github.com/edged/edged/model"
	"github.com/edged/edged/model/pth"
	"github.com/edged/edged/quant"
)

func TestSpread(t *testing.T) {
	files := make([]int, 500)
	for i := range files {
		files[i] = i
	}
	got := Spread(files, 100)
	if len(got) != 100 || got[0] != 0 || got[1] != 5 || got[99] != 495 {
		t.Errorf("Spread(500, 100) = %v...", got[:3])
	}
	if len(Spread(files, 0)) != 500 || len(Spread(files, 900)) != 500 {
		t.Error("n <= 0 or n >= len must keep all")
	}
}

// TestBiasCorrection: after correction, the int8-weight conv's mean output
// per channel equals the float conv's on inputs with the observed means.
func TestBiasCorrection(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	const inC, outC = 5, 4
	w := make([]float32, outC*9*inC)
	for i := range w {
		w[i] = float32(r.NormFloat64())
	}
	g := &model.Graph{Shapes: []model.Shape{{H: 6, W: 6, C: inC}, {H: 6, W: 6, C: outC}}, Output: 1}
	g.Nodes = []model.Node{{Name: "c", Kind: model.Conv, Inputs: []int{0}, Out: 1, W: w, B: make([]float32, outC),
		Conv: generic.ConvParams{InH: 6, InW: 6, InC: inC, OutH: 6, OutW: 6, OutC: outC, KH: 3, KW: 3,
			StrideH: 1, StrideW: 1, PadT: 1, PadL: 1, Groups: 1}}}
	mean := [][]float64{{1, -2, 0.5, 3, 0}, make([]float64, outC)}
	cg := biasCorrect(g, mean, &quant.Plan{})
	q, s := quant.WeightScales(w, outC)
	k := 9 * inC
	for o := 0; o < outC; o++ {
		var fl, qu float64
		for j := 0; j < k; j++ {
			fl += float64(w[o*k+j]) * mean[0][j%inC]
			qu += float64(q[o*k+j]) * float64(s[o]) * mean[0][j%inC]
		}
		if d := (qu + float64(cg.Nodes[0].B[o])) - (fl + float64(g.Nodes[0].B[o])); math.Abs(d) > 1e-5 {
			t.Errorf("channel %d: corrected mean differs by %g", o, d)
		}
	}
	if &cg.Nodes[0].B[0] == &g.Nodes[0].B[0] {
		t.Error("biasCorrect changed the caller's graph")
	}
}

// TestConcatShareScale: on ShuffleNet, data moves between blocks without
// rescaling: each concat's int8 inputs carry the output's parameters.
func TestConcatShareScale(t *testing.T) {
	g, _, err := pth.LoadGraph(testdata.Path(t, "models", "shufflenet_v2_x0_5.pth"), "", model.PadTorch)
	if err != nil {
		t.Fatal(err)
	}
	files, err := ListImages(testdata.Path(t, "imagenet-sample", "images"))
	if err != nil {
		t.Fatal(err)
	}
	inputs, _, _ := LoadInputs(Spread(files, 4), nil)
	m, err := Calibrate(g, inputs, Options{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, op := range m.Ops {
		if op.Kind != model.Concat {
			continue
		}
		out := m.Tensors[op.Out]
		for _, in := range op.Inputs {
			if tin := m.Tensors[in]; tin.Scale != out.Scale || tin.ZP != out.ZP {
				t.Errorf("%s: input %s has scale %v zp %d, output %v %d", op.Name, tin.Name, tin.Scale, tin.ZP, out.Scale, out.ZP)
			}
		}
		n++
	}
	if n != 16 {
		t.Errorf("%d concats, ShuffleNetV2 has 16", n)
	}
}
