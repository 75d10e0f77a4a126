package nn

import (
	"fmt"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

type spectralCase struct{ b, h, w, cin, cout, modes int }

func (c spectralCase) String() string {
	return fmt.Sprintf("B%d_%dx%d_%dto%d_m%d", c.b, c.h, c.w, c.cin, c.cout, c.modes)
}

var spectralCases = []spectralCase{
	{2, 8, 8, 3, 2, 3},
	{1, 6, 9, 2, 3, 2},  // odd width
	{1, 10, 8, 2, 2, 5}, // kx reaches W/2 (the Nyquist column, counted once)
	{1, 7, 5, 1, 1, 1},  // odd sizes, the mean only
}

// refSpectral2D is the 2-D spectral convolution in float64 straight from its
// definition: the direct DFT of each channel at every kept frequency, the
// complex mix w[kx, row, i, o], and the real inverse
// y = 1/(H·W) Σ c_kx Re(Z·exp(+2πi(ky·y/H + kx·x/W))).
func refSpectral2D(x, wRe, wIm array, modes int) array {
	b, h, w, cin := x.dims[0], x.dims[1], x.dims[2], x.dims[3]
	cout := wRe.dims[3]
	y := array{dims: []int{b, h, w, cout}, data: make([]float64, b*h*w*cout)}
	for ib := range b {
		for kx := range modes {
			for row := range 2 * modes {
				ky := row
				if row >= modes {
					ky = row - 2*modes
				}
				spectrum := make([]complex128, cin)
				for i := range cin {
					for iy := range h {
						for ix := range w {
							phase := -2 * math.Pi * (float64(ky*iy)/float64(h) + float64(kx*ix)/float64(w))
							spectrum[i] += complex(x.data[((ib*h+iy)*w+ix)*cin+i], 0) * cmplx.Exp(complex(0, phase))
						}
					}
				}
				weight := 2.0
				if kx == 0 || 2*kx == w {
					weight = 1
				}
				for o := range cout {
					var z complex128
					for i := range cin {
						at := ((kx*2*modes+row)*cin+i)*cout + o
						z += spectrum[i] * complex(wRe.data[at], wIm.data[at])
					}
					for iy := range h {
						for ix := range w {
							phase := 2 * math.Pi * (float64(ky*iy)/float64(h) + float64(kx*ix)/float64(w))
							y.data[((ib*h+iy)*w+ix)*cout+o] += weight * real(z*cmplx.Exp(complex(0, phase))) / float64(h*w)
						}
					}
				}
			}
		}
	}
	return y
}

// refSpectral1D is one axis of the factorised layer in float64: along x
// (alongX) or y, the direct real DFT of each row or column, the mix
// w[k, i, o], the real inverse.
func refSpectral1D(x, wRe, wIm array, modes int, alongX bool) array {
	b, h, w, c := x.dims[0], x.dims[1], x.dims[2], x.dims[3]
	n, lines := w, h
	if !alongX {
		n, lines = h, w
	}
	at := func(ib, line, p, ch int) int {
		if alongX {
			return ((ib*h+line)*w+p)*c + ch
		}
		return ((ib*h+p)*w+line)*c + ch
	}
	y := array{dims: []int{b, h, w, c}, data: make([]float64, len(x.data))}
	for ib := range b {
		for line := range lines {
			for k := range modes {
				spectrum := make([]complex128, c)
				for i := range c {
					for p := range n {
						spectrum[i] += complex(x.data[at(ib, line, p, i)], 0) * cmplx.Exp(complex(0, -2*math.Pi*float64(k*p)/float64(n)))
					}
				}
				weight := 2.0
				if k == 0 || 2*k == n {
					weight = 1
				}
				for o := range c {
					var z complex128
					for i := range c {
						z += spectrum[i] * complex(wRe.data[(k*c+i)*c+o], wIm.data[(k*c+i)*c+o])
					}
					for p := range n {
						y.data[at(ib, line, p, o)] += weight * real(z*cmplx.Exp(complex(0, 2*math.Pi*float64(k*p)/float64(n)))) / float64(n)
					}
				}
			}
		}
	}
	return y
}

func TestSpectralConv2DAgainstReference(t *testing.T) {
	b := cpuBackend()
	for _, c := range spectralCases {
		t.Run(c.String(), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(11, uint64(c.h*100+c.w*10+c.modes)))
			x := randomArray(rng, c.b, c.h, c.w, c.cin)
			wRe := randomArray(rng, c.modes, 2*c.modes, c.cin, c.cout)
			wIm := randomArray(rng, c.modes, 2*c.modes, c.cin, c.cout)
			want := refSpectral2D(x, wRe, wIm, c.modes)
			for _, dtype := range []dtypes.DType{dtypes.Float32, dtypes.Float64} {
				got := run(t, b, dtype, func(in []*graph.Node) []*graph.Node {
					return []*graph.Node{SpectralConv2DWeights(in[0], in[1], in[2], c.modes)}
				}, x, wRe, wIm)[0]
				tol := forwardTol
				if dtype == dtypes.Float64 {
					tol = 1e-12
				}
				assertClose(t, fmt.Sprintf("%s vs float64 reference", dtype), got, want, tol)
			}
		})
	}
}

// With every frequency kept (2·modes = H, modes = W/2 + 1) and identity
// weights, the layer is the identity: the real inverse undoes the transform.
func TestSpectralConv2DIdentity(t *testing.T) {
	// H = 8: rows 0…3 and −4…−1 are every row; W = 6: kx 0…3 is the whole half spectrum.
	const h, w, c, modes = 8, 6, 2, 4
	rng := rand.New(rand.NewPCG(12, 12))
	x := randomArray(rng, 2, h, w, c)
	wRe := array{dims: []int{modes, 2 * modes, c, c}, data: make([]float64, modes*2*modes*c*c)}
	wIm := array{dims: wRe.dims, data: make([]float64, len(wRe.data))}
	for p := range modes * 2 * modes {
		for i := range c {
			wRe.data[(p*c+i)*c+i] = 1
		}
	}
	got := run(t, cpuBackend(), dtypes.Float64, func(in []*graph.Node) []*graph.Node {
		return []*graph.Node{SpectralConv2DWeights(in[0], in[1], in[2], modes)}
	}, x, wRe, wIm)[0]
	assertClose(t, "identity weights, all modes", got, x, 1e-12)
}

func TestFactorizedSpectralConv2DAgainstReference(t *testing.T) {
	b := cpuBackend()
	for _, c := range spectralCases {
		if c.modes > c.h/2+1 {
			continue
		}
		t.Run(c.String(), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(13, uint64(c.h*100+c.w*10+c.modes)))
			x := randomArray(rng, c.b, c.h, c.w, c.cin)
			ws := make([]array, 4)
			for i := range ws {
				ws[i] = randomArray(rng, c.modes, c.cin, c.cin)
			}
			want := refSpectral1D(x, ws[0], ws[1], c.modes, true)
			alongY := refSpectral1D(x, ws[2], ws[3], c.modes, false)
			for i := range want.data {
				want.data[i] += alongY.data[i]
			}
			for _, dtype := range []dtypes.DType{dtypes.Float32, dtypes.Float64} {
				got := run(t, b, dtype, func(in []*graph.Node) []*graph.Node {
					return []*graph.Node{FactorizedSpectralConv2DWeights(in[0], in[1], in[2], in[3], in[4], c.modes)}
				}, x, ws[0], ws[1], ws[2], ws[3])[0]
				tol := forwardTol
				if dtype == dtypes.Float64 {
					tol = 1e-12
				}
				assertClose(t, fmt.Sprintf("%s vs float64 reference", dtype), got, want, tol)
			}
		})
	}
}

// Gradients with respect to the input and the weights equal central finite
// differences (float64).
func TestSpectralConvGradients(t *testing.T) {
	b := cpuBackend()
	c := spectralCase{2, 8, 7, 3, 2, 3}
	rng := rand.New(rand.NewPCG(14, 14))
	x := randomArray(rng, c.b, c.h, c.w, c.cin)
	t.Run("2-D", func(t *testing.T) {
		wRe := randomArray(rng, c.modes, 2*c.modes, c.cin, c.cout)
		wIm := randomArray(rng, c.modes, 2*c.modes, c.cin, c.cout)
		gradCheck(t, b, rng, func(in []*graph.Node) *graph.Node {
			return weightedSum(SpectralConv2DWeights(in[0], in[1], in[2], c.modes))
		}, 30, x, wRe, wIm)
	})
	t.Run("factorised", func(t *testing.T) {
		ws := make([]array, 4)
		for i := range ws {
			ws[i] = randomArray(rng, c.modes, c.cin, c.cin)
		}
		gradCheck(t, b, rng, func(in []*graph.Node) *graph.Node {
			return weightedSum(FactorizedSpectralConv2DWeights(in[0], in[1], in[2], in[3], in[4], c.modes))
		}, 30, x, ws[0], ws[1], ws[2], ws[3])
	})
	t.Run("instance norm and GELU", func(t *testing.T) {
		gradCheck(t, b, rng, func(in []*graph.Node) *graph.Node {
			return weightedSum(GELU(instanceNormalize(in[0])))
		}, 30, x)
	})
}

// The layers create their weights with the documented shapes and scale.
func TestSpectralLayersVariables(t *testing.T) {
	b := cpuBackend()
	ctx := context.New()
	ctx.SetParam(context.ParamInitialSeed, int64(5))
	rng := rand.New(rand.NewPCG(15, 15))
	x := randomArray(rng, 1, 16, 16, 8)
	exec := context.MustNewExec(b, ctx, func(ctx *context.Context, x *graph.Node) []*graph.Node {
		y2 := SpectralConv2D(ctx.In("fno"), x, 5, 4)
		yf := FactorizedSpectralConv2D(ctx.In("ffno"), x, 4)
		return []*graph.Node{y2, yf, ctx.In("fno").GetVariable("spectral_re").ValueGraph(x.Graph())}
	})
	outs := exec.MustExec(x.tensor(dtypes.Float32))
	if got, want := fmt.Sprint(outs[0].Shape().Dimensions), "[1 16 16 5]"; got != want {
		t.Errorf("SpectralConv2D output %s, want %s", got, want)
	}
	if got, want := fmt.Sprint(outs[1].Shape().Dimensions), "[1 16 16 8]"; got != want {
		t.Errorf("FactorizedSpectralConv2D output %s, want %s", got, want)
	}
	w := fromTensor(outs[2])
	if got, want := fmt.Sprint(w.dims), "[4 8 8 5]"; got != want {
		t.Fatalf("spectral_re %s, want %s", got, want)
	}
	var sq float64
	for _, v := range w.data {
		sq += v * v
	}
	// std sqrt(1/(2·Cin)) = 0.25; 1280 samples put the estimate within ~5 %.
	if rms := math.Sqrt(sq / float64(len(w.data))); math.Abs(rms-0.25) > 0.03 {
		t.Errorf("spectral_re rms %.3f, want about 0.25", rms)
	}
	for _, name := range []string{"spectral_x_re", "spectral_x_im", "spectral_y_re", "spectral_y_im"} {
		if v := ctx.In("ffno").GetVariable(name); v == nil || fmt.Sprint(v.Shape().Dimensions) != "[4 8 8]" {
			t.Errorf("ffno variable %s: %v, want [4 8 8]", name, v)
		}
	}
}

func TestSpectralShapeErrors(t *testing.T) {
	b := cpuBackend()
	build := func(dims []int, fn func(x *graph.Node)) func() {
		return func() {
			g := graph.NewGraph(b, "errors")
			fn(graph.Parameter(g, "x", shapes.Make(dtypes.Float32, dims...)))
		}
	}
	cases := []struct {
		name, want string
		fn         func()
	}{
		{"2-D too many rows", "5 modes do not fit a 8×16 image", build([]int{1, 8, 16, 2}, func(x *graph.Node) { SpectralConv2D(context.New(), x, 2, 5) })},
		{"2-D too many columns", "6 modes do not fit a 16×8 image", build([]int{1, 16, 8, 2}, func(x *graph.Node) { SpectralConv2D(context.New(), x, 2, 6) })},
		{"2-D zero modes", "0 modes", build([]int{1, 8, 8, 2}, func(x *graph.Node) { SpectralConv2D(context.New(), x, 2, 0) })},
		{"factorised too many", "6 modes do not fit a 8×16 image", build([]int{1, 8, 16, 2}, func(x *graph.Node) { FactorizedSpectralConv2D(context.New(), x, 6) })},
		{"rank 3", "want x [batch, y, x, channel]", build([]int{8, 8, 2}, func(x *graph.Node) { SpectralConv2D(context.New(), x, 2, 2) })},
		{"weights shape", "want weights [2, 4, 2, Cout]", build([]int{1, 8, 8, 2}, func(x *graph.Node) {
			w := graph.Zeros(x.Graph(), shapes.Make(dtypes.Float32, 2, 2, 2, 3))
			SpectralConv2DWeights(x, w, w, 2)
		})},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { mustPanic(t, c.want, c.fn) })
	}
}

// InstanceNorm against its definition in float64, and GELU against x·Φ(x).
func TestInstanceNormAndGELU(t *testing.T) {
	b := cpuBackend()
	rng := rand.New(rand.NewPCG(16, 16))
	x := randomArray(rng, 2, 5, 4, 3)
	ctx := context.New()
	exec := context.MustNewExec(b, ctx, func(ctx *context.Context, x *graph.Node) []*graph.Node {
		return []*graph.Node{InstanceNorm(ctx.In("norm"), x), GELU(x)}
	})
	outs := exec.MustExec(x.tensor(dtypes.Float64))
	norm, gelu := fromTensor(outs[0]), fromTensor(outs[1])
	want := array{dims: x.dims, data: make([]float64, len(x.data))}
	const pixels, c = 5 * 4, 3
	for ib := range 2 {
		for ch := range c {
			var sum, sq float64
			for p := range pixels {
				sum += x.data[(ib*pixels+p)*c+ch]
			}
			mean := sum / pixels
			for p := range pixels {
				d := x.data[(ib*pixels+p)*c+ch] - mean
				sq += d * d
			}
			for p := range pixels {
				at := (ib*pixels+p)*c + ch
				want.data[at] = (x.data[at] - mean) / math.Sqrt(sq/pixels+InstanceNormEpsilon)
			}
		}
	}
	assertClose(t, "InstanceNorm (gamma 1, beta 0)", norm, want, 1e-12)
	for i, v := range x.data {
		want.data[i] = v * 0.5 * (1 + math.Erf(v/math.Sqrt2))
	}
	assertClose(t, "GELU", gelu, want, 1e-12)
}
