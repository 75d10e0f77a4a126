package pinn

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/ptychokit/ptychokit/ptychokit/config"
	"github.com/ptychokit/ptychokit/ptychokit/data"
	"github.com/ptychokit/ptychokit/ptychokit/device"
	"github.com/ptychokit/ptychokit/ptychokit/metrics"
)

// TestQualityLines trains on the canonical 'lines' scan (N=64, soft-disk
// probe, 1e9 photons) with a CPU budget of minutes and reports the SSIM of
// the stitched object against the ground truth, for gridsize 1 and 2. It is a
// measurement, not a threshold, and is skipped unless PTYCHOKIT_QUALITY=1:
//
//	PTYCHOKIT_QUALITY=1 go test -run Quality -v -timeout 30m ./ptychokit/pinn
//
// PTYCHOKIT_QUALITY_EPOCHS overrides the number of epochs (default 10).
func TestQualityLines(t *testing.T) {
	if os.Getenv("PTYCHOKIT_QUALITY") != "1" {
		t.Skip("set PTYCHOKIT_QUALITY=1 to measure reconstruction quality (minutes)")
	}
	epochs := 10
	if e, err := strconv.Atoi(os.Getenv("PTYCHOKIT_QUALITY_EPOCHS")); err == nil {
		epochs = e
	}
	path := filepath.Join("..", "..", "datasets", "lines_N64.npz")
	ds, err := data.Load(path, data.LoadOptions{})
	if err != nil {
		t.Skip(err)
	}
	for _, gridsize := range []int{1, 2} {
		cfg := config.Defaults()
		cfg.Model.NFiltersScale = 0.25
		cfg.Model.Gridsize = gridsize
		cfg.Training.BatchSize = 16
		cfg.Training.NEpochs = epochs
		cfg.Data.NImages = 0
		cfg.Data.OutputDir = t.TempDir()
		res, err := TrainOn(device.CPU(), cfg, ds, TrainOptions{Progress: os.Stderr})
		if err != nil {
			t.Fatal(err)
		}
		var seconds float64
		for _, h := range res.History {
			seconds += h.Seconds
		}
		m, err := Load(device.CPU(), cfg.Data.OutputDir)
		if err != nil {
			t.Fatal(err)
		}
		rec, err := m.Reconstruct(ds, ReconstructOptions{})
		if err != nil {
			t.Fatal(err)
		}
		rep, err := metrics.Compare(rec.Object, ds.Object, metrics.CompareOptions{ScanX: ds.XCoords, ScanY: ds.YCoords})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("gridsize %d: %d epochs, %.1f s/epoch (%d steps of batch 16, median step %.2f s); amplitude SSIM %.3f, phase SSIM %.3f, FRC50 %.3f",
			gridsize, len(res.History), seconds/float64(len(res.History)), res.StepsPerEpoch, res.MedianStepSeconds,
			rep.Amplitude.SSIM, rep.Phase.SSIM, rep.FRC50)
		t.Logf("\n%s", rep.Table())
	}
}
