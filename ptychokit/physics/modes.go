package physics

import (
	"errors"
	"fmt"
	"math"
	"math/cmplx"
	"math/rand/v2"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/ptychokit/ptychokit/ptychokit/data"
)

// PartiallyCoherentModes makes M mutually orthogonal probe modes with the
// given shares of power (powers sum to 1; M = len(powers)) from one probe: the
// probe and copies of it shifted circularly by shift pixels along x, then y,
// then both, …, orthogonalised in that order (Gram–Schmidt), each scaled to
// its share of Σ|probe|². The shifted copies stand for the beam's wander over
// an exposure (vibration, a finite source), which is what makes a measured
// beam partially coherent.
func PartiallyCoherentModes(probe *data.ComplexImage, powers []float64, shift int) ([]*data.ComplexImage, error) {
	if len(powers) == 0 {
		return nil, errors.New("probe modes: no mode powers")
	}
	sum := 0.0
	for _, p := range powers {
		if !(p > 0) || math.IsInf(p, 0) {
			return nil, fmt.Errorf("probe modes: power %g: want > 0", p)
		}
		sum += p
	}
	if math.Abs(sum-1) > 1e-6 {
		return nil, fmt.Errorf("probe modes: powers sum to %g, want 1", sum)
	}
	h, w := probe.H, probe.W
	total := 0.0
	for _, v := range probe.Pix {
		total += float64(real(v)*real(v) + imag(v)*imag(v))
	}
	shifts := [][2]int{{0, 0}, {shift, 0}, {0, shift}, {shift, shift}, {-shift, 0}, {0, -shift}, {-shift, -shift}, {shift, -shift}}
	var basis [][]complex128
	for k := range powers {
		s := shifts[k%len(shifts)]
		s[0], s[1] = s[0]*(1+k/len(shifts)), s[1]*(1+k/len(shifts))
		v := make([]complex128, h*w)
		for y := range h {
			for x := range w {
				sy, sx := ((y-s[1])%h+h)%h, ((x-s[0])%w+w)%w
				v[y*w+x] = complex128(probe.Pix[sy*w+sx])
			}
		}
		for _, u := range basis {
			var uv, uu complex128
			for i := range v {
				uv += cmplx.Conj(u[i]) * v[i]
				uu += cmplx.Conj(u[i]) * u[i]
			}
			for i := range v {
				v[i] -= uv / uu * u[i]
			}
		}
		norm := 0.0
		for _, c := range v {
			norm += real(c)*real(c) + imag(c)*imag(c)
		}
		if !(norm > 1e-12*total) {
			return nil, fmt.Errorf("probe modes: mode %d is not independent of the ones before (shift %d px too small?)", k, shift)
		}
		basis = append(basis, v)
	}
	modes := make([]*data.ComplexImage, len(powers))
	for k, v := range basis {
		norm := 0.0
		for _, c := range v {
			norm += real(c)*real(c) + imag(c)*imag(c)
		}
		f := math.Sqrt(powers[k] * total / norm)
		img := &data.ComplexImage{H: h, W: w, Pix: make([]complex64, h*w)}
		for i, c := range v {
			img.Pix[i] = complex64(c * complex(f, 0))
		}
		modes[k] = img
	}
	return modes, nil
}

// SimulateModes is Simulate with a partially coherent beam: the expected
// intensity of a pattern is the sum over the mutually incoherent probe modes
// of each one's FarFieldIntensity, then scaled to NPhotons and Poisson-noised
// as Simulate does (opts.Probe is ignored). The dataset's Probe is the first
// mode; Y the true object patches.
func SimulateModes(opts SimOptions, modes []*data.ComplexImage) (*data.Dataset, error) {
	if len(modes) == 0 {
		return nil, errors.New("simulate: no probe modes")
	}
	noiseless := opts.Noiseless
	var ds *data.Dataset
	var intensity []float64
	for k, mode := range modes {
		o := opts
		o.Probe, o.Noiseless = mode, true
		d, err := Simulate(o)
		if err != nil {
			return nil, fmt.Errorf("probe mode %d: %w", k, err)
		}
		if ds == nil {
			ds, intensity = d, make([]float64, len(d.Diffraction))
		}
		for i, a := range d.Diffraction {
			intensity[i] += float64(a) * float64(a)
		}
	}
	if noiseless {
		for i, v := range intensity {
			ds.Diffraction[i] = float32(math.Sqrt(v))
		}
		return ds, nil
	}
	total := 0.0
	for _, v := range intensity {
		total += v
	}
	if !(total > 0) {
		return nil, fmt.Errorf("simulate: the far field has no intensity (total %g)", total)
	}
	scale := opts.NPhotons / (total / float64(ds.Count))
	src := rand.NewPCG(uint64(opts.Seed), 0x706f6973736f6e) // "poisson", as Simulate
	for i, v := range intensity {
		lambda := scale * v
		ds.Diffraction[i] = 0
		if lambda > 0 {
			ds.Diffraction[i] = float32(math.Sqrt(distuv.Poisson{Lambda: lambda, Src: src}.Rand() / scale))
		}
	}
	return ds, nil
}
