package nn

import (
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/layers/activations"
)

// ReLU is max(x, 0). Its gradient is 1 where x > 0 and 0 elsewhere (at 0 too,
// unlike GoMLX's Relu, whose gradient at 0 is 1).
func ReLU(x *graph.Node) *graph.Node {
	return WithGradient([]*graph.Node{x},
		func(in []*graph.Node) *graph.Node {
			return graph.Max(in[0], graph.ScalarZero(x.Graph(), x.DType()))
		},
		func(in []*graph.Node, _, v *graph.Node) []*graph.Node {
			// Testing the input rather than the output leaves the output with a
			// single consumer, so the next layer's identity need not copy it.
			active := graph.GreaterThan(in[0], graph.ScalarZero(x.Graph(), x.DType()))
			return []*graph.Node{graph.Where(active, v, graph.ScalarZero(x.Graph(), x.DType()))}
		})
}

// Sigmoid is the logistic function 1/(1+exp(-x)).
func Sigmoid(x *graph.Node) *graph.Node { return graph.Logistic(x) }

// Tanh is the hyperbolic tangent.
func Tanh(x *graph.Node) *graph.Node { return graph.Tanh(x) }

// SiLU (swish) is x·sigmoid(x).
func SiLU(x *graph.Node) *graph.Node { return graph.Mul(x, graph.Logistic(x)) }

// GELU is the Gaussian error linear unit x·Φ(x), Φ the standard normal
// cumulative distribution (exact, through Erf), the activation of the
// Fourier neural operator generators.
func GELU(x *graph.Node) *graph.Node { return activations.Gelu(x) }
