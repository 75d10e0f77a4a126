package pinn

import (
	"fmt"
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ptychokit/ptychokit/ptychokit/config"
	"github.com/ptychokit/ptychokit/ptychokit/data"
)

// TestPrepareTraining: nphotons 0 becomes the data's photon count (or
// PtychoPINN's 1e9 for data that are not whole counts), a given value far
// from the data's draws a warning, and n_subsample thins the scan.
func TestPrepareTraining(t *testing.T) {
	lines, err := data.Load(filepath.Join("..", "..", "datasets", "lines_N64.npz"), data.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	linesPhotons := lines.EstimatePhotons().NPhotons // ~1e9: datasets/make.sh
	noiseFree := synthDataset(64, 3, 6, 1, 3)
	cases := []struct {
		name     string
		ds       *data.Dataset
		nphotons float64
		want     float64
		log      []string // fragments of the log; nil: nothing logged
	}{
		{"from the data", lines, 0, linesPhotons, []string{"nphotons " + fmt.Sprintf("%.6g", linesPhotons) + ": read from the data"}},
		{"noise-free", noiseFree, 0, config.DefaultNPhotons, []string{"nphotons 1e+09, PtychoPINN's default: the data give no photon count (not quantised"}},
		// The data's count is an estimate (~1e9 ± the noise): printed as it is.
		{"given, far below", lines, 1e6, 1e6, []string{"warning: nphotons 1e+06 is 1e+03× below the " + fmt.Sprintf("%.6g", linesPhotons) + " photons"}},
		{"given, far above", lines, 2e10, 2e10, []string{"warning: nphotons 2e+10 is 20× above"}},
		{"given, close", lines, 5e8, 5e8, nil},
		{"given, no count to compare", noiseFree, 1e3, 1e3, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config.Defaults()
			cfg.Model.Gridsize = 2 // gridsize 1 with the disk probe adds the twin warning (TestPrepareTwinWarning)
			cfg.Training.NPhotons = tc.nphotons
			var log strings.Builder
			got, ds, err := PrepareTraining(cfg, tc.ds, &log)
			if err != nil {
				t.Fatal(err)
			}
			if got.Training.NPhotons != tc.want || ds != tc.ds {
				t.Errorf("nphotons %g, dataset changed %v; want %g, the same dataset", got.Training.NPhotons, ds != tc.ds, tc.want)
			}
			if lines := strings.Count(log.String(), "\n"); (tc.log == nil) != (lines == 0) || lines > 1 {
				t.Errorf("log %q: want one line with %q", log.String(), tc.log)
			}
			for _, f := range tc.log {
				if !strings.Contains(log.String(), f) {
					t.Errorf("log %q lacks %q", log.String(), f)
				}
			}
		})
	}

	// With nphotons from the data the network's input is sqrt(counts): its
	// squares are whole numbers (float32 resolves them far beyond 1000).
	t.Run("input is sqrt(counts)", func(t *testing.T) {
		cfg, ds, _ := PrepareTraining(config.Defaults(), lines, nil)
		g, err := MakeGroups(ds, cfg, 8, false)
		if err != nil {
			t.Fatal(err)
		}
		tested := 0
		for _, v := range g.Counts {
			if k := float64(v) * float64(v); k > 0 && k < 1000 {
				tested++
				if math.Abs(k-math.Round(k)) > 1e-3 {
					t.Fatalf("input %v: its square %v is not a whole count", v, k)
				}
			}
		}
		if tested < 1000 {
			t.Fatalf("only %d dim pixels tested", tested)
		}
	})

	t.Run("n_subsample", func(t *testing.T) {
		cfg := config.Defaults()
		cfg.Data.NSubsample, cfg.Data.SubsampleSeed = 100, 7
		var log strings.Builder
		got, ds, err := PrepareTraining(cfg, lines, &log)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := lines.Select(data.Subsample(lines.Count, 100, 7))
		if ds.Count != 100 || !reflect.DeepEqual(ds.XCoords, want.XCoords) || !reflect.DeepEqual(ds.Diffraction, want.Diffraction) {
			t.Errorf("trains on %d points, want the 100 of data.Subsample", ds.Count)
		}
		// The photon count is the subsample's: the network then sees
		// exactly sqrt(counts) (s·X with X scaled by the same data).
		if e := want.EstimatePhotons(); got.Training.NPhotons != e.NPhotons {
			t.Errorf("nphotons %g, want the subsample's %g", got.Training.NPhotons, e.NPhotons)
		}
		if !strings.Contains(log.String(), "n_subsample: training on 100 of the 256 scan points (subsample_seed 7)\n") {
			t.Errorf("log %q", log.String())
		}
		// n_subsample at least the scan keeps it whole.
		cfg.Data.NSubsample = 256
		if _, ds, _ := PrepareTraining(cfg, lines, nil); ds != lines {
			t.Error("n_subsample = n: the scan was copied")
		}
	})

	// MakeGroups refuses an unresolved nphotons with a sentence.
	if _, err := MakeGroups(lines, config.Defaults(), 4, false); err == nil || !strings.Contains(err.Error(), "nphotons = 0") {
		t.Errorf("MakeGroups with nphotons 0: %v", err)
	}
}

// TestPrepareTwinWarning: gridsize 1 with a centro-symmetric probe (the
// soft disk of lines_N64) is warned of the twin ambiguity; an asymmetric
// probe, or gridsize 2, is not.
func TestPrepareTwinWarning(t *testing.T) {
	symmetric := synthDataset(64, 3, 6, 1, 3)
	asymmetric := synthDataset(64, 3, 6, 1, 3)
	asymmetric.Probe = &data.ComplexImage{H: 64, W: 64, Pix: append([]complex64(nil), symmetric.Probe.Pix...)}
	for i := range 64 * 32 { // darken the top half: no longer P(−r) = P(r)
		asymmetric.Probe.Pix[i] *= 0.2
	}
	for _, tc := range []struct {
		name     string
		ds       *data.Dataset
		gridsize int
		warned   bool
	}{
		{"disk gridsize 1", symmetric, 1, true},
		{"disk gridsize 2", symmetric, 2, false},
		{"asymmetric gridsize 1", asymmetric, 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config.Defaults()
			cfg.Model.Gridsize = tc.gridsize
			cfg.Training.NPhotons = 1e9
			var log strings.Builder
			if _, _, err := PrepareTraining(cfg, tc.ds, &log); err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(log.String(), "twin"); got != tc.warned {
				t.Errorf("log %q: twin warning %v, want %v", log.String(), got, tc.warned)
			}
		})
	}
}
