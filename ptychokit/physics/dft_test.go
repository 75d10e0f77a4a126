package physics

import (
	"math"
	"math/rand/v2"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph"
)

// dftTol bounds float32 DFT-by-matmul error relative to a float64 reference:
// float32 rounding (6e-8) grown by ~√(2N) accumulated terms per axis stays
// two orders of magnitude below it for N ≤ 128.
const dftTol = 1e-5

func TestDFT2MatchesDirect(t *testing.T) {
	for _, n := range []int{16, 24, 64} {
		rng := rand.New(rand.NewPCG(1, uint64(n)))
		re, im := randArr(rng, 2, n, n), randArr(rng, 2, n, n)
		out := run(t, func(in []*Node) []*Node {
			f := DFT2With(NewField(in[0], in[1]), DFTMatMul)
			b := IDFT2With(NewField(in[0], in[1]), DFTMatMul)
			return []*Node{f.Re, f.Im, b.Re, b.Im}
		}, re, im)
		wantRe, wantIm := directDFT2(re, im, -1)
		if e := relErr([2]arr{out[0], wantRe}, [2]arr{out[1], wantIm}); e > dftTol {
			t.Errorf("N=%d: DFT2 relative error %.3g > %g", n, e, dftTol)
		}
		invRe, invIm := directDFT2(re, im, +1)
		if e := relErr([2]arr{out[2], invRe}, [2]arr{out[3], invIm}); e > dftTol {
			t.Errorf("N=%d: IDFT2 relative error %.3g > %g", n, e, dftTol)
		}
	}
}

func TestDFT2RoundTripAndParseval(t *testing.T) {
	const n = 32
	rng := rand.New(rand.NewPCG(2, 0))
	re, im := randArr(rng, 3, n, n), randArr(rng, 3, n, n)
	out := run(t, func(in []*Node) []*Node {
		f := DFT2(NewField(in[0], in[1]))
		back := IDFT2(f)
		return []*Node{back.Re, back.Im, ReduceAllSum(f.Abs2()), ReduceAllSum(NewField(in[0], in[1]).Abs2())}
	}, re, im)
	if e := relErr([2]arr{out[0], re}, [2]arr{out[1], im}); e > dftTol {
		t.Errorf("IDFT2(DFT2(f)) relative error %.3g > %g", e, dftTol)
	}
	// Parseval for the un-normalised DFT: Σ|F|² = N²·Σ|f|².
	got, want := out[2].v[0], n*n*out[3].v[0]
	if math.Abs(got-want)/want > dftTol {
		t.Errorf("Parseval: Σ|F|² = %g, N²Σ|f|² = %g", got, want)
	}
}

// TestDFT2Adjoint checks ⟨DFT2 x, y⟩ = ⟨x, N²·IDFT2 y⟩ (real inner product of
// the (re, im) pairs), i.e. DFT2's adjoint is N²·IDFT2.
func TestDFT2Adjoint(t *testing.T) {
	const n = 24
	rng := rand.New(rand.NewPCG(3, 0))
	xr, xi, yr, yi := randArr(rng, 2, n, n), randArr(rng, 2, n, n), randArr(rng, 2, n, n), randArr(rng, 2, n, n)
	out := run(t, func(in []*Node) []*Node {
		x, y := NewField(in[0], in[1]), NewField(in[2], in[3])
		fx := DFT2(x)
		ay := IDFT2(y).ScaleConst(n * n)
		lhs := Add(ReduceAllSum(Mul(fx.Re, y.Re)), ReduceAllSum(Mul(fx.Im, y.Im)))
		rhs := Add(ReduceAllSum(Mul(x.Re, ay.Re)), ReduceAllSum(Mul(x.Im, ay.Im)))
		return []*Node{lhs, rhs}
	}, xr, xi, yr, yi)
	lhs, rhs := out[0].v[0], out[1].v[0]
	// Both sides are sums of ~2·2·24² products of O(N) terms: compare to their scale.
	scale := float64(n) * math.Sqrt(float64(2*2*n*n))
	if math.Abs(lhs-rhs) > dftTol*scale {
		t.Errorf("⟨Fx,y⟩ = %g, ⟨x,F*y⟩ = %g (tolerance %g)", lhs, rhs, dftTol*scale)
	}
}

func TestFFTShiftDelta(t *testing.T) {
	for _, n := range []int{8, 7} {
		// A delta at the origin moves to (N/2, N/2) (numpy: index n//2, also odd n).
		delta := newArr(1, n, n)
		delta.v[0] = 1
		out := run(t, func(in []*Node) []*Node {
			s := FFTShift(in[0])
			return []*Node{s, IFFTShift(s)}
		}, delta)
		for i, v := range out[0].v {
			want := 0.0
			if i == (n/2)*n+n/2 {
				want = 1
			}
			if v != want {
				t.Fatalf("N=%d: FFTShift(delta)[%d] = %g, want %g", n, i, v, want)
			}
		}
		if maxAbsDiff(out[1], delta) != 0 {
			t.Errorf("N=%d: IFFTShift(FFTShift(x)) != x", n)
		}
	}
}

// TestDFT2OfDelta: the DFT of a unit delta at (y0, x0) is exp(-2πi(ky·y0+kx·x0)/N).
func TestDFT2OfDelta(t *testing.T) {
	const n, y0, x0 = 16, 3, 5
	delta := newArr(n, n)
	delta.v[y0*n+x0] = 1
	out := run(t, func(in []*Node) []*Node {
		f := DFT2(NewField(in[0], ZerosLike(in[0])))
		return []*Node{f.Re, f.Im}
	}, delta)
	for ky := 0; ky < n; ky++ {
		for kx := 0; kx < n; kx++ {
			s, c := math.Sincos(-2 * math.Pi * float64(ky*y0+kx*x0) / n)
			if math.Abs(out[0].v[ky*n+kx]-c) > 1e-6 || math.Abs(out[1].v[ky*n+kx]-s) > 1e-6 {
				t.Fatalf("DFT2(delta)[%d,%d] = (%g, %g), want (%g, %g)", ky, kx, out[0].v[ky*n+kx], out[1].v[ky*n+kx], c, s)
			}
		}
	}
}
