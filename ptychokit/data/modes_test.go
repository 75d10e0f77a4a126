package data

import (
	"path/filepath"
	"testing"
)

// TestReconstructionProbeModes: a reconstruction with several probe modes
// writes "probe" as [M, N, N] and reads back every mode exactly, the first
// as Probe; one mode keeps the [N, N] layout.
func TestReconstructionProbeModes(t *testing.T) {
	t.Parallel()
	mode := func(v complex64) *ComplexImage {
		im := &ComplexImage{H: 2, W: 3, Pix: make([]complex64, 6)}
		for i := range im.Pix {
			im.Pix[i] = v * complex(float32(i+1), 0)
		}
		return im
	}
	object := mode(1)
	dir := t.TempDir()
	for _, m := range []int{1, 3} {
		modes := []*ComplexImage{mode(1 + 1i), mode(0.5), mode(-0.25i)}[:m]
		path := filepath.Join(dir, "r.npz")
		r := &Reconstruction{Object: object, Probe: modes[0], XCoords: []float64{1, 2}, YCoords: []float64{3, 4}}
		if m > 1 {
			r.ProbeModes = modes
		}
		if err := r.Write(path, WriteOptions{}); err != nil {
			t.Fatal(err)
		}
		entries, err := ReadArrays(path)
		if err != nil {
			t.Fatal(err)
		}
		wantShape := []int{2, 3}
		if m > 1 {
			wantShape = []int{m, 2, 3}
		}
		if got := entries["probe"].Shape; len(got) != len(wantShape) || got[0] != wantShape[0] {
			t.Errorf("%d modes: probe shape %v, want %v", m, got, wantShape)
		}
		back, err := ReadReconstruction(path)
		if err != nil {
			t.Fatal(err)
		}
		if m > 1 && len(back.ProbeModes) != m || m == 1 && back.ProbeModes != nil {
			t.Fatalf("%d modes: read %d", m, len(back.ProbeModes))
		}
		for k := range back.ProbeModes {
			for i, v := range back.ProbeModes[k].Pix {
				if v != modes[k].Pix[i] {
					t.Fatalf("mode %d pixel %d: %v, wrote %v", k, i, v, modes[k].Pix[i])
				}
			}
		}
		if back.Probe.Pix[5] != modes[0].Pix[5] || back.Probe.H != 2 || back.Probe.W != 3 {
			t.Errorf("%d modes: probe %+v", m, back.Probe)
		}
	}
}
