package quant

import "math"

// HistBins is the resolution of an activation histogram.
const HistBins = 2048

// Observer collects the statistics of one tensor over calibration images:
// its exact minimum and maximum, and (in a second pass, once the extent is
// known) a histogram over [Min, Max] for the range-selection methods.
type Observer struct {
	Min, Max float32
	Hist     []float64 // HistBins counts over [Min, Max], nil until StartHistogram
	seen     bool
}

// ObserveRange widens the extent by the values of x.
func (o *Observer) ObserveRange(x []float32) {
	lo, hi := o.Min, o.Max
	if !o.seen {
		lo, hi = float32(math.Inf(1)), float32(math.Inf(-1))
		o.seen = true
	}
	for _, v := range x {
		lo = min(lo, v)
		hi = max(hi, v)
	}
	o.Min, o.Max = lo, hi
}

// StartHistogram fixes the histogram's extent to the observed range.
func (o *Observer) StartHistogram() { o.Hist = make([]float64, HistBins) }

// ObserveHist adds x to the histogram; values outside the extent fall in
// the end bins.
func (o *Observer) ObserveHist(x []float32) {
	w := float64(o.Max) - float64(o.Min)
	if w <= 0 {
		o.Hist[0] += float64(len(x))
		return
	}
	k := HistBins / w
	lo := float64(o.Min)
	for _, v := range x {
		b := int((float64(v) - lo) * k)
		b = max(0, min(HistBins-1, b))
		o.Hist[b]++
	}
}

// binCenter is the real value at the middle of bin b.
func (o *Observer) binCenter(b int) float64 {
	w := (float64(o.Max) - float64(o.Min)) / HistBins
	return float64(o.Min) + (float64(b)+0.5)*w
}
