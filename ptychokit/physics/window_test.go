package physics

import (
	"math"
	"math/rand/v2"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph"
)

// TestFarFieldMatchesDirect checks FarField against fftshift(DFT2)/N by the
// float64 double sum, and InverseFarField against the exit wave it came from.
func TestFarFieldMatchesDirect(t *testing.T) {
	for _, n := range []int{8, 24, 32} {
		rng := rand.New(rand.NewPCG(21, uint64(n)))
		re, im := randArr(rng, 2, n, n), randArr(rng, 2, n, n)
		out := run(t, func(in []*Node) []*Node {
			far := FarFieldWith(NewField(in[0], in[1]), DFTMatMul)
			back := InverseFarFieldWith(far, DFTMatMul)
			return []*Node{far.Re, far.Im, back.Re, back.Im}
		}, re, im)
		fr, fi := directDFT2(re, im, -1)
		wantRe, wantIm := shift2(fr), shift2(fi)
		for i := range wantRe.v {
			wantRe.v[i] /= float64(n)
			wantIm.v[i] /= float64(n)
		}
		if e := relErr([2]arr{out[0], wantRe}, [2]arr{out[1], wantIm}); e > dftTol {
			t.Errorf("N=%d: FarField relative error %.3g > %g", n, e, dftTol)
		}
		if e := relErr([2]arr{out[2], re}, [2]arr{out[3], im}); e > dftTol {
			t.Errorf("N=%d: InverseFarField(FarField(ψ)) relative error %.3g > %g", n, e, dftTol)
		}
	}
}

// TestInverseFarFieldIsAdjoint: ⟨FarField x, y⟩ = ⟨x, InverseFarField y⟩.
func TestInverseFarFieldIsAdjoint(t *testing.T) {
	const n = 16
	rng := rand.New(rand.NewPCG(22, 0))
	xr, xi, yr, yi := randArr(rng, 3, n, n), randArr(rng, 3, n, n), randArr(rng, 3, n, n), randArr(rng, 3, n, n)
	out := run(t, func(in []*Node) []*Node {
		x, y := NewField(in[0], in[1]), NewField(in[2], in[3])
		fx, iy := FarFieldWith(x, DFTMatMul), InverseFarFieldWith(y, DFTMatMul)
		lhs := Add(ReduceAllSum(Mul(fx.Re, y.Re)), ReduceAllSum(Mul(fx.Im, y.Im)))
		rhs := Add(ReduceAllSum(Mul(x.Re, iy.Re)), ReduceAllSum(Mul(x.Im, iy.Im)))
		return []*Node{lhs, rhs}
	}, xr, xi, yr, yi)
	// Sums of 2·3·N² products of O(1) terms, each within dftTol.
	if diff := math.Abs(out[0].v[0] - out[1].v[0]); diff > dftTol*float64(2*3*n*n) {
		t.Errorf("⟨Fx, y⟩ = %g, ⟨x, F⁻¹y⟩ = %g", out[0].v[0], out[1].v[0])
	}
}

// TestPatchWindowsMatchReference checks PatchWindows against the float64
// bilinear reference and ScatterPatches, at centres whose windows lie inside
// the object (integer, fractional, on the edges).
func TestPatchWindowsMatchReference(t *testing.T) {
	const n, h, w = 8, 21, 19
	xs := []float64{4, 10.25, 4.5, 14.99, 9}
	ys := []float64{4, 7.75, 16, 12.5, 16.3}
	rng := rand.New(rand.NewPCG(23, 0))
	or, oi := randArr(rng, h, w), randArr(rng, h, w)
	pr, pi := randArr(rng, len(xs), n, n), randArr(rng, len(xs), n, n)
	x, y := arr{dims: []int{len(xs)}, v: xs}, arr{dims: []int{len(ys)}, v: ys}
	out := run(t, func(in []*Node) []*Node {
		pw := NewPatchWindows(in[4], in[5], n, h, w)
		ex := pw.Extract(NewField(in[0], in[1]))
		sc := pw.Scatter(NewField(in[2], in[3]))
		ref := ScatterPatches(NewField(in[2], in[3]), in[4], in[5], h, w)
		return []*Node{ex.Re, ex.Im, sc.Re, sc.Im, ref.Re, ref.Im}
	}, or, oi, pr, pi, x, y)
	if e := maxAbsDiff(out[0], patchesRef(or, xs, ys, n)); e > positionTol {
		t.Errorf("Extract real part: max error %.3g", e)
	}
	if e := maxAbsDiff(out[1], patchesRef(oi, xs, ys, n)); e > positionTol {
		t.Errorf("Extract imaginary part: max error %.3g", e)
	}
	// Each object pixel sums up to 4·B weighted patch values.
	if e := maxAbsDiff(out[2], out[4]); e > samplingTol*float64(4*len(xs)) {
		t.Errorf("Scatter real part differs from ScatterPatches by %.3g", e)
	}
	if e := maxAbsDiff(out[3], out[5]); e > samplingTol*float64(4*len(xs)) {
		t.Errorf("Scatter imaginary part differs from ScatterPatches by %.3g", e)
	}
}
