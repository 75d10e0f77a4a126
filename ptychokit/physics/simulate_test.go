package physics

import (
	"math"
	"testing"
	"time"
)

func simTestOptions() SimOptions {
	const n = 16
	obj := LinesObject(48, 56, 5)
	x, y := RandomPositions(obj.H, obj.W, n, 21, 6)
	return SimOptions{Object: obj, Probe: DiskProbe(n, DefaultProbeDiameter(n)), X: x, Y: y,
		NPhotons: 1e5, Seed: 7, BatchSize: 8}
}

func TestSimulateNoiselessMatchesReference(t *testing.T) {
	opts := simTestOptions()
	opts.Noiseless = true
	ds, err := Simulate(opts)
	if err != nil {
		t.Fatal(err)
	}
	n := ds.N
	if ds.Count != 21 || len(ds.Diffraction) != 21*n*n || len(ds.Y) != 21*n*n || len(ds.ScanIndex) != 21 {
		t.Fatalf("dataset sizes: count %d, diffraction %d, Y %d", ds.Count, len(ds.Diffraction), len(ds.Y))
	}
	// Pattern 20 is in the last, padded batch.
	for _, k := range []int{3, 20} {
		patch := PatchesCPU(opts.Object, opts.X[k:k+1], opts.Y[k:k+1], n)
		pr, pi, xr, xi := newArr(n, n), newArr(n, n), newArr(1, n, n), newArr(1, n, n)
		for i := range patch {
			pr.v[i], pi.v[i] = float64(real(opts.Probe.Pix[i])), float64(imag(opts.Probe.Pix[i]))
			xr.v[i], xi.v[i] = float64(real(patch[i])), float64(imag(patch[i]))
			if d := patch[i] - ds.Y[k*n*n+i]; math.Hypot(float64(real(d)), float64(imag(d))) > positionTol {
				t.Fatalf("pattern %d: Y[%d] = %v, PatchesCPU %v", k, i, ds.Y[k*n*n+i], patch[i])
			}
		}
		want := farFieldRef(pr, pi, xr, xi)
		got := newArr(1, n, n)
		for i := range got.v {
			a := float64(ds.Diffraction[k*n*n+i])
			got.v[i] = a * a
		}
		if e := relErr([2]arr{got, want}); e > dftTol {
			t.Errorf("pattern %d: noiseless intensity relative error %.3g > %g", k, e, dftTol)
		}
	}
}

func TestSimulateCountsAndReproducibility(t *testing.T) {
	opts := simTestOptions()
	ds, err := Simulate(opts)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Simulate(opts)
	if err != nil {
		t.Fatal(err)
	}
	for i := range ds.Diffraction {
		if ds.Diffraction[i] != again.Diffraction[i] {
			t.Fatalf("not reproducible: diffraction[%d] %g vs %g", i, ds.Diffraction[i], again.Diffraction[i])
		}
	}
	opts.Seed++
	other, err := Simulate(opts)
	if err != nil {
		t.Fatal(err)
	}
	same := true
	for i := range ds.Diffraction {
		same = same && ds.Diffraction[i] == other.Diffraction[i]
	}
	if same {
		t.Error("a different seed gave the same noise")
	}

	// Recover the scale s from the noiseless intensities, then check that
	// s·diffraction² are integers whose mean total per pattern is NPhotons.
	opts.Noiseless = true
	clean, err := Simulate(opts)
	if err != nil {
		t.Fatal(err)
	}
	total := 0.0
	for _, a := range clean.Diffraction {
		total += float64(a) * float64(a)
	}
	scale := opts.NPhotons / (total / float64(clean.Count))
	counts := 0.0
	for i, a := range ds.Diffraction {
		k := scale * float64(a) * float64(a)
		// float32 amplitudes hold k to ~1e-7 relative.
		if math.Abs(k-math.Round(k)) > 1e-6*k+1e-3 {
			t.Fatalf("pixel %d: s·diffraction² = %g is not an integer count", i, k)
		}
		counts += math.Round(k)
	}
	mean := counts / float64(ds.Count)
	if est, err := CountScale(ds.Diffraction, ds.Count, opts.NPhotons); err != nil || math.Abs(est-scale)/scale > 5/math.Sqrt(counts) {
		t.Errorf("CountScale = %g (%v), simulation used %g", est, err, scale)
	}
	// Poisson: the total over all patterns has variance NPhotons·n.
	sigma := math.Sqrt(opts.NPhotons*float64(ds.Count)) / float64(ds.Count)
	if math.Abs(mean-opts.NPhotons) > 5*sigma {
		t.Errorf("mean total counts %g, want %g ± %g (5σ)", mean, opts.NPhotons, 5*sigma)
	}
}

func TestSimulateErrors(t *testing.T) {
	good := simTestOptions()
	cases := map[string]func(o *SimOptions){
		"no object":    func(o *SimOptions) { o.Object = nil },
		"odd probe":    func(o *SimOptions) { o.Probe = DiskProbe(15, 5) },
		"xy mismatch":  func(o *SimOptions) { o.Y = o.Y[:3] },
		"no photons":   func(o *SimOptions) { o.NPhotons = 0 },
		"NaN centre":   func(o *SimOptions) { o.X[2] = math.NaN() },
		"neg. batch":   func(o *SimOptions) { o.BatchSize = -1 },
		"bad object":   func(o *SimOptions) { o.Object = cloneImage(o.Object); o.Object.Pix = o.Object.Pix[:10] },
		"no positions": func(o *SimOptions) { o.X, o.Y = nil, nil },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			o := good
			o.X, o.Y = append([]float64(nil), good.X...), append([]float64(nil), good.Y...)
			mutate(&o)
			if _, err := Simulate(o); err == nil {
				t.Error("no error")
			} else {
				t.Log(err)
			}
		})
	}
}

// TestSimulateCanonicalSize times a canonical-size simulation (lines object
// 392², N = 64, raster step 8: 1764 patterns) and checks its shape; skipped
// with -short.
func TestSimulateCanonicalSize(t *testing.T) {
	if testing.Short() {
		t.Skip("canonical-size simulation skipped in -short mode")
	}
	const n = 64
	obj := LinesObject(392, 392, 1)
	x, y := RasterPositions(obj.H, obj.W, n, 8)
	start := time.Now()
	ds, err := Simulate(SimOptions{Object: obj, Probe: DiskProbe(n, DefaultProbeDiameter(n)), X: x, Y: y, NPhotons: 1e9, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if ds.Count != len(x) || len(ds.Diffraction) != len(x)*n*n {
		t.Fatalf("%d patterns, %d values", ds.Count, len(ds.Diffraction))
	}
	t.Logf("simulated %d patterns of %d² from a %d×%d object in %v", ds.Count, n, obj.H, obj.W, time.Since(start))
}

// TestSimulateBatchesSideBySide: many small batches, run side by side on
// every core, give the patterns of a few large ones (to float32 rounding:
// the matrix products may block differently) and the same true patches.
func TestSimulateBatchesSideBySide(t *testing.T) {
	opts := simTestOptions()
	opts.Noiseless = true
	few, err := Simulate(opts)
	if err != nil {
		t.Fatal(err)
	}
	opts.BatchSize = 2 // 11 batches
	many, err := Simulate(opts)
	if err != nil {
		t.Fatal(err)
	}
	const tol = 1e-5 // relative, float32 products summed in another order
	for i, a := range few.Diffraction {
		if d := math.Abs(float64(a - many.Diffraction[i])); d > tol*(math.Abs(float64(a))+1e-3) {
			t.Fatalf("pixel %d (pattern %d): %g with batches of 8, %g with batches of 2", i, i/(few.N*few.N), a, many.Diffraction[i])
		}
	}
	for i := range few.Y {
		if few.Y[i] != many.Y[i] {
			t.Fatalf("Y[%d]: %v against %v", i, few.Y[i], many.Y[i])
		}
	}
}
