package pinn

import (
	"sync"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX's graph idiom.
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train"
	"github.com/gomlx/gomlx/pkg/ml/train/metrics"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"

	"github.com/ptychokit/ptychokit/ptychokit/config"
)

// StepsPerCall is the number of training steps one compiled call runs for
// cfg with `devices` devices (mesh): cfg.Training.StepsPerCall, 1 when
// unset. Several steps a call need the PINN model on one device (the
// supervised loss and the sharded batches take one step a call). Measured on
// an H200 (bench/h200/session7, gridsize 2, batch 16, lines_N64): 4 a call
// made a step 2.56 ms against 3.28 ms, but 10 epochs of the train command
// took 17.5 s against 11.9 s, the unrolled graphs (one for the full calls,
// one for the shorter last call of an epoch) compiling longer than the
// steps saved; so it is not the default.
func StepsPerCall(cfg config.Run, devices int) int {
	if cfg.Model.ModelType == config.ModelSupervised || devices > 1 {
		return 1
	}
	return max(cfg.Training.StepsPerCall, 1)
}

// callLosses hands, within one training graph, the summed loss of the
// batches that a call trains before its last (see newTrainer) from the model
// function to the epoch-loss metric, which GoMLX builds from the trainer's
// loss of the last batch alone.
type callLosses struct {
	mu      sync.Mutex
	earlier map[*Graph]*Node // Σ losses of the earlier batches; absent: one batch a call
	batches map[*Graph]int   // batches of the call
}

func (c *callLosses) set(g *Graph, sum *Node, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.earlier[g], c.batches[g] = sum, n
}

// sum is the summed loss of a call's batches, and their number, given the
// last one's loss.
func (c *callLosses) sum(g *Graph, last *Node) (*Node, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	earlier, ok := c.earlier[g]
	if !ok {
		return last, 1
	}
	return Add(earlier, last), c.batches[g]
}

// newTrainer is GoMLX's trainer for the model of cfg: Forward, Loss, Adam.
//
// With perCall > 1 a training call gets up to perCall batches at once
// (batches.perCall) and the model function trains all but the last itself —
// Forward, the loss (a plain mean: only a pass's last batch holds padding)
// and Adam's update of the variables in the graph — before it returns the
// last batch's predictions to GoMLX, which computes that loss and updates
// again. Each batch is one Adam step, as at one a call.
//
// mask is the detector mask [N·N] the loss honours (DetectorMask), nil for
// every pixel; it goes into the graphs as a constant.
func newTrainer(backend backends.Backend, ctx *context.Context, cfg config.Run, pad, perCall int, mask []float32) *train.Trainer {
	supervised := cfg.Model.ModelType == config.ModelSupervised
	maskOf := func(g *Graph) *Node {
		if mask == nil {
			return nil
		}
		return Const(g, tensors.FromFlatDataAndDimensions(mask, cfg.Model.N, cfg.Model.N))
	}
	optimizer := optimizers.Adam().Done()
	calls := &callLosses{earlier: map[*Graph]*Node{}, batches: map[*Graph]int{}}
	bs := cfg.Training.BatchSize
	// The model also hands its input counts on to the loss (GoMLX's loss sees
	// only labels and predictions), so the batch travels to the device once.
	// The inputs are a batch (counts, offsets), or the resident arrays and
	// the batch's group indices (resident.go): then the batch is gathered
	// here and the indices handed on to the loss for the true patches.
	modelFn := func(ctx *context.Context, _ any, inputs []*Node) []*Node {
		counts, offsets := inputs[0], inputs[1]
		var idx *Node
		if len(inputs) > 2 {
			idx = inputs[2]
			counts, offsets = Gather(counts, InsertAxes(idx, -1)), Gather(offsets, InsertAxes(idx, -1))
		}
		g := counts.Graph()
		if rows := counts.Shape().Dimensions[0]; perCall > 1 && ctx.IsTraining(g) && rows > bs {
			n := rows / bs
			var sum *Node
			for i := range n - 1 {
				cs := Slice(counts, AxisRange(i*bs, (i+1)*bs))
				o := Forward(ctx, cfg.Model, cfg.Training.NPhotons, cs, Slice(offsets, AxisRange(i*bs, (i+1)*bs)), pad)
				loss := ReduceAllMean(GroupLosses(cfg, o, cs, maskOf(g), nil, nil))
				optimizer.UpdateGraph(ctx, g, loss)
				if sum == nil {
					sum = loss
				} else {
					sum = Add(sum, loss)
				}
			}
			calls.set(g, sum, n)
			counts, offsets = Slice(counts, AxisRange(rows-bs, rows)), Slice(offsets, AxisRange(rows-bs, rows))
			if idx != nil {
				idx = Slice(idx, AxisRange(rows-bs, rows))
			}
		}
		o := Forward(ctx, cfg.Model, cfg.Training.NPhotons, counts, offsets, pad)
		if idx != nil {
			return []*Node{o.Re, o.Im, o.Intensity, counts, idx}
		}
		return []*Node{o.Re, o.Im, o.Intensity, counts}
	}
	// The last label is the groups' weights (see batches): 0 for padding.
	groupLosses := func(labels, predictions []*Node) (losses, weights *Node) {
		o := Output{Re: predictions[0], Im: predictions[1], Intensity: predictions[2]}
		weights = labels[len(labels)-1]
		if rows, b := weights.Shape().Dimensions[0], predictions[0].Shape().Dimensions[0]; rows > b {
			weights = Slice(weights, AxisRange(rows-b, rows)) // the last batch of a call (perCall > 1)
		}
		if supervised {
			re, im := labels[0], labels[1]
			if len(predictions) > 4 {
				at := InsertAxes(predictions[4], -1)
				re, im = Gather(re, at), Gather(im, at)
			}
			return GroupLosses(cfg, o, nil, nil, re, im), weights
		}
		return GroupLosses(cfg, o, predictions[3], maskOf(predictions[3].Graph()), nil, nil), weights
	}
	lossFn := func(labels, predictions []*Node) *Node {
		return WeightedMean(groupLosses(labels, predictions))
	}
	valLoss := newGroupMetric("Validation Loss", valLossName, metrics.LossMetricType, groupLosses)
	return train.NewTrainer(backend, ctx.Checked(false), modelFn, lossFn, optimizer,
		[]metrics.Interface{epochLossMetric(calls)}, append([]metrics.Interface{valLoss}, flatnessMetrics()...))
}

// valLossName names the validation loss among the trainer's evaluation
// results (GoMLX's own mean losses, also there, count a padded batch as full).
const valLossName = "val_loss"
