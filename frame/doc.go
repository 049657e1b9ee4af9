// Package frame is edged's per-frame work, written once: an encoded image
// or a camera's BGR frame in, the model's input or its top-K classes out.
//
//	decode (or wrap a BGR frame) -> resize and centre-crop (bytes)
//	  -> quantize through a per-channel 256-entry table -> inference -> top-K
//
// `edged run` calls it for every frame, `edged classify` and `eval` for
// every file, `edged calibrate` for its float inputs, and `edged bench
// --frame` runs exactly it N times, so that instructions per frame can be
// counted by difference.
//
// A Pipeline belongs to one camera or worker and owns every buffer of the
// path (decoder planes, the RGB image, the crop, the quantized input, the
// top-K list): in steady state a frame allocates nothing.
//
// The int8 path never builds a float32 image. The model's first step
// quantizes ToTensor+Normalize's float32 value of each byte; both are
// functions of the byte and its channel alone, so the Pipeline tabulates
// their composition once per model (engine.Input.Quantize over
// preprocess.Transform.NormTable: the same float32 values through the same
// kernel) and looks every byte up. The logits are bit-identical to
// normalizing in float32 and calling engine.Run.
//
// Layering: frame uses preprocess, engine and imagenet; cmd/edged, daemon
// and calibrate use frame.
package frame
