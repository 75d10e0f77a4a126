package pinn

import (
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX's graph idiom.
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train"
	"github.com/gomlx/gomlx/pkg/ml/train/metrics"
)

// The training steps of an epoch are run here, one GoMLX trainer step after
// another, without reading anything back from the device between them: a
// read is a round trip that costs about as much as a whole step at small
// batches on a GPU (H200, batch 16: GoMLX's Loop, which reads its three
// loss metrics after every step, took 3.94 ms a step; the same steps with
// no read 2.97 ms). The mean batch loss of the epoch accumulates on the
// device in a metric (epochLossName) and is read when the progress line is
// redrawn, at the end of the epoch, or after every step when the caller asks
// for each batch loss (TrainOptions.OnStep).

// epochLossName names the training metric that is the mean batch loss since
// its last reset.
const epochLossName = "epoch_loss"

// epochLossMetric is the mean of the batch losses since the last reset,
// every batch of a call counted (see newTrainer).
func epochLossMetric(calls *callLosses) metrics.Interface {
	return &epochMean{MeanMetric: metrics.NewMeanMetric("Epoch Loss", epochLossName, metrics.LossMetricType, nil, nil), calls: calls}
}

// epochMean is GoMLX's MeanMetric (its Reset, names and variables) with
// each call weighted by the batches it trained: GoMLX weighs a call by its
// predictions' batch, which is the last batch's alone.
type epochMean struct {
	*metrics.MeanMetric
	calls *callLosses
}

func (m *epochMean) UpdateGraph(ctx *context.Context, _, predictions []*Node) *Node {
	g := predictions[0].Graph()
	sum, n := m.calls.sum(g, train.GetLosses(ctx, g))
	ctx = ctx.Checked(false).In(metrics.Scope).In(m.ScopeName())
	totalVar := ctx.VariableWithValue("total", float32(0)).SetTrainable(false)
	weightVar := ctx.VariableWithValue("weight", float32(0)).SetTrainable(false)
	total := Add(totalVar.ValueGraph(g), ConvertDType(sum, dtypes.Float32))
	weight := AddScalar(weightVar.ValueGraph(g), float64(n))
	totalVar.SetValueGraph(total)
	weightVar.SetValueGraph(weight)
	return Div(total, weight)
}

// stepper runs the training passes of a trainer.
type stepper struct {
	trainer    *train.Trainer
	epochLoss  metrics.Interface
	epochIndex int // of epochLoss among the trainer's training metrics
	progress   *progressLine
	onStep     func(epoch, step int, batchLoss float64) error
}

func newStepper(trainer *train.Trainer, progress *progressLine, onStep func(epoch, step int, batchLoss float64) error) (*stepper, error) {
	s := &stepper{trainer: trainer, progress: progress, onStep: onStep}
	var err error
	if s.epochLoss, s.epochIndex, err = findEpochLoss(trainer); err != nil {
		return nil, err
	}
	return s, nil
}

// findEpochLoss is the trainer's epoch-loss metric (epochLossMetric) and
// its index among the trainer's training metrics, whose values each step
// returns in that order.
func findEpochLoss(trainer *train.Trainer) (metrics.Interface, int, error) {
	for i, m := range trainer.TrainMetrics() {
		if m.ShortName() == epochLossName {
			return m, i, nil
		}
	}
	return nil, -1, errors.New("ptychokit: the trainer has no epoch loss metric")
}

// pass runs one training step for every batch of ds (epoch `epoch`) and
// returns the mean batch loss and the seconds a step took, on average,
// after the first (timed = false when the pass had a single step).
func (s *stepper) pass(ds fed, epoch int) (meanLoss, stepSeconds float64, timed bool, err error) {
	ctx := s.trainer.Context().Checked(false)
	if err := resetMetric(s.epochLoss, ctx); err != nil {
		return 0, 0, false, err
	}
	ownsYields := true
	if o, ok := ds.(train.DatasetCustomOwnership); ok {
		ownsYields = o.IsOwnershipTransferred()
	}
	var last []*tensors.Tensor // the latest step's metrics
	defer func() { finalizeAll(last) }()
	var firstDone time.Time
	steps := 0
	for {
		out, err := s.step(ds, ownsYields)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			finalizeAll(out)
			return 0, 0, false, err
		}
		finalizeAll(last)
		last = out
		steps++
		var batchLoss float64
		if s.onStep != nil || steps == 1 || s.progress.due(steps) {
			batchLoss = shapes.ConvertTo[float64](out[0].Value())
			mean := shapes.ConvertTo[float64](out[s.epochIndex].Value())
			if math.IsNaN(mean) || math.IsInf(mean, 0) {
				return 0, 0, false, fmt.Errorf("the training loss is %v by step %d of epoch %d: lower --learning_rate", mean, steps, epoch)
			}
			s.progress.step(steps, mean)
		}
		if steps == 1 {
			firstDone = time.Now() // the first step compiles; it is read back, so it is done
		}
		if s.onStep != nil {
			if err := s.onStep(epoch, steps, batchLoss); err != nil {
				return 0, 0, false, err
			}
		}
	}
	if steps == 0 {
		return 0, 0, false, errors.New("no batches to train on")
	}
	meanLoss = shapes.ConvertTo[float64](last[s.epochIndex].Value())
	if math.IsNaN(meanLoss) || math.IsInf(meanLoss, 0) {
		return 0, 0, false, fmt.Errorf("the training loss is %v in epoch %d: lower --learning_rate", meanLoss, epoch)
	}
	s.progress.step(steps, meanLoss)
	if steps > 1 {
		return meanLoss, time.Since(firstDone).Seconds() / float64(steps-1), true, nil
	}
	return meanLoss, 0, false, nil
}

// step runs the trainer on the next batch of ds and returns its metrics;
// io.EOF at the end of the pass.
func (s *stepper) step(ds fed, ownsYields bool) ([]*tensors.Tensor, error) {
	if dds, ok := ds.(train.DistributedDataset); ok {
		spec, in, lab, err := dds.DistributedYield()
		if err != nil {
			return nil, err
		}
		out, err := s.trainer.DistributedTrainStep(dds.Strategy(), dds.DeviceAssignment(), spec, in, lab)
		if ownsYields {
			for _, t := range append(in, lab...) {
				_ = t.FinalizeAll()
			}
		}
		return out, err
	}
	spec, in, lab, err := ds.Yield()
	if err != nil {
		return nil, err
	}
	out, err := s.trainer.TrainStep(spec, in, lab)
	if ownsYields {
		finalizeAll(in, lab)
	}
	return out, err
}

// resetMetric sets a metric's state back to empty, with GoMLX's panics
// turned into an error.
func resetMetric(m metrics.Interface, ctx *context.Context) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("resetting the metric %q: %v", m.Name(), r)
		}
	}()
	m.Reset(ctx)
	return nil
}
