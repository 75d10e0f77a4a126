package pinn

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX's graph idiom.
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"

	"github.com/ptychokit/ptychokit/ptychokit/config"
	"github.com/ptychokit/ptychokit/ptychokit/device"
	"github.com/ptychokit/ptychokit/ptychokit/physics"
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
			cfg.Training.NPhotons = config.DefaultNPhotons // MakeGroups without training
			cfg.Model.NFiltersScale = c.nfs
			cfg.Model.Gridsize = c.gridsize
			cfg.Training.BatchSize = 16
			groups, err := MakeGroups(ds, cfg, 16, false)
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.New()
			if err := InitModel(ctx, cfg.Model, cfg.Training.NPhotons, ds.Probe.Pix, groups); err != nil {
				b.Fatal(err)
			}
			trainer := newTrainer(device.CPU(), ctx, cfg, groups.CanvasPad, 1, nil)
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

// BenchmarkTrainerSync times the trainer's step on the backend of
// PTYCHOKIT_DEVICE at PtychoPINN's default network, gridsize 1, batches of 16
// and 1024, with the groups resident, in three ways: reading the loss after
// every step (as GoMLX's Loop does), reading it only at the end (steps
// queue up on the device), a plain graph, and train's own stepper:
//
//	PTYCHOKIT_DEVICE=gpu go test -run '^$' -bench TrainerSync -benchtime 20x ./ptychokit/pinn
func BenchmarkTrainerSync(b *testing.B) {
	backend, err := device.FromEnv()
	if err != nil {
		b.Fatal(err)
	}
	for _, batch := range benchBatches() {
		b.Run(fmt.Sprintf("batch%d", batch), func(b *testing.B) { benchTrainerSync(b, backend, batch) })
	}
}

func benchTrainerSync(b *testing.B, backend backends.Backend, batch int) {
	const n = 64
	count := 4 * batch
	cfg := config.Defaults()
	cfg.Training.NPhotons = config.DefaultNPhotons // Forward without training
	cfg.Training.BatchSize = batch
	r := rand.New(rand.NewPCG(1, 2))
	g := &Groups{N: n, C: 1, Count: count, Counts: make([]float32, count*n*n), Offsets: make([]float32, count*2), CanvasPad: 1}
	for i := range g.Counts {
		g.Counts[i] = float32(r.Float64() * 100)
	}
	res, err := upload(backend, nil, g, false)
	if err != nil {
		b.Fatal(err)
	}
	defer res.finalize()
	ctx := context.New()
	ctx.SetParam(optimizers.ParamLearningRate, 1e-4)
	if err := InitModel(ctx, cfg.Model, cfg.Training.NPhotons, physics.DiskProbe(n, physics.DefaultProbeDiameter(n)).Pix, g); err != nil {
		b.Fatal(err)
	}
	trainer := newTrainer(backend, ctx, cfg, g.CanvasPad, 1, nil)
	order := make([]int, count)
	for i := range order {
		order[i] = i
	}
	ds := (&feeder{backend: backend, g: g, r: res}).pass(&batches{name: "bench", g: g, order: order, batchSize: batch})
	next := func() (in, lab []*tensors.Tensor) { // the next batch, round and round
		_, in, lab, err := ds.Yield()
		if errors.Is(err, io.EOF) {
			ds.Reset()
			_, in, lab, err = ds.Yield()
		}
		if err != nil {
			b.Fatal(err)
		}
		return in, lab
	}
	step := func(read bool) {
		in, lab := next()
		m, err := trainer.TrainStep(nil, in, lab)
		if err != nil {
			b.Fatal(err)
		}
		if read {
			_ = m[0].Value()
		}
	}
	step(true) // compile
	for _, read := range []bool{true, false} {
		name := "read_every_step"
		if !read {
			name = "read_at_end"
		}
		b.Run(name, func(b *testing.B) {
			for range b.N {
				step(read)
			}
			step(true)
			b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N+1), "ms/step")
		})
	}
	// The same step without GoMLX's trainer: Forward, the loss and Adam in
	// one graph (as benchkit times it), with the plain and the weighted loss.
	for _, weighted := range []bool{false, true} {
		name := "plain_mean_loss"
		if weighted {
			name = "plain_weighted_loss"
		}
		b.Run(name, func(b *testing.B) {
			ctx := context.New()
			ctx.SetParam(optimizers.ParamLearningRate, 1e-4)
			if err := InitModel(ctx, cfg.Model, cfg.Training.NPhotons, physics.DiskProbe(n, physics.DefaultProbeDiameter(n)).Pix, g); err != nil {
				b.Fatal(err)
			}
			opt := optimizers.Adam().Done()
			exec, err := context.NewExec(backend, ctx, func(ctx *context.Context, all, offs, idx, w *Node) *Node {
				ctx.SetTraining(all.Graph(), true)
				at := InsertAxes(idx, -1)
				c, o := Gather(all, at), Gather(offs, at)
				out := Forward(ctx, cfg.Model, cfg.Training.NPhotons, c, o, g.CanvasPad)
				loss := Loss(cfg, out, c, nil, nil, nil)
				if weighted {
					loss = WeightedMean(GroupLosses(cfg, out, c, nil, nil, nil), w)
				}
				opt.UpdateGraph(ctx, all.Graph(), loss)
				return loss
			})
			if err != nil {
				b.Fatal(err)
			}
			call := func() {
				in, lab := next()
				out, err := exec.Exec(in[0], in[1], in[2], lab[0])
				if err != nil {
					b.Fatal(err)
				}
				_ = out[0].Value()
			}
			call() // compile
			b.ResetTimer()
			for range b.N {
				call()
			}
			b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/step")
		})
	}
	b.Run("stepper", func(b *testing.B) { // train's own way: no read-back between steps
		s, err := newStepper(trainer, newProgressLine(nil), nil)
		if err != nil {
			b.Fatal(err)
		}
		var secs []float64
		for steps := 0; steps < b.N; steps += count / batch {
			ds.Reset()
			_, sec, _, err := s.pass(ds, 1)
			if err != nil {
				b.Fatal(err)
			}
			secs = append(secs, sec)
		}
		b.ReportMetric(median(secs)*1000, "ms/step")
	})
}

// benchBatches are the batch sizes of BenchmarkTrainerSync: 16 and 1024, or
// those of PTYCHOKIT_BENCH_BATCHES (comma-separated).
func benchBatches() []int {
	s := os.Getenv("PTYCHOKIT_BENCH_BATCHES")
	if s == "" {
		return []int{16, 1024}
	}
	var out []int
	for _, f := range strings.Split(s, ",") {
		if v, err := strconv.Atoi(strings.TrimSpace(f)); err == nil && v > 0 {
			out = append(out, v)
		}
	}
	return out
}

// BenchmarkUpload times copying float32 arrays of 16, 128 and 512 MB from
// the host to device 0 of PTYCHOKIT_DEVICE's backend (what training does
// once with resident groups, or every batch when streaming):
//
//	PTYCHOKIT_DEVICE=gpu go test -run '^$' -bench Upload ./ptychokit/pinn
func BenchmarkUpload(b *testing.B) {
	backend, err := device.FromEnv()
	if err != nil {
		b.Fatal(err)
	}
	for _, mb := range []int{16, 128, 512} {
		flat := make([]float32, mb<<18)
		for i := range flat {
			flat[i] = float32(i)
		}
		b.Run(fmt.Sprintf("%dMB", mb), func(b *testing.B) {
			for range b.N {
				t, err := toDevice(backend, 0, flat, []int{len(flat)})
				if err != nil {
					b.Fatal(err)
				}
				t.MustFinalizeAll()
			}
			b.ReportMetric(float64(mb)*float64(b.N)/1024/b.Elapsed().Seconds(), "GB/s")
		})
	}
}
