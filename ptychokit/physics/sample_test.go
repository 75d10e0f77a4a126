package physics

import (
	"math"
	"math/rand/v2"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph"
)

// tentSample is the reference bilinear sampler, written differently from the
// package's: img(sy, sx) = Σ over all pixels of tent(sy-r)·tent(sx-c)·img[r, c],
// tent(u) = max(0, 1-|u|); pixels outside the image do not exist (zero fill).
func tentSample(img []float64, h, w int, sy, sx float64) float64 {
	s := 0.0
	for r := int(math.Floor(sy)) - 1; r <= int(math.Floor(sy))+2; r++ {
		for c := int(math.Floor(sx)) - 1; c <= int(math.Floor(sx))+2; c++ {
			if r < 0 || r >= h || c < 0 || c >= w {
				continue
			}
			s += math.Max(0, 1-math.Abs(sy-float64(r))) * math.Max(0, 1-math.Abs(sx-float64(c))) * img[r*w+c]
		}
	}
	return s
}

// patchesRef is the float64 reference of ExtractPatches for one real part.
func patchesRef(obj arr, x, y []float64, n int) arr {
	h, w := obj.dims[0], obj.dims[1]
	out := newArr(len(x), n, n)
	for b := range x {
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				out.v[(b*n+i)*n+j] = tentSample(obj.v, h, w, y[b]-float64(n/2)+float64(i), x[b]-float64(n/2)+float64(j))
			}
		}
	}
	return out
}

// samplingTol: bilinear sampling is four float32 products and sums.
const samplingTol = 1e-6

// positionTol bounds the effect of holding centres of up to ~40 px in float32
// (rounding ≤ 2e-6 px) on bilinear samples of N(0,1) pixels (neighbour
// differences ≤ ~8): 2e-6·8 ≈ 1.6e-5.
const positionTol = 2e-5

func TestTranslateIntegerShiftIsExact(t *testing.T) {
	const n = 10
	rng := rand.New(rand.NewPCG(8, 0))
	re, im := randArr(rng, 2, n, n), randArr(rng, 2, n, n)
	dx := arr{dims: []int{2}, v: []float64{3, -2}}
	dy := arr{dims: []int{2}, v: []float64{1, 0}}
	out := run(t, func(in []*Node) []*Node {
		f := Translate(NewField(in[0], in[1]), in[2], in[3])
		return []*Node{f.Re, f.Im}
	}, re, im, dx, dy)
	for b := 0; b < 2; b++ {
		for y := 0; y < n; y++ {
			for x := 0; x < n; x++ {
				sy, sx := y-int(dy.v[b]), x-int(dx.v[b])
				wantRe, wantIm := 0.0, 0.0
				if sy >= 0 && sy < n && sx >= 0 && sx < n {
					wantRe, wantIm = re.v[(b*n+sy)*n+sx], im.v[(b*n+sy)*n+sx]
				}
				k := (b*n+y)*n + x
				if float32(out[0].v[k]) != float32(wantRe) || float32(out[1].v[k]) != float32(wantIm) {
					t.Fatalf("b=%d (%d,%d): got (%g,%g), want (%g,%g)", b, y, x, out[0].v[k], out[1].v[k], wantRe, wantIm)
				}
			}
		}
	}
}

// TestTranslateFractionalShift shifts a band-limited image (a sum of plane
// waves) by a fraction of a pixel and compares it, away from the zero-filled
// border, with the analytically shifted image f(y-dy, x-dx). Bilinear
// interpolation errs by at most t(1-t)/2·max|∂²f| per axis (t the fraction):
// that bound is the tolerance.
func TestTranslateFractionalShift(t *testing.T) {
	const n = 32
	type wave struct{ a, ky, kx, phase float64 } // amplitude, cycles per N along y, x
	waves := []wave{{1, 1, 2, 0.3}, {0.5, -2, 1, 1.1}, {0.25, 3, -1, -0.4}}
	f := func(y, x float64) float64 {
		s := 0.0
		for _, w := range waves {
			s += w.a * math.Cos(2*math.Pi*(w.ky*y+w.kx*x)/n+w.phase)
		}
		return s
	}
	img := newArr(1, n, n)
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			img.v[y*n+x] = f(float64(y), float64(x))
		}
	}
	const dx, dy = 0.3, -1.7
	out := run(t, func(in []*Node) []*Node {
		g := in[0].Graph()
		s := Translate(NewField(in[0], ZerosLike(in[0])), Const(g, []float32{dx}), Const(g, []float32{dy}))
		return []*Node{s.Re}
	}, img)
	tx, ty := dx-math.Floor(dx), dy-math.Floor(dy)
	bound := samplingTol
	for _, w := range waves {
		wx, wy := 2*math.Pi*w.kx/n, 2*math.Pi*w.ky/n
		bound += w.a * (tx*(1-tx)/2*wx*wx + ty*(1-ty)/2*wy*wy)
	}
	worst := 0.0
	for y := 3; y < n-3; y++ {
		for x := 3; x < n-3; x++ {
			worst = math.Max(worst, math.Abs(out[0].v[y*n+x]-f(float64(y)-dy, float64(x)-dx)))
		}
	}
	if worst > bound {
		t.Errorf("fractional shift: max interior error %.3g > bilinear bound %.3g", worst, bound)
	}
	t.Logf("fractional shift (%g, %g): max interior error %.3g, bilinear bound %.3g", dx, dy, worst, bound)
}

// TestTranslateAdjoint: ⟨T(d)x, y⟩ = ⟨x, T(-d)y⟩, zero fill included.
func TestTranslateAdjoint(t *testing.T) {
	const n = 12
	rng := rand.New(rand.NewPCG(9, 0))
	x, y := randArr(rng, 3, n, n), randArr(rng, 3, n, n)
	d := arr{dims: []int{2, 3}, v: []float64{0.4, -2.6, 5.25, 1.5, -0.3, 11.9}}
	out := run(t, func(in []*Node) []*Node {
		dx := Reshape(Gather(in[2], Const(in[0].Graph(), [][]int32{{0}})), 3)
		dy := Reshape(Gather(in[2], Const(in[0].Graph(), [][]int32{{1}})), 3)
		tx := Translate(NewField(in[0], ZerosLike(in[0])), dx, dy)
		ty := Translate(NewField(in[1], ZerosLike(in[1])), Neg(dx), Neg(dy))
		return []*Node{ReduceAllSum(Mul(tx.Re, in[1])), ReduceAllSum(Mul(in[0], ty.Re))}
	}, x, y, d)
	if diff := math.Abs(out[0].v[0] - out[1].v[0]); diff > samplingTol*float64(3*n*n) {
		t.Errorf("⟨Tx,y⟩ = %g, ⟨x,T*y⟩ = %g", out[0].v[0], out[1].v[0])
	}
}

// Centres of the patch tests: integer, fractional, on the edges and partly
// outside the object (zero fill).
var (
	testObjH, testObjW, testPatchN = 30, 37, 8
	testX                          = []float64{4, 10.25, 20.5, 33, 35.9, -1.5}
	testY                          = []float64{4, 7.75, 15, 26, 2.2, 12}
)

func TestExtractPatchesMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 0))
	or, oi := randArr(rng, testObjH, testObjW), randArr(rng, testObjH, testObjW)
	x, y := arr{dims: []int{len(testX)}, v: testX}, arr{dims: []int{len(testY)}, v: testY}
	out := run(t, func(in []*Node) []*Node {
		p := ExtractPatches(NewField(in[0], in[1]), in[2], in[3], testPatchN)
		return []*Node{p.Re, p.Im}
	}, or, oi, x, y)
	if e := maxAbsDiff(out[0], patchesRef(or, testX, testY, testPatchN)); e > positionTol {
		t.Errorf("real part: max error %.3g", e)
	}
	if e := maxAbsDiff(out[1], patchesRef(oi, testX, testY, testPatchN)); e > positionTol {
		t.Errorf("imaginary part: max error %.3g", e)
	}
	// The first centre is integer: its patch is the window object[0:8, 0:8], exactly.
	n := testPatchN
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if float32(out[0].v[i*n+j]) != float32(or.v[i*testObjW+j]) {
				t.Fatalf("integer centre: patch[%d,%d] = %g, want object[%d,%d] = %g", i, j, out[0].v[i*n+j], i, j, or.v[i*testObjW+j])
			}
		}
	}
	// PatchesCPU (complex64, plain Go) agrees with the graph.
	obj := toComplexImage(or, oi)
	cpuPatches := PatchesCPU(obj, testX, testY, n)
	for k, c := range cpuPatches {
		if math.Abs(float64(real(c))-out[0].v[k]) > positionTol || math.Abs(float64(imag(c))-out[1].v[k]) > positionTol {
			t.Fatalf("PatchesCPU[%d] = %v, graph (%g, %g)", k, c, out[0].v[k], out[1].v[k])
		}
	}
}

// TestScatterPatchesIsAdjoint: ⟨Extract(O), P⟩ = ⟨O, Scatter(P)⟩ over the
// real inner product of the (re, im) pairs.
func TestScatterPatchesIsAdjoint(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 0))
	or, oi := randArr(rng, testObjH, testObjW), randArr(rng, testObjH, testObjW)
	pr, pi := randArr(rng, len(testX), testPatchN, testPatchN), randArr(rng, len(testX), testPatchN, testPatchN)
	x, y := arr{dims: []int{len(testX)}, v: testX}, arr{dims: []int{len(testY)}, v: testY}
	out := run(t, func(in []*Node) []*Node {
		obj, p := NewField(in[0], in[1]), NewField(in[2], in[3])
		ex := ExtractPatches(obj, in[4], in[5], testPatchN)
		sc := ScatterPatches(p, in[4], in[5], testObjH, testObjW)
		lhs := Add(ReduceAllSum(Mul(ex.Re, p.Re)), ReduceAllSum(Mul(ex.Im, p.Im)))
		rhs := Add(ReduceAllSum(Mul(obj.Re, sc.Re)), ReduceAllSum(Mul(obj.Im, sc.Im)))
		return []*Node{lhs, rhs}
	}, or, oi, pr, pi, x, y)
	terms := float64(2 * len(testX) * testPatchN * testPatchN)
	if diff := math.Abs(out[0].v[0] - out[1].v[0]); diff > samplingTol*terms {
		t.Errorf("⟨Ex,p⟩ = %g, ⟨x,E*p⟩ = %g", out[0].v[0], out[1].v[0])
	}
}

// TestExtractPatchesPositionGradient compares ∂/∂x, ∂/∂y of Σ c·patch.Re with
// central differences of the float64 reference at non-integer centres.
func TestExtractPatchesPositionGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 0))
	or, oi := randArr(rng, testObjH, testObjW), randArr(rng, testObjH, testObjW)
	xs, ys := []float64{10.25, 20.5, 15.6}, []float64{7.75, 15.3, 11.1}
	c := randArr(rng, len(xs), testPatchN, testPatchN)
	x, y := arr{dims: []int{len(xs)}, v: xs}, arr{dims: []int{len(ys)}, v: ys}
	out := run(t, func(in []*Node) []*Node {
		p := ExtractPatches(NewField(in[0], in[1]), in[2], in[3], testPatchN)
		return Gradient(ReduceAllSum(Mul(p.Re, in[4])), in[2], in[3])
	}, or, oi, x, y, c)
	loss := func(xs, ys []float64) float64 {
		p := patchesRef(or, xs, ys, testPatchN)
		s := 0.0
		for k := range p.v {
			s += p.v[k] * c.v[k]
		}
		return s
	}
	const h = 1e-6 // inside one bilinear cell the loss is linear in each coordinate
	for b := range xs {
		for axis, pos := range [][]float64{xs, ys} {
			orig := pos[b]
			pos[b] = orig + h
			up := loss(xs, ys)
			pos[b] = orig - h
			down := loss(xs, ys)
			pos[b] = orig
			fd := (up - down) / (2 * h)
			if got := out[axis].v[b]; math.Abs(got-fd) > 1e-4*math.Max(1, math.Abs(fd)) {
				t.Errorf("centre %d axis %d: gradient %g, finite difference %g", b, axis, got, fd)
			}
		}
	}
}

func toComplexImage(re, im arr) *complexImage {
	h, w := re.dims[0], re.dims[1]
	img := &complexImage{H: h, W: w, Pix: make([]complex64, h*w)}
	for i := range img.Pix {
		img.Pix[i] = complex(float32(re.v[i]), float32(im.v[i]))
	}
	return img
}

// TestTranslateGradients compares ∂/∂dx, ∂/∂dy and ∂/∂f of Σ c·Translate(f)
// with central differences of the float64 tent-sum reference.
func TestTranslateGradients(t *testing.T) {
	const n, l = 10, 2
	rng := rand.New(rand.NewPCG(13, 0))
	f, c := randArr(rng, l, n, n), randArr(rng, l, n, n)
	dx, dy := []float64{0.35, -1.6}, []float64{2.2, 0.7}
	out := run(t, func(in []*Node) []*Node {
		s := Translate(NewField(in[0], ZerosLike(in[0])), in[2], in[3])
		return Gradient(ReduceAllSum(Mul(s.Re, in[1])), in[0], in[2], in[3])
	}, f, c, arr{dims: []int{l}, v: dx}, arr{dims: []int{l}, v: dy})
	loss := func() float64 {
		s := 0.0
		for b := 0; b < l; b++ {
			img := f.v[b*n*n : (b+1)*n*n]
			for y := 0; y < n; y++ {
				for x := 0; x < n; x++ {
					s += c.v[(b*n+y)*n+x] * tentSample(img, n, n, float64(y)-dy[b], float64(x)-dx[b])
				}
			}
		}
		return s
	}
	const h = 1e-6
	central := func(p *float64) float64 {
		orig := *p
		*p = orig + h
		up := loss()
		*p = orig - h
		down := loss()
		*p = orig
		return (up - down) / (2 * h)
	}
	for b := 0; b < l; b++ {
		if fd, got := central(&dx[b]), out[1].v[b]; math.Abs(fd-got) > 1e-4*math.Max(1, math.Abs(fd)) {
			t.Errorf("∂/∂dx[%d] = %g, finite difference %g", b, got, fd)
		}
		if fd, got := central(&dy[b]), out[2].v[b]; math.Abs(fd-got) > 1e-4*math.Max(1, math.Abs(fd)) {
			t.Errorf("∂/∂dy[%d] = %g, finite difference %g", b, got, fd)
		}
	}
	for trial := 0; trial < 8; trial++ {
		k := rng.IntN(len(f.v))
		if fd, got := central(&f.v[k]), out[0].v[k]; math.Abs(fd-got) > 1e-4*math.Max(1, math.Abs(fd)) {
			t.Errorf("∂/∂f[%d] = %g, finite difference %g", k, got, fd)
		}
	}
}

// BenchmarkSampling times forward+backward of ExtractPatches (w.r.t. the
// object and the centres), ScatterPatches and Translate at B=16, N=64 on a
// 256×256 object, on the pure-Go backend.
//
//	go test -run '^$' -bench Sampling -benchtime 5x ./ptychokit/physics/
func BenchmarkSampling(b *testing.B) {
	const batch, n, size = 16, 64, 256
	rng := rand.New(rand.NewPCG(14, 0))
	or, oi := randArr(rng, size, size), randArr(rng, size, size)
	x, y := newArr(batch), newArr(batch)
	for i := range x.v {
		x.v[i] = n/2 + rng.Float64()*(size-n)
		y.v[i] = n/2 + rng.Float64()*(size-n)
	}
	c := randArr(rng, batch, n, n)
	cases := map[string]func(in []*Node) []*Node{
		"ExtractPatches": func(in []*Node) []*Node {
			p := ExtractPatches(NewField(in[0], in[1]), in[2], in[3], n)
			loss := ReduceAllSum(Mul(p.Abs2(), in[4]))
			return append([]*Node{loss}, Gradient(loss, in[0], in[1], in[2], in[3])...)
		},
		"ScatterPatches": func(in []*Node) []*Node {
			p := NewField(in[4], in[4])
			o := ScatterPatches(p, in[2], in[3], size, size)
			loss := ReduceAllSum(Mul(o.Re, in[0]))
			return append([]*Node{loss}, Gradient(loss, in[4], in[2])...)
		},
		"Translate": func(in []*Node) []*Node {
			s := Translate(NewField(in[4], in[4]), in[2], in[3])
			loss := ReduceAllSum(s.Abs2())
			return append([]*Node{loss}, Gradient(loss, in[4], in[2])...)
		},
	}
	args := []any{or.tensor(), oi.tensor(), x.tensor(), y.tensor(), c.tensor()}
	for _, name := range []string{"ExtractPatches", "ScatterPatches", "Translate"} {
		b.Run(name, func(b *testing.B) {
			exec := MustNewExec(cpu(), cases[name])
			exec.MustExec(args...)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				exec.MustExec(args...)
			}
		})
	}
}
