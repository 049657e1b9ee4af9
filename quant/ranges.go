package quant

import (
	"fmt"
	"math"
)

// Methods lists the range-selection methods, as `edged calibrate --method`
// names them.
var Methods = []string{"minmax", "percentile", "entropy", "mse"}

// ChooseRange picks the range to quantize a tensor over from its
// statistics, for a tensor of levels quantization levels (256 for int8).
func ChooseRange(o *Observer, method string, levels int) (Range, error) {
	full := Range{o.Min, o.Max}
	if o.Hist == nil || o.Max <= o.Min || method == "minmax" {
		if method != "minmax" && method != "percentile" && method != "entropy" && method != "mse" {
			return full, fmt.Errorf("unknown calibration method %q: want minmax, percentile, entropy or mse", method)
		}
		return full, nil
	}
	switch method {
	case "percentile":
		return o.percentile(0.9999), nil
	case "entropy":
		return o.entropy(levels), nil
	case "mse":
		return o.mse(levels), nil
	}
	return full, fmt.Errorf("unknown calibration method %q: want minmax, percentile, entropy or mse", method)
}

func (o *Observer) total() float64 {
	var n float64
	for _, c := range o.Hist {
		n += c
	}
	return n
}

// percentile clips the (1-p)/2 tails on each side that holds negative or
// positive values (a ReLU output keeps its floor at 0).
func (o *Observer) percentile(p float64) Range {
	n := o.total()
	tail := n * (1 - p)
	if o.Min < 0 && o.Max > 0 {
		tail /= 2
	}
	r := Range{o.Min, o.Max}
	if o.Min < 0 {
		var acc float64
		for b := 0; b < HistBins; b++ {
			acc += o.Hist[b]
			if acc > tail {
				r.Min = float32(o.binCenter(b) - o.binWidth()/2)
				break
			}
		}
	}
	if o.Max > 0 {
		var acc float64
		for b := HistBins - 1; b >= 0; b-- {
			acc += o.Hist[b]
			if acc > tail {
				r.Max = float32(o.binCenter(b) + o.binWidth()/2)
				break
			}
		}
	}
	return r
}

func (o *Observer) binWidth() float64 { return (float64(o.Max) - float64(o.Min)) / HistBins }

// clipError is the expected squared error of quantizing the histogram's
// values over [lo, hi] with levels levels: uniform rounding noise step²/12
// inside, the clipping distance outside.
func (o *Observer) clipError(lo, hi float64, levels int) float64 {
	lo, hi = math.Min(lo, 0), math.Max(hi, 0)
	step := (hi - lo) / float64(levels-1)
	noise := step * step / 12
	var e float64
	for b, c := range o.Hist {
		if c == 0 {
			continue
		}
		x := o.binCenter(b)
		switch {
		case x < lo:
			e += c * (x - lo) * (x - lo)
		case x > hi:
			e += c * (x - hi) * (x - hi)
		default:
			e += c * noise
		}
	}
	return e
}

// mse searches clipped ranges (each end shrunk independently) for the one
// with the least expected squared quantization error.
func (o *Observer) mse(levels int) Range {
	best := Range{o.Min, o.Max}
	bestErr := o.clipError(float64(o.Min), float64(o.Max), levels)
	const steps = 40
	for i := 0; i <= steps; i++ {
		lo := float64(o.Min) * (1 - float64(i)/float64(steps+10))
		if o.Min >= 0 && i > 0 {
			break
		}
		for j := 0; j <= steps; j++ {
			hi := float64(o.Max) * (1 - float64(j)/float64(steps+10))
			if o.Max <= 0 && j > 0 {
				break
			}
			if e := o.clipError(lo, hi, levels); e < bestErr {
				bestErr, best = e, Range{float32(lo), float32(hi)}
			}
		}
	}
	return best
}

// entropy is TensorRT's KL-divergence calibration, generalized to a
// possibly asymmetric extent: it picks the symmetric clip threshold T (on
// |x|) whose quantized distribution loses the least information.
func (o *Observer) entropy(levels int) Range {
	// Fold the histogram onto |x| with HistBins bins over [0, absMax].
	absMax := math.Max(math.Abs(float64(o.Min)), math.Abs(float64(o.Max)))
	if absMax == 0 {
		return Range{o.Min, o.Max}
	}
	h := make([]float64, HistBins)
	for b, c := range o.Hist {
		x := math.Abs(o.binCenter(b))
		i := min(HistBins-1, int(x/absMax*HistBins))
		h[i] += c
	}
	// ReLU outputs hold a spike of exact zeros that would dominate the
	// divergence and drag the threshold down; zero is exact in every
	// range anyway, so leave that bin out.
	h[0] = 0
	// A two-sided tensor spends half its levels on each side.
	q := levels
	if o.Min < 0 && o.Max > 0 {
		q = levels / 2
	}
	bestI, bestKL := HistBins, math.Inf(1)
	for i := q; i <= HistBins; i += 8 {
		kl := klDivergence(h, i, q)
		if kl < bestKL {
			bestKL, bestI = kl, i
		}
	}
	t := float64(bestI) / HistBins * absMax
	return Range{float32(math.Max(float64(o.Min), -t)), float32(math.Min(float64(o.Max), t))}
}

// klDivergence is TensorRT's measure for threshold bin i: the reference
// P is h[:i] with the outliers beyond folded into its last bin; the
// candidate Q merges h[:i] without the outliers into q levels and spreads
// each level evenly over the bins where P is nonzero. Clipping thus shows
// as P's heavy last bin that Q cannot match.
func klDivergence(h []float64, i, q int) float64 {
	p := make([]float64, i)
	copy(p, h[:i])
	for _, c := range h[i:] {
		p[i-1] += c
	}
	qd := make([]float64, i)
	for l := 0; l < q; l++ {
		a, b := l*i/q, (l+1)*i/q
		var sum float64
		nz := 0
		for k := a; k < b; k++ {
			sum += h[k]
			if p[k] != 0 {
				nz++
			}
		}
		for k := a; k < b; k++ {
			if p[k] != 0 {
				qd[k] = sum / float64(nz)
			}
		}
	}
	var pt, qt float64
	for k := range p {
		pt += p[k]
		qt += qd[k]
	}
	if pt == 0 || qt == 0 {
		return math.Inf(1)
	}
	const eps = 1e-4 // TensorRT's smoothing of empty candidate bins
	var kl float64
	for k := range p {
		if p[k] == 0 {
			continue
		}
		pk := p[k] / pt
		qk := math.Max(qd[k]/qt, eps*pk)
		kl += pk * math.Log(pk/qk)
	}
	return kl
}
