// Package model builds edged's network architectures from PyTorch
// checkpoints and runs them in float32.
//
// A torchvision state_dict (a StateDict, which model/pth reads from a .pth
// file; this package never parses files, so the int8 engine that imports
// it does not link the unpickler) is looked up by key, its BatchNorms are
// folded into the preceding convolutions, and the architecture (MobileNetV3
// Small/Large, ShuffleNetV2 x0.5–x2.0) is lowered into a Graph: a flat,
// topologically ordered list of ops over statically shaped NHWC tensors.
// The same Graph is what the float reference engine (Float) executes, what
// calibration observes, and what the quantizer turns into an int8 program,
// so all three agree on what a "tensor" is.
package model
