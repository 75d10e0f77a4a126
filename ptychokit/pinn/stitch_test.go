package pinn

import (
	"math"
	"math/cmplx"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/ptychokit/ptychokit/ptychokit/config"
	"github.com/ptychokit/ptychokit/ptychokit/device"
	"github.com/ptychokit/ptychokit/ptychokit/physics"
	"github.com/ptychokit/ptychokit/ptychokit/stitch"
)

// stitchOptions fills in each mode's part of the patch from the model: 20
// at N = 64 for keep (scaled with N), the whole patch with probe_big and
// the predicted central N/2 without for the windows; probe mode gets the
// model's probe.
func TestStitchOptions(t *testing.T) {
	t.Parallel()
	model := func(n int, probeBig bool) *Model {
		cfg := config.Defaults()
		cfg.Model.N, cfg.Model.ProbeBig = n, probeBig
		ctx := context.New()
		if err := InitProbe(ctx, cfg.Model, physics.DiskProbe(n, physics.DefaultProbeDiameter(n)).Pix); err != nil {
			t.Fatal(err)
		}
		return &Model{Config: cfg, ctx: ctx}
	}
	cases := []struct {
		name     string
		n        int
		probeBig bool
		opts     ReconstructOptions
		mode     stitch.Mode
		keep     int
		want     string // error
	}{
		{"default", 64, true, ReconstructOptions{}, stitch.DefaultMode, 0, ""},
		{"default without probe_big", 64, false, ReconstructOptions{}, stitch.DefaultMode, 32, ""},
		{"keep", 64, true, ReconstructOptions{Stitch: stitch.Keep}, stitch.Keep, 20, ""},
		{"keep at N = 128", 128, true, ReconstructOptions{Stitch: stitch.Keep}, stitch.Keep, 40, ""},
		{"keep 32", 64, true, ReconstructOptions{Stitch: stitch.Keep, Keep: 32}, stitch.Keep, 32, ""},
		{"probe", 64, true, ReconstructOptions{Stitch: stitch.Probe}, stitch.Probe, 0, ""},
		{"gauss keep 40 without probe_big", 64, false, ReconstructOptions{Stitch: stitch.Gauss, Keep: 40}, stitch.Gauss, 40, ""},
		{"unknown mode", 64, true, ReconstructOptions{Stitch: "hann"}, "", 0, `unknown mode "hann"`},
		{"keep too large", 64, true, ReconstructOptions{Keep: 65}, "", 0, "--stitch_keep 65"},
		{"negative keep", 64, true, ReconstructOptions{Stitch: stitch.Keep, Keep: -2}, "", 0, "--stitch_keep -2"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			m := model(c.n, c.probeBig)
			so, err := m.stitchOptions(c.opts)
			if c.want != "" {
				if err == nil || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("got %v, want an error mentioning %q", err, c.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if so.Mode != c.mode || so.Keep != c.keep {
				t.Errorf("mode %q keep %d, want %q keep %d", so.Mode, so.Keep, c.mode, c.keep)
			}
			if (c.mode == stitch.Probe) != (so.Probe != nil) {
				t.Errorf("mode %q with a probe: %v", so.Mode, so.Probe != nil)
			}
			if so.Probe != nil {
				want := m.Probe().Pix
				for i := range want {
					if cmplx.Abs(complex128(so.Probe[i]-want[i])) != 0 {
						t.Fatalf("probe pixel %d: %v, want the model's %v", i, so.Probe[i], want[i])
					}
				}
			}
		})
	}
}

// Reconstruct stitches the patches it predicts with the options it reports:
// stitching its Prediction again with Reconstruction.Stitch gives the same
// object, for the default and for PtychoPINN's keep 20; the default covers
// the whole scanned region.
func TestReconstructStitching(t *testing.T) {
	ds := synthDataset(64, 3, 6, 3, 3)
	dir := t.TempDir()
	cfg := tinyConfig(dir, 1)
	cfg.Training.NEpochs = 1
	cfg.Data.NImages = 8
	if _, err := TrainOn(device.CPU(), cfg, ds, TrainOptions{}); err != nil {
		t.Fatal(err)
	}
	m, err := Load(device.CPU(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer func(f func() int) { stitchWorkers = f }(stitchWorkers)
	for _, opts := range []ReconstructOptions{{KeepPrediction: true}, {Stitch: stitch.Keep, KeepPrediction: true, BatchSize: 3}} {
		// Three accumulators, batches of 3 patches: the merged sums are
		// those of one accumulator to rounding.
		stitchWorkers = func() int { return 3 }
		rec, err := m.Reconstruct(ds, opts)
		if err != nil {
			t.Fatal(err)
		}
		wantMode := opts.Stitch
		if wantMode == "" {
			wantMode = stitch.DefaultMode
		}
		if rec.Stitch.Mode != wantMode {
			t.Errorf("stitched with %q, want %q", rec.Stitch.Mode, wantMode)
		}
		// The frame is the truth's, coordinates unchanged.
		again, err := stitch.Stitch(rec.Prediction.Patches, 64, rec.Prediction.X, rec.Prediction.Y, rec.Object.H, rec.Object.W, rec.Stitch)
		if err != nil {
			t.Fatal(err)
		}
		for i := range again.Pix {
			if d := again.Pix[i] - rec.Object.Pix[i]; math.Hypot(float64(real(d)), float64(imag(d))) > 1e-6*(1+cmplx.Abs(complex128(again.Pix[i]))) {
				t.Fatalf("%v: pixel %d is %v, stitching the prediction again gives %v", rec.Stitch, i, rec.Object.Pix[i], again.Pix[i])
			}
		}
		if wantMode == stitch.DefaultMode && rec.Coverage != 1 {
			t.Errorf("%v covers %.4f of the scanned region, want all", rec.Stitch, rec.Coverage)
		}
		if len(rec.Weights) != rec.Object.H*rec.Object.W {
			t.Errorf("%d weights for a %d×%d object", len(rec.Weights), rec.Object.H, rec.Object.W)
		}
	}
}
