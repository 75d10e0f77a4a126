package metrics

import (
	"math"
	"math/cmplx"
	"testing"

	"github.com/ptychokit/ptychokit/ptychokit/data"
)

// TestAlign: a truth multiplied by 2·exp(i(0.3 + 0.01x − 0.02y)) comes back
// as the truth (the plane and the scale are what Align removes), cropped to
// the region asked for; the reconstruction may be larger than the truth.
func TestAlign(t *testing.T) {
	t.Parallel()
	const H, W = 24, 20
	truth := &data.ComplexImage{H: H, W: W, Pix: make([]complex64, H*W)}
	rec := &data.ComplexImage{H: H, W: W, Pix: make([]complex64, H*W)}
	for y := range H {
		for x := range W {
			v := cmplx.Rect(1+0.5*math.Sin(float64(x*y)/7), 0.8*math.Cos(float64(x+2*y)/5))
			truth.Pix[y*W+x] = complex64(v)
			rec.Pix[y*W+x] = complex64(2 * v * cmplx.Exp(complex(0, 0.3+0.01*float64(x)-0.02*float64(y))))
		}
	}
	region := data.Rect{Y0: 3, X0: 2, Y1: 20, X1: 18}
	a, err := Align(rec, truth.TopLeft(H-1, W), CompareOptions{Region: &region, SkipRegistration: true})
	if err != nil {
		t.Fatal(err)
	}
	if a.Region != region || a.AmplitudeScale < 0.49 || a.AmplitudeScale > 0.51 || math.Abs(a.PhasePlane.SlopeX-0.01) > 1e-6 {
		t.Errorf("region %v, scale %g, plane %+v; want %v, 0.5, slope x 0.01", a.Region, a.AmplitudeScale, a.PhasePlane, region)
	}
	got, crop := a.Images()
	if got.H != region.Dy() || got.W != region.Dx() || crop.H != got.H || crop.W != got.W {
		t.Fatalf("sizes %d×%d and %d×%d, want %d×%d", got.H, got.W, crop.H, crop.W, region.Dy(), region.Dx())
	}
	const tol = 1e-4 // float32 storage of O(1) values
	for i := range got.Pix {
		if d := cmplx.Abs(complex128(got.Pix[i] - crop.Pix[i])); d > tol {
			t.Fatalf("pixel %d: aligned %v, truth %v (|Δ| %.2g > %g)", i, got.Pix[i], crop.Pix[i], d, tol)
		}
	}
	if rec.Pix[0] == truth.Pix[0] {
		t.Error("Align changed its input")
	}
	for _, tc := range []struct {
		name       string
		rec, truth *data.ComplexImage
		region     data.Rect
	}{
		{"region outside the smaller", rec.TopLeft(H-5, W), truth, region},
		{"region outside", rec, truth, data.Rect{Y1: H + 1, X1: W}},
		{"nil", nil, truth, region},
	} {
		if _, err := Align(tc.rec, tc.truth, CompareOptions{Region: &tc.region, SkipRegistration: true}); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	if r := data.Whole(H, W); r.Dy() != H || r.Dx() != W {
		t.Errorf("data.Whole(%d, %d) = %v", H, W, r)
	}
}
