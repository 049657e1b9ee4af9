package calibrate

import (
	"testing"

	"github.com/edged/edged/internal/testdata"
	"github.com/edged/edged/model"
	"github.com/edged/edged/quant"
)

func TestDebugSQNR(t *testing.T) {
	g, _, err := model.Load(testdata.Path(t, "models", "mobilenet_v3_small_tf.pth"), "", model.PadTF)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := ListImages(testdata.Path(t, "imagenet-sample", "images"))
	inputs, _, _ := LoadInputs(Spread(files, 20), nil)
	opts := Options{Method: "minmax"}
	st := observe(g, inputs, &opts)
	plan := &quant.Plan{Ranges: make([]quant.Range, len(g.Shapes)), DTypes: make([]quant.DType, len(g.Shapes)), PreAbsMax: st.pre}
	for t := range g.Shapes {
		plan.Ranges[t], _ = quant.ChooseRange(&st.obs[t], "minmax", 256)
	}
	var all []int
	for _, grp := range int16Candidates(g) {
		all = append(all, grp...)
	}
	m, err := quant.Quantize(g, withInt16(plan, all, st))
	if err != nil {
		t.Fatal(err)
	}
	db, err := TensorSQNR(g, m, inputs[:4])
	if err != nil {
		t.Fatal(err)
	}
	for i, tt := range m.Tensors {
		t.Logf("%3d %-40s %-10v %-7v scale %.4g zp %d range [%.3g %.3g] SQNR %.1f dB", i, tt.Name, tt.Shape, tt.DType, tt.Scale, tt.ZP, tt.Min, tt.Max, db[i])
	}
}
