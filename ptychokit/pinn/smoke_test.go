package pinn

import (
	"os"
	"testing"

	"github.com/ptychokit/ptychokit/ptychokit/config"
	"github.com/ptychokit/ptychokit/ptychokit/device"
)

func TestSmoke(t *testing.T) {
	ds := synthDataset(64, 6, 6, 1, 3)
	cfg := config.Defaults()
	cfg.Model.NFiltersScale = 0.25
	cfg.Model.Gridsize = 2
	cfg.Training.BatchSize = 4
	cfg.Training.NEpochs = 2
	cfg.Data.NImages = 32
	cfg.Data.OutputDir = t.TempDir()
	res, err := TrainOn(device.CPU(), cfg, ds, TrainOptions{Progress: os.Stderr})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", res)
}
