package solvers

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
	"testing"

	"github.com/ptychokit/ptychokit/ptychokit/data"
)

// TestModesForwardModel: the mixed-state model of the solvers, Σ_m
// |F[P_m·O]|², against an independent float64 reference (bilinear patches,
// the direct DFT of each mode, intensities summed): with the true object and
// three true modes, the cost the solver measures before its first update
// equals the reference Σ(|Ψ| − d)²/Σd² for perturbed data, and is zero for
// the exact data; one mode alone does not fit them.
func TestModesForwardModel(t *testing.T) {
	scan := newSmallScan(5)
	n := scan.ds.N
	// Modes: the probe and two copies shifted by 2 px (not orthogonal: the
	// model needs no orthogonality), with powers 1, 0.3, 0.1.
	modes := make([][]complex128, 3)
	for k, s := range [][3]float64{{0, 0, 1}, {2, 0, 0.3}, {0, 2, 0.1}} {
		modes[k] = make([]complex128, n*n)
		for y := range n {
			for x := range n {
				sy, sx := ((y-int(s[1]))%n+n)%n, ((x-int(s[0]))%n+n)%n
				modes[k][y*n+x] = scan.probe[sy*n+sx] * complex(math.Sqrt(s[2]), 0)
			}
		}
	}
	reference := make([]float64, scan.ds.Count*n*n)
	for p := range scan.ds.Count {
		patch := bilinearPatch(scan.object, scan.w, scan.ds.XCoords[p], scan.ds.YCoords[p], n)
		for _, mode := range modes {
			psi := make([][]complex128, n)
			for y := range n {
				psi[y] = make([]complex128, n)
				for x := range n {
					psi[y][x] = mode[y*n+x] * patch[y*n+x]
				}
			}
			far := separableCentredDFT(psi)
			for ky := range n {
				for kx := range n {
					a := cmplx.Abs(far[ky][kx])
					reference[p*n*n+ky*n+kx] += a * a
				}
			}
		}
	}
	for i := range reference {
		reference[i] = math.Sqrt(reference[i])
	}
	images := make([]*data.ComplexImage, len(modes))
	for k, m := range modes {
		images[k] = toImage(m, n, n)
	}
	rng := rand.New(rand.NewPCG(5, 1))
	firstCost := func(d []float32, initial []*data.ComplexImage) float64 {
		ds := *scan.ds
		ds.Diffraction = d
		res, err := Reconstruct(&ds, Options{Algorithm: "rpie", Iterations: 1, BatchSize: ds.Count,
			Object: ObjectOptions{Initial: scan.ds.Object},
			Probe:  ProbeOptions{Refine: false, Modes: len(initial), InitialModes: initial}})
		if err != nil {
			t.Fatal(err)
		}
		return res.History[0].Cost
	}
	exact := make([]float32, len(reference))
	noisy := make([]float32, len(reference))
	wantCost, energy := 0.0, 0.0
	for i, a := range reference {
		exact[i] = float32(a)
		noisy[i] = float32(a * (1 + 0.2*(2*rng.Float64()-1)))
		wantCost += math.Pow(a-float64(noisy[i]), 2)
		energy += float64(noisy[i]) * float64(noisy[i])
	}
	wantCost /= energy
	// float32 DFTs of 32² against float64: 1e-5 of the data's energy.
	const tolerance = 1e-5
	if got := firstCost(exact, images); got > tolerance {
		t.Errorf("exact mixed-state data: cost %.3g, want 0", got)
	}
	if got := firstCost(noisy, images); math.Abs(got-wantCost) > tolerance+1e-3*wantCost {
		t.Errorf("perturbed data: cost %.6g, reference %.6g", got, wantCost)
	}
	if got := firstCost(exact, images[:1]); got < 100*tolerance {
		t.Errorf("one mode fits three-mode data: cost %.3g", got)
	}
}

// TestOrthogonalModes: the natural modes of a mixed state are mutually
// orthogonal, sorted by power, carry the same total power, and describe the
// same beam: the coherence Σ_m P_m(i)·conj(P_m(j)) is unchanged.
func TestOrthogonalModes(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 2))
	const n, m = 8, 4
	modes := make([]*data.ComplexImage, m)
	for k := range modes {
		modes[k] = &data.ComplexImage{H: n, W: n, Pix: make([]complex64, n*n)}
		for i := range modes[k].Pix {
			modes[k].Pix[i] = complex(float32(rng.NormFloat64()/float64(k+1)), float32(rng.NormFloat64()/float64(k+1)))
		}
	}
	natural := OrthogonalModes(modes)
	coherence := func(ms []*data.ComplexImage, i, j int) complex128 {
		var s complex128
		for _, mode := range ms {
			s += complex128(mode.Pix[i]) * cmplx.Conj(complex128(mode.Pix[j]))
		}
		return s
	}
	const tolerance = 1e-4 // float32 modes
	for i := 0; i < n*n; i += 7 {
		for j := 0; j < n*n; j += 5 {
			a, b := coherence(modes, i, j), coherence(natural, i, j)
			if cmplx.Abs(a-b) > tolerance*(1+cmplx.Abs(a)) {
				t.Fatalf("coherence (%d, %d): %v before, %v after", i, j, a, b)
			}
		}
	}
	powers := ModePowers(natural)
	for j := range m {
		if j > 0 && powers[j] > powers[j-1] {
			t.Errorf("powers not sorted: %v", powers)
		}
		for k := j + 1; k < m; k++ {
			var s complex128
			norm := 0.0
			for i := range natural[j].Pix {
				s += cmplx.Conj(complex128(natural[j].Pix[i])) * complex128(natural[k].Pix[i])
				norm += math.Pow(cmplx.Abs(complex128(natural[j].Pix[i])), 2)
			}
			if cmplx.Abs(s) > tolerance*norm {
				t.Errorf("modes %d and %d overlap by %v (|P_%d|² = %g)", j, k, s, j, norm)
			}
		}
	}
}

// TestStartingModes: the added modes are orthogonal to the probe and to each
// other, each with the asked share of the probe's power, and the first is the
// probe itself.
func TestStartingModes(t *testing.T) {
	scan := newSmallScan(1)
	modes := StartingModes(scan.ds.Probe, 4, 0.05)
	p0 := 0.0
	for i, v := range modes[0].Pix {
		if v != scan.ds.Probe.Pix[i] {
			t.Fatal("mode 0 is not the probe")
		}
		p0 += math.Pow(cmplx.Abs(complex128(v)), 2)
	}
	for k := 1; k < 4; k++ {
		pk := 0.0
		for _, v := range modes[k].Pix {
			pk += math.Pow(cmplx.Abs(complex128(v)), 2)
		}
		if math.Abs(pk/p0-0.05) > 1e-4 {
			t.Errorf("mode %d: power %.4g of the probe's, want 0.05", k, pk/p0)
		}
		for j := range k {
			var s complex128
			for i := range modes[k].Pix {
				s += cmplx.Conj(complex128(modes[j].Pix[i])) * complex128(modes[k].Pix[i])
			}
			if cmplx.Abs(s) > 1e-4*p0 {
				t.Errorf("modes %d and %d overlap by %v", j, k, s)
			}
		}
	}
}
