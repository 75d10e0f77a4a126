package stitch

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/ptychokit/ptychokit/ptychokit/data"
	"github.com/ptychokit/ptychokit/ptychokit/physics"
)

// float32Tol: the stitched object is complex64; a weighted mean of equal
// values divided back out is exact to float32 rounding.
const float32Tol = 1e-6

func newRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x5717c4)) }

// cutPatches cuts N×N patches at integer centres from an H×W object with the
// glossary's convention: object[y-N/2 : y+N/2, x-N/2 : x+N/2].
func cutPatches(object []complex64, W, N int, x, y []int) []complex64 {
	out := make([]complex64, 0, len(x)*N*N)
	for b := range x {
		for i := 0; i < N; i++ {
			row := (y[b] - N/2 + i) * W
			out = append(out, object[row+x[b]-N/2:row+x[b]+N/2]...)
		}
	}
	return out
}

func toFloat(v []int) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// diskProbe is the simulator's default probe at side n.
func diskProbe(n int) []complex64 { return physics.DiskProbe(n, physics.DefaultProbeDiameter(n)).Pix }

// windowCases are the weightings every analytic test runs, for N×N patches.
func windowCases(n int) []struct {
	name string
	opts Options
} {
	return []struct {
		name string
		opts Options
	}{
		{"default", Options{}},
		{"keep whole", Options{Mode: Keep}},
		{"keep 8", Options{Mode: Keep, Keep: 8}},
		{"keep 7", Options{Mode: Keep, Keep: 7}},
		{"gauss σ=2.5 keep 11", Options{Mode: Gauss, Sigma: 2.5, Keep: 11}},
		{"probe", Options{Mode: Probe, Probe: diskProbe(n)}},
		{"probe keep 10", Options{Mode: Probe, Probe: diskProbe(n), Keep: 10}},
	}
}

// refWeight is the weight a patch gives its pixel (i, j) at an integer
// position, from the definitions in the Mode docs, written out again.
func refWeight(opts Options, n, i, j int) float64 {
	keep := opts.Keep
	if keep == 0 {
		keep = n
	}
	lo := (n - keep) / 2
	if i < lo || i >= lo+keep || j < lo || j >= lo+keep {
		return 0
	}
	switch opts.Mode {
	case Keep:
		return 1
	case Probe:
		var peak float64
		for a := lo; a < lo+keep; a++ {
			for b := lo; b < lo+keep; b++ {
				peak = math.Max(peak, math.Pow(cmplx.Abs(complex128(opts.Probe[a*n+b])), 2))
			}
		}
		return math.Pow(cmplx.Abs(complex128(opts.Probe[i*n+j])), 2) / peak
	default:
		sigma := opts.Sigma
		if sigma == 0 {
			sigma = float64(n) / 12
		}
		d2 := float64((i-n/2)*(i-n/2) + (j-n/2)*(j-n/2))
		return math.Exp(-d2 / (2 * sigma * sigma))
	}
}

// Cut from an object at integer positions, patches stitch back to the object
// wherever they cover it, whatever the weights; the summed weight is the sum
// of the patches' windows.
func TestIntegerPositionsReproduceObject(t *testing.T) {
	t.Parallel()
	const H, W, N = 64, 72, 16
	rng := newRNG(1)
	object := make([]complex64, H*W)
	for i := range object {
		object[i] = complex(rng.Float32(), rng.Float32()-0.5)
	}
	var xs, ys []int
	for y := 10; y <= 50; y += 5 {
		for x := 9; x <= 60; x += 7 {
			xs, ys = append(xs, x), append(ys, y)
		}
	}
	patches := cutPatches(object, W, N, xs, ys)
	for _, tc := range windowCases(N) {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a, err := NewAccumulator(H, W, N, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if err := a.Add(patches, toFloat(xs), toFloat(ys)); err != nil {
				t.Fatal(err)
			}
			img := a.Image()
			want := make([]float64, H*W)
			opts := tc.opts
			if opts.Mode == "" {
				opts.Mode = DefaultMode
			}
			for b := range xs {
				for i := 0; i < N; i++ {
					for j := 0; j < N; j++ {
						want[(ys[b]-N/2+i)*W+xs[b]-N/2+j] += refWeight(opts, N, i, j)
					}
				}
			}
			covered := 0
			for p := range object {
				if got := a.Weights()[p]; math.Abs(got-want[p]) > 1e-12 {
					t.Fatalf("pixel (%d, %d): weight %g, want %g", p/W, p%W, got, want[p])
				}
				wantPix := complex64(0)
				if want[p] > DefaultMinWeight {
					wantPix = object[p]
					covered++
				}
				if cmplx.Abs(complex128(img.Pix[p]-wantPix)) > float32Tol {
					t.Fatalf("pixel (%d, %d): %v, want %v", p/W, p%W, img.Pix[p], wantPix)
				}
			}
			if got, want := a.Coverage(), float64(covered)/float64(H*W); got != want {
				t.Errorf("coverage %g, want %g", got, want)
			}
		})
	}
}

// Constant patches at arbitrary sub-pixel positions stitch to that constant
// at every covered pixel: the weights, whatever they are, divide out.
func TestConstantPatchesStitchToConstant(t *testing.T) {
	t.Parallel()
	const H, W, N = 70, 80, 16
	const value = complex64(0.7 - 0.3i)
	rng := newRNG(4)
	xs, ys := make([]float64, 30), make([]float64, 30)
	for i := range xs {
		xs[i], ys[i] = 10+60*rng.Float64(), 10+50*rng.Float64()
	}
	patches := make([]complex64, len(xs)*N*N)
	for i := range patches {
		patches[i] = value
	}
	for _, tc := range windowCases(N) {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a, err := NewAccumulator(H, W, N, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if err := a.Add(patches, xs, ys); err != nil {
				t.Fatal(err)
			}
			img := a.Image()
			covered := 0
			for p, wt := range a.Weights() {
				want := complex64(0)
				if wt > DefaultMinWeight {
					want = value
					covered++
				}
				if cmplx.Abs(complex128(img.Pix[p]-want)) > float32Tol {
					t.Fatalf("pixel (%d, %d), weight %g: %v, want %v", p/W, p%W, wt, img.Pix[p], want)
				}
			}
			if covered == 0 {
				t.Fatal("nothing covered")
			}
		})
	}
}

// A smooth object sampled at fractional positions: every written pixel is a
// mean, with positive weights, of bilinear interpolations of patch samples,
// so its error is at most that of one: (max|f_xx| + max|f_yy|)/8. With
// f = A(x)·exp(iφ(y)), A = 0.7 + 0.2·sin(2πx/32), φ = cos(2πy/40):
// |f_xx| ≤ 0.2·(2π/32)² = 0.0077 and |f_yy| = A·|iφ” - φ'²| ≤ 0.9·(2π/40)²
// = 0.0222, so the bound is 0.0037.
func TestFractionalPositionsSmoothObject(t *testing.T) {
	t.Parallel()
	const H, W, N = 80, 90, 32
	const bound = (0.2*(2*math.Pi/32)*(2*math.Pi/32) + 0.9*(2*math.Pi/40)*(2*math.Pi/40)) / 8
	object := func(y, x float64) complex128 {
		amp := 0.7 + 0.2*math.Sin(2*math.Pi*x/32)
		return cmplx.Rect(amp, math.Cos(2*math.Pi*y/40))
	}
	rng := newRNG(2)
	var xs, ys []float64
	for y := 20.0; y <= 60; y += 8 {
		for x := 20.0; x <= 70; x += 8 {
			xs, ys = append(xs, x+rng.Float64()), append(ys, y+rng.Float64())
		}
	}
	patches := make([]complex64, 0, len(xs)*N*N)
	for b := range xs {
		for i := 0; i < N; i++ {
			for j := 0; j < N; j++ {
				patches = append(patches, complex64(object(ys[b]-N/2+float64(i), xs[b]-N/2+float64(j))))
			}
		}
	}
	for _, tc := range append(windowCases(N), struct {
		name string
		opts Options
	}{"keep 20", Options{Mode: Keep, Keep: 20}}) {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a, err := NewAccumulator(H, W, N, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if err := a.Add(patches, xs, ys); err != nil {
				t.Fatal(err)
			}
			img := a.Image()
			var worst float64
			for r := 0; r < H; r++ {
				for c := 0; c < W; c++ {
					if a.Weights()[r*W+c] > DefaultMinWeight {
						worst = math.Max(worst, cmplx.Abs(complex128(img.Pix[r*W+c])-object(float64(r), float64(c))))
					}
				}
			}
			if worst > bound+float32Tol {
				t.Errorf("max error %g, above the interpolation bound %g", worst, bound)
			}
		})
	}
}

// At a fractional position a patch's weight is its window, interpolated
// like its values. For the Gaussian g(u)·g(v) the bilinear error is at most
// (max|∂²/∂u²| + max|∂²/∂v²|)/8 = 2·(1/σ²)/8, since |g”| ≤ g(0)/σ² = 1/σ².
func TestFractionalWeightIsWindow(t *testing.T) {
	t.Parallel()
	const H, W, N = 40, 40, 32
	sigma := DefaultSigma(N)
	bound := 1 / (4 * sigma * sigma)
	x, y := 19.3, 20.75
	a, err := NewAccumulator(H, W, N, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Add(make([]complex64, N*N), []float64{x}, []float64{y}); err != nil {
		t.Fatal(err)
	}
	var worst float64
	for r := 0; r < H; r++ {
		for c := 0; c < W; c++ {
			got := a.Weights()[r*W+c]
			if got == 0 {
				continue // outside the patch
			}
			d2 := (float64(r)-y)*(float64(r)-y) + (float64(c)-x)*(float64(c)-x)
			worst = math.Max(worst, math.Abs(got-math.Exp(-d2/(2*sigma*sigma))))
		}
	}
	if worst > bound {
		t.Errorf("weight differs from the Gaussian at the patch centre by up to %g, above the interpolation bound %g", worst, bound)
	}
}

// With the probe's intensity as the weight, stitched patches O_b are the
// least-squares object of the exit waves ψ_b = P·O_b, iterative
// ptychography's Σ P*·ψ / Σ|P|², computed here directly.
func TestProbeWeightIsLeastSquaresObject(t *testing.T) {
	t.Parallel()
	const H, W, N = 48, 56, 16
	rng := newRNG(5)
	probe := diskProbe(N)
	xs, ys := []int{12, 20, 27, 33, 40, 18, 30}, []int{12, 14, 20, 26, 33, 30, 36}
	patches := make([]complex64, len(xs)*N*N)
	for i := range patches {
		patches[i] = complex(rng.Float32(), rng.Float32()-0.5)
	}
	num, den := make([]complex128, H*W), make([]float64, H*W)
	for b := range xs {
		for i := 0; i < N; i++ {
			for j := 0; j < N; j++ {
				p := complex128(probe[i*N+j])
				exitWave := p * complex128(patches[(b*N+i)*N+j])
				o := (ys[b]-N/2+i)*W + xs[b] - N/2 + j
				num[o] += cmplx.Conj(p) * exitWave
				den[o] += real(p)*real(p) + imag(p)*imag(p)
			}
		}
	}
	img, err := Stitch(patches, N, toFloat(xs), toFloat(ys), H, W, Options{Mode: Probe, Probe: probe})
	if err != nil {
		t.Fatal(err)
	}
	// The stitcher's weights are |P|²/max|P|²: a pixel counts as covered
	// when den exceeds DefaultMinWeight·max|P|².
	var peak float64
	for _, p := range probe {
		peak = math.Max(peak, math.Pow(cmplx.Abs(complex128(p)), 2))
	}
	for o := range num {
		want := complex128(0)
		if den[o] > DefaultMinWeight*peak {
			want = num[o] / complex(den[o], 0)
		}
		if cmplx.Abs(complex128(img.Pix[o])-want) > float32Tol {
			t.Fatalf("pixel (%d, %d): %v, want Σ P*ψ / Σ|P|² = %v", o/W, o%W, img.Pix[o], want)
		}
	}
}

// A sparse random scan: the central 20×20 of PtychoPINN leaves holes in the
// scanned region, the default Gaussian over the whole patch covers all of it.
func TestSparseScanCoverage(t *testing.T) {
	t.Parallel()
	const N, n = 64, 128
	rng := newRNG(6)
	// 128 centres over 190×190 px: a mean nearest-neighbour distance near
	// 9.5 px, the sparse scan of the package doc's measurements.
	xs, ys := make([]float64, n), make([]float64, n)
	for i := range xs {
		xs[i], ys[i] = 34+190*rng.Float64(), 34+190*rng.Float64()
	}
	H, W, offX, offY := Canvas(xs, ys, N)
	for i := range xs {
		xs[i] += offX
		ys[i] += offY
	}
	region, err := data.ScanRegion(xs, ys, 0, H, W)
	if err != nil {
		t.Fatal(err)
	}
	patches := make([]complex64, n*N*N)
	for i := range patches {
		patches[i] = 1
	}
	stitchWith := func(opts Options) *Accumulator {
		a, err := NewAccumulator(H, W, N, opts)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Add(patches, xs, ys); err != nil {
			t.Fatal(err)
		}
		return a
	}
	keep := stitchWith(Options{Mode: Keep, Keep: DefaultKeep})
	gauss := stitchWith(Options{})
	// Independent holes of keep 20: rows 22 … 41 of a patch centred at y
	// land on the integer rows r with -10 ≤ r-y ≤ 9, so a pixel is covered
	// exactly when some centre is that close along both axes.
	holes := 0
	for r := region.Y0; r < region.Y1; r++ {
		for c := region.X0; c < region.X1; c++ {
			hole := true
			for b := range xs {
				dy, dx := float64(r)-ys[b], float64(c)-xs[b]
				if dy >= -10 && dy <= 9 && dx >= -10 && dx <= 9 {
					hole = false
					break
				}
			}
			if got := keep.Weights()[r*W+c]; hole != (got == 0) {
				t.Fatalf("keep 20: pixel (%d, %d) has weight %g, but a hole is %v", r, c, got, hole)
			}
			if hole {
				holes++
			}
		}
	}
	if holes == 0 {
		t.Fatal("the scan is not sparse enough to test holes")
	}
	cover := keep.CoverageIn(region)
	if want := 1 - float64(holes)/float64(region.Dx()*region.Dy()); math.Abs(cover-want) > 1e-12 {
		t.Errorf("keep 20 covers %.4f of the scanned region, want %.4f", cover, want)
	}
	if got := gauss.CoverageIn(region); got != 1 {
		t.Errorf("default stitching covers %.4f of the scanned region, want all", got)
	}
	t.Logf("scanned region %v: keep 20 covers %.1f%%, the default 100%%", region, 100*cover)
}

func TestOverlapsAreAveraged(t *testing.T) {
	t.Parallel()
	const H, W, N = 8, 12, 4
	constant := func(v complex64) []complex64 {
		p := make([]complex64, N*N)
		for i := range p {
			p[i] = v
		}
		return p
	}
	// Patch A (value 1) covers columns 2..5, patch B (value 3i) columns
	// 4..7, both rows 2..5: columns 4 and 5 are their mean.
	patches := append(constant(1), constant(3i)...)
	img, err := Stitch(patches, N, []float64{4, 6}, []float64{4, 4}, H, W, Options{Mode: Keep})
	if err != nil {
		t.Fatal(err)
	}
	for c := 0; c < W; c++ {
		want := complex64(0)
		switch {
		case c >= 2 && c < 4:
			want = 1
		case c >= 4 && c < 6:
			want = complex(0.5, 1.5)
		case c >= 6 && c < 8:
			want = 3i
		}
		if got := img.Pix[3*W+c]; cmplx.Abs(complex128(got-want)) > float32Tol {
			t.Errorf("column %d: %v, want %v", c, got, want)
		}
	}
	if img.Pix[1*W+4] != 0 || img.Pix[6*W+4] != 0 {
		t.Error("rows outside both patches must stay 0")
	}
}

// When nothing falls outside, the total weight with Keep is the sum of the
// patches' footprints: M×M, less a row and a column per fractional
// coordinate. Batches add up like one call, in every mode.
func TestCanvasHoldsEverything(t *testing.T) {
	t.Parallel()
	const N, keep = 16, 10
	rng := newRNG(3)
	xs, ys := make([]float64, 40), make([]float64, 40)
	for i := range xs {
		xs[i], ys[i] = -30+70*rng.Float64(), 5+20*rng.Float64()
	}
	xs[0] = 12 // one integer position
	H, W, offX, offY := Canvas(xs, ys, N)
	if offX != math.Trunc(offX) || offY != math.Trunc(offY) {
		t.Errorf("offsets (%g, %g) must be whole pixels", offX, offY)
	}
	// Independent bounds: first and last pixel touched along each axis.
	touchedMin, touchedMax := [2]int{1 << 30, 1 << 30}, [2]int{-1 << 30, -1 << 30}
	for b := range xs {
		for axis, c := range []float64{ys[b] + offY, xs[b] + offX} {
			first := int(math.Floor(c - N/2))
			last := first + N - 1
			if c-N/2 != math.Floor(c-N/2) {
				last++
			}
			touchedMin[axis], touchedMax[axis] = min(touchedMin[axis], first), max(touchedMax[axis], last)
		}
	}
	if touchedMin != [2]int{0, 0} || touchedMax != [2]int{H - 1, W - 1} {
		t.Errorf("canvas %d×%d, offsets (%g, %g): patches touch rows/cols %v … %v, want a tight fit", H, W, offX, offY, touchedMin, touchedMax)
	}
	patches := make([]complex64, len(xs)*N*N)
	for i := range patches {
		patches[i] = complex(rng.Float32(), rng.Float32())
	}
	shiftedX, shiftedY := make([]float64, len(xs)), make([]float64, len(ys))
	for i := range xs {
		shiftedX[i], shiftedY[i] = xs[i]+offX, ys[i]+offY
	}
	for _, opts := range []Options{{Mode: Keep}, {Mode: Keep, Keep: keep}, {}, {Mode: Probe, Probe: diskProbe(N)}} {
		a, err := NewAccumulator(H, W, N, opts)
		if err != nil {
			t.Fatal(err)
		}
		// In two batches.
		half := len(xs) / 2
		if err := a.Add(patches[:half*N*N], shiftedX[:half], shiftedY[:half]); err != nil {
			t.Fatal(err)
		}
		if err := a.Add(patches[half*N*N:], shiftedX[half:], shiftedY[half:]); err != nil {
			t.Fatal(err)
		}
		if opts.Mode == Keep {
			M := opts.Keep
			if M == 0 {
				M = N
			}
			var total, want float64
			for _, w := range a.Weights() {
				total += w
			}
			for b := range xs {
				rows, cols := M, M
				if xs[b] != math.Trunc(xs[b]) {
					cols--
				}
				if ys[b] != math.Trunc(ys[b]) {
					rows--
				}
				want += float64(rows * cols)
			}
			// Each pixel's weight is its four interpolation weights summed,
			// 1 to rounding.
			if math.Abs(total-want) > 1e-12*want {
				t.Errorf("keep %d: total weight %g, want %g (something fell outside)", M, total, want)
			}
		}
		once, err := Stitch(patches, N, shiftedX, shiftedY, H, W, opts)
		if err != nil {
			t.Fatal(err)
		}
		batched := a.Image()
		for i := range once.Pix {
			if cmplx.Abs(complex128(once.Pix[i]-batched.Pix[i])) > float32Tol {
				t.Fatalf("mode %q keep %d: batched and one-shot stitching differ at %d", opts.Mode, opts.Keep, i)
			}
		}
	}
}

func TestCanvasDegenerate(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		x, y []float64
		N    int
	}{
		{nil, nil, 8}, {[]float64{1}, []float64{1, 2}, 8}, {[]float64{math.NaN()}, []float64{1}, 8}, {[]float64{1}, []float64{1}, 0},
	} {
		if H, W, ox, oy := Canvas(c.x, c.y, c.N); H != 0 || W != 0 || ox != 0 || oy != 0 {
			t.Errorf("Canvas(%v, %v, %d) = %d, %d, %g, %g; want zeros", c.x, c.y, c.N, H, W, ox, oy)
		}
	}
	// A single integer position: exactly one N×N patch at the origin.
	if H, W, ox, oy := Canvas([]float64{3}, []float64{-2}, 8); H != 8 || W != 8 || ox != 1 || oy != 6 {
		t.Errorf("single patch: %d×%d offsets (%g, %g), want 8×8 (1, 6)", H, W, ox, oy)
	}
}

func TestCoverageIn(t *testing.T) {
	t.Parallel()
	// One 4×4 patch of weight 1 at rows and columns 2…5 of a 10×10 canvas.
	a, err := NewAccumulator(10, 10, 4, Options{Mode: Keep})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Add(make([]complex64, 16), []float64{4}, []float64{4}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		r    data.Rect
		want float64
	}{
		{data.Rect{Y0: 2, X0: 2, Y1: 6, X1: 6}, 1},
		{data.Rect{Y0: 0, X0: 0, Y1: 10, X1: 10}, 0.16},
		{data.Rect{Y0: 4, X0: 0, Y1: 6, X1: 4}, 0.5},
		{data.Rect{Y0: -5, X0: -5, Y1: 4, X1: 4}, 4.0 / 16}, // clipped to rows, cols 0…3
		{data.Rect{Y0: 20, X0: 0, Y1: 30, X1: 10}, 0},       // outside the canvas
	} {
		if got := a.CoverageIn(c.r); math.Abs(got-c.want) > 1e-15 {
			t.Errorf("CoverageIn(%v) = %g, want %g", c.r, got, c.want)
		}
	}
}

func TestParseMode(t *testing.T) {
	t.Parallel()
	for _, m := range Modes() {
		if got, err := ParseMode(string(m)); err != nil || got != m {
			t.Errorf("ParseMode(%q) = %q, %v", m, got, err)
		}
	}
	if Modes()[0] != DefaultMode {
		t.Errorf("Modes() starts with %q, want the default %q", Modes()[0], DefaultMode)
	}
	for _, name := range []string{"", "Keep", "hann"} {
		if _, err := ParseMode(name); err == nil || !strings.Contains(err.Error(), "gauss, probe, keep") {
			t.Errorf("ParseMode(%q): %v, want an error listing the modes", name, err)
		}
	}
}

func TestStitchErrors(t *testing.T) {
	t.Parallel()
	p := make([]complex64, 2*4*4)
	probe := diskProbe(4)
	zeroProbe := make([]complex64, 16)
	nanProbe := append([]complex64(nil), probe...)
	nanProbe[5] = complex(float32(math.NaN()), 0)
	cases := []struct {
		name    string
		patches []complex64
		N       int
		x, y    []float64
		H, W    int
		opts    Options
		want    string
	}{
		{"positions", p, 4, []float64{1, 2}, []float64{1}, 8, 8, Options{}, "y positions"},
		{"values", p[:31], 4, []float64{1, 2}, []float64{1, 2}, 8, 8, Options{}, "patch values"},
		{"keep", p, 4, []float64{1, 2}, []float64{1, 2}, 8, 8, Options{Keep: 5}, "keep 5"},
		{"negative keep", p, 4, []float64{1, 2}, []float64{1, 2}, 8, 8, Options{Mode: Keep, Keep: -1}, "keep -1"},
		{"canvas", p, 4, []float64{1, 2}, []float64{1, 2}, 0, 8, Options{}, "canvas"},
		{"N", p, 0, []float64{1, 2}, []float64{1, 2}, 8, 8, Options{}, "patch side"},
		{"NaN", p, 4, []float64{1, math.NaN()}, []float64{1, 2}, 8, 8, Options{}, "not finite"},
		{"mode", p, 4, []float64{1, 2}, []float64{1, 2}, 8, 8, Options{Mode: "hann"}, `unknown mode "hann"`},
		{"sigma", p, 4, []float64{1, 2}, []float64{1, 2}, 8, 8, Options{Sigma: -1}, "σ = -1"},
		{"sigma NaN", p, 4, []float64{1, 2}, []float64{1, 2}, 8, 8, Options{Mode: Gauss, Sigma: math.NaN()}, "σ = NaN"},
		{"min weight", p, 4, []float64{1, 2}, []float64{1, 2}, 8, 8, Options{MinWeight: -1}, "min weight"},
		{"no probe", p, 4, []float64{1, 2}, []float64{1, 2}, 8, 8, Options{Mode: Probe}, "needs a 4×4 probe"},
		{"zero probe", p, 4, []float64{1, 2}, []float64{1, 2}, 8, 8, Options{Mode: Probe, Probe: zeroProbe}, "probe is 0"},
		{"NaN probe", p, 4, []float64{1, 2}, []float64{1, 2}, 8, 8, Options{Mode: Probe, Probe: nanProbe}, "probe pixel (1, 1)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := Stitch(c.patches, c.N, c.x, c.y, c.H, c.W, c.opts)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want an error mentioning %q", err, c.want)
			}
			if err != nil && strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q is more than one line", err)
			}
		})
	}
}

// Patches split over several accumulators and merged stitch to the image of
// one accumulator that took them all (to float64 rounding, far below the
// float32 of the image); a canvas of another size does not merge.
func TestMergeIsOneAccumulator(t *testing.T) {
	t.Parallel()
	const H, W, N, B = 40, 44, 8, 30
	rng := newRNG(7)
	patches := make([]complex64, B*N*N)
	for i := range patches {
		patches[i] = complex(rng.Float32(), rng.Float32()-0.5)
	}
	x, y := make([]float64, B), make([]float64, B)
	for b := range B {
		x[b], y[b] = 4+rng.Float64()*36, 4+rng.Float64()*32
	}
	for _, mode := range Modes() {
		opts := Options{Mode: mode, Probe: diskProbe(N)}
		one, err := NewAccumulator(H, W, N, opts)
		if err != nil {
			t.Fatal(err)
		}
		if err := one.Add(patches, x, y); err != nil {
			t.Fatal(err)
		}
		parts := make([]*Accumulator, 3)
		for i := range parts {
			if parts[i], err = NewAccumulator(H, W, N, opts); err != nil {
				t.Fatal(err)
			}
		}
		for b := range B {
			if err := parts[b%3].Add(patches[b*N*N:(b+1)*N*N], x[b:b+1], y[b:b+1]); err != nil {
				t.Fatal(err)
			}
		}
		for _, p := range parts[1:] {
			if err := parts[0].Merge(p); err != nil {
				t.Fatal(err)
			}
		}
		want, got := one.Image(), parts[0].Image()
		for i := range want.Pix {
			if d := cmplx.Abs(complex128(got.Pix[i] - want.Pix[i])); d > 1e-6 {
				t.Fatalf("%s: pixel %d merged %v, one accumulator %v", mode, i, got.Pix[i], want.Pix[i])
			}
		}
		for i, wt := range one.Weights() {
			if math.Abs(parts[0].Weights()[i]-wt) > 1e-12*(1+wt) {
				t.Fatalf("%s: weight %d merged %g, one accumulator %g", mode, i, parts[0].Weights()[i], wt)
			}
		}
	}
	other, err := NewAccumulator(H, W+1, N, Options{})
	if err != nil {
		t.Fatal(err)
	}
	small, err := NewAccumulator(H, W, N, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := small.Merge(other); err == nil || !strings.Contains(err.Error(), "merging") {
		t.Errorf("merging canvases of other sizes: %v, want an error", err)
	}
}
