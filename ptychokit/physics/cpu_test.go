package physics

import (
	"image"
	"image/color"
	"math"
	"math/cmplx"
	"slices"
	"testing"
)

func TestDiskProbe(t *testing.T) {
	const n = 64
	d := DefaultProbeDiameter(n)
	if d != 22 {
		t.Fatalf("DefaultProbeDiameter(64) = %g, want 22", d)
	}
	p := DiskProbe(n, d)
	c := n / 2
	if a := cmplx.Abs(complex128(p.Pix[c*n+c])); math.Abs(a-1) > 1e-6 {
		t.Errorf("centre amplitude %g, want 1", a)
	}
	if a := cmplx.Abs(complex128(p.Pix[0])); a > 1e-6 {
		t.Errorf("corner amplitude %g, want ~0", a)
	}
	// Half amplitude on the rim: r = R = 11 px along the row through the centre.
	if a := cmplx.Abs(complex128(p.Pix[c*n+c+11])); math.Abs(a-0.5) > 1e-6 {
		t.Errorf("rim amplitude %g, want 0.5", a)
	}
	// Energy: ∫ amp² across a tanh edge of width w loses w/2 of radius
	// (∫[σ(2u)² − H(−u)]du = −1/2 for the logistic σ), so Σ|P|² ≈ π(R − w/2)².
	e := 0.0
	for _, v := range p.Pix {
		e += float64(real(v)*real(v) + imag(v)*imag(v))
	}
	if want := math.Pi * (11 - ProbeEdgeWidth/2) * (11 - ProbeEdgeWidth/2); math.Abs(e-want)/want > 0.01 {
		t.Errorf("Σ|P|² = %g, want ≈ π(R−w/2)² = %g", e, want)
	}
	// Defocus phase: a quarter wave at the rim.
	if ph := cmplx.Phase(complex128(p.Pix[c*n+c+11])); math.Abs(ph-DefaultProbeEdgePhase) > 1e-6 {
		t.Errorf("rim phase %g, want %g", ph, DefaultProbeEdgePhase)
	}
}

func checkObjectRange(t *testing.T, name string, pix []complex64, ampLo, phLo, phHi float64) {
	t.Helper()
	for i, v := range pix {
		a, ph := cmplx.Abs(complex128(v)), cmplx.Phase(complex128(v))
		if a < ampLo-1e-6 || a > 1+1e-6 || ph < phLo-1e-6 || ph > phHi+1e-6 {
			t.Fatalf("%s: pixel %d amplitude %g phase %g outside [%g,1]×[%g,%g]", name, i, a, ph, ampLo, phLo, phHi)
		}
	}
}

func TestObjects(t *testing.T) {
	lines := LinesObject(80, 96, 1)
	checkObjectRange(t, "lines", lines.Pix, ObjectAmpMin, 0, LinesPhaseMax)
	if again := LinesObject(80, 96, 1); !slices.Equal(lines.Pix, again.Pix) {
		t.Error("LinesObject is not deterministic for a seed")
	}
	if other := LinesObject(80, 96, 2); slices.Equal(lines.Pix, other.Pix) {
		t.Error("LinesObject ignores its seed")
	}
	grf := GRFObject(64, 50, 4, 3)
	checkObjectRange(t, "grf", grf.Pix, ObjectAmpMin, -GRFPhaseMax, GRFPhaseMax)
	if again := GRFObject(64, 50, 4, 3); !slices.Equal(grf.Pix, again.Pix) {
		t.Error("GRFObject is not deterministic for a seed")
	}
	img := image.NewGray(image.Rect(10, 20, 14, 23)) // 4 wide, 3 high, offset origin
	img.SetGray(11, 21, color.Gray{Y: 255})
	obj := ImageObject(img, 1)
	if obj.H != 3 || obj.W != 4 {
		t.Fatalf("ImageObject size %d×%d, want 3×4", obj.H, obj.W)
	}
	if v := obj.Pix[1*4+1]; math.Abs(cmplx.Abs(complex128(v))-1) > 1e-6 || math.Abs(cmplx.Phase(complex128(v))-1) > 1e-6 {
		t.Errorf("white pixel → %v, want amplitude 1, phase 1", v)
	}
	if v := obj.Pix[0]; math.Abs(cmplx.Abs(complex128(v))-ObjectAmpMin) > 1e-6 || math.Abs(cmplx.Phase(complex128(v))) > 1e-6 {
		t.Errorf("black pixel → %v, want amplitude %g, phase 0", v, ObjectAmpMin)
	}
}

func TestPositions(t *testing.T) {
	const h, w, n = 100, 120, 32
	x, y := RasterPositions(h, w, n, 10)
	// x: span 120−32 = 88 → 9 columns 10 apart, centred: 20, 30, …, 100;
	// y: span 68 → 7 rows, 20, …, 80.
	if len(x) != 9*7 || x[0] != 20 || x[8] != 100 || y[0] != 20 || y[len(y)-1] != 80 {
		t.Errorf("raster: %d points, x %g…%g, y %g…%g", len(x), x[0], x[8], y[0], y[len(y)-1])
	}
	rx, ry := RandomPositions(h, w, n, 500, 4)
	for i := range rx {
		if rx[i] < n/2 || rx[i] > w-n/2 || ry[i] < n/2 || ry[i] > h-n/2 {
			t.Fatalf("random centre (%g, %g) puts the patch outside the object", rx[i], ry[i])
		}
	}
	ax, _ := RandomPositions(h, w, n, 500, 4)
	if ax[17] != rx[17] {
		t.Error("RandomPositions is not deterministic for a seed")
	}
	if x, _ := RasterPositions(20, 20, n, 5); len(x) != 0 {
		t.Errorf("object smaller than a patch: %d positions, want 0", len(x))
	}
}
