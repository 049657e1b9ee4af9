// Package generic holds edged's portable pure-Go kernels: the float32
// reference ops that the float engine and calibration run, and the int8 ops
// of the integer engine. They are also the oracle that every per-architecture
// kernel (kernels/arm64) is tested against bit for bit.
//
// Tensors are NHWC with batch 1: element (y, x, c) of an H×W×C tensor is at
// index (y*W+x)*C+c. Conv weights are OHWI: element (o, ky, kx, i) of an
// O×KH×KW×I filter is at ((o*KH+ky)*KW+kx)*I+i, with I = C/groups.
package generic
