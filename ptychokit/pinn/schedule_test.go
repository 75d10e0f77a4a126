package pinn

import (
	"math"
	"testing"

	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/ptychokit/ptychokit/ptychokit/config"
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
