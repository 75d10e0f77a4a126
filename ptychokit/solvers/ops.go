package solvers

import (
	"fmt"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX graph code reads best with a dot import.

	"github.com/ptychokit/ptychokit/ptychokit/physics"
)

// cfield is a complex tensor inside a graph as a pair of float32 tensors of
// equal shape (the pure-Go backend has no complex dtype).
type cfield struct{ re, im *Node }

func (a cfield) add(b cfield) cfield { return cfield{Add(a.re, b.re), Add(a.im, b.im)} }
func (a cfield) sub(b cfield) cfield { return cfield{Sub(a.re, b.re), Sub(a.im, b.im)} }

// mul is the complex product a·b.
func (a cfield) mul(b cfield) cfield {
	return cfield{
		Sub(Mul(a.re, b.re), Mul(a.im, b.im)),
		Add(Mul(a.re, b.im), Mul(a.im, b.re)),
	}
}

// mulConj is the complex product conj(a)·b.
func (a cfield) mulConj(b cfield) cfield {
	return cfield{
		Add(Mul(a.re, b.re), Mul(a.im, b.im)),
		Sub(Mul(a.re, b.im), Mul(a.im, b.re)),
	}
}

// scale multiplies both parts by the real tensor s (same shape).
func (a cfield) scale(s *Node) cfield { return cfield{Mul(a.re, s), Mul(a.im, s)} }

func (a cfield) abs2() *Node { return Add(Square(a.re), Square(a.im)) }

// repeat stacks `times` copies of a along a new leading axis. Binary ops of
// equal shapes are much faster on the pure-Go backend than implicitly
// broadcast ones, and a prefix broadcast is a plain copy there.
func (a cfield) repeat(times int) cfield {
	return cfield{BroadcastPrefix(a.re, times), BroadcastPrefix(a.im, times)}
}

// batchSize is the leading dimension of a.
func (a cfield) batchSize() int { return a.re.Shape().Dimensions[0] }

func (a cfield) reduceSum(axes ...int) cfield {
	return cfield{ReduceSum(a.re, axes...), ReduceSum(a.im, axes...)}
}

// reDot is Re⟨a, b⟩ = Σ Re(conj(a)·b) over all elements, a scalar.
func reDot(a, b cfield) *Node {
	return ReduceAllSum(Add(Mul(a.re, b.re), Mul(a.im, b.im)))
}

// field and fromField convert between the solvers' algebra and physics'
// operators, which share the (re, im) representation.
func (a cfield) field() physics.Field { return physics.Field{Re: a.re, Im: a.im} }

func fromField(f physics.Field) cfield { return cfield{f.Re, f.Im} }

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
