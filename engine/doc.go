// Package engine executes an int8 model (quant.Model): at load time it
// derives every kernel's integer parameters, plans memory (tensors whose
// lifetimes do not overlap share one arena; each thread's conv bands share
// one kernel scratch) and splits each layer into per-thread tasks; an
// inference then only runs kernels, allocates nothing, and gives
// bit-identical logits for every thread count and every kernel path.
package engine
