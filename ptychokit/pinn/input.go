package pinn

import (
	"fmt"
	"math"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX's graph idiom.
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/ptychokit/ptychokit/ptychokit/config"
)

// Input standardisation (input_transform "standardize").
//
// The patterns of a scan share most of their energy: the probe's own far
// field, bright at the centre, is nearly the same in every pattern, and what
// tells one object patch from another is the weaker speckle around it. A
// network fed the raw amplitudes sees mostly that common part, its features
// vary little from pattern to pattern, and a gradient step moves every
// prediction the same way — towards the best flat object. Standardising
// each detector pixel over the training patterns ((x − mean)/std, the
// statistics of the input-scaled amplitudes X, saved with the model) feeds
// the network only what differs between patterns, at every spatial
// frequency alike.

// Variable names of the input statistics, in scope ScopeInput.
const (
	ScopeInput   = "input"
	VarInputMean = "mean"
	VarInputStd  = "std"
)

// inputStdFloor is the fraction of the mean per-pixel standard deviation
// added (in quadrature) to every pixel's, so that pixels that never vary
// (dark corners) are not divided by ~0.
const inputStdFloor = 0.01

// InitModel creates the variables that Forward reads and training does not
// create: the probe (InitProbe) and, with input_transform "standardize",
// the input statistics of the training groups g (initInputStats). Variables
// that exist already (loaded from a checkpoint) are kept.
func InitModel(ctx *context.Context, m config.Model, nphotons float64, probe []complex64, g *Groups) error {
	if err := InitProbe(ctx, m, probe); err != nil {
		return fmt.Errorf("probeGuess: %w", err)
	}
	if m.InputTransform != config.InputStandardize {
		return nil
	}
	return initInputStats(ctx, nphotons, g)
}

// initInputStats creates the per-pixel statistics of the network input from
// the groups unless they exist already (loaded from a checkpoint). The
// statistics are of X = counts/s (s = PhysicsScale), [N, N], over every
// pattern of every group.
func initInputStats(ctx *context.Context, nphotons float64, g *Groups) error {
	sctx := ctx.In(ScopeInput).Checked(false)
	if sctx.GetVariable(VarInputMean) != nil && sctx.GetVariable(VarInputStd) != nil {
		return nil
	}
	n, c := g.N, g.C
	if len(g.Counts) != g.Count*n*n*c || g.Count == 0 {
		return fmt.Errorf("input statistics: %d values for %d groups of %d×%d×%d", len(g.Counts), g.Count, n, n, c)
	}
	s := PhysicsScale(nphotons, n)
	sum := make([]float64, n*n)
	sumSq := make([]float64, n*n)
	for i, v := range g.Counts {
		x := float64(v) / s
		p := (i / c) % (n * n)
		sum[p] += x
		sumSq[p] += x * x
	}
	count := float64(g.Count * c)
	mean := make([]float32, n*n)
	std := make([]float64, n*n)
	meanStd := 0.0
	for p := range sum {
		mu := sum[p] / count
		mean[p] = float32(mu)
		std[p] = math.Sqrt(math.Max(sumSq[p]/count-mu*mu, 0))
		meanStd += std[p] / float64(n*n)
	}
	if !(meanStd > 0) {
		return fmt.Errorf("input statistics: the patterns do not vary (mean per-pixel std %g)", meanStd)
	}
	floor := inputStdFloor * meanStd
	stdOut := make([]float32, n*n)
	for p, v := range std {
		stdOut[p] = float32(math.Sqrt(v*v + floor*floor))
	}
	sctx.VariableWithValue(VarInputMean, tensors.FromFlatDataAndDimensions(mean, n, n)).SetTrainable(false)
	sctx.VariableWithValue(VarInputStd, tensors.FromFlatDataAndDimensions(stdOut, n, n)).SetTrainable(false)
	return nil
}

// standardize maps x [B, N, N, C] to (x − mean)/std with the statistics of
// ctx (InitModel).
func standardize(ctx *context.Context, x *Node) *Node {
	sctx := ctx.In(ScopeInput)
	meanVar, stdVar := sctx.GetVariable(VarInputMean), sctx.GetVariable(VarInputStd)
	if meanVar == nil || stdVar == nil {
		panic("ptychokit: pinn.Forward: input statistics missing; call InitModel first")
	}
	// A variable loaded from a checkpoint comes back trainable: say again
	// that these are not (as probeField does for the probe).
	meanVar.SetTrainable(false)
	stdVar.SetTrainable(false)
	g := x.Graph()
	n := x.Shape().Dimensions[1]
	mean := Reshape(meanVar.ValueGraph(g), 1, n, n, 1)
	std := Reshape(stdVar.ValueGraph(g), 1, n, n, 1)
	return Div(Sub(x, mean), std)
}
