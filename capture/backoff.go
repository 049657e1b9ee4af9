package capture

import (
	"math/rand/v2"
	"time"
)

// backoff yields exponentially growing waits with jitter, so cameras that
// failed together (a shared switch rebooted) do not retry in lockstep.
type backoff struct {
	initial, max, cur time.Duration
}

func newBackoff(initial, max time.Duration) *backoff {
	return &backoff{initial: initial, max: max, cur: initial}
}

// next returns a wait in [cur/2, cur] and doubles cur up to max. The lower
// bound keeps even the first retry from spinning.
func (b *backoff) next() time.Duration {
	d := b.cur
	b.cur = min(b.cur*2, b.max)
	half := d / 2
	return half + rand.N(d-half+1)
}

func (b *backoff) reset() { b.cur = b.initial }
