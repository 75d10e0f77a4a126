package nn

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/graph"
)

// MatMul returns the matrix product a·b of a [M, K] and b [K, N], or the
// batched product of a [B, M, K] and b [B, K, N] (result [B, M, N]).
//
// Its gradient is two DotGenerals, v·bᵀ and aᵀ·v, on every backend. GoMLX's
// own DotGeneral gradient is a broadcast multiply and a sum that materialises
// an [M, N, K] tensor: gigabytes in a small network on the pure-Go backend.
// MatMul panics ("ptychokit: …") if the shapes do not match.
func MatMul(a, b *graph.Node) *graph.Node {
	var batchAxes []int
	switch {
	case a.Rank() == 2 && b.Rank() == 2:
	case a.Rank() == 3 && b.Rank() == 3:
		if a.Shape().Dimensions[0] != b.Shape().Dimensions[0] {
			panic(fmt.Sprintf("ptychokit: nn.MatMul: batch sizes differ: a %s, b %s", a.Shape(), b.Shape()))
		}
		batchAxes = []int{0}
	default:
		panic(fmt.Sprintf("ptychokit: nn.MatMul: want ranks 2×2 or 3×3, got a %s, b %s", a.Shape(), b.Shape()))
	}
	r := a.Rank()
	if a.Shape().Dimensions[r-1] != b.Shape().Dimensions[r-2] {
		panic(fmt.Sprintf("ptychokit: nn.MatMul: inner sizes differ: a %s, b %s", a.Shape(), b.Shape()))
	}
	if a.DType() != b.DType() {
		panic(fmt.Sprintf("ptychokit: nn.MatMul: dtypes differ: a %s, b %s", a.Shape(), b.Shape()))
	}
	rows, inner, cols := r-2, r-1, r-1 // axes of M and K in a, of N in b (b's K is r-2)
	return WithGradient([]*graph.Node{a, b},
		func(in []*graph.Node) *graph.Node {
			return graph.DotGeneral(in[0], []int{inner}, batchAxes, in[1], []int{r - 2}, batchAxes)
		},
		func(in []*graph.Node, _, v *graph.Node) []*graph.Node {
			// v: [B?, M, N]. da = v·bᵀ contracts N; db = aᵀ·v contracts M.
			da := graph.DotGeneral(v, []int{cols}, batchAxes, in[1], []int{cols}, batchAxes)
			db := graph.DotGeneral(in[0], []int{rows}, batchAxes, v, []int{rows}, batchAxes)
			return []*graph.Node{da, db}
		})
}
