package data

import (
	"reflect"
	"sort"
	"strings"
	"testing"
)

func TestSubsample(t *testing.T) {
	t.Parallel()
	all := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	for _, m := range []int{0, -1, 10, 11} {
		if got := Subsample(10, m, 1); !reflect.DeepEqual(got, all) {
			t.Errorf("Subsample(10, %d) = %v, want every index", m, got)
		}
	}
	a, b, c := Subsample(10, 4, 1), Subsample(10, 4, 1), Subsample(10, 4, 2)
	if len(a) != 4 || !sort.IntsAreSorted(a) || !reflect.DeepEqual(a, b) || reflect.DeepEqual(a, c) {
		t.Errorf("Subsample(10, 4): %v and %v (seed 1), %v (seed 2): want 4 sorted indices that the seed decides", a, b, c)
	}
	seen := map[int]bool{}
	for _, i := range a {
		if seen[i] || i < 0 || i >= 10 {
			t.Errorf("Subsample(10, 4) = %v: repeats or out of range", a)
		}
		seen[i] = true
	}
}

func TestSelect(t *testing.T) {
	t.Parallel()
	s := newScan(5, 4, 5)
	d := &Dataset{N: 4, Count: 5, Diffraction: s.diffraction, XCoords: s.xcoords, YCoords: s.ycoords,
		ScanIndex: s.scanIndex, Y: s.patches}
	idx := []int{3, 0, 4}
	sel, err := d.Select(idx)
	if err != nil {
		t.Fatal(err)
	}
	if err := sel.Validate(); err != nil || sel.Count != 3 {
		t.Fatalf("%d points, %v", sel.Count, err)
	}
	for j, i := range idx {
		if !reflect.DeepEqual(sel.Pattern(j), d.Pattern(i)) || sel.XCoords[j] != d.XCoords[i] || sel.YCoords[j] != d.YCoords[i] ||
			sel.ScanIndex[j] != d.ScanIndex[i] || !reflect.DeepEqual(sel.Y[j*16:(j+1)*16], d.Y[i*16:(i+1)*16]) {
			t.Fatalf("point %d is not the parent's %d", j, i)
		}
	}
	for _, tc := range []struct {
		idx  []int
		want string
	}{{nil, "no scan points"}, {[]int{1, 5}, "scan point 5"}, {[]int{-1}, "scan point -1"}} {
		if _, err := d.Select(tc.idx); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Select(%v): %v, want an error naming %q", tc.idx, err, tc.want)
		}
	}
}

// TestTopLeft: the copy holds the first w pixels of the first h rows, and
// does not share the original's pixels.
func TestTopLeft(t *testing.T) {
	im := &ComplexImage{H: 3, W: 4, Pix: make([]complex64, 12)}
	for i := range im.Pix {
		im.Pix[i] = complex(float32(i), 0)
	}
	got := im.TopLeft(2, 3)
	want := []complex64{0, 1, 2, 4, 5, 6}
	if got.H != 2 || got.W != 3 || len(got.Pix) != len(want) {
		t.Fatalf("TopLeft(2, 3) = %d×%d, %d pixels", got.H, got.W, len(got.Pix))
	}
	for i, v := range want {
		if got.Pix[i] != v {
			t.Fatalf("pixel %d = %v, want %v", i, got.Pix[i], v)
		}
	}
	got.Pix[0] = 99
	if im.Pix[0] != 0 {
		t.Error("TopLeft shares the original's pixels")
	}
}
