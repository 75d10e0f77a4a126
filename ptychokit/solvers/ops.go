package solvers

import (
	"fmt"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX graph code reads best with a dot import.
)

// perPatch spreads v [B] to [B, N, N], constant over each patch, so that
// products with patches need no implicit broadcasting (which the pure-Go
// backend does element by element through an index iterator).
func perPatch(v *Node, n int) *Node {
	batch := v.Shape().Dimensions[0]
	return Reshape(Transpose(BroadcastPrefix(v, n*n), 0, 1), batch, n, n)
}

// mustSquare panics (a programmer error) unless x is [.., N, N].
func mustSquare(x *Node, n int) {
	d := x.Shape().Dimensions
	if len(d) < 2 || d[len(d)-1] != n || d[len(d)-2] != n {
		panic(fmt.Sprintf("ptychokit: solvers: want [..., %d, %d], got %s", n, n, x.Shape()))
	}
}
