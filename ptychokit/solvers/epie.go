package solvers

import (
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX graph code reads best with a dot import.
)

func init() { register("epie", epie) }

// epie is the extended ptychographic iterative engine (Maiden & Rodenburg
// 2009) on mini-batches:
//
//	O ← O + α · Σ_b conj(P)·χ_b / max Σ_b|P|²      (summed at each position)
//	P ← P + β · Σ_b conj(O_b)·χ_b / max Σ_b|O_b|²
//
// with χ_b the change of the exit wave when the far-field amplitude is
// replaced by the measured one. With one position per batch it is the
// original ePIE; larger batches divide by the largest summed illumination,
// which keeps the step stable where patches overlap within a batch.
func epie(b *batch) update {
	objectStep, probeStep := b.opts.Object.Step, b.opts.Probe.Step
	return pieUpdate(b,
		func(w *Node) *Node { return DivScalar(ReduceAllMax(w), objectStep) },
		func(w *Node) *Node { return DivScalar(ReduceAllMax(w), probeStep) })
}
