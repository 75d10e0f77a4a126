package pinn

import (
	"math"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/ptychokit/ptychokit/ptychokit/config"
)

// loopState is the training loop's state, kept in context variables so it is
// checkpointed with the weights.
type loopState struct {
	ctx *context.Context
}

var stateVars = []string{"epoch", "lr", "best_loss", "best_epoch", "since_best_lr", "since_best_stop", "stopped", "best_train_loss"}

func newLoopState(ctx *context.Context, lr float64) *loopState {
	sctx := ctx.InAbsPath(scopeState).Checked(false)
	initial := map[string]float64{"epoch": 0, "lr": lr, "best_loss": math.Inf(1), "best_epoch": 0,
		"since_best_lr": 0, "since_best_stop": 0, "stopped": 0, "best_train_loss": math.Inf(1)}
	for _, name := range stateVars {
		sctx.VariableWithValue(name, initial[name]).SetTrainable(false)
	}
	return &loopState{ctx: sctx}
}

func (s *loopState) get(name string) float64 {
	return tensors.ToScalar[float64](s.ctx.GetVariable(name).MustValue())
}

func (s *loopState) set(name string, v float64) {
	s.ctx.GetVariable(name).MustSetValue(tensors.FromScalar(v))
}

func (s *loopState) epoch() int     { return int(s.get("epoch")) }
func (s *loopState) lr() float64    { return s.get("lr") }
func (s *loopState) bestEpoch() int { return int(s.get("best_epoch")) }
func (s *loopState) stopped() bool  { return s.get("stopped") != 0 }

// update records epoch's result, applies the plateau schedule and early
// stopping, and reports whether the epoch is the best so far. The best epoch
// and the learning-rate schedule follow the validation loss, or the training
// loss without validation; early stopping follows t.EarlyStopMonitor.
//
// Epochs whose predictions are still flat (EpochStats.Flat: the run has not
// left the initial flat-object plateau) count for neither patience: with
// PtychoPINN's patience of 3, early stopping ended runs on that plateau at
// epochs 4–5, where the same seeds left it later and trained well (H200,
// lines_N64, gridsize 2: 2 of 10 seeds).
func (s *loopState) update(epoch int, st EpochStats, t config.Training) (improved bool) {
	loss := st.ValLoss
	if math.IsNaN(loss) {
		loss = st.TrainLoss
	}
	s.set("epoch", float64(epoch))
	flat := st.Flat()
	improved = loss < s.get("best_loss")
	switch {
	case improved:
		s.set("best_loss", loss)
		s.set("best_epoch", float64(epoch))
		s.set("since_best_lr", 0)
	case !flat:
		sinceLR := s.get("since_best_lr") + 1
		if int(sinceLR) >= t.LRPatience {
			s.set("lr", math.Max(s.lr()*t.LRFactor, t.LRMin))
			sinceLR = 0
		}
		s.set("since_best_lr", sinceLR)
	}
	stopImproved := improved
	if t.EarlyStopMonitor == config.MonitorLoss {
		stopImproved = st.TrainLoss < s.get("best_train_loss")
		if stopImproved {
			s.set("best_train_loss", st.TrainLoss)
		}
	}
	switch {
	case stopImproved:
		s.set("since_best_stop", 0)
	case !flat:
		sinceStop := s.get("since_best_stop") + 1
		s.set("since_best_stop", sinceStop)
		if t.EarlyStopPatience > 0 && int(sinceStop) >= t.EarlyStopPatience {
			s.set("stopped", 1)
		}
	}
	return improved
}
