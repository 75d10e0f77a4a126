package pinn

import (
	"errors"
	"fmt"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train"

	"github.com/ptychokit/ptychokit/ptychokit/config"
)

// StepTimer runs the training step of Train — the same trainer (newTrainer:
// Forward, the loss, Adam, StepsPerCall(cfg, 1) steps a call) and the same
// epoch-loss metric — again and again on one call's batches, which stay on
// the device: what benchkit times, so that a benchmark measures the
// production step and not a copy of it.
type StepTimer struct {
	trainer    *train.Trainer
	in, labels []*tensors.Tensor // on the device; labels: the groups' weights
	epochIndex int               // of the epoch loss among the trainer's training metrics
}

// NewStepTimer builds the trainer Train builds for cfg (the PINN model, one
// device) on ctx and copies one call's batches to the backend's device:
// counts [k·B, N, N, C] and offsets [k·B, C, 2], k = StepsPerCall(cfg, 1)
// and B = cfg.Training.BatchSize, every group of weight 1. canvasPad is the
// merge's margin (Groups.CanvasPad). ctx holds what InitModel made (the
// probe); the weights are created by the first Step.
func NewStepTimer(backend backends.Backend, ctx *context.Context, cfg config.Run, counts, offsets *tensors.Tensor, canvasPad int) (*StepTimer, error) {
	if cfg.Model.ModelType == config.ModelSupervised {
		return nil, errors.New("ptychokit: the step timer runs the PINN model (the supervised one needs true patches)")
	}
	k, b := StepsPerCall(cfg, 1), cfg.Training.BatchSize
	if rows := counts.Shape().Dimensions[0]; rows != k*b || offsets.Shape().Dimensions[0] != rows {
		return nil, fmt.Errorf("ptychokit: the step timer needs %d×%d groups a call, got counts %s and offsets %s", k, b, counts.Shape(), offsets.Shape())
	}
	s := &StepTimer{trainer: newTrainer(backend, ctx, cfg, canvasPad, k, nil)}
	var err error
	if _, s.epochIndex, err = findEpochLoss(s.trainer); err != nil {
		return nil, err
	}
	weights := make([]float32, k*b)
	for i := range weights {
		weights[i] = 1
	}
	for _, t := range []*tensors.Tensor{counts, offsets} {
		flat, err := tensors.CopyFlatData[float32](t)
		if err != nil {
			s.Finalize()
			return nil, err
		}
		d, err := toDevice(backend, 0, flat, t.Shape().Dimensions)
		if err != nil {
			s.Finalize()
			return nil, err
		}
		s.in = append(s.in, d)
	}
	wt, err := toDevice(backend, 0, weights, []int{len(weights)})
	if err != nil {
		s.Finalize()
		return nil, err
	}
	s.labels = []*tensors.Tensor{wt}
	return s, nil
}

// Step runs one training call (StepsPerCall steps, each an Adam update) and
// returns, without waiting for them, the loss of the call's last batch and
// the mean batch loss of every step since the timer was made; the caller
// frees both.
func (s *StepTimer) Step() (last, mean *tensors.Tensor, err error) {
	defer recoverInto(&err, "train step")
	out, err := s.trainer.TrainStep(nil, s.in, s.labels)
	if err != nil {
		finalizeAll(out)
		return nil, nil, err
	}
	for i, t := range out {
		if i != 0 && i != s.epochIndex {
			t.MustFinalizeAll()
		}
	}
	return out[0], out[s.epochIndex], nil
}

// Finalize frees the batches on the device.
func (s *StepTimer) Finalize() {
	finalizeAll(s.in, s.labels)
	s.in, s.labels = nil, nil
}
