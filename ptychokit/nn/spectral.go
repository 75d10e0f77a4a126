package nn

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/initializers"
)

// Spectral convolutions (Fourier neural operator layers) on real NHWC images.
//
// Fourier convention: the forward transform is un-normalised,
// X[ky, kx] = Σ x[y, x]·exp(-2πi (ky·y/H + kx·x/W)), the inverse carries
// 1/(H·W), and a real output is the real part of the inverse transform of a
// half spectrum (kx = 0 … W/2), each column but the zero (and Nyquist) one
// counted twice, as a real inverse FFT (numpy's irfft2) makes it:
//
//	y[y, x] = 1/(H·W) Σ_ky Σ_kx c_kx · Re(Z[ky, kx]·exp(2πi (ky·y/H + kx·x/W))),
//	c_kx = 1 for kx = 0 and kx = W/2, else 2.
//
// Only the lowest `modes` frequencies are kept, so every transform is a
// product with a small constant matrix (side × modes or 2·modes): on the
// pure-Go backend, which has no FFT, these are cheap matrix products, and on
// every backend their gradient is the product with the transposed matrix.

// SpectralConv2D is a Fourier layer: the 2-D DFT of x [B, H, W, Cin], its
// lowest modes mixed across channels by a complex matrix per frequency, and
// the inverse transform: [B, H, W, filters]. The kept frequencies are
// kx = 0 … modes-1 (of the half spectrum) and ky = 0 … modes-1 and
// −modes … −1: the corners of the full spectrum where low frequencies live.
//
// It creates (or reuses) the variables "spectral_re" and "spectral_im"
// [modes, 2·modes, Cin, filters] in ctx (index [kx, row, i, o], row r < modes
// the frequency ky = r, row r ≥ modes ky = r − 2·modes), initialised normal
// with standard deviation sqrt(1/(2·Cin)) each, so a complex weight has
// variance 1/Cin. It panics ("ptychokit: …") if x is not rank 4, or
// 2·modes > H or modes > W/2 + 1.
func SpectralConv2D(ctx *context.Context, x *graph.Node, filters, modes int) *graph.Node {
	checkImage("SpectralConv2D", x)
	cin := x.Shape().Dimensions[3]
	checkModes("SpectralConv2D", x, modes, true)
	ctx = ctx.WithInitializer(initializers.RandomNormalFn(ctx, math.Sqrt(1/(2*float64(cin)))))
	shape := shapes.Make(x.DType(), modes, 2*modes, cin, filters)
	g := x.Graph()
	re := ctx.VariableWithShape("spectral_re", shape).ValueGraph(g)
	im := ctx.VariableWithShape("spectral_im", shape).ValueGraph(g)
	return SpectralConv2DWeights(x, re, im, modes)
}

// SpectralConv2DWeights is SpectralConv2D with the weights given:
// wRe, wIm [modes, 2·modes, Cin, Cout].
func SpectralConv2DWeights(x, wRe, wIm *graph.Node, modes int) *graph.Node {
	checkImage("SpectralConv2DWeights", x)
	checkModes("SpectralConv2DWeights", x, modes, true)
	d := x.Shape().Dimensions
	b, h, w, cin := d[0], d[1], d[2], d[3]
	wd := wRe.Shape().Dimensions
	if wRe.Rank() != 4 || wd[0] != modes || wd[1] != 2*modes || wd[2] != cin || !wIm.Shape().Equal(wRe.Shape()) || wRe.DType() != x.DType() {
		panic(fmt.Sprintf("ptychokit: nn.SpectralConv2DWeights: want weights [%d, %d, %d, Cout] of %s, got %s and %s",
			modes, 2*modes, cin, x.DType(), wRe.Shape(), wIm.Shape()))
	}
	cout := wd[3]
	g, dtype := x.Graph(), x.DType()
	planes := graph.TransposeAllAxes(x, 0, 3, 1, 2) // [B, Cin, H, W]

	// Along x: the half spectrum's first modes, [B, Cin, H, kx].
	fw := realDFT(g, dtype, w, modes)
	xr, xi := alongLast(planes, fw.cos), graph.Neg(alongLast(planes, fw.sin))
	// Along y: the 2·modes kept rows, [B, Cin, kx, ky].
	fh := rowDFT(g, dtype, h, modes)
	xr, xi = graph.TransposeAllAxes(xr, 0, 1, 3, 2), graph.TransposeAllAxes(xi, 0, 1, 3, 2)
	zr := graph.Add(alongLast(xr, fh.cos), alongLast(xi, fh.sin))
	zi := graph.Sub(alongLast(xi, fh.cos), alongLast(xr, fh.sin))

	// Mixing: one complex Cin×Cout matrix a frequency, as a batched product
	// over the modes·2·modes frequencies.
	p := modes * 2 * modes
	toModes := func(z *graph.Node) *graph.Node { // [B, Cin, kx, ky] → [P, B, Cin]
		return graph.Reshape(graph.TransposeAllAxes(z, 2, 3, 0, 1), p, b, cin)
	}
	zr, zi = toModes(zr), toModes(zi)
	mr, mi := graph.Reshape(wRe, p, cin, cout), graph.Reshape(wIm, p, cin, cout)
	or := graph.Sub(MatMul(zr, mr), MatMul(zi, mi))
	oi := graph.Add(MatMul(zr, mi), MatMul(zi, mr))
	fromModes := func(o *graph.Node) *graph.Node { // [P, B, Cout] → [B, Cout, kx, ky]
		return graph.TransposeAllAxes(graph.Reshape(o, modes, 2*modes, b, cout), 2, 3, 0, 1)
	}
	or, oi = fromModes(or), fromModes(oi)

	// Inverse along y: complex, [B, Cout, kx, H].
	ih := rowIDFT(g, dtype, h, modes)
	gr := graph.Sub(alongLast(or, ih.cos), alongLast(oi, ih.sin))
	gi := graph.Add(alongLast(or, ih.sin), alongLast(oi, ih.cos))
	// Inverse along x, keeping the real part: [B, Cout, H, W].
	iw := realIDFT(g, dtype, w, modes)
	gr, gi = graph.TransposeAllAxes(gr, 0, 1, 3, 2), graph.TransposeAllAxes(gi, 0, 1, 3, 2)
	y := graph.Sub(alongLast(gr, iw.cos), alongLast(gi, iw.sin))
	return graph.TransposeAllAxes(y, 0, 2, 3, 1)
}

// FactorizedSpectralConv2D is the factorised Fourier layer of F-FNO: the sum
// of two 1-D spectral convolutions of x [B, H, W, C], one along x and one
// along y, each keeping the first `modes` frequencies of its axis's half
// spectrum and mixing channels with a complex C×C matrix per frequency. The
// output has x's shape. Weights grow with modes, not modes², and the layer
// sees each axis's structure separately.
//
// It creates (or reuses) "spectral_x_re", "spectral_x_im", "spectral_y_re"
// and "spectral_y_im" [modes, C, C] in ctx, initialised as SpectralConv2D's.
// It panics ("ptychokit: …") if x is not rank 4 or modes exceeds H/2+1 or
// W/2+1.
func FactorizedSpectralConv2D(ctx *context.Context, x *graph.Node, modes int) *graph.Node {
	checkImage("FactorizedSpectralConv2D", x)
	checkModes("FactorizedSpectralConv2D", x, modes, false)
	c := x.Shape().Dimensions[3]
	ctx = ctx.WithInitializer(initializers.RandomNormalFn(ctx, math.Sqrt(1/(2*float64(c)))))
	shape := shapes.Make(x.DType(), modes, c, c)
	g := x.Graph()
	v := func(name string) *graph.Node { return ctx.VariableWithShape(name, shape).ValueGraph(g) }
	return FactorizedSpectralConv2DWeights(x, v("spectral_x_re"), v("spectral_x_im"), v("spectral_y_re"), v("spectral_y_im"), modes)
}

// FactorizedSpectralConv2DWeights is FactorizedSpectralConv2D with the
// weights given, each [modes, C, C] (index [k, i, o]).
func FactorizedSpectralConv2DWeights(x, wxRe, wxIm, wyRe, wyIm *graph.Node, modes int) *graph.Node {
	checkImage("FactorizedSpectralConv2DWeights", x)
	checkModes("FactorizedSpectralConv2DWeights", x, modes, false)
	c := x.Shape().Dimensions[3]
	want := shapes.Make(x.DType(), modes, c, c)
	for _, w := range []*graph.Node{wxRe, wxIm, wyRe, wyIm} {
		if !w.Shape().Equal(want) {
			panic(fmt.Sprintf("ptychokit: nn.FactorizedSpectralConv2DWeights: want weights %s, got %s", want, w.Shape()))
		}
	}
	planes := graph.TransposeAllAxes(x, 0, 3, 1, 2)                                     // [B, C, H, W]
	alongX := spectral1D(planes, wxRe, wxIm, modes)                                     // [B, C, H, W]
	alongY := spectral1D(graph.TransposeAllAxes(planes, 0, 1, 3, 2), wyRe, wyIm, modes) // [B, C, W, H]
	y := graph.Add(alongX, graph.TransposeAllAxes(alongY, 0, 1, 3, 2))
	return graph.TransposeAllAxes(y, 0, 2, 3, 1)
}

// spectral1D is the 1-D spectral convolution along the last axis of
// planes [B, C, R, L]: real DFT, the first modes mixed by w [modes, C, C],
// real inverse DFT.
func spectral1D(planes, wRe, wIm *graph.Node, modes int) *graph.Node {
	d := planes.Shape().Dimensions
	b, c, r, l := d[0], d[1], d[2], d[3]
	g, dtype := planes.Graph(), planes.DType()
	f := realDFT(g, dtype, l, modes)
	xr, xi := alongLast(planes, f.cos), graph.Neg(alongLast(planes, f.sin)) // [B, C, R, k]
	toModes := func(z *graph.Node) *graph.Node {                            // → [k, B·R, C]
		return graph.Reshape(graph.TransposeAllAxes(z, 3, 0, 2, 1), modes, b*r, c)
	}
	xr, xi = toModes(xr), toModes(xi)
	or := graph.Sub(MatMul(xr, wRe), MatMul(xi, wIm))
	oi := graph.Add(MatMul(xr, wIm), MatMul(xi, wRe))
	fromModes := func(o *graph.Node) *graph.Node { // → [B, C, R, k]
		return graph.TransposeAllAxes(graph.Reshape(o, modes, b, r, c), 1, 3, 2, 0)
	}
	or, oi = fromModes(or), fromModes(oi)
	inv := realIDFT(g, dtype, l, modes)
	return graph.Sub(alongLast(or, inv.cos), alongLast(oi, inv.sin))
}

func checkModes(op string, x *graph.Node, modes int, twoD bool) {
	h, w := x.Shape().Dimensions[1], x.Shape().Dimensions[2]
	ok := modes >= 1 && modes <= w/2+1
	if twoD {
		ok = ok && 2*modes <= h
	} else {
		ok = ok && modes <= h/2+1
	}
	if !ok {
		panic(fmt.Sprintf("ptychokit: nn.%s: %d modes do not fit a %d×%d image", op, modes, h, w))
	}
}

// alongLast contracts the last axis of x [..., n] with the constant matrix
// m [n, k]: [..., k]. Its gradient is the product with mᵀ.
func alongLast(x *graph.Node, m cmat) *graph.Node {
	last := x.Rank() - 1
	return WithGradient([]*graph.Node{x},
		func(in []*graph.Node) *graph.Node {
			return graph.DotGeneral(in[0], []int{last}, nil, m.m, []int{0}, nil)
		},
		func(_ []*graph.Node, _, v *graph.Node) []*graph.Node {
			return []*graph.Node{graph.DotGeneral(v, []int{last}, nil, m.t, []int{0}, nil)}
		})
}

// cmat is a constant matrix and its transpose.
type cmat struct{ m, t *graph.Node }

// dftPair is the cosine and sine parts of a transform's matrix.
type dftPair struct{ cos, sin cmat }

// newPair builds the constants of f(row, col) → (cos part, sin part) for a
// rows×cols matrix.
func newPair(g *graph.Graph, dtype dtypes.DType, rows, cols int, f func(r, c int) (float64, float64)) dftPair {
	cs, sn := make([]float64, rows*cols), make([]float64, rows*cols)
	csT, snT := make([]float64, rows*cols), make([]float64, rows*cols)
	for r := range rows {
		for c := range cols {
			a, b := f(r, c)
			cs[r*cols+c], sn[r*cols+c] = a, b
			csT[c*rows+r], snT[c*rows+r] = a, b
		}
	}
	k := func(v []float64, d0, d1 int) *graph.Node {
		if dtype == dtypes.Float64 {
			return graph.ConstTensor(g, tensors.FromFlatDataAndDimensions(v, d0, d1))
		}
		f32 := make([]float32, len(v))
		for i, x := range v {
			f32[i] = float32(x)
		}
		return graph.ConstTensor(g, tensors.FromFlatDataAndDimensions(f32, d0, d1))
	}
	return dftPair{cos: cmat{k(cs, rows, cols), k(csT, cols, rows)}, sin: cmat{k(sn, rows, cols), k(snT, cols, rows)}}
}

// angle is 2π·(a·b mod n)/n, reduced before the float conversion so large
// products lose no precision.
func angle(a, b, n int) float64 {
	p := (a * b) % n
	if p < 0 {
		p += n
	}
	return 2 * math.Pi * float64(p) / float64(n)
}

// rowFrequency is the frequency of kept row r of 2·modes: 0 … modes-1, then
// −modes … −1.
func rowFrequency(r, modes int) int {
	if r < modes {
		return r
	}
	return r - 2*modes
}

// realDFT: [n, modes], cos(2π x k/n) and sin(2π x k/n) (the transform is
// cos − i·sin).
func realDFT(g *graph.Graph, dtype dtypes.DType, n, modes int) dftPair {
	return newPair(g, dtype, n, modes, func(x, k int) (float64, float64) {
		return math.Cos(angle(x, k, n)), math.Sin(angle(x, k, n))
	})
}

// rowDFT: [n, 2·modes], the forward transform at the kept row frequencies.
func rowDFT(g *graph.Graph, dtype dtypes.DType, n, modes int) dftPair {
	return newPair(g, dtype, n, 2*modes, func(y, r int) (float64, float64) {
		a := angle(y, rowFrequency(r, modes), n)
		return math.Cos(a), math.Sin(a)
	})
}

// rowIDFT: [2·modes, n], the inverse transform (exp(+i…)/n) from the kept
// row frequencies.
func rowIDFT(g *graph.Graph, dtype dtypes.DType, n, modes int) dftPair {
	return newPair(g, dtype, 2*modes, n, func(r, y int) (float64, float64) {
		a := angle(y, rowFrequency(r, modes), n)
		return math.Cos(a) / float64(n), math.Sin(a) / float64(n)
	})
}

// realIDFT: [modes, n], the real inverse from a half spectrum: the real part
// of c_k·Z_k·exp(2πi k x/n)/n is Zr·(c cos/n) − Zi·(c sin/n).
func realIDFT(g *graph.Graph, dtype dtypes.DType, n, modes int) dftPair {
	return newPair(g, dtype, modes, n, func(k, x int) (float64, float64) {
		c := 2.0
		if k == 0 || 2*k == n {
			c = 1
		}
		a := angle(x, k, n)
		return c * math.Cos(a) / float64(n), c * math.Sin(a) / float64(n)
	})
}
