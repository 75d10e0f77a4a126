package data

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestInspect(t *testing.T) {
	t.Parallel()
	const n, N = 4, 8
	cases := []struct {
		name   string
		modify func(s *scan)
		ok     bool
		want   []string // lines or fragments of String()
	}{
		{name: "canonical", modify: func(s *scan) {}, ok: true, want: []string{
			"meets the canonical contract", "patterns: n = 4, N = 8", "diffraction    float32      (4, 8, 8)",
			"yes  training / reconstruction: 4 patterns of 8×8", "yes  simulation input", "pass   \"diffraction\"",
			"photons: no estimate ("}},
		{name: "simulation input", modify: func(s *scan) { s.omitDiffraction = true }, ok: true, want: []string{
			"no diffraction: usable as simulation input", "no   training / reconstruction: no diffraction",
			"patterns: none (N = 8 from the probe, 4 scan points)"}},
		{name: "intensity", modify: func(s *scan) {
			s.omitDiffraction = true
			s.extra = []npyRaw{{"diff3d.npy", npyV1("<u2", false, []int{n, N, N}, leBytes(make([]uint16, n*N*N)))}}
		}, ok: false, want: []string{
			"BREAKS the canonical contract", "pass --intensity to convert",
			`diff3d         uint16       (4, 8, 8)          legacy name, read as "diffraction"`,
			"amplitude (square roots of the stored intensity)", "after --intensity converts the counts"}},
		{name: "pickles and unknown keys", modify: func(s *scan) {
			s.extra = []npyRaw{pickleEntry("_metadata.npy"), pickleEntry("history.npy"), {"extra.npy", npyV1("<f8", false, []int{1}, leBytes([]float64{1}))}}
		}, ok: true, want: []string{
			"_metadata      object (pickled Python objects) (1,)", "ignored: pickled Python objects, never unpickled",
			"extra          float64      (1,)               unknown key, ignored", "warn   no pickled"}},
		{name: "NaN and a short coordinate", modify: func(s *scan) {
			s.diffraction[5] = -1
			s.ycoords = s.ycoords[:3]
		}, ok: false, want: []string{
			"FAIL   \"diffraction\"", "pattern 0 pixel (y 0, x 5) is -1", "FAIL   \"xcoords\", \"ycoords\"",
			`key "ycoords": length 3, want 4`, "no   training / reconstruction"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newScan(n, N, 9)
			tc.modify(s)
			path := s.file(t, t.TempDir(), "scan.npz")
			r, err := Inspect(path)
			if err != nil {
				t.Fatal(err)
			}
			text := r.String()
			if r.OK() != tc.ok {
				t.Errorf("OK() = %v, want %v\n%s", r.OK(), tc.ok, text)
			}
			// OK is exactly "Load accepts it".
			if _, err := Load(path, LoadOptions{}); (err == nil) != r.OK() {
				t.Errorf("OK() = %v but Load says %v", r.OK(), err)
			}
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("report lacks %q:\n%s", w, text)
				}
			}
		})
	}
	if _, err := Inspect(writeFile(t, t.TempDir(), "junk.npz", []byte("junk"))); err == nil {
		t.Error("Inspect of a non-zip: want an error")
	}
}

func TestInspectRealData(t *testing.T) {
	t.Parallel()
	path := filepath.Join(realData, "run1084_object_probe.npz")
	if _, err := os.Stat(path); err != nil {
		t.Skip("no shared datasets:", err)
	}
	r, err := Inspect(path)
	if err != nil {
		t.Fatal(err)
	}
	text := r.String()
	if !r.OK() || !strings.Contains(text, "no diffraction: usable as simulation input") ||
		!strings.Contains(text, "objectGuess    complex128   (227, 226)") || r.Scan == nil || r.Scan.Points != 1087 {
		t.Errorf("run1084 report:\n%s", text)
	}
}
