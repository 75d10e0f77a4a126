package pinn

import (
	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX's graph idiom.
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/ptychokit/ptychokit/ptychokit/config"
)

// NewPredictExec compiles the forward pass that Reconstruct and Predict run
// on every batch (Forward: the network and, for gridsize > 1, the overlap
// merge): given counts [B, N, N, C] and offsets [B, C, 2] it returns the
// predicted patches' real and imaginary parts, [B, N, N, C] each. ctx holds
// the model's variables (Model's, or InitModel's); canvasPad is the merge's
// margin (Groups.CanvasPad). benchkit times this exec, so that a benchmark
// measures the inference users run.
func NewPredictExec(backend backends.Backend, ctx *context.Context, cfg config.Run, canvasPad int) (*context.Exec, error) {
	return context.NewExec(backend, ctx, func(ctx *context.Context, counts, offsets *Node) (*Node, *Node) {
		o := Forward(ctx, cfg.Model, cfg.Training.NPhotons, counts, offsets, canvasPad)
		return o.Re, o.Im
	})
}

// NewModel is a model of cfg whose variables ctx holds (or creates, on the
// first forward pass: an untrained network, what benchkit times inference
// with); Load reads a trained one.
func NewModel(backend backends.Backend, cfg config.Run, ctx *context.Context) *Model {
	return &Model{Config: cfg, backend: backend, ctx: ctx}
}
