package physics

import (
	. "github.com/gomlx/gomlx/pkg/core/graph"

	"github.com/ptychokit/ptychokit/ptychokit/nn"
)

// mulLast returns x·a over the last axis of x [..., K] with the constant
// square matrix a [K, K]. nn.MatMul gives it the cheap gradient v·aᵀ on the
// pure-Go backend, whose own DotGeneral VJP broadcasts both operands to an
// [M, N, K] tensor.
func mulLast(x, a *Node) *Node {
	dims := x.Shape().Dimensions
	k := dims[len(dims)-1]
	return Reshape(nn.MatMul(Reshape(x, x.Shape().Size()/k, k), a), dims...)
}

// cmatrix is a constant complex matrix in a graph.
type cmatrix struct{ re, im *Node }

// mulLastComplex returns f·A over the last axis (A = a.re + i·a.im).
func mulLastComplex(f Field, a cmatrix) Field {
	rr := mulLast(f.Re, a.re)
	ii := mulLast(f.Im, a.im)
	ri := mulLast(f.Re, a.im)
	ir := mulLast(f.Im, a.re)
	return Field{Re: Sub(rr, ii), Im: Add(ri, ir)}
}

// swapLast2 transposes the last two axes of both parts.
func swapLast2(f Field) Field {
	return Field{Re: Transpose(f.Re, -2, -1), Im: Transpose(f.Im, -2, -1)}
}
