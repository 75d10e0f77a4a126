package pinn

import (
	"path/filepath"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX's graph idiom.
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/ptychokit/ptychokit/ptychokit/config"
	"github.com/ptychokit/ptychokit/ptychokit/data"
	"github.com/ptychokit/ptychokit/ptychokit/device"
	"github.com/ptychokit/ptychokit/ptychokit/physics"
)

// TestTruthExplainsData feeds the model's physics, in place of the network,
// the true patches of the simulated 'lines' scan (cut from its objectGuess at
// the scan positions) and checks the loss the network is trained on: at the
// truth it is at the Poisson noise level (the mean deviance per pixel is
// about 1/2), far below the flat object's; the gridsize-2 overlap merge of
// the true patches at their offsets keeps the loss small (the remaining
// error is the blur of bilinear place-and-cut at fractional offsets), while
// the same merge with the offsets' sign flipped destroys the fit. This pins
// the units (probe normalisation, s, the loss) and the merge's geometry
// against the data, independently of any training.
func TestTruthExplainsData(t *testing.T) {
	ds, err := data.Load(filepath.Join("..", "..", "datasets", "lines_N64.npz"), data.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	const (
		noiseLevel     = 2.0    // Poisson deviance per pixel at the truth: ~0.5
		flatAtLeast    = 5000.0 // the flat object's loss on this scan: ~1.1e4
		mergedAtMost   = 200.0  // measured 77 (bilinear blur)
		flippedAtLeast = 3000.0 // measured 8.9e3
	)
	for _, gs := range []int{1, 2} {
		cfg := config.Defaults()
		cfg.Training.NPhotons = 1e9 // datasets/make.sh simulates lines_N64 at 1e9
		cfg.Model.Gridsize = gs
		g, err := MakeGroups(ds, cfg, 32, false)
		if err != nil {
			t.Fatal(err)
		}
		n, c, b := g.N, g.C, g.Count
		xs := make([]float32, b*c)
		ys := make([]float32, b*c)
		for gi, members := range g.Grouping.Index {
			for ch, p := range members {
				xs[gi*c+ch] = float32(ds.XCoords[p])
				ys[gi*c+ch] = float32(ds.YCoords[p])
			}
		}
		idx := make([]int, b)
		for i := range idx {
			idx[i] = i
		}
		counts, offsets := g.gather(idx)
		ore := make([]float32, len(ds.Object.Pix))
		oim := make([]float32, len(ds.Object.Pix))
		for i, v := range ds.Object.Pix {
			ore[i], oim[i] = real(v), imag(v)
		}
		ctx := context.New()
		if err := InitProbe(ctx, cfg.Model, ds.Probe.Pix); err != nil {
			t.Fatal(err)
		}
		// The object's amplitude scale is not the model's (InitProbe fixes the
		// probe's energy), so each loss is taken at its best global intensity
		// factor, Σk/Σλ (the trainable log_scale's job).
		exec := context.MustNewExec(device.CPU(), ctx, func(ctx *context.Context, counts, offsets, objRe, objIm, x, y *Node) []*Node {
			patches := physics.ExtractPatches(physics.Field{Re: objRe, Im: objIm}, x, y, n)
			re := Reshape(patches.Re, b, c, n, n)
			im := Reshape(patches.Im, b, c, n, n)
			probe := probeField(ctx.In(ScopePhysics), cfg.Model, counts.Graph())
			observed := Square(TransposeAllDims(counts, 0, 3, 1, 2))
			lossOf := func(re, im *Node) *Node {
				intensity := physics.FarFieldIntensity(probe, physics.Field{Re: re, Im: im})
				intensity = Mul(intensity, Div(ReduceAllSum(observed), ReduceAllSum(intensity)))
				return PoissonNLL(intensity, observed)
			}
			out := []*Node{lossOf(re, im), lossOf(OnesLike(re), ZerosLike(im))}
			if c > 1 {
				support := OnesLike(Iota(counts.Graph(), shapesOf(n), 0))
				out = append(out, lossOf(mergeGroups(re, im, support, offsets, g.CanvasPad)))
				out = append(out, lossOf(mergeGroups(re, im, support, Neg(offsets), g.CanvasPad)))
			}
			return out
		})
		res := exec.MustExec(counts, offsets,
			tensors.FromFlatDataAndDimensions(ore, ds.Object.H, ds.Object.W),
			tensors.FromFlatDataAndDimensions(oim, ds.Object.H, ds.Object.W),
			tensors.FromFlatDataAndDimensions(xs, b*c), tensors.FromFlatDataAndDimensions(ys, b*c))
		loss := func(i int) float64 { return float64(tensors.ToScalar[float32](res[i])) }
		t.Logf("gridsize %d: loss at the truth %.3g, flat object %.3g", gs, loss(0), loss(1))
		if loss(0) > noiseLevel || loss(1) < flatAtLeast {
			t.Errorf("gridsize %d: loss at the truth %.3g (want ≤ %g), flat %.3g (want ≥ %g)", gs, loss(0), noiseLevel, loss(1), flatAtLeast)
		}
		if c > 1 {
			t.Logf("gridsize %d: merged truth %.3g, merged with flipped offsets %.3g", gs, loss(2), loss(3))
			if loss(2) > mergedAtMost || loss(3) < flippedAtLeast {
				t.Errorf("merge: truth %.3g (want ≤ %g), flipped offsets %.3g (want ≥ %g)", loss(2), mergedAtMost, loss(3), flippedAtLeast)
			}
		}
	}
}
