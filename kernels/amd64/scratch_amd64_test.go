//go:build !purego

package amd64

import (
	"unsafe"

	"github.com/edged/edged/kernels/generic"
)

// dirtyConv makes Runners that share one Scratch and find it full of
// garbage at every Run, as an engine's Runners find whatever the previous
// layer left there: a zero-point border a Runner does not rewrite, or
// scratch it reads before writing, changes its results.
type dirtyConv struct {
	c *Conv
	s *Scratch
}

type dirtyRunner struct {
	r *Runner
	s *Scratch
}

func (d dirtyConv) NewRunner(p *generic.QConv) (dirtyRunner, bool) {
	r, ok := d.c.NewRunnerScratch(p, d.s)
	return dirtyRunner{r, d.s}, ok
}

func (d dirtyRunner) Run(in, out unsafe.Pointer) {
	seed := byte(len(d.s.b))
	for i := range d.s.b {
		d.s.b[i] = byte(i)*151 + seed
	}
	d.r.Run(in, out)
}
