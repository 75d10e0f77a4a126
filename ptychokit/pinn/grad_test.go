package pinn

import (
	"math"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/ptychokit/ptychokit/ptychokit/config"
	"github.com/ptychokit/ptychokit/ptychokit/device"
)

// gradRelTol is the agreement asked of float32 central differences with the
// graph's gradient (relative to the gradient's largest component).
const gradRelTol = 5e-2

// TestGradientFiniteDifferences checks the gradient of the whole PINN loss
// (network, overlap merge, physics, Poisson NLL) for gridsize 2 against
// central differences, for the output biases of both decoders.
func TestGradientFiniteDifferences(t *testing.T) {
	cfg, groups, ctx := untrainedGS2(t, 2)
	counts, offsets := groups.gather([]int{0, 1})
	lossOf := func(ctx *context.Context, c, o *Node) *Node {
		out := Forward(ctx, cfg.Model, cfg.Training.NPhotons, c, o, groups.CanvasPad)
		return Loss(cfg, out, c, nil, nil, nil)
	}
	backend := device.CPU()
	for _, scope := range []string{"/" + ScopeAmplitude + "/out", "/" + ScopePhase + "/out"} {
		gradExec := context.MustNewExec(backend, ctx.Checked(false), func(ctx *context.Context, c, o *Node) []*Node {
			loss := lossOf(ctx, c, o)
			v := ctx.InAbsPath(scope).GetVariable("biases")
			return []*Node{loss, Gradient(loss, v.ValueGraph(c.Graph()))[0]}
		})
		outs := gradExec.MustExec(counts, offsets)
		grad := tensors.MustCopyFlatData[float32](outs[1])
		lossExec := context.MustNewExec(backend, ctx.Checked(false), lossOf)
		v := ctx.InAbsPath(scope).GetVariable("biases")
		base := tensors.MustCopyFlatData[float32](v.MustValue())
		maxGrad := 0.0
		for _, g := range grad {
			maxGrad = math.Max(maxGrad, math.Abs(float64(g)))
		}
		const eps = 1e-2
		for i := range base {
			eval := func(d float32) float64 {
				p := append([]float32(nil), base...)
				p[i] += d
				v.MustSetValue(tensors.FromFlatDataAndDimensions(p, len(p)))
				return float64(tensors.ToScalar[float32](lossExec.MustExec(counts, offsets)[0]))
			}
			fd := (eval(eps) - eval(-eps)) / (2 * eps)
			v.MustSetValue(tensors.FromFlatDataAndDimensions(base, len(base)))
			if math.Abs(fd-float64(grad[i])) > gradRelTol*maxGrad {
				t.Errorf("%s biases[%d]: gradient %g, finite difference %g", scope, i, grad[i], fd)
			}
		}
		t.Logf("%s: gradient %v", scope, grad)
	}
}

// untrainedGS2 returns the tiny gridsize-2 configuration, n groups of a
// small simulated scan and a fresh context (seeded, probe set) whose weights
// the first graph built on it creates.
func untrainedGS2(t *testing.T, n int) (config.Run, *Groups, *context.Context) {
	t.Helper()
	ds := synthDataset(64, 3, 5, 9, 3)
	cfg := tinyConfig(t.TempDir(), 2)
	cfg.Data.NImages = n
	groups, err := MakeGroups(ds, cfg, n, false)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.New()
	ctx.SetRNGStateFromSeed(3)
	if err := InitModel(ctx, cfg.Model, cfg.Training.NPhotons, ds.Probe.Pix, groups); err != nil {
		t.Fatal(err)
	}
	return cfg, groups, ctx
}
