package nn

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Dense is a fully connected layer on the last axis: x [..., Din] →
// [..., units], y = x·weights + biases, with variables "weights" [Din, units]
// and "biases" [units] in ctx. The product is MatMul (cheap gradient on every
// backend). It panics ("ptychokit: …") if x is a scalar or units < 1.
func Dense(ctx *context.Context, x *graph.Node, units int) *graph.Node {
	if x.Rank() < 1 || units < 1 {
		panic(fmt.Sprintf("ptychokit: nn.Dense: want x of rank ≥ 1 and units ≥ 1, got x %s, units %d", x.Shape(), units))
	}
	g := x.Graph()
	dims := x.Shape().Dimensions
	din := dims[len(dims)-1]
	weights := ctx.VariableWithShape("weights", shapes.Make(x.DType(), din, units)).ValueGraph(g)
	biases := ctx.VariableWithShape("biases", shapes.Make(x.DType(), units)).ValueGraph(g)
	rows := graph.Reshape(x, -1, din)
	y := graph.Add(MatMul(rows, weights), graph.ExpandLeftToRank(biases, 2))
	outDims := append(append([]int{}, dims[:len(dims)-1]...), units)
	return graph.Reshape(y, outDims...)
}
