package solvers

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestFitAffine: a known map (1 % scale, 0.5° rotation, a shear, an
// offset) is recovered exactly from positions it maps, and to within the
// noise from noisy ones; positions on one line are refused.
func TestFitAffine(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(4, 4))
	c, s := math.Cos(0.5*math.Pi/180), math.Sin(0.5*math.Pi/180)
	want := Affine{1.01 * c, -s + 0.003, 2.5, s, 1.01 * c, -1.25}
	x, y := make([]float64, 200), make([]float64, 200)
	tx, ty := make([]float64, 200), make([]float64, 200)
	nx, ny := make([]float64, 200), make([]float64, 200)
	for i := range x {
		x[i], y[i] = 32+128*rng.Float64(), 32+128*rng.Float64()
		tx[i], ty[i] = want.Apply(x[i], y[i])
		nx[i], ny[i] = tx[i]+0.1*rng.NormFloat64(), ty[i]+0.1*rng.NormFloat64()
	}
	for _, c := range []struct {
		name      string
		tx, ty    []float64
		tolerance float64
	}{
		// float64 round-off on positions ~100 px.
		{"exact", tx, ty, 1e-12},
		// 0.1 px noise on 200 positions spread over 128 px: the linear part
		// is known to ~0.1/(128·√200/√12) ≈ 2e-4; five times that.
		{"noisy", nx, ny, 1e-3},
	} {
		got, err := FitAffine(x, y, c.tx, c.ty)
		if err != nil {
			t.Fatal(err)
		}
		for i := range got {
			tol := c.tolerance
			if i == 2 || i == 5 { // offsets: the linear part's error times ~100 px
				tol *= 200
			}
			if math.Abs(got[i]-want[i]) > tol {
				t.Errorf("%s: map %v, want %v", c.name, got, want)
				break
			}
		}
	}
	line := []float64{1, 2, 3, 4}
	if _, err := FitAffine(line, line, line, line); err == nil || !strings.Contains(err.Error(), "one line") {
		t.Errorf("collinear positions: %v", err)
	}
	if _, err := FitAffine(line[:2], line[:2], line[:2], line[:2]); err == nil {
		t.Error("two positions fitted")
	}
}

// TestAffineConstraint: with weight 1 the refined positions are exactly an
// affine map of the given ones (the one Result reports), and the option is
// refused without position correction or outside [0, 1].
func TestAffineConstraint(t *testing.T) {
	scan := newSmallScan(7)
	res, err := Reconstruct(scan.ds, Options{Algorithm: "rpie", Iterations: 3, BatchSize: 10, Seed: 7,
		Positions: PositionOptions{Correct: true, StartIteration: 1, Affine: 1}})
	if err != nil {
		t.Fatal(err)
	}
	worst := 0.0
	for i := range res.XCoords {
		ax, ay := res.Affine.Apply(scan.ds.XCoords[i], scan.ds.YCoords[i])
		worst = math.Max(worst, math.Hypot(res.XCoords[i]-ax, res.YCoords[i]-ay))
	}
	// Positions are float32 on the backend: ~1e-5 px at 50 px.
	if worst > 1e-4 || res.Affine == IdentityAffine {
		t.Errorf("refined positions %.3g px from the affine map %v of the given ones", worst, res.Affine)
	}
	for _, o := range []PositionOptions{{Affine: 1}, {Correct: true, Affine: 1.5}, {Correct: true, Affine: math.NaN()}} {
		if err := (Options{Algorithm: "rpie", Positions: o}).Validate(); err == nil || !strings.Contains(err.Error(), "affine") {
			t.Errorf("%+v: %v", o, err)
		}
	}
}
