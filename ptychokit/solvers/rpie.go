package solvers

import (
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX graph code reads best with a dot import.
)

func init() { register("rpie", rpie) }

// rpie is the regularised PIE (Maiden, Johnson & Li 2017) on mini-batches:
//
//	O ← O + Σ_b conj(P)·χ_b / ((1-α)·Σ_b|P|² + α·max Σ_b|P|²)
//	P ← P + Σ_b conj(O_b)·χ_b / ((1-β)·Σ_b|O_b|² + β·max Σ_b|O_b|²)
//
// Well-lit pixels take nearly the full projection step, dim ones a step
// damped towards the ePIE one; α, β ≈ 0.05–0.25 are typical.
func rpie(b *batch) update {
	alpha, beta := b.opts.Object.Step, b.opts.Probe.Step
	return pieUpdate(b,
		func(w *Node) *Node { return regularisedWeight(w, alpha) },
		func(w *Node) *Node { return regularisedWeight(w, beta) })
}

// regularisedWeight is (1-a)·w + a·max(w).
func regularisedWeight(w *Node, a float64) *Node {
	return Add(MulScalar(w, 1-a), MulScalar(ReduceAllMax(w), a))
}
