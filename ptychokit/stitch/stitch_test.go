package stitch

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
	"strings"
	"testing"
)

// float32Tol: the stitched object is complex64; the mean of equal values
// divided back out is exact to float32 rounding.
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
	for _, keep := range []int{0, 8, 7, 16} {
		a, err := NewAccumulator(H, W, N, Options{Keep: keep})
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Add(patches, toFloat(xs), toFloat(ys)); err != nil {
			t.Fatal(err)
		}
		img := a.Image()
		// Independent coverage count: the kept window of each patch.
		M := keep
		if M == 0 {
			M = N
		}
		start := (N - M) / 2
		count := make([]int, H*W)
		for b := range xs {
			for i := start; i < start+M; i++ {
				for j := start; j < start+M; j++ {
					count[(ys[b]-N/2+i)*W+xs[b]-N/2+j]++
				}
			}
		}
		covered := 0
		for p := range object {
			if got := a.Weights()[p]; got != float64(count[p]) {
				t.Fatalf("keep %d, pixel %d: weight %g, want %d", keep, p, got, count[p])
			}
			want := complex64(0)
			if count[p] > 0 {
				want = object[p]
				covered++
			}
			if cmplx.Abs(complex128(img.Pix[p]-want)) > float32Tol {
				t.Fatalf("keep %d, pixel (%d, %d): %v, want %v", keep, p/W, p%W, img.Pix[p], want)
			}
		}
		if got, want := a.Coverage(), float64(covered)/float64(H*W); got != want {
			t.Errorf("keep %d: coverage %g, want %g", keep, got, want)
		}
	}
}

// A smooth object sampled at fractional positions: every written pixel is a
// bilinear interpolation of patch samples, so its error is at most
// (max|f_xx| + max|f_yy|)/8. With f = A(x)·exp(iφ(y)), A = 0.7 + 0.2·sin(2πx/32),
// φ = cos(2πy/40): |f_xx| ≤ 0.2·(2π/32)² = 0.0077 and
// |f_yy| = A·|iφ” - φ'²| ≤ 0.9·(2π/40)² = 0.0222, so the bound is 0.0037.
func TestFractionalPositionsSmoothObject(t *testing.T) {
	t.Parallel()
	const H, W, N, keep = 80, 90, 32, 20
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
	a, err := NewAccumulator(H, W, N, Options{Keep: keep})
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
			if a.Weights()[r*W+c] > MinWeight {
				worst = math.Max(worst, cmplx.Abs(complex128(img.Pix[r*W+c])-object(float64(r), float64(c))))
			}
		}
	}
	t.Logf("max error %.5f, bound %.5f", worst, bound)
	if worst > bound+float32Tol {
		t.Errorf("max error %g, above the interpolation bound %g", worst, bound)
	}
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
	img, err := Stitch(patches, N, []float64{4, 6}, []float64{4, 4}, H, W, Options{})
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

// When nothing falls outside, the total weight is the sum of the patches'
// footprints: M×M, less a row and a column per fractional coordinate.
// Batches add up like one call.
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
	for _, opts := range []Options{{}, {Keep: keep}} {
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
		if total != want {
			t.Errorf("keep %d: total weight %g, want %g (something fell outside)", M, total, want)
		}
		once, err := Stitch(patches, N, shiftedX, shiftedY, H, W, opts)
		if err != nil {
			t.Fatal(err)
		}
		batched := a.Image()
		for i := range once.Pix {
			if cmplx.Abs(complex128(once.Pix[i]-batched.Pix[i])) > float32Tol {
				t.Fatalf("keep %d: batched and one-shot stitching differ at %d", M, i)
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

func TestStitchErrors(t *testing.T) {
	t.Parallel()
	p := make([]complex64, 2*4*4)
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
		{"keep", p, 4, []float64{1, 2}, []float64{1, 2}, 8, 8, Options{Keep: 5}, "keep"},
		{"canvas", p, 4, []float64{1, 2}, []float64{1, 2}, 0, 8, Options{}, "canvas"},
		{"N", p, 0, []float64{1, 2}, []float64{1, 2}, 8, 8, Options{}, "patch side"},
		{"NaN", p, 4, []float64{1, math.NaN()}, []float64{1, 2}, 8, 8, Options{}, "not finite"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Stitch(c.patches, c.N, c.x, c.y, c.H, c.W, c.opts)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want an error mentioning %q", err, c.want)
			}
		})
	}
}
