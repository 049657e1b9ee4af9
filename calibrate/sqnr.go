package calibrate

import (
	"math"

	"github.com/edged/edged/engine"
	"github.com/edged/edged/model"
	"github.com/edged/edged/quant"
)

// TensorSQNR compares every tensor of an int8 run with the float run on
// the same inputs and returns, per tensor, the signal-to-quantization-noise
// ratio in dB (10·log10 Σx²/Σ(x-x̂)²). It localizes where int8 loses
// accuracy: a tensor whose SQNR drops far below its input's is where the
// error comes from.
func TensorSQNR(g *model.Graph, m *quant.Model, inputs [][]float32) ([]float64, error) {
	e, err := engine.New(m, engine.Options{Threads: 1, KeepTensors: true})
	if err != nil {
		return nil, err
	}
	defer e.Close()
	f := model.NewFloat(g)
	sig := make([]float64, len(g.Shapes))
	noise := make([]float64, len(g.Shapes))
	for _, x := range inputs {
		if _, err := e.Run(x); err != nil {
			return nil, err
		}
		acc := func(t int, want []float32) {
			qt := &m.Tensors[t]
			i8, i16, f32 := e.Tensor(t)
			for k, w := range want {
				var got float64
				switch {
				case i8 != nil:
					got = float64(qt.Scale) * float64(int32(i8[k])-qt.ZP)
				case i16 != nil:
					got = float64(qt.Scale) * float64(int32(i16[k])-qt.ZP)
				default:
					got = float64(f32[k])
				}
				sig[t] += float64(w) * float64(w)
				noise[t] += (got - float64(w)) * (got - float64(w))
			}
		}
		acc(0, x)
		if _, err := f.RunObserved(x, func(i int, n *model.Node, out []float32) { acc(n.Out, out) }); err != nil {
			return nil, err
		}
	}
	db := make([]float64, len(sig))
	for t := range db {
		db[t] = 10 * math.Log10(sig[t]/math.Max(noise[t], 1e-30))
	}
	return db, nil
}
