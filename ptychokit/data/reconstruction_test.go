package data

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestReconstructionRoundTrip(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	obj := &ComplexImage{H: 2, W: 3, Pix: []complex64{1, 2i, 3, -1, 0.5 + 0.5i, 0}}
	probe := &ComplexImage{H: 2, W: 2, Pix: []complex64{1, 1i, -1, -1i}}
	for _, tc := range []struct {
		name string
		rec  *Reconstruction
	}{
		{"full", &Reconstruction{Object: obj, Probe: probe, XCoords: []float64{1, 2}, YCoords: []float64{0.5, 1.5}}},
		{"object only", &Reconstruction{Object: obj}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".npz")
			if err := tc.rec.Write(path, WriteOptions{}); err != nil {
				t.Fatal(err)
			}
			got, err := ReadReconstruction(path)
			if err != nil {
				t.Fatal(err)
			}
			if got.Object.H != obj.H || got.Object.W != obj.W || !slices.Equal(got.Object.Pix, obj.Pix) {
				t.Errorf("object %+v, want %+v", got.Object, obj)
			}
			if (got.Probe == nil) != (tc.rec.Probe == nil) || (got.Probe != nil && !slices.Equal(got.Probe.Pix, probe.Pix)) {
				t.Errorf("probe %+v, want %+v", got.Probe, tc.rec.Probe)
			}
			if !slices.Equal(got.XCoords, tc.rec.XCoords) || !slices.Equal(got.YCoords, tc.rec.YCoords) {
				t.Errorf("coords (%v, %v), want (%v, %v)", got.XCoords, got.YCoords, tc.rec.XCoords, tc.rec.YCoords)
			}
		})
	}
}

func TestReconstructionErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	scan := filepath.Join(dir, "scan.npz")
	if err := WriteArrays(scan, []Entry{{Name: "objectGuess", Shape: []int{1, 1}, Value: []complex64{1}}}); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.npz")
	if err := WriteArrays(empty, []Entry{{Name: "other", Shape: []int{1}, Value: []float64{1}}}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path, want string
	}{
		{scan, "a scan (objectGuess)"},
		{empty, `no key "object"`},
		{filepath.Join(dir, "missing.npz"), "missing.npz"},
	} {
		if _, err := ReadReconstruction(tc.path); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ReadReconstruction(%s): err = %v, want one containing %q", filepath.Base(tc.path), err, tc.want)
		}
	}
	bad := &Reconstruction{Object: &ComplexImage{H: 1, W: 1, Pix: []complex64{1}}, XCoords: []float64{1}}
	if err := bad.Write(filepath.Join(dir, "bad.npz"), WriteOptions{}); err == nil {
		t.Error("Write with 1 xcoord and no ycoords: no error")
	}
	if err := (&Reconstruction{}).Write(filepath.Join(dir, "none.npz"), WriteOptions{}); err == nil {
		t.Error("Write without an object: no error")
	}
}

// TestReconstructionRoundTripExact writes every field, config and costs
// included, and reads back the same value; a file written before "config"
// and "costs" existed reads with them nil.
func TestReconstructionRoundTripExact(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	modes := []*ComplexImage{{H: 2, W: 2, Pix: []complex64{1, 1i, -1, -1i}}, {H: 2, W: 2, Pix: []complex64{0.5, 0, 0, 0.25i}}}
	want := &Reconstruction{Object: &ComplexImage{H: 1, W: 2, Pix: []complex64{1 + 2i, -3}},
		Probe: modes[0], ProbeModes: modes, XCoords: []float64{1, 2.5}, YCoords: []float64{0.5, 1.5},
		Config: json.RawMessage(`{"algorithm":"rpie","iterations":3,"name":"é"}`), Costs: []float64{0.5, 0.25, 0.125}}
	path := filepath.Join(dir, "all.npz")
	if err := want.Write(path, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	got, err := ReadReconstruction(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("read %+v, want %+v", got, want)
	}
	old := filepath.Join(dir, "old.npz")
	if err := WriteArrays(old, []Entry{{Name: "object", Shape: []int{1, 2}, Value: want.Object.Pix}}); err != nil {
		t.Fatal(err)
	}
	if got, err = ReadReconstruction(old); err != nil || got.Config != nil || got.Costs != nil {
		t.Errorf("old file: %+v, %v; want no config, no costs", got, err)
	}
	if err := (&Reconstruction{Object: want.Object, Config: json.RawMessage("{")}).Write(filepath.Join(dir, "bad.npz"), WriteOptions{}); err == nil {
		t.Error("Write with a config that is not JSON: no error")
	}
}
