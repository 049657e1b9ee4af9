package engine

import (
	"fmt"

	"github.com/edged/edged/kernels/generic"
)

// convW16Task binds a conv with int16 weights. Such convs are few (the
// stem, mostly) and run the generic kernel on every path.
func convW16Task(p *generic.QConv, in, out buf, w []int16) (func(), error) {
	switch {
	case in.i8 == nil:
		return nil, fmt.Errorf("conv with int16 weights needs an int8 input")
	case out.f32 != nil:
		return func() { generic.ConvQW16Float(p, in.i8, w, out.f32) }, nil
	case out.i8 != nil:
		return func() { generic.ConvQW16(p, in.i8, w, out.i8) }, nil
	case out.i16 != nil:
		return func() { generic.ConvQW16(p, in.i8, w, out.i16) }, nil
	}
	return nil, fmt.Errorf("conv with int16 weights: unsupported output type")
}
