package nn

import (
	"github.com/gomlx/gomlx/pkg/core/graph"
)

// WithGradient returns forward(hooked), where hooked[i] is inputs[i] seen
// through an identity, and makes reverse-mode differentiation use
// gradient(hooked, output, v) for the gradients with respect to inputs
// instead of differentiating forward's ops: v is the gradient arriving at the
// output, and gradient returns one gradient for each input, shaped like it.
// The value is forward's exactly. It is the project's one way of attaching a
// hand-written gradient (nn's layers, MatMul, physics' DFT products and
// SafeSqrt use it).
//
// GoMLX lets a custom gradient be attached only to an identity of one node
// (graph.IdentityWithCustomGradient). Here the output's identity records the
// incoming gradient v and the inputs' identities return what gradient
// computes from it. Autodiff still builds forward's own gradient nodes on the
// way from the output to the inputs, but nothing consumes them, so no backend
// runs them (SimpleGo executes only nodes the outputs depend on; XLA removes
// dead code). Every op in forward must therefore have a gradient that can at
// least be built on the backend (Gather, DotGeneral, Reshape, Concatenate,
// Max… do; Slice does not on SimpleGo, since its gradient needs Pad).
//
// gradient receives the hooked inputs, not the originals, so that the
// originals keep a single consumer and the identities cost no copy.
//
// Gradients of gradients are not supported: a second differentiation that
// reached the hooked inputs through nodes of gradient would see the incoming
// gradient of the first.
func WithGradient(inputs []*graph.Node, forward func(hooked []*graph.Node) *graph.Node,
	gradient func(hooked []*graph.Node, output, v *graph.Node) []*graph.Node) *graph.Node {
	var (
		output   *graph.Node
		incoming *graph.Node   // gradient arriving at output, set first in the backward pass
		grads    []*graph.Node // computed once per backward pass, on first request
	)
	hooked := make([]*graph.Node, len(inputs))
	for i, in := range inputs {
		hooked[i] = graph.IdentityWithCustomGradient(in, func(_, _ *graph.Node) *graph.Node {
			if incoming == nil {
				panic("ptychokit: nn: custom gradient reached an input before the output")
			}
			if grads == nil {
				grads = gradient(hooked, output, incoming)
				if len(grads) != len(inputs) {
					panic("ptychokit: nn: custom gradient returned the wrong number of gradients")
				}
			}
			return grads[i]
		})
	}
	raw := forward(hooked)
	output = graph.IdentityWithCustomGradient(raw, func(_, v *graph.Node) *graph.Node {
		incoming, grads = v, nil
		return v
	})
	return output
}
