// Package preprocess turns an encoded image or a camera frame into the
// normalized input tensor a torchvision ImageNet model expects, reproducing
// torchvision's eval transform bit for bit:
//
//	PIL Image.open(f).convert("RGB")          -> Decode, DecodeFile, FromImage
//	Resize(256) (PIL bilinear, antialiased)   -> Transform.ApplyUint8
//	CenterCrop(224)                           -> Transform.ApplyUint8
//	ToTensor, Normalize(mean, std)            -> Transform.Apply
//
// Why bit for bit: the int8 models are judged by how often their top-1
// agrees with torchvision's float model, and small input differences move
// it. Bilinear without antialiasing changes the float top-1 of
// ShuffleNetV2 on ~12% of the images; even Go's image/jpeg, whose IDCT
// rounds differently from libjpeg's and shifts ~3% of the bytes by 1-3
// levels, changed it on 4 of 500. So every step copies the integer
// arithmetic of the libraries torchvision sits on: libjpeg-turbo's
// default decoding (islow IDCT, fancy chroma upsampling, jdcolor.c's
// YCbCr->RGB tables), Pillow's convert("RGB") rules and Pillow's two-pass
// fixed-point resampler. On the shared imagenet-sample (500 JPEGs) the
// decoded images and the 224x224 crops equal Pillow 9.4's byte for byte,
// and the golden tensors are reproduced exactly.
//
// For int8 models, ApplyUint8 (or a Cropper) returns the cropped bytes so
// that package frame can quantize the input through a table per byte
// value instead of going through float32. A Decoder and a Cropper keep
// their memory between calls: a camera's frames allocate nothing. On
// arm64 the two resampling passes run as NEON kernels (kernels/arm64)
// unless the kernel path is generic; they give the same bytes.
package preprocess
