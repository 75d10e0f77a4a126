package physics

import (
	"fmt"

	. "github.com/gomlx/gomlx/pkg/core/graph"
)

// withAdjoint returns forward(x), whose gradient with respect to x is
// adjoint(v) instead of what GoMLX would derive from forward's graph.
// forward must be linear in x and shape-preserving; adjoint must be its
// transpose. The value is forward(x) exactly: the gradient path adds w - w = 0.
//
// This is how the DFT products get a cheap gradient on the pure-Go backend,
// whose DotGeneral VJP broadcasts both operands to an [M, N, K] tensor.
func withAdjoint(x *Node, forward, adjoint func(*Node) *Node) *Node {
	y := StopGradient(forward(x))
	if !y.Shape().Equal(x.Shape()) {
		panic(fmt.Sprintf("ptychokit: physics: withAdjoint needs a shape-preserving map, got %s -> %s", x.Shape(), y.Shape()))
	}
	w := IdentityWithCustomGradient(x, func(_, v *Node) *Node { return adjoint(v) })
	return Add(y, Sub(w, StopGradient(w)))
}

// mulLast returns x·a over the last axis of x [..., K] with the constant
// square matrix a [K, K] (aT its transpose), with gradient v·aᵀ.
func mulLast(x, a, aT *Node) *Node {
	dims := x.Shape().Dimensions
	k := dims[len(dims)-1]
	rows := x.Shape().Size() / k
	prod := func(in, m *Node) *Node {
		flat := Reshape(in, rows, k)
		return Reshape(DotGeneral(flat, []int{1}, nil, m, []int{0}, nil), dims...)
	}
	return withAdjoint(x,
		func(in *Node) *Node { return prod(in, a) },
		func(v *Node) *Node { return prod(v, aT) })
}

// cmatrix is a constant complex matrix in a graph, with its transpose.
type cmatrix struct{ re, im, reT, imT *Node }

// mulLastComplex returns f·A over the last axis (A = a.re + i·a.im).
func mulLastComplex(f Field, a cmatrix) Field {
	rr := mulLast(f.Re, a.re, a.reT)
	ii := mulLast(f.Im, a.im, a.imT)
	ri := mulLast(f.Re, a.im, a.imT)
	ir := mulLast(f.Im, a.re, a.reT)
	return Field{Re: Sub(rr, ii), Im: Add(ri, ir)}
}

// swapLast2 transposes the last two axes of both parts.
func swapLast2(f Field) Field {
	return Field{Re: Transpose(f.Re, -2, -1), Im: Transpose(f.Im, -2, -1)}
}
