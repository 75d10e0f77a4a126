package physics

import (
	"fmt"

	. "github.com/gomlx/gomlx/pkg/core/graph"
)

// Field is a complex tensor held as two real tensors of equal shape and
// dtype. Operators act on the last two axes [..., N, N]; leading axes are batch.
type Field struct{ Re, Im *Node }

// NewField pairs re and im, which must have the same shape.
func NewField(re, im *Node) Field {
	f := Field{Re: re, Im: im}
	f.check("NewField")
	return f
}

// ZeroField returns a field of zeros shaped like x.
func ZeroField(x *Node) Field { return Field{Re: ZerosLike(x), Im: ZerosLike(x)} }

// FromPolar returns amp·exp(i·phase).
func FromPolar(amp, phase *Node) Field {
	checkSameShape("FromPolar", amp, phase)
	return Field{Re: Mul(amp, Cos(phase)), Im: Mul(amp, Sin(phase))}
}

// ExpI returns exp(i·phase).
func ExpI(phase *Node) Field { return Field{Re: Cos(phase), Im: Sin(phase)} }

// Mul is the element-wise complex product f·g; shapes must match.
func (f Field) Mul(g Field) Field {
	f.check("Mul")
	g.check("Mul")
	checkSameShape("Mul", f.Re, g.Re)
	return Field{
		Re: Sub(Mul(f.Re, g.Re), Mul(f.Im, g.Im)),
		Im: Add(Mul(f.Re, g.Im), Mul(f.Im, g.Re)),
	}
}

// Conj is the complex conjugate.
func (f Field) Conj() Field { return Field{Re: f.Re, Im: Neg(f.Im)} }

// Abs2 is |f|² = Re² + Im².
func (f Field) Abs2() *Node { return Add(Square(f.Re), Square(f.Im)) }

// Abs is |f|. Its gradient is infinite at zero: use Abs2, or FarFieldAmplitude's
// safe square root, where fields vanish.
func (f Field) Abs() *Node { return Sqrt(f.Abs2()) }

// Scale multiplies both parts by the real s (a scalar or a node of the same shape).
func (f Field) Scale(s *Node) Field {
	if !s.IsScalar() {
		checkSameShape("Scale", f.Re, s)
	}
	return Field{Re: Mul(f.Re, s), Im: Mul(f.Im, s)}
}

// ScaleConst multiplies both parts by the constant s.
func (f Field) ScaleConst(s float64) Field {
	return Field{Re: MulScalar(f.Re, s), Im: MulScalar(f.Im, s)}
}

// Add is f + g; shapes must match.
func (f Field) Add(g Field) Field {
	checkSameShape("Add", f.Re, g.Re)
	return Field{Re: Add(f.Re, g.Re), Im: Add(f.Im, g.Im)}
}

// Sub is f - g; shapes must match.
func (f Field) Sub(g Field) Field {
	checkSameShape("Sub", f.Re, g.Re)
	return Field{Re: Sub(f.Re, g.Re), Im: Sub(f.Im, g.Im)}
}

// MulConj is the element-wise product conj(f)·g; shapes must match.
func (f Field) MulConj(g Field) Field {
	checkSameShape("MulConj", f.Re, g.Re)
	return Field{
		Re: Add(Mul(f.Re, g.Re), Mul(f.Im, g.Im)),
		Im: Sub(Mul(f.Re, g.Im), Mul(f.Im, g.Re)),
	}
}

// ReDot is Re⟨f, g⟩ = Σ Re(conj(f)·g) over all elements, a scalar; shapes
// must match.
func (f Field) ReDot(g Field) *Node {
	checkSameShape("ReDot", f.Re, g.Re)
	return ReduceAllSum(Add(Mul(f.Re, g.Re), Mul(f.Im, g.Im)))
}

// Repeat stacks `times` copies of f along a new leading axis. On the pure-Go
// backend binary ops of equal shapes are much faster than implicitly
// broadcast ones, and a prefix broadcast is a plain copy.
func (f Field) Repeat(times int) Field {
	return Field{Re: BroadcastPrefix(f.Re, times), Im: BroadcastPrefix(f.Im, times)}
}

// ReduceSum sums both parts over the given axes.
func (f Field) ReduceSum(axes ...int) Field {
	return Field{Re: ReduceSum(f.Re, axes...), Im: ReduceSum(f.Im, axes...)}
}

// Reshape reshapes both parts.
func (f Field) Reshape(dims ...int) Field {
	return Field{Re: Reshape(f.Re, dims...), Im: Reshape(f.Im, dims...)}
}

// Dims returns the dimensions of the field.
func (f Field) Dims() []int { return f.Re.Shape().Dimensions }

// MulProbe multiplies every [N, N] image of patches [..., N, N] by probe [N, N]
// (the exit wave ψ = probe·patch), broadcasting the probe over leading axes.
func MulProbe(probe, patches Field) Field {
	probe.check("MulProbe")
	patches.check("MulProbe")
	pd, xd := probe.Dims(), patches.Dims()
	if len(pd) != 2 || len(xd) < 2 || pd[0] != xd[len(xd)-2] || pd[1] != xd[len(xd)-1] {
		panic(fmt.Sprintf("ptychokit: physics.MulProbe: probe %v must be [N, N] matching the last two axes of patches %v", pd, xd))
	}
	if len(xd) > 2 {
		lead := make([]int, len(xd)-2)
		for i := range lead {
			lead[i] = i
		}
		probe = Field{
			Re: BroadcastToDims(ExpandAxes(probe.Re, lead...), xd...),
			Im: BroadcastToDims(ExpandAxes(probe.Im, lead...), xd...),
		}
	}
	return probe.Mul(patches)
}

func (f Field) check(op string) {
	if f.Re == nil || f.Im == nil {
		panic(fmt.Sprintf("ptychokit: physics.%s: field with nil part", op))
	}
	checkSameShape(op, f.Re, f.Im)
}

func checkSameShape(op string, a, b *Node) {
	if !a.Shape().Equal(b.Shape()) {
		panic(fmt.Sprintf("ptychokit: physics.%s: shapes differ: %s vs %s", op, a.Shape(), b.Shape()))
	}
}
