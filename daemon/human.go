package daemon

import (
	"fmt"
	"time"

	"github.com/edged/edged/publish"
)

// humanLine is Options.Human's line for one prediction, e.g.
//
//	03:37:25 sample #10: Egyptian cat 57.0% (inference 32.5 ms)
//
// One Write per line, so that cameras and the log never interleave within a
// line.
func humanLine(p publish.Prediction) string {
	t := p.Time
	if t.IsZero() {
		t = time.Now()
	}
	what := "no confident class"
	if len(p.Top) > 0 {
		what = fmt.Sprintf("%s %.1f%%", p.Top[0].Label, 100*p.Top[0].Score)
	}
	return fmt.Sprintf("%s %s #%d: %s (inference %.1f ms)\n", t.Local().Format(time.TimeOnly), p.Camera, p.Frame, what,
		float64(p.Latency.Inference)/float64(time.Millisecond))
}
