// Package preprocess turns an encoded image or a camera frame into the
// normalized input tensor a torchvision ImageNet model expects, reproducing
// torchvision's eval transform bit for bit where it can:
//
//	PIL Image.open(f).convert("RGB")          -> Decode / FromImage
//	Resize(256) (PIL bilinear, antialiased)   -> Transform.ApplyUint8
//	CenterCrop(224)                           -> Transform.ApplyUint8
//	ToTensor, Normalize(mean, std)            -> Transform.Apply
//
// Why bit for bit: the int8 models are judged by how often their top-1
// agrees with torchvision's float model, and an approximate resize alone
// (bilinear without antialiasing) moves the float top-1 on ~12% of images.
// So every step copies the integer arithmetic of the libraries torchvision
// sits on: libjpeg-turbo's chroma upsampling and YCbCr->RGB tables
// (jdsample.c, jdcolor.c), Pillow's convert("RGB") rules and Pillow's
// two-pass fixed-point resampler (Resample.c). The one step taken from Go's
// standard library is the JPEG entropy decoding and inverse DCT
// (image/jpeg), whose IDCT rounds differently from libjpeg's "islow" IDCT
// on a few pixels per block row; see Decode for the measured effect.
package preprocess
