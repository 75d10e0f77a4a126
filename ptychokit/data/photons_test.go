package data

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"
)

// photonPatterns returns n patterns of N×N shaped like a far field — a
// Gaussian peak of σ = N/10 pixels over a background 10⁻⁹ of the peak, so
// the patterns span many decades and their edges are dim — whose expected
// counts λ sum to nphotons a pattern. With poisson it draws whole counts k
// and returns amplitudes sqrt(k)·unit and the mean over patterns of Σ k;
// without it returns sqrt(λ)·unit (noise-free).
func photonPatterns(n, N int, nphotons, unit float64, poisson bool, seed uint64) (diffraction []float32, meanCounts float64) {
	sigma := float64(N) / 10
	shape := make([]float64, N*N)
	var total float64
	for y := range N {
		for x := range N {
			r2 := float64((x-N/2)*(x-N/2) + (y-N/2)*(y-N/2))
			shape[y*N+x] = math.Exp(-r2/(2*sigma*sigma)) + 1e-9
			total += shape[y*N+x]
		}
	}
	src := rand.NewPCG(seed, 1)
	diffraction = make([]float32, n*N*N)
	var counts float64
	for p := range n {
		for i, s := range shape {
			lambda := nphotons * s / total
			v := lambda
			if poisson {
				v = distuv.Poisson{Lambda: lambda, Src: src}.Rand()
			}
			counts += v
			diffraction[p*N*N+i] = float32(math.Sqrt(v) * unit)
		}
	}
	return diffraction, counts / float64(n)
}

// photonTol is the relative accuracy of a photon estimate on quantised
// float32 data: the unit is fitted over ~10³ pixels whose d² carry a
// relative rounding error of ~1e-7 each.
const photonTol = 1e-5

func TestEstimatePhotons(t *testing.T) {
	t.Parallel()
	const N, n = 64, 16
	// An arbitrary unit, as a file divided by its largest amplitude has.
	const unit = 0.0371
	for _, nphotons := range []float64{1e3, 1e5, 1e7, 1e9} {
		diffraction, want := photonPatterns(n, N, nphotons, unit, true, uint64(nphotons))
		e := EstimatePhotons(diffraction, N)
		if !e.OK {
			t.Errorf("Poisson %g photons: no estimate: %s", nphotons, e.Reason)
			continue
		}
		if math.Abs(e.NPhotons/want-1) > photonTol || math.Abs(e.Unit/unit-1) > photonTol {
			t.Errorf("Poisson %g photons: estimate %v photons, unit %v; want %v, %v", nphotons, e.NPhotons, e.Unit, want, unit)
		}
		if e.Checked < photonMinChecked || e.Integral < photonMinIntegral || !strings.HasPrefix(e.String(), "photons: ") || !strings.Contains(e.String(), " a pattern") {
			t.Errorf("Poisson %g photons: %+v", nphotons, e)
		}
	}

	bad := map[string]struct {
		diffraction []float32
		reason      string
	}{
		"noise-free": {first(photonPatterns(n, N, 1e9, unit, false, 1)), "not quantised"},
		"zero":       {make([]float32, 2*N*N), "zero"},
		"empty":      {nil, "no diffraction"},
		"one level":  {constantPattern(N, 0.25), "same value"},
	}
	// Processed data: whole counts, then a small continuous offset, as a
	// background subtraction or a flat-field correction leaves.
	processed, _ := photonPatterns(n, N, 1e5, unit, true, 2)
	offsets := rand.New(rand.NewPCG(3, 4))
	for i, d := range processed {
		if d > 0 {
			processed[i] = float32(math.Sqrt(float64(d)*float64(d) + 0.3*unit*unit*offsets.Float64()))
		}
	}
	bad["processed"] = struct {
		diffraction []float32
		reason      string
	}{processed, "not quantised"}
	for name, tc := range bad {
		e := EstimatePhotons(tc.diffraction, N)
		if e.OK || e.NPhotons != 0 || !strings.Contains(e.Reason, tc.reason) || !strings.HasPrefix(e.String(), "photons: no estimate (") {
			t.Errorf("%s: %+v, want no estimate because %q", name, e, tc.reason)
		}
	}
}

// TestEstimatePhotonsBright: when no sampled pixel holds a single photon
// the smallest value is a few photons, and the estimate still finds the
// unit. Counts are 2, 3, 4, … (never 1) over a wide range.
func TestEstimatePhotonsBright(t *testing.T) {
	t.Parallel()
	const N, unit = 32, 0.5
	rng := rand.New(rand.NewPCG(5, 6))
	diffraction := make([]float32, 4*N*N)
	var total float64
	for i := range diffraction {
		k := float64(2 + rng.IntN(300))
		total += k
		diffraction[i] = float32(math.Sqrt(k) * unit)
	}
	e := EstimatePhotons(diffraction, N)
	if want := total / 4; !e.OK || math.Abs(e.NPhotons/want-1) > photonTol || math.Abs(e.Unit/unit-1) > photonTol {
		t.Errorf("counts ≥ 2: %+v, want %v photons of unit %v", e, want, unit)
	}
}

func first(d []float32, _ float64) []float32 { return d }

func constantPattern(N int, v float32) []float32 {
	d := make([]float32, N*N)
	for i := range d {
		d[i] = v
	}
	return d
}

// TestEstimatePhotonsFiles: the project's simulated scan and a real
// measurement.
func TestEstimatePhotonsFiles(t *testing.T) {
	t.Parallel()
	cases := []struct {
		path string
		// want is the expected estimate, rel its relative tolerance.
		want, rel float64
	}{
		// datasets/make.sh simulates lines_N64 at --nphotons 1e9: Simulate
		// stores sqrt(k/s) with mean Σ k = 1e9 up to Poisson noise
		// (~1e-6 over 256 patterns of 1e9 photons).
		{filepath.Join("..", "..", "datasets", "lines_N64.npz"), 1e9, 1e-4},
		// shared/datasets/README.md: amplitudes are sqrt(counts)/31.03 with a
		// mean Σ d² of 478.9 a pattern: 478.9·31.03² ≈ 4.61e5 photons.
		{filepath.Join(realData, "siemens_star_tike.npz"), 478.9 * 31.03 * 31.03, 0.01},
	}
	for _, tc := range cases {
		t.Run(filepath.Base(tc.path), func(t *testing.T) {
			if _, err := os.Stat(tc.path); err != nil {
				t.Skipf("%s absent: %v", tc.path, err)
			}
			d, err := Load(tc.path, LoadOptions{RequireDiffraction: true})
			if err != nil {
				t.Fatal(err)
			}
			e := d.EstimatePhotons()
			t.Logf("%s: %s", tc.path, e)
			if !e.OK || math.Abs(e.NPhotons/tc.want-1) > tc.rel {
				t.Errorf("%+v, want %.4g photons a pattern (±%g)", e, tc.want, tc.rel)
			}
			// inspect prints it.
			r, err := Inspect(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			if text := r.String(); !strings.Contains(text, "\n"+e.String()+"\n") {
				t.Errorf("inspect does not print %q:\n%s", e, text)
			}
		})
	}
}
