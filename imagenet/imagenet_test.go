package imagenet

import (
	"encoding/json"
	"math"
	"testing"
)

func TestLabels(t *testing.T) {
	if len(Labels) != 1000 || Labels[1] != "goldfish" || Labels[999] != "toilet tissue" {
		t.Fatalf("labels: %d, [1]=%q, [999]=%q", len(Labels), Labels[1], Labels[999])
	}
	if Label(1000) != "class 1000" || Label(-3) != "class -3" {
		t.Errorf("out-of-table labels: %q %q", Label(1000), Label(-3))
	}
}

func TestTopK(t *testing.T) {
	logits := []float32{1, 3, 2, 3, -1}
	top := TopK(logits, 3)
	if len(top) != 3 || top[0].Class != 1 || top[1].Class != 3 || top[2].Class != 2 {
		t.Fatalf("order (ties keep the lower class first): %+v", top)
	}
	var sum float64
	for _, v := range logits {
		sum += math.Exp(float64(v))
	}
	if want := math.Exp(3) / sum; math.Abs(top[0].Score-want) > 1e-12 {
		t.Errorf("score %v, softmax gives %v", top[0].Score, want)
	}
	if top[0].Label != "goldfish" {
		t.Errorf("label %q", top[0].Label)
	}
	if got := TopK(logits, 10); len(got) != 5 {
		t.Errorf("k beyond the classes: %d entries", len(got))
	}
	if got := TopK(logits, 0); len(got) != 0 {
		t.Errorf("k=0: %d entries", len(got))
	}
	// Large logits do not overflow the softmax.
	if got := TopK([]float32{1000, 999}, 1); math.IsNaN(got[0].Score) || got[0].Score < 0.7 {
		t.Errorf("large logits: %+v", got)
	}
}

// TestClassJSONRounds: scores are written with at most 4 decimals, tiny
// ones as 0, and the rest of the object unchanged.
func TestClassJSONRounds(t *testing.T) {
	for _, tc := range []struct {
		score float64
		want  string
	}{
		{0.9977984395389281, `{"class":285,"label":"Egyptian cat","score":0.9978}`},
		{6.9e-8, `{"class":285,"label":"Egyptian cat","score":0}`},
		{0.00006, `{"class":285,"label":"Egyptian cat","score":0.0001}`},
		{1, `{"class":285,"label":"Egyptian cat","score":1}`},
	} {
		b, err := json.Marshal([]Class{{Class: 285, Label: Label(285), Score: tc.score}})
		if err != nil {
			t.Fatal(err)
		}
		if got := string(b); got != "["+tc.want+"]" {
			t.Errorf("score %v: %s, want [%s]", tc.score, got, tc.want)
		}
	}
	if _, err := json.Marshal(Class{Score: math.NaN()}); err == nil {
		t.Error("a NaN score marshalled without error")
	}
}
