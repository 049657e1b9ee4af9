package preprocess

import (
	"fmt"
	"math"
	"sync"
)

// Size is the side of the square input the ImageNet models take.
const Size = 224

// Transform is torchvision's eval transform for one image:
// Resize(ResizeShort) with PIL bilinear antialiasing, CenterCrop(Crop),
// ToTensor and Normalize(Mean, Std).
type Transform struct {
	ResizeShort int        // the shorter side is scaled to this many pixels
	Crop        int        // side of the square centre crop
	Mean, Std   [3]float32 // per RGB channel, on the 0..1 scale
}

// ImageNet returns the standard ImageNet eval transform: 256, 224 and
// mean (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225).
func ImageNet() Transform {
	return Transform{
		ResizeShort: 256,
		Crop:        Size,
		Mean:        [3]float32{0.485, 0.456, 0.406},
		Std:         [3]float32{0.229, 0.224, 0.225},
	}
}

// Validate reports a transform that cannot be applied.
func (t Transform) Validate() error {
	if t.ResizeShort <= 0 || t.Crop <= 0 {
		return fmt.Errorf("preprocess: transform resize %d, crop %d: both must be positive (ImageNet uses 256, 224)", t.ResizeShort, t.Crop)
	}
	for c, s := range t.Std {
		if !(s > 0) || math.IsInf(float64(s), 0) {
			return fmt.Errorf("preprocess: transform std[%d] = %v: must be positive and finite", c, s)
		}
	}
	return nil
}

// ResizedSize is the size torchvision's Resize(t.ResizeShort) gives a w x h
// image (_compute_resized_output_size): the shorter side becomes
// ResizeShort, the longer int(ResizeShort*long/short), truncated.
func (t Transform) ResizedSize(w, h int) (nw, nh int) {
	short, long := w, h
	if w > h {
		short, long = h, w
	}
	nl := int(float64(t.ResizeShort*long) / float64(short))
	if w <= h {
		return t.ResizeShort, nl
	}
	return nl, t.ResizeShort
}

// cropAxis is torchvision's center_crop along one axis of size n: the
// first kept index (Python's round, which rounds halves to even), or, when
// the axis is shorter than the crop, the zero padding before it
// ((crop-n)//2 on the left/top, the rest after).
func cropAxis(n, crop int) (first, pad int) {
	if n >= crop {
		return int(math.RoundToEven(float64(n-crop) / 2)), 0
	}
	return 0, (crop - n) / 2
}

// scratch holds one Apply's working memory. Pooled, so that steady-state
// calls allocate nothing once buffers have grown to the largest image
// seen.
type scratch struct {
	kh, kv kernel
	tmp    []uint8 // horizontal pass output (or the copied source rows)
	out    []uint8 // vertical pass output
	crop   []uint8 // ApplyUint8 result for Apply

	simd, simdOK bool // whether the resampler may use NEON (useSIMD, asked once)

	lut    [3][256]float32 // normalization table for lutFor
	lutFor [2][3]float32   // the Mean and Std lut was built for
	lutOK  bool
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

func grow(b []uint8, n int) []uint8 {
	if cap(b) < n {
		return make([]uint8, n)
	}
	return b[:n]
}

// ApplyUint8 resizes and centre-crops img into dst as packed RGB bytes
// (Crop x Crop x 3, index (y*Crop+x)*3+c): the image torchvision's
// ToTensor sees, byte for byte equal to Pillow's when img is. Crop areas
// that fall outside a too-small resized image are 0, as torchvision pads.
// Safe for concurrent use; working memory comes from a sync.Pool.
func (t Transform) ApplyUint8(img *RGB, dst []uint8) error {
	s, n, err := t.startApply(img, len(dst), "bytes")
	if err != nil {
		return err
	}
	defer scratchPool.Put(s)
	t.resizeCrop(s, img, dst[:n])
	return nil
}

// Apply runs the whole transform: it writes the normalized tensor into dst
// as NHWC float32 (Crop x Crop x 3, index (y*Crop+x)*3+c), each value
// (v/255 - Mean[c]) / Std[c] computed in float32 in torchvision's order,
// so that it equals torchvision's tensor exactly when the bytes agree.
// Safe for concurrent use; working memory comes from a sync.Pool, so
// steady-state calls do not allocate.
func (t Transform) Apply(img *RGB, dst []float32) error {
	s, n, err := t.startApply(img, len(dst), "floats")
	if err != nil {
		return err
	}
	defer scratchPool.Put(s)
	s.crop = grow(s.crop, n)
	t.resizeCrop(s, img, s.crop)
	lut := s.normLUT(t.Mean, t.Std)
	dst = dst[:n]
	for i := 0; i < n; i += 3 {
		p := s.crop[i : i+3 : i+3]
		d := dst[i : i+3 : i+3]
		d[0], d[1], d[2] = lut[0][p[0]], lut[1][p[1]], lut[2][p[2]]
	}
	return nil
}

// startApply validates t and img and that a destination of have values
// (unit names them in the error) holds the crop, and takes working memory
// from the pool (the caller puts it back); n is the crop's number of
// values, Crop x Crop x 3.
func (t Transform) startApply(img *RGB, have int, unit string) (s *scratch, n int, err error) {
	if err := t.Validate(); err != nil {
		return nil, 0, err
	}
	if err := img.Validate(); err != nil {
		return nil, 0, err
	}
	n = t.Crop * t.Crop * 3
	if have < n {
		return nil, 0, fmt.Errorf("preprocess: destination holds %d %s, need %d (%dx%dx3)", have, unit, n, t.Crop, t.Crop)
	}
	return scratchPool.Get().(*scratch), n, nil
}

// normLUT is NormTable cached in the scratch for the last Mean and Std.
func (s *scratch) normLUT(mean, std [3]float32) *[3][256]float32 {
	if s.lutOK && s.lutFor == [2][3]float32{mean, std} {
		return &s.lut
	}
	s.lut = Transform{Mean: mean, Std: std}.NormTable()
	s.lutFor, s.lutOK = [2][3]float32{mean, std}, true
	return &s.lut
}

// NormTable tabulates ToTensor+Normalize for every byte value of each
// channel: float32(v)/255 (ToTensor's div), then sub Mean, div Std, each
// rounded to float32 as torchvision computes it. Apply's values are
// exactly these entries.
func (t Transform) NormTable() (lut [3][256]float32) {
	for c := range 3 {
		m, sd := t.Mean[c], t.Std[c]
		for v := range 256 {
			x := float32(v) / 255
			lut[c][v] = (x - m) / sd
		}
	}
	return lut
}

// Cropper is ApplyUint8 with working memory of its own rather than from a
// pool: the frame path of a camera or worker keeps one, so that resizing
// allocates nothing once it has seen its largest image. Not safe for
// concurrent use; the zero value is ready.
type Cropper struct {
	s scratch
}

// Apply is t.ApplyUint8(img, dst) using c's memory.
func (c *Cropper) Apply(t Transform, img *RGB, dst []uint8) error {
	if err := t.Validate(); err != nil {
		return err
	}
	if err := img.Validate(); err != nil {
		return err
	}
	n := t.Crop * t.Crop * 3
	if len(dst) < n {
		return fmt.Errorf("preprocess: destination holds %d bytes, need %d (%dx%dx3)", len(dst), n, t.Crop, t.Crop)
	}
	t.resizeCrop(&c.s, img, dst[:n])
	return nil
}

// resizeCrop computes only the crop window of Pillow's resize (see
// resample.go) and lays it into dst (Crop x Crop x 3), zero-padded.
func (t Transform) resizeCrop(s *scratch, img *RGB, dst []uint8) {
	nw, nh := t.ResizedSize(img.W, img.H)
	left, padL := cropAxis(nw, t.Crop)
	top, padT := cropAxis(nh, t.Crop)
	cw, ch := min(nw, t.Crop), min(nh, t.Crop) // resized pixels kept
	needH, needV := nw != img.W, nh != img.H
	if !s.simdOK {
		s.simd, s.simdOK = useSIMD(), true
	}

	// Source rows the vertical pass (or the crop) reads.
	r0, r1 := top, top+ch
	if needV {
		s.kv.make(img.H, nh, top, ch)
		r0, r1 = s.kv.start[0], 0
		for i, st := range s.kv.start {
			r1 = max(r1, st+s.kv.n[i])
			r0 = min(r0, st)
		}
	}
	// tmp: rows r0..r1 of the horizontally resized (or original) image,
	// columns of the crop only.
	s.tmp = grow(s.tmp, (r1-r0)*cw*3)
	if needH {
		s.kh.make(img.W, nw, left, cw)
		resampleH(s.tmp, img.Pix, img.W, r0, r1, &s.kh, s.simd)
	} else {
		for y := r0; y < r1; y++ {
			copy(s.tmp[(y-r0)*cw*3:(y-r0+1)*cw*3], img.Pix[(y*img.W+left)*3:])
		}
	}
	src := s.tmp
	if needV {
		s.out = grow(s.out, ch*cw*3)
		resampleV(s.out, s.tmp, cw, r0, &s.kv, s.simd)
		src = s.out
	}
	if cw == t.Crop && ch == t.Crop {
		copy(dst, src[:ch*cw*3])
		return
	}
	clear(dst)
	for y := range ch {
		copy(dst[((y+padT)*t.Crop+padL)*3:], src[y*cw*3:(y+1)*cw*3])
	}
}
