package physics

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
	"testing"

	"github.com/ptychokit/ptychokit/ptychokit/data"
)

// directIntensity is |DFT2(ψ)|² by the float64 direct sum (an independent
// reference; the shift convention does not matter for the comparison).
func directIntensity(psi []complex128, n int) []float64 {
	out := make([]float64, n*n)
	for u := 0; u < n; u++ {
		for v := 0; v < n; v++ {
			var s complex128
			for y := 0; y < n; y++ {
				for x := 0; x < n; x++ {
					s += psi[y*n+x] * cmplx.Exp(complex(0, -2*math.Pi*float64(u*y+v*x)/float64(n)))
				}
			}
			out[u*n+v] = real(s)*real(s) + imag(s)*imag(s)
		}
	}
	return out
}

// TestTwinAmbiguity: with a centro-symmetric probe (the soft disk), the
// object O and its twin O'(r) = conj(O(−r))·conj(P)/P give the same
// diffraction — why gridsize 1 cannot work there — and ProbeAsymmetry says
// so; with an asymmetric probe the twin's diffraction differs.
func TestTwinAmbiguity(t *testing.T) {
	const n = 16
	r := rand.New(rand.NewPCG(1, 2))
	object := make([]complex128, n*n)
	for i := range object {
		object[i] = cmplx.Rect(0.5+0.5*r.Float64(), r.Float64()-0.5)
	}
	asymmetric := &data.ComplexImage{H: n, W: n, Pix: make([]complex64, n*n)}
	for i := range asymmetric.Pix {
		asymmetric.Pix[i] = complex(float32(r.Float64()), float32(r.Float64()))
	}
	for _, tc := range []struct {
		name      string
		probe     *data.ComplexImage
		twinMatch bool
	}{
		{"soft disk", DiskProbe(n, 8), true},
		{"random", asymmetric, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.probe
			a := ProbeAsymmetry(p)
			if tc.twinMatch != (a < 1e-6) {
				t.Fatalf("ProbeAsymmetry = %g", a)
			}
			psi := make([]complex128, n*n)
			twin := make([]complex128, n*n)
			for y := 0; y < n; y++ {
				for x := 0; x < n; x++ {
					pv := complex128(p.Pix[y*n+x])
					psi[y*n+x] = pv * object[y*n+x]
					// The twin object at r is conj(O(−r))·conj(P(r))/P(r); where
					// P(r) = 0 the exit wave is 0 whatever the object.
					my, mx := (n-y)%n, (n-x)%n
					if cmplx.Abs(pv) > 1e-12 {
						twinObject := cmplx.Conj(object[my*n+mx]) * cmplx.Conj(pv) / pv
						twin[y*n+x] = pv * twinObject
					}
				}
			}
			i1, i2 := directIntensity(psi, n), directIntensity(twin, n)
			var diff, norm float64
			for k := range i1 {
				diff += math.Abs(i1[k] - i2[k])
				norm += i1[k]
			}
			if rel := diff / norm; tc.twinMatch != (rel < 1e-9) {
				t.Errorf("twin diffraction differs by %g of the total (want equal: %v)", rel, tc.twinMatch)
			}
		})
	}
}
