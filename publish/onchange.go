package publish

import (
	"math"
	"time"
)

// changeFilter decides which predictions on_change publishes (the rule is in
// the package documentation). It compares with the last *published*
// prediction of each camera, so a slow drift of the score is still reported
// once it adds up to more than the delta. Not safe for concurrent use.
type changeFilter struct {
	onChange    bool
	minInterval time.Duration
	scoreDelta  float64
	last        map[string]lastPublished
}

type lastPublished struct {
	class int // -1: no class
	score float64
	at    time.Time
}

func newChangeFilter(o Options) changeFilter {
	return changeFilter{
		onChange:    o.OnChange,
		minInterval: o.MinInterval,
		scoreDelta:  o.ScoreDelta,
		last:        make(map[string]lastPublished),
	}
}

// allow reports whether pred is published and, if so, remembers it.
func (f *changeFilter) allow(pred Prediction, at time.Time) bool {
	cur := lastPublished{class: -1, at: at}
	if len(pred.Top) > 0 {
		cur.class, cur.score = pred.Top[0].Class, pred.Top[0].Score
	}
	prev, seen := f.last[pred.Camera]
	publish := !f.onChange || !seen ||
		cur.class != prev.class ||
		math.Abs(cur.score-prev.score) > f.scoreDelta ||
		(f.minInterval > 0 && (cur.at.Sub(prev.at) >= f.minInterval || cur.at.Before(prev.at)))
	if publish {
		f.last[pred.Camera] = cur
	}
	return publish
}
