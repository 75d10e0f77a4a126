package physics

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph"
)

// TestFieldAlgebra checks the Field operations against complex128 arithmetic.
func TestFieldAlgebra(t *testing.T) {
	const n = 5
	rng := rand.New(rand.NewPCG(16, 0))
	amp, phase := randArr(rng, 2, n, n), randArr(rng, 2, n, n)
	br, bi := randArr(rng, 2, n, n), randArr(rng, 2, n, n)
	pr, pi := randArr(rng, n, n), randArr(rng, n, n)
	out := run(t, func(in []*Node) []*Node {
		a := FromPolar(in[0], in[1])
		b := NewField(in[2], in[3])
		e := ExpI(in[1])
		s := Scalar(in[0].Graph(), in[0].DType(), 2.5)
		prod := a.Mul(b.Conj()).Add(e.Scale(s)).Sub(b)
		mp := MulProbe(NewField(in[4], in[5]), b)
		return []*Node{prod.Re, prod.Im, a.Abs2(), mp.Re, mp.Im}
	}, amp, phase, br, bi, pr, pi)
	const tol = 1e-5 // float32 products of O(1) numbers
	for k := range amp.v {
		a := cmplx.Rect(amp.v[k], phase.v[k])
		b := complex(br.v[k], bi.v[k])
		want := a*cmplx.Conj(b) + 2.5*cmplx.Exp(complex(0, phase.v[k])) - b
		got := complex(out[0].v[k], out[1].v[k])
		if cmplx.Abs(got-want) > tol*(1+cmplx.Abs(want)) {
			t.Fatalf("element %d: got %v, want %v", k, got, want)
		}
		if math.Abs(out[2].v[k]-amp.v[k]*amp.v[k]) > tol*(1+amp.v[k]*amp.v[k]) {
			t.Fatalf("Abs2[%d] = %g, want %g", k, out[2].v[k], amp.v[k]*amp.v[k])
		}
		p := complex(pr.v[k%(n*n)], pi.v[k%(n*n)])
		if got := complex(out[3].v[k], out[4].v[k]); cmplx.Abs(got-p*b) > tol*(1+cmplx.Abs(p*b)) {
			t.Fatalf("MulProbe[%d] = %v, want %v", k, got, p*b)
		}
	}
}

// TestFieldReductions checks MulConj, ReDot, Repeat and ReduceSum against
// complex128 arithmetic.
func TestFieldReductions(t *testing.T) {
	const n = 4
	rng := rand.New(rand.NewPCG(17, 0))
	ar, ai, br, bi := randArr(rng, 3, n, n), randArr(rng, 3, n, n), randArr(rng, 3, n, n), randArr(rng, 3, n, n)
	out := run(t, func(in []*Node) []*Node {
		a, b := NewField(in[0], in[1]), NewField(in[2], in[3])
		mc := a.MulConj(b)
		sum := mc.ReduceSum(0)
		rep := sum.Repeat(2)
		return []*Node{mc.Re, mc.Im, a.ReDot(b), sum.Re, sum.Im, rep.Re, rep.Im}
	}, ar, ai, br, bi)
	const tol = 1e-5
	var dot float64
	sum := make([]complex128, n*n)
	for k := range ar.v {
		want := cmplx.Conj(complex(ar.v[k], ai.v[k])) * complex(br.v[k], bi.v[k])
		if got := complex(out[0].v[k], out[1].v[k]); cmplx.Abs(got-want) > tol*(1+cmplx.Abs(want)) {
			t.Fatalf("MulConj[%d] = %v, want %v", k, got, want)
		}
		dot += real(want)
		sum[k%(n*n)] += want
	}
	if got := out[2].v[0]; math.Abs(got-dot) > tol*(1+math.Abs(dot)) {
		t.Fatalf("ReDot = %g, want %g", got, dot)
	}
	if d := out[5].dims; len(d) != 3 || d[0] != 2 || d[1] != n || d[2] != n {
		t.Fatalf("Repeat(2) of [%d, %d]: dims %v", n, n, d)
	}
	for k, want := range sum {
		if got := complex(out[3].v[k], out[4].v[k]); cmplx.Abs(got-want) > tol*(1+cmplx.Abs(want)) {
			t.Fatalf("ReduceSum[%d] = %v, want %v", k, got, want)
		}
		for r := range 2 {
			if got := complex(out[5].v[r*n*n+k], out[6].v[r*n*n+k]); got != complex(out[3].v[k], out[4].v[k]) {
				t.Fatalf("Repeat copy %d [%d] = %v, want %v", r, k, got, complex(out[3].v[k], out[4].v[k]))
			}
		}
	}
}
