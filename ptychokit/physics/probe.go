package physics

import (
	"fmt"
	"math"

	"github.com/ptychokit/ptychokit/ptychokit/data"
)

// Probe model defaults.
const (
	// ProbeEdgeWidth is the width, in pixels, of the disk probe's soft edge:
	// the amplitude falls as ½(1 − tanh((r − R)/ProbeEdgeWidth)).
	ProbeEdgeWidth = 1.0
	// DefaultProbeEdgePhase is the mild defocus of DiskProbe: a quadratic
	// phase φ(r) = DefaultProbeEdgePhase·(r/R)², a quarter wave at the rim.
	DefaultProbeEdgePhase = math.Pi / 2
)

// DefaultProbeDiameter is PtychoPINN's default disk size scaled to N:
// 22 px at N = 64 (0.34375·N).
func DefaultProbeDiameter(n int) float64 { return 22 * float64(n) / 64 }

// DiskProbe is an N×N soft-edged disk of the given diameter (pixels) centred
// at pixel (N/2, N/2), with the mild defocus phase DefaultProbeEdgePhase·(r/R)².
// Normalisation: amplitude 1 inside the disk (peak 1), ½ on the rim r = R,
// so Σ|P|² ≈ π(R − ProbeEdgeWidth/2)².
func DiskProbe(n int, diameter float64) *data.ComplexImage {
	return DiskProbeWithPhase(n, diameter, DefaultProbeEdgePhase)
}

// DiskProbeWithPhase is DiskProbe with phase edgePhase·(r/R)² (0 for a flat phase).
func DiskProbeWithPhase(n int, diameter, edgePhase float64) *data.ComplexImage {
	if n <= 0 || !(diameter > 0) {
		panic(fmt.Sprintf("ptychokit: physics.DiskProbe: N=%d and diameter=%g must be positive", n, diameter))
	}
	radius := diameter / 2
	p := &data.ComplexImage{H: n, W: n, Pix: make([]complex64, n*n)}
	c := float64(n / 2)
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			r := math.Hypot(float64(y)-c, float64(x)-c)
			amp := 0.5 * (1 - math.Tanh((r-radius)/ProbeEdgeWidth))
			phase := edgePhase * (r / radius) * (r / radius)
			s, co := math.Sincos(phase)
			p.Pix[y*n+x] = complex(float32(amp*co), float32(amp*s))
		}
	}
	return p
}

// ProbeAsymmetry measures how far a probe is from centro-symmetric about
// pixel (N/2, N/2): Σ|P(r) − P(−r)|² / (2·Σ|P|²), 0 for P(−r) = P(r), about
// 1 for an unrelated P(−r).
//
// With a centro-symmetric probe one diffraction pattern cannot tell an
// object O from its twin O'(r) = conj(O(−r))·conj(P(r))/P(r): the exit
// waves P·O' and P·O are conj(ψ(−r)) and ψ, whose far-field intensities
// are equal. Only overlapping patterns, seen together, break the tie.
// Pixels whose mirror falls outside the array (row or column 0) are left out.
func ProbeAsymmetry(p *data.ComplexImage) float64 {
	n, m := p.H, p.W
	var diff, energy float64
	for y := 0; y < n; y++ {
		for x := 0; x < m; x++ {
			v := p.Pix[y*m+x]
			energy += float64(real(v))*float64(real(v)) + float64(imag(v))*float64(imag(v))
			if y == 0 || x == 0 {
				continue
			}
			d := v - p.Pix[(n-y)*m+(m-x)]
			diff += float64(real(d))*float64(real(d)) + float64(imag(d))*float64(imag(d))
		}
	}
	if energy == 0 {
		return 0
	}
	return diff / (2 * energy)
}
