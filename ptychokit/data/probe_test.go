package data

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestReadProbe(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	guess := []complex64{1, 2i, 3, 4i, 5, 6i}
	refined := []complex128{1 + 1i, 2, 3 - 1i, 4}
	write := func(name string, entries ...Entry) string {
		path := filepath.Join(dir, name)
		if err := WriteArrays(path, entries); err != nil {
			t.Fatal(err)
		}
		return path
	}
	both := write("both.npz", Entry{Name: "probeGuess", Shape: []int{2, 3}, Value: guess}, Entry{Name: "probe", Shape: []int{2, 2}, Value: refined})
	rec := write("rec.npz", Entry{Name: "object", Shape: []int{1, 1}, Value: []complex64{1}}, Entry{Name: "probe", Shape: []int{2, 2}, Value: refined})
	if p, err := ReadProbe(both); err != nil || p.H != 2 || p.W != 3 || !slices.Equal(p.Pix, guess) {
		t.Errorf("probeGuess first: %+v, %v", p, err)
	}
	if p, err := ReadProbe(rec); err != nil || p.H != 2 || p.W != 2 || p.Pix[0] != 1+1i || p.Pix[2] != 3-1i {
		t.Errorf("a reconstruction's complex128 probe: %+v, %v", p, err)
	}
	for _, c := range []struct {
		path, want string
	}{
		{write("none.npz", Entry{Name: "object", Shape: []int{1}, Value: []complex64{1}}), `neither key "probeGuess" nor key "probe"`},
		{write("flat.npz", Entry{Name: "probe", Shape: []int{4}, Value: []complex64{1, 2, 3, 4}}), `key "probe": shape [4]`},
		{write("ints.npz", Entry{Name: "probeGuess", Shape: []int{1, 2}, Value: []int64{1, 2}}), `key "probeGuess": dtype <i8`},
		{filepath.Join(dir, "missing.npz"), "missing.npz"},
	} {
		if _, err := ReadProbe(c.path); err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), filepath.Base(c.path)) {
			t.Errorf("ReadProbe(%s) = %v; want an error naming the file and %q", filepath.Base(c.path), err, c.want)
		}
	}
}
