package preprocess

import (
	"bytes"
	"testing"
)

func TestFromBGR(t *testing.T) {
	bgr := []uint8{1, 2, 3, 4, 5, 6}
	m, err := FromBGR(2, 1, bgr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(m.Pix, []uint8{3, 2, 1, 6, 5, 4}) || !bytes.Equal(bgr, []uint8{1, 2, 3, 4, 5, 6}) {
		t.Errorf("FromBGR = %v (input now %v); want swapped copy, input untouched", m.Pix, bgr)
	}
	w, err := WrapBGR(2, 1, bgr)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(w.Pix, []uint8{3, 2, 1, 6, 5, 4}) || &w.Pix[0] != &bgr[0] {
		t.Errorf("WrapBGR = %v; want the same buffer swapped in place", w.Pix)
	}
	if _, err := FromBGR(2, 2, bgr); err == nil {
		t.Error("FromBGR accepted a buffer of the wrong size")
	}
	if _, err := WrapBGR(0, 1, nil); err == nil {
		t.Error("WrapBGR accepted a 0-wide frame")
	}
}
