package pinn

import (
	"math"
	"testing"

	"github.com/ptychokit/ptychokit/ptychokit/config"
	"github.com/ptychokit/ptychokit/ptychokit/device"
)

// TestResidentAndStreamedTrainingAgree: training with the groups resident on
// the device (each step gathers its batch there) and with every batch
// gathered on the host and uploaded gives the same losses and weights, for
// the PINN (gridsize 2, a padded last batch) and the supervised model.
func TestResidentAndStreamedTrainingAgree(t *testing.T) {
	for _, tc := range []struct {
		name       string
		supervised bool
		gridsize   int
	}{{"pinn_gs2", false, 2}, {"supervised_gs1", true, 1}} {
		t.Run(tc.name, func(t *testing.T) {
			ds := synthDataset(64, 4, 6, 4, 3)
			cfg := tinyConfig(t.TempDir(), tc.gridsize)
			cfg.Training.NEpochs = 2
			cfg.Training.EarlyStopPatience = 0
			cfg.Data.NImages = 11 // 9 training groups in batches of 4: the last one padded
			if tc.supervised {
				cfg.Model.ModelType = config.ModelSupervised
				cfg.Training.RealspaceMAEWeight = 1
			}
			residentDir := cfg.Data.OutputDir
			resident, err := TrainOn(device.CPU(), cfg, ds, TrainOptions{})
			if err != nil {
				t.Fatal(err)
			}
			cfg.Data.OutputDir = t.TempDir()
			streamed, err := TrainOn(device.CPU(), cfg, ds, TrainOptions{ResidentBytes: -1})
			if err != nil {
				t.Fatal(err)
			}
			if len(resident.History) != 2 || len(streamed.History) != 2 {
				t.Fatalf("epochs: resident %d, streamed %d", len(resident.History), len(streamed.History))
			}
			same := func(a, b float64) bool { return math.Abs(a-b) <= 1e-6*math.Max(math.Abs(a), math.Abs(b)) }
			for i, r := range resident.History {
				s := streamed.History[i]
				if !same(r.TrainLoss, s.TrainLoss) || !same(r.ValLoss, s.ValLoss) || math.IsNaN(r.ValLoss) {
					t.Fatalf("epoch %d: resident loss %g / val %g, streamed %g / %g", i+1, r.TrainLoss, r.ValLoss, s.TrainLoss, s.ValLoss)
				}
			}
			a, b := allVariables(t, residentDir), allVariables(t, cfg.Data.OutputDir)
			if len(a) == 0 || len(a) != len(b) {
				t.Fatalf("variables: %d resident, %d streamed", len(a), len(b))
			}
			for name, va := range a {
				for i, v := range b[name] {
					if !same(float64(va[i]), float64(v)) && math.Abs(float64(va[i]-v)) > 1e-7 {
						t.Fatalf("%s[%d]: resident %g, streamed %g", name, i, va[i], v)
					}
				}
			}
		})
	}
}

// TestResidentBytes counts every array that goes to the device.
func TestResidentBytes(t *testing.T) {
	g := &Groups{N: 64, C: 4, Count: 1000}
	if got, want := residentBytes(g, false), int64(4*(64*64*4+8)*1000); got != want {
		t.Errorf("PINN: %d bytes, want %d", got, want)
	}
	if got, want := residentBytes(g, true), int64(4*(3*64*64*4+8)*1000); got != want {
		t.Errorf("supervised: %d bytes, want %d", got, want)
	}
}
