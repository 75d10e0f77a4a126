package solvers

import (
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX graph code reads best with a dot import.

	"github.com/ptychokit/ptychokit/ptychokit/physics"
)

func init() { register("lsqml", lsqml) }

// Constants of the LSQ-ML update.
const (
	// lsqmlPreconditionerFloor is δ in the preconditioned directions
	// Σconj(P)χ / (Σ|P|² + δ·max Σ|P|²): it keeps dimly lit pixels from taking
	// huge steps (Odstrčil et al. 2018 use a similar small relative δ).
	lsqmlPreconditionerFloor = 0.1
	// lsqmlMaxStep bounds the least-squares step lengths, guarding against a
	// near-singular 2×2 system in the first iterations.
	lsqmlMaxStep = 2.0
	// poissonMaxRatio clips d²/|Ψ|² in the Poisson correction: where the model
	// is nearly dark but a photon arrived the exact gradient is unbounded.
	poissonMaxRatio = 10.0
	// poissonFloor is added to intensities before dividing or taking logs.
	poissonFloor = 1e-9
)

// lsqml is a least-squares maximum-likelihood solver after Odstrčil, Menzel &
// Guizar-Sicairos (2018), on mini-batches:
//
//  1. χ = F⁻¹[correction], the exit-wave update that lowers the noise model's
//     cost: Gaussian Ψ·(d/|Ψ| - 1); Poisson ½·Ψ·(d²/|Ψ|² - 1) (the negative
//     gradient of the cost with respect to conj(Ψ), halved so that both agree
//     near the solution);
//  2. preconditioned directions ΔO = Σconj(P)χ / (Σ|P|² + δ·max), and
//     ΔP = Σconj(O_b)χ_b / (Σ|O_b|² + δ·max);
//  3. step lengths αO, αP that minimise Σ_b‖χ_b - αO·P·ΔO_b - αP·ΔP·O_b‖²
//     (a 2×2 least-squares system), damped by the Step options;
//  4. O += αO·ΔO, P += αP·ΔP.
func lsqml(b *batch) update {
	var cost, factor *Node
	if b.opts.Noise == Poisson {
		cost, factor = b.poissonCost()
	} else {
		cost, factor = b.gaussianCost()
	}
	chi := b.exitWaveCorrection(b.farField.Scale(factor))

	illumination := b.illumination()
	objectDir := b.objectGradient(chi).Scale(Inverse(AddScalar(
		Add(illumination, MulScalar(ReduceAllMax(illumination), lsqmlPreconditionerFloor)), tinyFloat)))
	grad, weight := b.probeGradient(chi)
	probeDir := grad.Scale(Inverse(AddScalar(
		Add(weight, MulScalar(ReduceAllMax(weight), lsqmlPreconditionerFloor)), tinyFloat)))
	probeDir = probeDir.Scale(b.probeOn)

	// The exit-wave changes each direction makes, at the batch's positions.
	objectChange := b.probe.Repeat(b.patches.Dims()[0]).Mul(b.win.Extract(objectDir)).Scale(b.mask)
	probeChange := probeDir.Repeat(b.patches.Dims()[0]).Mul(b.patches).Scale(b.mask)

	a11 := objectChange.ReDot(objectChange)
	a22 := probeChange.ReDot(probeChange)
	a12 := objectChange.ReDot(probeChange)
	b1 := objectChange.ReDot(chi)
	b2 := probeChange.ReDot(chi)
	// A small ridge keeps the system solvable when the probe is fixed (a22 = 0).
	ridge := AddScalar(MulScalar(Add(a11, a22), 1e-6), tinyFloat)
	a11 = Add(a11, ridge)
	a22 = Add(a22, ridge)
	det := Sub(Mul(a11, a22), Square(a12))
	objectStep := Div(Sub(Mul(b1, a22), Mul(b2, a12)), det)
	probeStep := Div(Sub(Mul(a11, b2), Mul(a12, b1)), det)
	objectStep = MulScalar(ClipScalar(objectStep, 0, lsqmlMaxStep), b.opts.Object.Step)
	probeStep = MulScalar(ClipScalar(probeStep, 0, lsqmlMaxStep), b.opts.Probe.Step)

	return update{
		object: b.object.Add(objectDir.Scale(objectStep)),
		probes: []physics.Field{b.probe.Add(probeDir.Scale(probeStep))},
		cost:   cost,
		chis:   []physics.Field{chi},
	}
}

// poissonCost is the summed Poisson deviance Σ farMask·(I - k - k·log(I/k)), with
// I = |Ψ|² and k = d², and the factor ½·(k/I - 1) (k/I clipped at
// poissonMaxRatio) whose product with Ψ is the far-field correction.
func (b *batch) poissonCost() (cost, factor *Node) {
	intensity := AddScalar(b.farField.Abs2(), poissonFloor)
	counts := Square(b.measured)
	logRatio := Sub(Log(intensity), Log(AddScalar(counts, poissonFloor)))
	deviance := Sub(Sub(intensity, counts), Mul(counts, logRatio))
	cost = ReduceAllSum(Mul(deviance, b.detectorMask()))
	ratio := ClipScalar(Div(counts, intensity), 0, poissonMaxRatio)
	factor = Mul(MulScalar(SubScalar(ratio, 1), 0.5), b.detectorMask())
	return cost, factor
}
