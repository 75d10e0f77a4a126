package pinn

import (
	"math"
	"testing"

	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/ptychokit/ptychokit/ptychokit/config"
	"github.com/ptychokit/ptychokit/ptychokit/device"
)

// TestScheduleMonitors walks the loop state through a made-up history: the
// best epoch and the learning rate follow the validation loss; early
// stopping follows the validation loss by default and the training loss
// with early_stop_monitor "loss" (PtychoPINN's rule), and flat epochs count
// for neither patience.
func TestScheduleMonitors(t *testing.T) {
	trained := func(train, val float64) EpochStats {
		return EpochStats{TrainLoss: train, ValLoss: val, AmpContrast: 0.1, PhaseSpread: 0.1}
	}
	flat := EpochStats{TrainLoss: 9, ValLoss: 9, AmpContrast: 0.001, PhaseSpread: 0.001}
	// The validation loss bottoms out at epoch 3 while the training loss
	// keeps falling: overfitting.
	history := []EpochStats{flat, trained(8, 8), trained(6, 7), trained(5, 5), trained(4, 6), trained(3, 6.5), trained(2, 7), trained(1, 8)}
	cases := []struct {
		monitor     string
		stopAt      int // epoch after which the run stops (0 = never)
		bestEpoch   int
		lrAtTheStop float64
	}{
		// val_loss: epochs 5, 6, 7 without a better validation loss → stop after 7.
		{config.MonitorValLoss, 7, 4, 0.5},
		// loss: the training loss improves every epoch → never stops.
		{config.MonitorLoss, 0, 4, 0.25},
	}
	for _, c := range cases {
		t.Run(c.monitor, func(t *testing.T) {
			tr := config.Defaults().Training
			tr.EarlyStopMonitor, tr.EarlyStopPatience, tr.LRPatience, tr.LRFactor, tr.LRMin = c.monitor, 3, 2, 0.5, 0.01
			s := newLoopState(context.New(), 1)
			stoppedAt := 0
			for i, st := range history {
				s.update(i+1, st, tr)
				if s.stopped() {
					stoppedAt = i + 1
					break
				}
			}
			if stoppedAt != c.stopAt || s.bestEpoch() != c.bestEpoch || math.Abs(s.lr()-c.lrAtTheStop) > 1e-12 {
				t.Errorf("stopped after epoch %d, best %d, lr %g; want %d, %d, %g", stoppedAt, s.bestEpoch(), s.lr(), c.stopAt, c.bestEpoch, c.lrAtTheStop)
			}
		})
	}
}

// TestStepsPerCallEqualsOneAtATime: training with several steps a compiled
// call (config.Training.StepsPerCall) runs the same Adam steps as one a call —
// the same weights and losses to float32 rounding — including a pass whose
// last call holds fewer steps and a padded last batch (10 training groups,
// batch 4: batches of 4, 4 and 2+2 padding; at 2 a call: calls of 2 and 1),
// with the groups resident on the device and streamed from the host.
func TestStepsPerCallEqualsOneAtATime(t *testing.T) {
	ds := synthDataset(64, 4, 6, 1, 3)
	for _, resident := range []int64{0, -1} {
		run := func(perCall int) (map[string][]float32, []EpochStats) {
			dir := t.TempDir()
			cfg := tinyConfig(dir, 2)
			cfg.Training.EarlyStopPatience = 0
			cfg.Training.StepsPerCall = perCall
			res, err := TrainOn(device.CPU(), cfg, ds, TrainOptions{ResidentBytes: resident})
			if err != nil {
				t.Fatal(err)
			}
			if res.StepsPerEpoch != 3 || res.StepsPerCall != perCall {
				t.Fatalf("steps an epoch %d, a call %d; want 3 and %d", res.StepsPerEpoch, res.StepsPerCall, perCall)
			}
			return allVariables(t, dir), res.History
		}
		va, ha := run(1)
		vb, hb := run(2)
		for i := range ha {
			if d := math.Abs(ha[i].TrainLoss-hb[i].TrainLoss) / math.Abs(ha[i].TrainLoss); !(d < 1e-4) {
				t.Errorf("resident %d, epoch %d: train loss %.7g at 1 step a call, %.7g at 2", resident, i+1, ha[i].TrainLoss, hb[i].TrainLoss)
			}
		}
		var num, den float64
		for name, a := range va {
			b := vb[name]
			for i := range a {
				num += float64(a[i]-b[i]) * float64(a[i]-b[i])
				den += float64(a[i]) * float64(a[i])
			}
		}
		if rel := math.Sqrt(num / den); !(rel < 1e-4) {
			t.Errorf("resident %d: weights differ by %.3g (relative RMS) between 1 and 2 steps a call", resident, rel)
		}
	}
}
