package model_test

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/edged/edged/internal/testdata"
	"github.com/edged/edged/model"
	"github.com/edged/edged/model/pth"
)

type goldenFile struct {
	Arch    string `json:"arch"`
	Padding string `json:"padding"`
	Images  []struct {
		File   string    `json:"file"`
		Input  string    `json:"input"`
		Logits []float64 `json:"logits"`
	} `json:"images"`
	Layers []struct {
		Module string    `json:"module"`
		Shape  []int     `json:"shape"`
		Mean   float64   `json:"mean"`
		Std    float64   `json:"std"`
		First8 []float64 `json:"first8"`
	} `json:"layers_first_image"`
}

func TestGoldenLogits(t *testing.T) {
	for _, tc := range []struct {
		golden, ckpt string
		tol          float64
	}{
		{"shufflenet_v2_x0_5.json", "shufflenet_v2_x0_5.pth", 1e-3},
		{"mobilenet_v3_small_tf.json", "mobilenet_v3_small_tf.pth", 1e-3},
		{"mobilenet_v3_small_random.json", "mobilenet_v3_small_random.pth", 1e-4},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			gf, gpath := loadGolden(t, tc.golden)
			pad, err := model.ParsePadding(gf.Padding)
			if err != nil {
				t.Fatal(err)
			}
			g, _, err := pth.LoadGraph(testdata.Path(t, "models", tc.ckpt), "", pad)
			if err != nil {
				t.Fatal(err)
			}
			if g.Arch != gf.Arch {
				t.Fatalf("detected arch %s, golden says %s", g.Arch, gf.Arch)
			}
			f := model.NewFloat(g)
			for ii, img := range gf.Images {
				in := testdata.ReadCHW(t, filepath.Join(filepath.Dir(gpath), img.Input), g.Input().H, g.Input().W, g.Input().C)
				logits, err := f.Run(in)
				if err != nil {
					t.Fatal(err)
				}
				worst, at := 0.0, 0
				for i, want := range img.Logits {
					if d := math.Abs(float64(logits[i]) - want); d > worst {
						worst, at = d, i
					}
				}
				t.Logf("%s: max |Δlogit| = %.2g (class %d)", img.File, worst, at)
				if worst > tc.tol {
					t.Errorf("%s: max |Δlogit| = %g at class %d (got %g, want %g), tolerance %g",
						img.File, worst, at, logits[at], img.Logits[at], tc.tol)
					if ii == 0 {
						if d := firstDivergence(gf, f, in); d != "" {
							t.Errorf("first divergent layer: %s", d)
						}
					}
				}
			}
		})
	}
}

func loadGolden(t *testing.T, name string) (goldenFile, string) {
	t.Helper()
	gpath := testdata.Path(t, "golden", name)
	raw, err := os.ReadFile(gpath)
	if err != nil {
		t.Fatal(err)
	}
	var gf goldenFile
	if err := json.Unmarshal(raw, &gf); err != nil {
		t.Fatal(err)
	}
	return gf, gpath
}

// TestGoldenLayers checks every node that names a torchvision module
// against that module's output statistics on the first golden image: the
// architecture, BN folding and padding are right layer by layer, not just
// at the logits.
func TestGoldenLayers(t *testing.T) {
	for _, tc := range []struct{ golden, ckpt string }{
		{"shufflenet_v2_x0_5.json", "shufflenet_v2_x0_5.pth"},
		{"mobilenet_v3_small_tf.json", "mobilenet_v3_small_tf.pth"},
		{"mobilenet_v3_small_random.json", "mobilenet_v3_small_random.pth"},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			gf, gpath := loadGolden(t, tc.golden)
			pad, _ := model.ParsePadding(gf.Padding)
			g, _, err := pth.LoadGraph(testdata.Path(t, "models", tc.ckpt), "", pad)
			if err != nil {
				t.Fatal(err)
			}
			f := model.NewFloat(g)
			in := testdata.ReadCHW(t, filepath.Join(filepath.Dir(gpath), gf.Images[0].Input), g.Input().H, g.Input().W, g.Input().C)
			if d := firstDivergence(gf, f, in); d != "" {
				t.Fatalf("first divergent layer: %s", d)
			}
			known := map[string]bool{"mean": true} // ShuffleNet's x.mean([2, 3]) is no module
			for _, l := range gf.Layers {
				known[l.Module] = true
			}
			for _, n := range g.Nodes {
				if n.Name != "" && !known[n.Name] {
					t.Errorf("node %s (%v) names no torchvision module", n.Name, n.Kind)
				}
			}
			t.Logf("%d nodes match torchvision's layer statistics", compared)
		})
	}
}

var compared int

// firstDivergence runs one input and names the first torchvision module
// whose output statistics differ from the golden ones ("" if none).
func firstDivergence(gf goldenFile, f *model.Float, in []float32) string {
	byName := map[string]int{}
	for i, l := range gf.Layers {
		byName[l.Module] = i
	}
	compared = 0
	report := ""
	_, _ = f.RunObserved(in, func(i int, n *model.Node, out []float32) {
		li, ok := byName[n.Name]
		if !ok || report != "" {
			return
		}
		compared++
		l := gf.Layers[li]
		s := f.Graph().Shapes[n.Out]
		if len(l.Shape) == 3 && (l.Shape[0] != s.C || l.Shape[1] != s.H || l.Shape[2] != s.W) {
			report = fmt.Sprintf("node %d %s: shape %v, torchvision %v (CHW)", i, n.Name, s, l.Shape)
			return
		}
		var sum, sq float64
		for _, v := range out {
			sum += float64(v)
		}
		mean := sum / float64(len(out))
		for _, v := range out {
			sq += (float64(v) - mean) * (float64(v) - mean)
		}
		std := math.Sqrt(sq / float64(max(len(out)-1, 1)))
		first := make([]float64, 0, 8)
		for x := 0; x < 8 && x < s.W; x++ { // channel 0, row 0, columns 0..7 in CHW order
			first = append(first, float64(out[x*s.C]))
		}
		bad := math.Abs(mean-l.Mean) > 1e-3*(1+math.Abs(l.Mean)) || math.Abs(std-l.Std) > 1e-3*(1+l.Std)
		for k := range first {
			if k < len(l.First8) && math.Abs(first[k]-l.First8[k]) > 1e-3*(1+math.Abs(l.First8[k])) {
				bad = true
			}
		}
		if bad {
			report = fmt.Sprintf("node %d %s (%v): mean %.6g std %.6g first %v; torchvision mean %.6g std %.6g first %v",
				i, n.Name, n.Kind, mean, std, first, l.Mean, l.Std, l.First8)
		}
	})
	return report
}
