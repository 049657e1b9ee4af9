// Package imagenet holds the 1000 ImageNet-1k class names in torchvision's
// order (torchvision.models._meta._IMAGENET_CATEGORIES, BSD-3-Clause) and
// turns a model's logits into the top-K classes with softmax probabilities.
package imagenet

import (
	_ "embed"
	"encoding/json"
	"math"
	"sort"
	"strings"
)

//go:embed classes.txt
var classesTxt string

// Labels are the class names: Labels[i] names torchvision class i.
var Labels = func() []string {
	l := strings.Split(strings.TrimRight(classesTxt, "\n"), "\n")
	if len(l) != 1000 {
		panic("imagenet: classes.txt must hold 1000 names")
	}
	return l
}()

// Class is one entry of a top-K list. Its JSON form is the public contract
// of `edged classify --json` and of the MQTT prediction payload.
type Class struct {
	Class int     `json:"class"`
	Label string  `json:"label"`
	Score float64 `json:"score"`
}

// ScoreDecimals is how many decimals a score keeps in JSON. More would be
// noise: the last digits of a float64 softmax differ between amd64 and
// arm64 (FMA, math.Exp), and an int8 model's scores are not that precise.
const ScoreDecimals = 4

// RoundScore rounds s to ScoreDecimals decimals, as Class's JSON form does.
func RoundScore(s float64) float64 {
	return math.Round(s*1e4) / 1e4
}

// MarshalJSON writes the score rounded to ScoreDecimals decimals
// (0.9934, not 0.9933984395389281; 0, not 6.9e-08).
func (c Class) MarshalJSON() ([]byte, error) {
	type plain Class // no MarshalJSON: no recursion
	p := plain(c)
	if !math.IsNaN(p.Score) && !math.IsInf(p.Score, 0) {
		p.Score = RoundScore(p.Score)
	}
	return json.Marshal(p)
}

// Label returns the name of class i, or "class <i>" outside the table
// (a classifier head with more classes than ImageNet's).
func Label(i int) string {
	if i >= 0 && i < len(Labels) {
		return Labels[i]
	}
	return "class " + itoa(i)
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	neg := i < 0
	if neg {
		i = -i
	}
	var b [20]byte
	n := len(b)
	for i > 0 {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
	}
	if neg {
		n--
		b[n] = '-'
	}
	return string(b[n:])
}

// TopK returns the k most probable classes of logits, softmax-normalized
// over all of them, most probable first; ties keep the lower class first.
func TopK(logits []float32, k int) []Class {
	return TopKInto(nil, logits, k)
}

// TopKInto is TopK appending to dst, for callers that reuse a slice.
func TopKInto(dst []Class, logits []float32, k int) []Class {
	if k > len(logits) {
		k = len(logits)
	}
	if k <= 0 {
		return dst[:0]
	}
	maxv := math.Inf(-1)
	for _, v := range logits {
		maxv = math.Max(maxv, float64(v))
	}
	var sum float64
	for _, v := range logits {
		sum += math.Exp(float64(v) - maxv)
	}
	dst = dst[:0]
	// Partial selection: keep the best k seen so far in dst, sorted.
	for i, v := range logits {
		p := math.Exp(float64(v)-maxv) / sum
		if len(dst) == k && p <= dst[k-1].Score {
			continue
		}
		c := Class{Class: i, Label: Label(i), Score: p}
		j := sort.Search(len(dst), func(j int) bool { return dst[j].Score < c.Score })
		if len(dst) < k {
			dst = append(dst, Class{})
		}
		copy(dst[j+1:], dst[j:len(dst)-1])
		dst[j] = c
	}
	return dst
}
