package solvers

import (
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX graph code reads best with a dot import.

	"github.com/ptychokit/ptychokit/ptychokit/physics"
)

// pieUpdate is the batched PIE family step shared by ePIE and rPIE: replace
// the far-field amplitudes by the measured ones, take the exit-wave change χ,
// and move object and probe along Σconj(P)·χ and Σconj(O)·χ divided by the
// given denominators. denominator(weight) returns what divides a gradient
// whose pixelwise weight (illumination) is weight, already including the step.
//
// With several probe modes (mixed states, Thibault & Menzel 2013) every
// mode's far field is scaled by the same factor d/|Ψ|, the object's
// illumination is the modes' summed power, and each mode moves along its own
// Σconj(O)·χ_m.
func pieUpdate(b *batch, objectDenominator, probeDenominator func(weight *Node) *Node) update {
	cost, factor := b.gaussianCost()
	chis := make([]physics.Field, len(b.modes))
	for m, far := range b.farFields {
		chis[m] = b.exitWaveCorrection(far.Scale(factor))
	}

	objectStep := Inverse(AddScalar(objectDenominator(b.illumination()), tinyFloat))
	object := b.object.Add(b.objectGradient(chis...).Scale(objectStep))

	probes := make([]physics.Field, len(b.modes))
	var probeStep *Node
	for m, chi := range chis {
		grad, weight := b.probeGradient(chi)
		if probeStep == nil {
			probeStep = Mul(Inverse(AddScalar(probeDenominator(weight), tinyFloat)), b.probeOn)
		}
		probes[m] = b.modes[m].Add(grad.Scale(probeStep))
	}
	return update{object: object, probes: probes, cost: cost, chis: chis}
}
