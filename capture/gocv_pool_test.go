//go:build gocv

package capture

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"testing"
	"time"
	"unsafe"

	"github.com/edged/edged/internal/testdata"
	"gocv.io/x/gocv"
)

// writePatternVideo writes n frames of w x h, each a different pattern of
// colours, as an MJPG .avi with OpenCV's VideoWriter.
func writePatternVideo(t testing.TB, w, h, n int) string {
	t.Helper()
	return writeVideo(t, fmt.Sprintf("pattern-%dx%d.avi", w, h), w, h, n, func(i int, pix []byte) {
		for y := range h {
			for x := range w {
				p := (y*w + x) * 3
				pix[p] = byte(x*255/w + i*37)
				pix[p+1] = byte(y*255/h + i*71)
				pix[p+2] = byte((x/8+y/8)%2*200 + i*13)
			}
		}
	})
}

// copiedFrames reads the first n frames of a video as edged did before
// frames were lent: a fresh VideoCapture, one reused Mat, Mat.ToBytes.
func copiedFrames(t testing.TB, path string, n int) [][]byte {
	t.Helper()
	vc, err := gocv.VideoCaptureFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer vc.Close()
	m := gocv.NewMat()
	defer m.Close()
	var out [][]byte
	for i := range n {
		if !vc.Read(&m) || m.Empty() {
			t.Fatalf("%s: frame %d unreadable", path, i)
		}
		out = append(out, m.ToBytes())
	}
	return out
}

func openTB(t testing.TB, spec string) Source {
	t.Helper()
	src, err := Open(spec, fastOpts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}

func lent(f Frame) bool { return f.lender != nil }

// Frames wrap pooled Mats (they are lent, not copied) and carry exactly the
// pixels the copying path returned, through the file's loop and back.
func TestGoCVLentFramesMatchCopies(t *testing.T) {
	const n = 7
	path := writePatternVideo(t, 96, 64, n)
	want := copiedFrames(t, path, n)
	src := openTB(t, path)
	ctx := testCtx(t)
	for i := range 2*n + 2 {
		f, err := src.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !lent(f) {
			t.Fatalf("frame %d is a copy; want it lent from the pool (every earlier frame was released)", i)
		}
		if f.W != 96 || f.H != 64 || !bytes.Equal(f.BGR, want[i%n]) {
			t.Fatalf("frame %d (%dx%d) differs from frame %d read with Mat.ToBytes", i, f.W, f.H, i%n)
		}
		f.Release()
		if f.BGR != nil {
			t.Fatal("Release left BGR set")
		}
	}
}

// A frame held while the source reads on keeps its pixels: the source never
// reads into a Mat a frame still wraps. Holding more frames than the pool
// has Mats turns later frames into copies, which are just as correct; once
// frames are released, they are lent again. A frame released twice (through
// a copy of its value) goes back to the pool once: two frames never share
// a Mat.
func TestGoCVHeldFramesKeepTheirPixels(t *testing.T) {
	const n = 12
	path := writePatternVideo(t, 64, 48, n)
	want := copiedFrames(t, path, n)
	src := openTB(t, path)
	ctx := testCtx(t)
	i := 0
	next := func() Frame {
		t.Helper()
		f, err := src.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		f.Seq = uint64(i % n) // the file index, for check
		i++
		return f
	}
	check := func(when string, held ...Frame) {
		t.Helper()
		for _, f := range held {
			if !bytes.Equal(f.BGR, want[f.Seq]) {
				t.Fatalf("%s: held frame %d was overwritten", when, f.Seq)
			}
		}
	}

	// The consumer holds frame 0 while the source reads 1 and 2.
	f0 := next()
	for range 2 {
		f := next()
		check("reading on", f0, f)
		f.Release()
	}
	check("after 2 more reads", f0)

	// Holding more frames than the pool lends.
	held := []Frame{f0}
	for len(held) < gocvPoolSize+2 {
		held = append(held, next())
		check("holding", held...)
	}
	copies := 0
	for _, f := range held {
		if !lent(f) {
			copies++
		}
	}
	if copies != 2 {
		t.Fatalf("%d of %d held frames are copies, want the 2 beyond the pool's %d", copies, len(held), gocvPoolSize)
	}
	for k := range held {
		held[k].Release()
	}

	// A frame released twice, at once or after its Mat was lent again.
	for _, late := range []bool{false, true} {
		a := next()
		if !lent(a) {
			t.Fatal("frames are still copies after every frame was released")
		}
		dup := a
		a.Release()
		var b Frame
		if late {
			b = next() // may wrap a's Mat
		}
		dup.Release()
		if !late {
			b = next()
		}
		c, d := next(), next()
		check(fmt.Sprintf("after a double release (late %v)", late), b, c, d)
		if unsafe.SliceData(b.BGR) == unsafe.SliceData(c.BGR) || unsafe.SliceData(c.BGR) == unsafe.SliceData(d.BGR) {
			t.Fatal("two held frames wrap the same Mat")
		}
		b.Release()
		c.Release()
		d.Release()
	}
}

// Through a Camera: the mailbox releases the frames it drops, so a
// consumer holding one frame keeps it intact while the camera reads and
// drops many more, and a frame taken after drops is still lent: a mailbox
// that kept dropped frames' Mats would run the pool dry within two drops.
func TestGoCVCameraReleasesDroppedFrames(t *testing.T) {
	const n = 9
	path := writePatternVideo(t, 64, 48, n)
	want := copiedFrames(t, path, n)
	cam := NewCamera("clip", path, 1000, fastOpts)
	ctx := runCamera(t, cam)
	held, err := cam.Latest(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for range 4 {
		// A slow consumer: let the camera replace the mailbox's frame
		// a few times before taking one.
		dropped := cam.Stats().Dropped
		for cam.Stats().Dropped < dropped+gocvPoolSize {
			if err := sleep(ctx, time.Millisecond); err != nil {
				t.Fatalf("the camera stopped dropping frames: %v; stats %+v", err, cam.Stats())
			}
		}
		f, err := cam.Latest(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !lent(f) {
			t.Fatalf("frame %d is a copy: the pool ran dry (dropped frames not released?); stats %+v", f.Seq, cam.Stats())
		}
		if !bytes.Equal(f.BGR, want[(f.Seq-1)%n]) {
			t.Fatalf("frame %d differs from the file's frame %d", f.Seq, (f.Seq-1)%n)
		}
		f.Release()
	}
	if !bytes.Equal(held.BGR, want[(held.Seq-1)%n]) {
		t.Fatalf("held frame %d was overwritten while the camera read on", held.Seq)
	}
	held.Release()
}

// The steady state, read and release, allocates nothing: no frame-sized
// copy, and no channel, goroutine or closure per frame either.
func TestGoCVReadReleaseAllocationFree(t *testing.T) {
	const n = 40 // enough not to reach the file's end (reopening allocates)
	path := writePatternVideo(t, 320, 240, n)
	src := openTB(t, path)
	ctx := testCtx(t)
	cycle := func() {
		f, err := src.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		f.Release()
	}
	for range 3 {
		cycle() // open the file, fill the pool
	}
	if allocs := testing.AllocsPerRun(30, cycle); allocs != 0 {
		t.Fatalf("%.0f allocations per frame, want 0", allocs)
	}
}

// BenchmarkGoCVNext reports the bytes allocated per frame (the copying path
// allocated a whole frame, 6 MB at 1080p).
func BenchmarkGoCVNext(b *testing.B) {
	for _, sz := range []image.Point{{640, 480}, {1920, 1080}} {
		b.Run(fmt.Sprintf("%dx%d", sz.X, sz.Y), func(b *testing.B) {
			path := writePatternVideo(b, sz.X, sz.Y, 30)
			src := openTB(b, path)
			ctx := context.Background()
			f, err := src.Next(ctx)
			if err != nil {
				b.Fatal(err)
			}
			f.Release()
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				f, err := src.Next(ctx)
				if err != nil {
					b.Fatal(err)
				}
				f.Release()
			}
		})
	}
}

// toBGR on real OpenCV Mats of each kind a capture can deliver: packed BGR
// is handed out as it was read; grey, BGRA and BGR with padded rows are
// converted into the pooled Mat, after which frames are read into raw and
// converted without reallocating either Mat; packed BGR again is swapped
// back, not copied.
func TestGoCVToBGR(t *testing.T) {
	const w, h = 6, 4
	bgr := gocv.NewMatWithSizeFromScalar(gocv.NewScalar(10, 20, 30, 0), h, w, gocv.MatTypeCV8UC3)
	defer bgr.Close()
	grey := gocv.NewMatWithSizeFromScalar(gocv.NewScalar(77, 0, 0, 0), h, w, gocv.MatTypeCV8UC1)
	defer grey.Close()
	bgra := gocv.NewMatWithSizeFromScalar(gocv.NewScalar(1, 2, 3, 4), h, w, gocv.MatTypeCV8UC4)
	defer bgra.Close()
	big := gocv.NewMatWithSizeFromScalar(gocv.NewScalar(5, 6, 7, 0), h, 2*w, gocv.MatTypeCV8UC3)
	defer big.Close()
	wide := gocv.NewMatWithSizeFromScalar(gocv.NewScalar(1, 2, 3, 0), h, w, gocv.MatTypeCV16UC3)
	defer wide.Close()

	s := &gocvSource{raw: gocv.NewMat(), spare: gocv.NewMat()}
	defer s.release()
	out := gocv.NewMat()
	defer out.Close()
	data := func(m gocv.Mat) *byte {
		p, err := m.DataPtrUint8()
		if err != nil {
			t.Fatal(err)
		}
		return unsafe.SliceData(p)
	}
	// read copies a frame into the Mat the source would read into, as
	// VideoCapture.Read does (copyTo: the Mat is reused if it fits). A
	// nil frame stands for BGR with padded rows, which copyTo never
	// makes: the Mat read into becomes a view of part of big's rows.
	read := func(frame *gocv.Mat) *gocv.Mat {
		in := &out
		if s.convert {
			in = &s.raw
		}
		if frame == nil {
			in.Close()
			*in = big.Region(image.Rect(1, 0, 1+w, h))
			if in.IsContinuous() {
				t.Fatal("the region should have padded rows")
			}
			return in
		}
		frame.CopyTo(in)
		return in
	}
	expect := func(what string, b, g, r byte, convert bool) {
		t.Helper()
		if !packedBGR(out) || out.Cols() != w || out.Rows() != h || s.convert != convert {
			t.Fatalf("%s: out %v %dx%d continuous %v, convert %v; want packed BGR %dx%d, convert %v",
				what, out.Type(), out.Cols(), out.Rows(), out.IsContinuous(), s.convert, w, h, convert)
		}
		p, _ := out.DataPtrUint8()
		for i := 0; i < len(p); i += 3 {
			if p[i] != b || p[i+1] != g || p[i+2] != r {
				t.Fatalf("%s: pixel %d = %v, want %d,%d,%d", what, i/3, p[i:i+3], b, g, r)
			}
		}
	}

	in := read(&bgr)
	before := data(out)
	if err := s.toBGR(in, &out); err != nil {
		t.Fatal(err)
	}
	expect("packed BGR", 10, 20, 30, false)
	if data(out) != before {
		t.Fatal("packed BGR was copied")
	}

	for _, c := range []struct {
		name    string
		m       *gocv.Mat
		b, g, r byte
	}{{"padded BGR", nil, 5, 6, 7}, {"grey", &grey, 77, 77, 77}, {"BGRA", &bgra, 1, 2, 3}, {"padded BGR", nil, 5, 6, 7}} {
		if err := s.toBGR(read(c.m), &out); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		expect(c.name, c.b, c.g, c.r, true)
	}
	// Steady conversion: neither Mat is reallocated.
	if err := s.toBGR(read(&grey), &out); err != nil {
		t.Fatal(err)
	}
	rawData, outData := s.raw.Ptr(), data(out)
	rawBuf, _ := s.raw.DataPtrUint8()
	for range 3 {
		if err := s.toBGR(read(&grey), &out); err != nil {
			t.Fatal(err)
		}
		expect("grey again", 77, 77, 77, true)
		again, _ := s.raw.DataPtrUint8()
		if data(out) != outData || s.raw.Ptr() != rawData || unsafe.SliceData(again) != unsafe.SliceData(rawBuf) {
			t.Fatal("a steady grey source reallocates a Mat per frame")
		}
	}
	// Packed BGR again: the Mat read into (raw) becomes the frame.
	in = read(&bgr)
	readInto := data(*in)
	if err := s.toBGR(in, &out); err != nil {
		t.Fatal(err)
	}
	expect("BGR after grey", 10, 20, 30, false)
	if data(out) != readInto {
		t.Fatal("packed BGR after a conversion was copied, not swapped in")
	}

	if err := s.toBGR(read(&wide), &out); err == nil {
		t.Fatal("a 16-bit frame was accepted")
	}
}

// A real source delivering grey frames (GStreamer's GRAY8 into OpenCV):
// frames are converted into pooled Mats and still lent, and a held frame
// keeps its pixels.
func TestGoCVGreySourceLent(t *testing.T) {
	spec := "gst:videotestsrc pattern=ball num-buffers=60 ! video/x-raw,format=GRAY8,width=64,height=48,framerate=1000/1 ! appsink"
	src := openTB(t, spec)
	ctx := testCtx(t)
	held, err := src.Next(ctx)
	if err != nil {
		testdata.Skipf(t, "pipeline did not run (OpenCV without GStreamer?): %v", err)
	}
	keep := bytes.Clone(held.BGR)
	for i := range 8 {
		f, err := src.Next(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !lent(f) || f.W != 64 || f.H != 48 || len(f.BGR) != 64*48*3 {
			t.Fatalf("frame %d: lent %v, %dx%d with %d bytes; want a lent 64x48 BGR frame", i, lent(f), f.W, f.H, len(f.BGR))
		}
		for p := 0; p < len(f.BGR); p += 3 {
			if f.BGR[p] != f.BGR[p+1] || f.BGR[p] != f.BGR[p+2] {
				t.Fatalf("frame %d: pixel %d = %v, want grey", i, p/3, f.BGR[p:p+3])
			}
		}
		f.Release()
	}
	if !lent(held) || !bytes.Equal(held.BGR, keep) {
		t.Fatal("the held grey frame was overwritten (or copied)")
	}
	held.Release()
	src.Close() // the reader has exited: its state may be read
	if !src.(*gocvSource).convert {
		t.Fatal("the source did not convert: GStreamer delivered no GRAY8 frames")
	}
}

// A frame outlives its source: closing the source (a camera reconnecting
// while the daemon classifies) frees its Mats only as their frames are
// released.
func TestGoCVFrameOutlivesClose(t *testing.T) {
	const n = 3
	path := writePatternVideo(t, 1280, 720, n)
	want := copiedFrames(t, path, n)
	for range 3 {
		src := openTB(t, path)
		ctx := testCtx(t)
		var held []Frame
		for range n {
			f, err := src.Next(ctx)
			if err != nil {
				t.Fatal(err)
			}
			held = append(held, f)
		}
		src.Close()
		// Memory freed by Close would be reused by these allocations.
		big := make([]gocv.Mat, 4)
		for i := range big {
			big[i] = gocv.NewMatWithSizeFromScalar(gocv.NewScalar(1, 2, 3, 0), 720, 1280, gocv.MatTypeCV8UC3)
		}
		for i, f := range held {
			if !lent(f) || !bytes.Equal(f.BGR, want[i]) {
				t.Fatalf("frame %d (lent %v) changed after its source was closed", i, lent(f))
			}
			f.Release()
		}
		for i := range big {
			big[i].Close()
		}
	}
}
