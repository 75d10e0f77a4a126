package nn

import (
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/initializers"
)

// InstanceNormEpsilon is added to the variance in InstanceNorm.
const InstanceNormEpsilon = 1e-5

// InstanceNorm normalises each image and channel of x [B, H, W, C] over its
// pixels, (x − mean)/sqrt(var + InstanceNormEpsilon) with the biased
// variance, then scales and shifts it per channel by the variables "gamma"
// (starting at 1) and "beta" (at 0) [C] in ctx.
func InstanceNorm(ctx *context.Context, x *graph.Node) *graph.Node {
	checkImage("InstanceNorm", x)
	c := x.Shape().Dimensions[3]
	g := x.Graph()
	gamma := ctx.WithInitializer(initializers.One).VariableWithShape("gamma", shapes.Make(x.DType(), c)).ValueGraph(g)
	beta := ctx.WithInitializer(initializers.Zero).VariableWithShape("beta", shapes.Make(x.DType(), c)).ValueGraph(g)
	y := instanceNormalize(x)
	return graph.Add(graph.Mul(y, graph.ExpandLeftToRank(gamma, 4)), graph.ExpandLeftToRank(beta, 4))
}

// instanceNormalize is InstanceNorm without its scale and shift.
func instanceNormalize(x *graph.Node) *graph.Node {
	mean := graph.ReduceAndKeep(x, graph.ReduceMean, 1, 2)
	centred := graph.Sub(x, mean)
	variance := graph.ReduceAndKeep(graph.Square(centred), graph.ReduceMean, 1, 2)
	return graph.Div(centred, graph.Sqrt(graph.AddScalar(variance, InstanceNormEpsilon)))
}
