package generic

import (
	"fmt"
	"unsafe"
)

// DType is the element type of a tensor: what a kernel reads or writes and
// what the int8 model file records for each tensor. It is edged's one
// vocabulary for element types, defined here, in the lowest package that
// needs it, so that the model format (quant), the dispatch (kernels) and
// the NEON kernels (kernels/arm64) share it without importing each other.
type DType uint8

const (
	Int8 DType = iota
	Int16
	Float32 // the logits
)

func (d DType) String() string {
	switch d {
	case Int8:
		return "int8"
	case Int16:
		return "int16"
	case Float32:
		return "float32"
	}
	return fmt.Sprintf("dtype(%d)", uint8(d))
}

// Size is the bytes of one element of d.
func (d DType) Size() int {
	switch d {
	case Int16:
		return 2
	case Float32:
		return 4
	}
	return 1
}

// Min and Max are the representable range of d's quantized values.
func (d DType) Min() int32 {
	if d == Int16 {
		return -32768
	}
	return -128
}

func (d DType) Max() int32 {
	if d == Int16 {
		return 32767
	}
	return 127
}

// DTypeOf is the DType of the quantized element type T.
func DTypeOf[T Q]() DType {
	var z T
	if unsafe.Sizeof(z) == 2 {
		return Int16
	}
	return Int8
}
