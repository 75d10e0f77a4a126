package data

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestMask: a detector mask (N, N) is read as bool, 0/1 integers or 0/1
// floats, round-trips through Write, and anything else is refused in one
// line naming the key.
func TestMask(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const n, N = 4, 8
	flags := make([]bool, N*N)
	ints := make([]uint8, N*N)
	want := make([]float32, N*N)
	for i := range flags {
		if i%7 != 3 {
			flags[i], ints[i], want[i] = true, 1, 1
		}
	}
	floats := make([]float64, N*N)
	for i, v := range want {
		floats[i] = float64(v)
	}
	for _, c := range []struct {
		name  string
		entry npyRaw
	}{
		{"bool", npyRaw{"mask.npy", npyV1("|b1", false, []int{N, N}, leBytes(flags))}},
		{"uint8", npyRaw{"mask.npy", npyV1("|u1", false, []int{N, N}, leBytes(ints))}},
		{"float64", npyRaw{"mask.npy", npyV1("<f8", false, []int{N, N}, leBytes(floats))}},
	} {
		s := newScan(n, N, 1)
		s.extra = []npyRaw{c.entry}
		d, err := Load(s.file(t, dir, c.name+".npz"), LoadOptions{})
		if err != nil || !slices.Equal(d.Mask, want) {
			t.Errorf("%s: %v, mask %v", c.name, err, d != nil && d.Mask != nil)
			continue
		}
		out := filepath.Join(dir, c.name+"_again.npz")
		if err := Write(out, d); err != nil {
			t.Fatal(err)
		}
		again, err := Load(out, LoadOptions{})
		if err != nil || !slices.Equal(again.Mask, want) {
			t.Errorf("%s: the mask did not survive Write: %v", c.name, err)
		}
	}
	two := slices.Clone(floats)
	two[5] = 2
	for _, c := range []struct {
		name  string
		entry npyRaw
		want  string
	}{
		{"not 0/1", npyRaw{"mask.npy", npyV1("<f8", false, []int{N, N}, leBytes(two))}, "pixel (y 0, x 5) is 2"},
		{"wrong shape", npyRaw{"mask.npy", npyV1("|b1", false, []int{N, N / 2, 2}, leBytes(flags))}, "want (8, 8)"},
		{"per pattern", npyRaw{"mask.npy", npyV1("|b1", false, []int{N / 2, N / 2}, leBytes(flags[:N*N/4]))}, "want (8, 8)"},
		{"all masked", npyRaw{"mask.npy", npyV1("|b1", false, []int{N, N}, leBytes(make([]bool, N*N)))}, "every pixel is masked"},
		{"complex", npyRaw{"mask.npy", npyV1("<c8", false, []int{N, N}, leBytes(make([]complex64, N*N)))}, "want bool"},
	} {
		s := newScan(n, N, 1)
		s.extra = []npyRaw{c.entry}
		_, err := Load(s.file(t, dir, "bad.npz"), LoadOptions{})
		if err == nil || !strings.Contains(err.Error(), `"mask"`) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v; want an error naming \"mask\" and %q", c.name, err, c.want)
		}
	}
}
