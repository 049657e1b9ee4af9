// Package engine executes an int8 model (quant.Model): at load time it
// derives every kernel's integer parameters, allocates every buffer and
// splits each layer into per-thread tasks; an inference then only runs
// kernels, allocates nothing, and gives bit-identical logits for every
// thread count and every kernel path.
package engine
