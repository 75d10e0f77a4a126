package solvers

import (
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX graph code reads best with a dot import.
)

// pieUpdate is the batched PIE family step shared by ePIE and rPIE: replace
// the far-field amplitudes by the measured ones, take the exit-wave change χ,
// and move object and probe along Σconj(P)·χ and Σconj(O)·χ divided by the
// given denominators. denominator(weight) returns what divides a gradient
// whose pixelwise weight (illumination) is weight, already including the step.
func pieUpdate(b *batch, objectDenominator, probeDenominator func(weight *Node) *Node) update {
	cost, farCorrection := b.gaussianCost()
	chi := b.exitWaveCorrection(farCorrection)

	objectStep := Inverse(AddScalar(objectDenominator(b.illumination()), tinyFloat))
	object := b.object.add(b.objectGradient(chi).scale(objectStep))

	grad, weight := b.probeGradient(chi)
	probeStep := Mul(Inverse(AddScalar(probeDenominator(weight), tinyFloat)), b.probeOn)
	probe := b.probe.add(grad.scale(probeStep))
	return update{object: object, probe: probe, cost: cost, chi: chi}
}
