package generic_test

import (
	"math/rand"
	"testing"

	"github.com/edged/edged/kernels/generic"
)

// TestConvQW16MatchesConvQ: int16 weights that happen to lie in the int8
// range must give exactly what ConvQ gives with the same weights as int8,
// for every epilogue, padding and grouping: the two share one definition.
func TestConvQW16MatchesConvQ(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	for trial := 0; trial < 200; trial++ {
		inC := 1 + r.Intn(6)
		groups := 1
		if r.Intn(3) == 0 {
			groups = inC
		}
		outC := groups * (1 + r.Intn(5))
		if groups == 1 {
			outC = 1 + r.Intn(9)
		}
		k := 1 + 2*r.Intn(3)
		s := 1 + r.Intn(2)
		inH, inW := 1+r.Intn(9), 1+r.Intn(9)
		padT, padL := r.Intn(k/2+1), r.Intn(k/2+1)
		outH := (inH+2*padT-k)/s + 1
		outW := (inW+2*padL-k)/s + 1
		if outH < 1 || outW < 1 {
			continue
		}
		p := &generic.QConv{ConvParams: generic.ConvParams{InH: inH, InW: inW, InC: inC, OutH: outH, OutW: outW, OutC: outC,
			KH: k, KW: k, StrideH: s, StrideW: s, PadT: padT, PadL: padL, Groups: groups},
			InZP: int32(r.Intn(256) - 128), OutZP: int32(r.Intn(200) - 100), OutMin: -128, OutMax: 127,
			Epi: generic.Epilogue(r.Intn(3)), Three: 300 + int32(r.Intn(100)), Six: 700 + int32(r.Intn(100))}
		p.PostMult, p.PostShift = generic.QuantizeMultiplier(1e-4 + r.Float64()*1e-2)
		kk := k * k * inC / groups
		w8 := make([]int8, outC*kk)
		w16 := make([]int16, len(w8))
		for i := range w8 {
			w8[i] = int8(r.Intn(255) - 127)
			w16[i] = int16(w8[i])
		}
		in := make([]int8, inH*inW*inC)
		for i := range in {
			in[i] = int8(r.Intn(256) - 128)
		}
		for o := 0; o < outC; o++ {
			p.Bias = append(p.Bias, int32(r.Intn(20000)-10000))
			m, sh := generic.QuantizeMultiplier(1e-4 + r.Float64()*0.05)
			p.Mult, p.Shift = append(p.Mult, m), append(p.Shift, sh)
		}
		want := make([]int8, outH*outW*outC)
		got := make([]int8, len(want))
		generic.ConvQ(p, in, w8, want)
		generic.ConvQW16(p, in, w16, got)
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("trial %d (%+v): output %d = %d, ConvQ gives %d", trial, p.ConvParams, i, got[i], want[i])
			}
		}
	}
}
