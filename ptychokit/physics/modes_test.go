package physics

import (
	"math"
	"math/cmplx"
	"strings"
	"testing"

	"github.com/ptychokit/ptychokit/ptychokit/data"
)

// TestPartiallyCoherentModes: the modes are mutually orthogonal and carry
// the asked shares of the probe's power; bad powers are refused by name.
func TestPartiallyCoherentModes(t *testing.T) {
	t.Parallel()
	probe := DiskProbe(32, 11)
	powers := []float64{0.7, 0.2, 0.1}
	modes, err := PartiallyCoherentModes(probe, powers, 2)
	if err != nil {
		t.Fatal(err)
	}
	power := func(im *data.ComplexImage) float64 {
		s := 0.0
		for _, v := range im.Pix {
			s += math.Pow(cmplx.Abs(complex128(v)), 2)
		}
		return s
	}
	total := power(probe)
	for k, m := range modes {
		if got := power(m) / total; math.Abs(got-powers[k]) > 1e-5 { // float32 modes
			t.Errorf("mode %d: share %.6f, want %g", k, got, powers[k])
		}
		for j := range k {
			var s complex128
			for i := range m.Pix {
				s += cmplx.Conj(complex128(modes[j].Pix[i])) * complex128(m.Pix[i])
			}
			if cmplx.Abs(s) > 1e-5*total {
				t.Errorf("modes %d and %d overlap by %v", j, k, s)
			}
		}
	}
	for _, c := range []struct {
		powers []float64
		want   string
	}{{[]float64{0.5, 0.4}, "sum to"}, {[]float64{1.2, -0.2}, "power -0.2"}, {nil, "no mode powers"}} {
		if _, err := PartiallyCoherentModes(probe, c.powers, 2); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("powers %v: %v, want %q", c.powers, err, c.want)
		}
	}
}

// TestSimulateModes: noiseless, a one-mode scan is Simulate's; with modes
// each pattern's energy is the sum of the modes' (the far field is unitary),
// the probe recorded is the first mode.
func TestSimulateModes(t *testing.T) {
	t.Parallel()
	object := LinesObject(64, 64, 1)
	x, y := RasterPositions(64, 64, 32, 8)
	probe := DiskProbe(32, 11)
	opts := SimOptions{Object: object, X: x, Y: y, Noiseless: true}
	one, err := SimulateModes(opts, []*data.ComplexImage{probe})
	if err != nil {
		t.Fatal(err)
	}
	o := opts
	o.Probe = probe
	plain, err := Simulate(o)
	if err != nil {
		t.Fatal(err)
	}
	for i := range one.Diffraction {
		if math.Abs(float64(one.Diffraction[i]-plain.Diffraction[i])) > 1e-6*(1+float64(plain.Diffraction[i])) {
			t.Fatalf("pixel %d: %g with one mode, Simulate %g", i, one.Diffraction[i], plain.Diffraction[i])
		}
	}
	modes, err := PartiallyCoherentModes(probe, []float64{0.6, 0.4}, 2)
	if err != nil {
		t.Fatal(err)
	}
	mixed, err := SimulateModes(opts, modes)
	if err != nil {
		t.Fatal(err)
	}
	n := 32
	for p := range mixed.Count {
		want := 0.0
		for _, m := range modes {
			for yy := range n {
				for xx := range n {
					v := complex128(m.Pix[yy*n+xx]) * complex128(mixed.Y[p*n*n+yy*n+xx])
					want += real(v)*real(v) + imag(v)*imag(v)
				}
			}
		}
		got := 0.0
		for _, a := range mixed.Diffraction[p*n*n : (p+1)*n*n] {
			got += float64(a) * float64(a)
		}
		if math.Abs(got-want) > 1e-4*want { // Parseval in float32
			t.Fatalf("pattern %d: energy %g, Σ_m Σ|P_m·O|² = %g", p, got, want)
		}
	}
	if mixed.Probe.Pix[100] != modes[0].Pix[100] {
		t.Error("the recorded probe is not the first mode")
	}
}
