package pinn

import (
	"testing"

	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/ptychokit/ptychokit/ptychokit/config"
	"github.com/ptychokit/ptychokit/ptychokit/device"
)

// BenchmarkTrainStep times one training step (forward, backward, Adam) on the
// pure-Go backend, batch 16, N = 64:
//
//	go test -run '^$' -bench TrainStep -benchtime 5x ./ptychokit/pinn
func BenchmarkTrainStep(b *testing.B) {
	ds := synthDataset(64, 6, 6, 1, 3)
	for _, c := range []struct {
		name     string
		nfs      float64
		gridsize int
	}{
		{"default_nfs2_g1", 2, 1},
		{"small_nfs0.25_g1", 0.25, 1},
		{"small_nfs0.25_g2", 0.25, 2},
		{"tiny_nfs0.125_g1", 0.125, 1},
	} {
		b.Run(c.name, func(b *testing.B) {
			cfg := config.Defaults()
			cfg.Model.NFiltersScale = c.nfs
			cfg.Model.Gridsize = c.gridsize
			cfg.Training.BatchSize = 16
			groups, err := MakeGroups(ds, cfg, 16, false)
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.New()
			if err := InitProbe(ctx, cfg.Model, ds.Probe.Pix); err != nil {
				b.Fatal(err)
			}
			trainer := newTrainer(device.CPU(), ctx, cfg, groups.CanvasPad)
			idx := make([]int, 16)
			for i := range idx {
				idx[i] = i % groups.Count
			}
			step := func() {
				counts, offsets := groups.gather(idx)
				labels, _ := groups.gather(idx)
				if _, err := trainer.TrainStep(nil, tensorsOf(counts, offsets), tensorsOf(labels)); err != nil {
					b.Fatal(err)
				}
			}
			step() // compile
			b.ResetTimer()
			for range b.N {
				step()
			}
			b.ReportMetric(float64(16*b.N)/b.Elapsed().Seconds(), "patterns/s")
		})
	}
}
