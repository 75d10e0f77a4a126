package solvers

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/ptychokit/ptychokit/ptychokit/data"
)

func ExampleNames() {
	fmt.Println(Names())
	// Output: [epie lsqml rpie]
}

func TestOptionsAndDatasetErrors(t *testing.T) {
	scan := newSmallScan(3)
	good := func() Options { return Options{Algorithm: "rpie", Iterations: 1} }
	withDataset := func(edit func(ds *data.Dataset)) *data.Dataset {
		ds := *scan.ds
		ds.XCoords = append([]float64(nil), ds.XCoords...)
		edit(&ds)
		return &ds
	}
	nanProbe := toImage(scan.probe, scan.ds.N, scan.ds.N)
	nanProbe.Pix[3] = complex(float32(math.NaN()), 0)
	for _, tc := range []struct {
		name    string
		opts    Options
		ds      *data.Dataset
		wantErr string
	}{
		{"unknown algorithm", Options{Algorithm: "dm"}, scan.ds, `algorithm "dm": want one of epie, lsqml, rpie`},
		{"negative iterations", Options{Algorithm: "epie", Iterations: -1}, scan.ds, "iterations -1"},
		{"step too large", Options{Algorithm: "epie", Object: ObjectOptions{Step: 3}}, scan.ds, "object: step 3"},
		{"noise model", Options{Algorithm: "lsqml", Noise: "laplace"}, scan.ds, `noise model "laplace"`},
		{"NaN probe", Options{Algorithm: "epie", Probe: ProbeOptions{Initial: nanProbe}}, scan.ds, "initial probe: holds NaN"},
		{"no diffraction", good(), withDataset(func(ds *data.Dataset) { ds.Diffraction = nil }), `key "diffraction": missing`},
		{"no probe", good(), withDataset(func(ds *data.Dataset) { ds.Probe = nil }), `key "probeGuess": missing`},
		{"NaN position", good(), withDataset(func(ds *data.Dataset) { ds.XCoords[4] = math.NaN() }), `key "xcoords": element 4 is NaN`},
		{"short coordinates", good(), withDataset(func(ds *data.Dataset) { ds.XCoords = ds.XCoords[:3] }), `key "xcoords": length 3, want 49`},
		{"no dataset", good(), nil, "dataset: nil"},
		{"negative amplitude", good(), withDataset(func(ds *data.Dataset) {
			ds.Diffraction = append([]float32(nil), ds.Diffraction...)
			ds.Diffraction[5] = -1
		}), `key "diffraction": pattern 0 pixel (y 0, x 5) is -1`},
		{"zero patterns", good(), withDataset(func(ds *data.Dataset) { ds.Diffraction = make([]float32, len(ds.Diffraction)) }),
			`key "diffraction": all patterns are zero`},
		{"initial probe size", Options{Algorithm: "epie", Probe: ProbeOptions{Initial: &data.ComplexImage{H: 2, W: 2, Pix: make([]complex64, 4)}}},
			scan.ds, "initial probe: 2×2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.ds, tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("got error %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestIterateHooksAndFrame(t *testing.T) {
	scan := newSmallScan(4)
	ds := *scan.ds
	// Shift the scan so patches would leave the frame at the top-left: the
	// solver must shift them back and say so.
	ds.XCoords, ds.YCoords = make([]float64, ds.Count), make([]float64, ds.Count)
	for i := range ds.Count {
		ds.XCoords[i] = scan.ds.XCoords[i] - 20
		ds.YCoords[i] = scan.ds.YCoords[i] - 20
	}
	ds.Object = nil
	var seen []int
	stop := errors.New("enough")
	opts := Options{Algorithm: "epie", BatchSize: 16, Hooks: []Hook{func(r *Solver, it IterationRecord) error {
		seen = append(seen, it.Iteration)
		if it.Iteration == 3 {
			return stop
		}
		return nil
	}}}
	r, err := New(&ds, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Iterate(2); err != nil {
		t.Fatal(err)
	}
	if err := r.Iterate(5); !errors.Is(err, stop) {
		t.Fatalf("Iterate returned %v, want the hook's error", err)
	}
	if fmt.Sprint(seen) != "[1 2 3]" || r.Iterations() != 3 {
		t.Fatalf("hooks saw %v after %d iterations, want [1 2 3] after 3", seen, r.Iterations())
	}
	res, err := r.Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) == 0 || !strings.Contains(res.Warnings[0], "shifted") {
		t.Fatalf("warnings %q, want the shift explained", res.Warnings)
	}
	// The returned coordinates are in the returned frame: every patch inside it.
	n := float64(ds.N)
	for i := range res.XCoords {
		if res.XCoords[i]-n/2 < 0 || res.YCoords[i]-n/2 < 0 ||
			res.XCoords[i]+n/2 > float64(res.Object.W) || res.YCoords[i]+n/2 > float64(res.Object.H) {
			t.Fatalf("position %d (%g, %g) leaves the %d×%d frame", i, res.XCoords[i], res.YCoords[i], res.Object.H, res.Object.W)
		}
	}
	// 49 positions in batches of at most 16: four batches of 13 (3 padded).
	if r.batches != 4 || r.batchSize != 13 {
		t.Fatalf("%d batches of %d, want 4 of 13", r.batches, r.batchSize)
	}
}
