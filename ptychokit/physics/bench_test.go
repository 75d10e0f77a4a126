package physics

import (
	"fmt"
	"math/rand/v2"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph"
)

// farFieldPlainVJP is FarFieldIntensity with plain DotGeneral products, so
// that GoMLX derives the gradient itself: the baseline the custom gradient
// of mulLast is measured against.
func farFieldPlainVJP(probe, patches Field) *Node {
	f := MulProbe(probe, patches)
	dims := f.Dims()
	n := dims[len(dims)-1]
	rows := f.Re.Shape().Size() / n
	g := f.Re.Graph()
	a := dftConst(g, n, dftShiftedOrtho, true)
	mul := func(x, m *Node) *Node {
		return Reshape(DotGeneral(Reshape(x, rows, n), []int{1}, nil, m, []int{0}, nil), dims...)
	}
	cm := func(f Field) Field {
		return Field{Re: Sub(mul(f.Re, a.re), mul(f.Im, a.im)), Im: Add(mul(f.Re, a.im), mul(f.Im, a.re))}
	}
	return swapLast2(cm(swapLast2(cm(f)))).Abs2()
}

// BenchmarkFarFieldForwardBackward times loss = Σ c·FarFieldAmplitude and its
// gradients with respect to patch and probe, B=16, N=64, on the pure-Go
// backend: with mulLast's custom gradient ("custom") and with GoMLX's default
// DotGeneral VJP ("default-vjp"), and the forward alone.
//
//	go test -run '^$' -bench FarField -benchtime 5x ./ptychokit/physics/
func BenchmarkFarFieldForwardBackward(b *testing.B) {
	const batch, n = 16, 64
	rng := rand.New(rand.NewPCG(7, 0))
	inputs := []arr{randArr(rng, n, n), randArr(rng, n, n), randArr(rng, batch, n, n), randArr(rng, batch, n, n), randArr(rng, batch, n, n)}
	args := make([]any, len(inputs))
	for i, in := range inputs {
		args[i] = in.tensor()
	}
	cases := []struct {
		name     string
		backward bool
		model    func(probe, patches Field) *Node
	}{
		{"forward", false, FarFieldIntensity},
		{"custom", true, FarFieldIntensity},
		{"default-vjp", true, farFieldPlainVJP},
	}
	for _, c := range cases {
		b.Run(fmt.Sprintf("%s/B=%d/N=%d", c.name, batch, n), func(b *testing.B) {
			exec := MustNewExec(cpu(), func(in []*Node) []*Node {
				probe, patches := NewField(in[0], in[1]), NewField(in[2], in[3])
				loss := ReduceAllSum(Mul(SafeSqrt(c.model(probe, patches)), in[4]))
				if !c.backward {
					return []*Node{loss}
				}
				return append([]*Node{loss}, Gradient(loss, in[0], in[1], in[2], in[3])...)
			})
			exec.MustExec(args...) // compile
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				exec.MustExec(args...)
			}
		})
	}
}

// BenchmarkPatchWindows times one cut and one scatter of B=64 complex
// patches of N=128 on a 500² object (the Siemens star's sizes), on the
// pure-Go backend: per pixel (ExtractPatches + ScatterPatches) and by whole
// windows (PatchWindows, what the solvers use).
//
//	go test -run '^$' -bench PatchWindows -benchtime 5x ./ptychokit/physics/
func BenchmarkPatchWindows(b *testing.B) {
	const batch, n, side = 64, 128, 500
	rng := rand.New(rand.NewPCG(1, 3))
	x, y := newArr(batch), newArr(batch)
	for i := range x.v {
		x.v[i] = float64(n/2) + rng.Float64()*float64(side-n-2)
		y.v[i] = float64(n/2) + rng.Float64()*float64(side-n-2)
	}
	inputs := []arr{randArr(rng, side, side), randArr(rng, side, side), x, y}
	cases := []struct {
		name string
		cut  func(object Field, x, y *Node) Field
	}{
		{"per-pixel", func(object Field, x, y *Node) Field {
			return ScatterPatches(ExtractPatches(object, x, y, n), x, y, side, side)
		}},
		{"windows", func(object Field, x, y *Node) Field {
			pw := NewPatchWindows(x, y, n, side, side)
			return pw.Scatter(pw.Extract(object))
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			exec := MustNewExec(cpu(), func(in []*Node) []*Node {
				o := c.cut(NewField(in[0], in[1]), in[2], in[3])
				return []*Node{o.Re, o.Im}
			})
			args := func() []any {
				out := make([]any, len(inputs))
				for i, in := range inputs {
					out[i] = in.tensor()
				}
				return out
			}
			for _, o := range exec.MustExec(args()...) {
				o.MustFinalizeAll()
			}
			for b.Loop() {
				b.StopTimer()
				in := args()
				b.StartTimer()
				for _, o := range exec.MustExec(in...) {
					o.MustFinalizeAll()
				}
			}
		})
	}
}
