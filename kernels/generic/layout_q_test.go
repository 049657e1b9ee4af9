package generic_test

import (
	"math/rand"
	"testing"

	"github.com/edged/edged/kernels/generic"
)

// The channel moves are checked against index arithmetic written from
// their definitions (torchvision's view/transpose/flatten for the shuffle).

func tqCheckLayout[T generic.Q](t *testing.T, r *rand.Rand, hw, c2 int) {
	t.Helper()
	a, b := tqRandQ[T](r, hw*c2), tqRandQ[T](r, hw*(c2+3))
	ca, cb := c2, c2+3
	c := ca + cb

	cat := make([]T, hw*c)
	generic.ConcatChannelsQ(a, ca, b, cb, hw, cat)
	for px := 0; px < hw; px++ {
		for ch := 0; ch < c; ch++ {
			want := T(0)
			if ch < ca {
				want = a[px*ca+ch]
			} else {
				want = b[px*cb+ch-ca]
			}
			if cat[px*c+ch] != want {
				t.Fatalf("ConcatChannelsQ pixel %d channel %d = %d, want %d", px, ch, cat[px*c+ch], want)
			}
		}
	}

	sl := make([]T, hw*cb)
	generic.SliceChannelsQ(cat, hw, c, ca, c, sl)
	if err := tqCompare(sl, b, hw, cb); err != nil {
		t.Fatalf("SliceChannelsQ of the concat's second part: %v", err)
	}

	for _, groups := range []int{1, 2, 3} {
		cc := 6 * c2
		x := tqRandQ[T](r, hw*cc)
		got := make([]T, len(x))
		generic.ChannelShuffleQ(x, got, hw, cc, groups)
		cpg := cc / groups
		for px := 0; px < hw; px++ {
			// x.view(groups, cpg).transpose(0, 1).flatten(): output j is
			// element (j%groups, j/groups) of the groups×cpg view.
			for j := 0; j < cc; j++ {
				want := x[px*cc+(j%groups)*cpg+j/groups]
				if got[px*cc+j] != want {
					t.Fatalf("ChannelShuffleQ groups %d pixel %d channel %d = %d, want %d", groups, px, j, got[px*cc+j], want)
				}
			}
		}
	}

	// ConcatShuffleQ must equal concat followed by a 2-group shuffle.
	bb := tqRandQ[T](r, hw*c2)
	cat2 := make([]T, 2*hw*c2)
	generic.ConcatChannelsQ(a, c2, bb, c2, hw, cat2)
	want := make([]T, len(cat2))
	generic.ChannelShuffleQ(cat2, want, hw, 2*c2, 2)
	got := make([]T, len(cat2))
	generic.ConcatShuffleQ(a, bb, hw, c2, got)
	if err := tqCompare(got, want, hw, 2*c2); err != nil {
		t.Fatalf("ConcatShuffleQ differs from concat+shuffle: %v", err)
	}
}

func TestLayoutQ(t *testing.T) {
	r := rand.New(rand.NewSource(30))
	for _, s := range [][2]int{{1, 1}, {1, 24}, {7, 5}, {49, 96}, {784, 24}} {
		tqCheckLayout[int8](t, r, s[0], s[1])
		tqCheckLayout[int16](t, r, s[0], s[1])
	}
}
