package metrics

import (
	"math"
	"math/cmplx"
	"testing"

	"github.com/ptychokit/ptychokit/ptychokit/data"
)

// planeTol: a pure phase plane must be removed to rounding error.
const planeTol = 1e-9

func TestPhasePlaneRemovedExactly(t *testing.T) {
	t.Parallel()
	H, W := 48, 64
	truth := smoothObject(newRNG(20), H, W, 0.1)
	cases := []PhasePlane{
		{Offset: 0.3, SlopeX: 0.01, SlopeY: -0.02},
		// 0.7 rad/px over 64 columns wraps the phase about 7 times.
		{Offset: -2.9, SlopeX: 0.7, SlopeY: -0.45},
		{Offset: math.Pi, SlopeX: -2.5, SlopeY: 3.0},
		{},
	}
	for _, want := range cases {
		rec := make([]complex128, H*W)
		for y := 0; y < H; y++ {
			for x := 0; x < W; x++ {
				rec[y*W+x] = truth[y*W+x] * cmplx.Exp(complex(0, want.At(y, x)))
			}
		}
		got, err := RemovePhasePlane(rec, truth, H, W)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(data.WrapPhase(got.Offset-want.Offset)) > planeTol ||
			math.Abs(got.SlopeX-want.SlopeX) > planeTol || math.Abs(got.SlopeY-want.SlopeY) > planeTol {
			t.Errorf("fitted %+v, want %+v", got, want)
		}
		if d := maxAbsDiff(rec, truth); d > planeTol {
			t.Errorf("plane %+v: after removal rec differs from truth by %g", want, d)
		}
	}
}

// With noise the fit is the amplitude-weighted least-squares plane: check it
// against the normal equations solved independently on the unwrapped phase.
func TestPhasePlaneWeightedLeastSquares(t *testing.T) {
	t.Parallel()
	H, W := 20, 30
	rng := newRNG(21)
	truth := smoothObject(rng, H, W, 0.1)
	want := PhasePlane{Offset: 0.4, SlopeX: 0.05, SlopeY: -0.03}
	rec := make([]complex128, H*W)
	noise := make([]float64, H*W)
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			noise[y*W+x] = 0.2 * rng.NormFloat64()
			rec[y*W+x] = truth[y*W+x] * complex(0.5+rng.Float64(), 0) * cmplx.Exp(complex(0, want.At(y, x)+noise[y*W+x]))
		}
	}
	// Reference: weighted normal equations in pixel coordinates, with the
	// phase difference known unwrapped (plane + noise stays inside (-π, π)).
	var m [3][3]float64
	var v [3]float64
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			i := y*W + x
			w := cmplx.Abs(rec[i]) * cmplx.Abs(truth[i])
			phi := want.At(y, x) + noise[i]
			b := [3]float64{1, float64(x), float64(y)}
			for r := 0; r < 3; r++ {
				v[r] += w * b[r] * phi
				for c := 0; c < 3; c++ {
					m[r][c] += w * b[r] * b[c]
				}
			}
		}
	}
	ref, ok := solve3(m, v)
	if !ok {
		t.Fatal("reference system singular")
	}
	got, err := FitPhasePlane(rec, truth, H, W)
	if err != nil {
		t.Fatal(err)
	}
	// The residual after the neighbour-product estimate never wraps here, so
	// the fit is the least-squares plane to rounding error.
	if math.Abs(got.Offset-ref[0]) > planeTol || math.Abs(got.SlopeX-ref[1]) > planeTol || math.Abs(got.SlopeY-ref[2]) > planeTol {
		t.Errorf("got %+v, least squares gives offset %g slopes %g %g", got, ref[0], ref[1], ref[2])
	}
}

func TestAlignMeanPhase(t *testing.T) {
	t.Parallel()
	truth := smoothObject(newRNG(22), 8, 8, 0.2)
	rec := make([]complex128, len(truth))
	for i := range rec {
		rec[i] = truth[i] * cmplx.Exp(complex(0, 2.5))
	}
	a, err := AlignMeanPhase(rec, truth)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(a-2.5) > planeTol || maxAbsDiff(rec, truth) > planeTol {
		t.Errorf("offset %g (want 2.5), residual %g", a, maxAbsDiff(rec, truth))
	}
	if _, err := AlignMeanPhase(make([]complex128, 4), make([]complex128, 4)); err == nil {
		t.Error("zero images: want an error")
	}
}

func TestAmplitudeScale(t *testing.T) {
	t.Parallel()
	truth := []complex128{1, 2i, -3, 4}
	rec := []complex128{2, 2, 2, 2}
	cases := []struct {
		mode ScaleMode
		want float64
	}{
		{MeanRatio, (1 + 2 + 3 + 4) / 8.0},         // Σ|truth| / Σ|rec|
		{LeastSquares, 2 * (1 + 2 + 3 + 4) / 16.0}, // Σ|rec||truth| / Σ|rec|²
		{NoScale, 1},
	}
	for _, c := range cases {
		got, err := AmplitudeScale(rec, truth, c.mode)
		if err != nil || math.Abs(got-c.want) > 1e-15 {
			t.Errorf("%v: got %g, %v; want %g", c.mode, got, err, c.want)
		}
	}
	if _, err := AmplitudeScale(make([]complex128, 4), truth, MeanRatio); err == nil {
		t.Error("zero reconstruction: want an error")
	}
	if _, err := AmplitudeScale(rec, truth, ScaleMode(9)); err == nil {
		t.Error("unknown mode: want an error")
	}
}

func TestWrapPhase(t *testing.T) {
	t.Parallel()
	for _, c := range [][2]float64{{0, 0}, {math.Pi, math.Pi}, {-math.Pi, math.Pi}, {3 * math.Pi / 2, -math.Pi / 2}, {-7, -7 + 2*math.Pi}} {
		if got := data.WrapPhase(c[0]); math.Abs(got-c[1]) > 1e-12 {
			t.Errorf("data.WrapPhase(%g) = %g, want %g", c[0], got, c[1])
		}
	}
}
