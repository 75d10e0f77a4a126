package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/ptychokit/ptychokit/ptychokit/device"
)

// forwardTol is the bound for float32 forward results against the
// native op and the float64 reference (sums of ≤ 250 products of O(1) terms).
const forwardTol = 1e-5

type convCase struct {
	b, h, w, cin, cout, k, s int
}

func (c convCase) String() string {
	return fmt.Sprintf("B%d_%dx%d_%dto%d_k%d_s%d", c.b, c.h, c.w, c.cin, c.cout, c.k, c.s)
}

var convCases = []convCase{
	{2, 6, 6, 3, 4, 3, 1},
	{1, 7, 5, 2, 3, 3, 1}, // odd sizes
	{2, 8, 8, 3, 5, 3, 2},
	{1, 7, 9, 2, 3, 3, 2}, // odd sizes, stride 2
	{1, 5, 5, 2, 2, 1, 1}, // 1×1
	{1, 6, 5, 2, 3, 5, 1},
	{1, 6, 6, 2, 2, 2, 1}, // even kernel: asymmetric padding
	{1, 4, 7, 1, 2, 3, 3}, // stride 3
	{1, 3, 3, 2, 2, 5, 2}, // kernel wider than the image
	{1, 2, 2, 2, 2, 4, 2}, // even kernel, stride 2
}

func TestConvFormOnCPU(t *testing.T) {
	b := device.CPU()
	if got := ConvForm(b); got != Portable {
		t.Errorf("ConvForm(pure Go) = %q, want %q", got, Portable)
	}
	if got := PoolForm(b); got != Portable {
		t.Errorf("PoolForm(pure Go) = %q, want %q", got, Portable)
	}
}

// The portable convolution equals GoMLX's native Convolve (forward runs on
// SimpleGo) and a direct float64 convolution.
func TestConvPortableForward(t *testing.T) {
	b := cpuBackend()
	for _, c := range convCases {
		t.Run(c.String(), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(c.h*100+c.k*10+c.s)))
			x := randomArray(rng, c.b, c.h, c.w, c.cin)
			kernel := randomArray(rng, c.k, c.k, c.cin, c.cout)
			outs := run(t, b, dtypes.Float32, func(in []*graph.Node) []*graph.Node {
				return []*graph.Node{convPortable(in[0], in[1], c.s), convNative(in[0], in[1], c.s)}
			}, x, kernel)
			want := refConv(x, kernel, c.s)
			assertClose(t, "portable vs float64 reference", outs[0], want, forwardTol)
			assertClose(t, "portable vs native Convolve", outs[0], outs[1], forwardTol)
		})
	}
}

// Gradients of the portable convolution equal finite differences (float64).
func TestConvPortableGradient(t *testing.T) {
	b := cpuBackend()
	for _, c := range convCases {
		t.Run(c.String(), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(2, uint64(c.h*100+c.k*10+c.s)))
			x := randomArray(rng, c.b, c.h, c.w, c.cin)
			kernel := randomArray(rng, c.k, c.k, c.cin, c.cout)
			gradCheck(t, b, rng, func(in []*graph.Node) *graph.Node {
				return weightedSum(convPortable(in[0], in[1], c.s))
			}, 40, x, kernel)
		})
	}
}

func TestConv2DLayer(t *testing.T) {
	b := cpuBackend()
	for _, c := range []convCase{{2, 7, 5, 3, 4, 3, 1}, {1, 9, 6, 2, 5, 3, 2}, {1, 5, 5, 1, 2, 1, 1}} {
		t.Run(c.String(), func(t *testing.T) {
			ctx := context.New()
			ctx.SetParam(context.ParamInitialSeed, int64(c.h)) // deterministic initial weights
			rng := rand.New(rand.NewPCG(3, uint64(c.h)))
			x := randomArray(rng, c.b, c.h, c.w, c.cin)
			exec := context.MustNewExec(b, ctx, func(ctx *context.Context, x *graph.Node) []*graph.Node {
				y := Conv2D(ctx.In("conv"), x, c.cout, c.k, c.s)
				ctx = ctx.In("conv")
				kernel := ctx.GetVariable("weights").ValueGraph(x.Graph())
				bias := ctx.GetVariable("biases").ValueGraph(x.Graph())
				return []*graph.Node{y, kernel, bias}
			})
			outs := exec.MustExec(x.tensor(dtypes.Float32))
			y, kernel, bias := fromTensor(outs[0]), fromTensor(outs[1]), fromTensor(outs[2])
			if want := fmt.Sprint([]int{c.k, c.k, c.cin, c.cout}); fmt.Sprint(kernel.dims) != want {
				t.Fatalf("weights dims %v, want %s", kernel.dims, want)
			}
			if fmt.Sprint(bias.dims) != fmt.Sprint([]int{c.cout}) {
				t.Fatalf("biases dims %v, want [%d]", bias.dims, c.cout)
			}
			want := refConv(x, kernel, c.s)
			for i := range want.data {
				want.data[i] += bias.data[i%c.cout]
			}
			if wantDims := fmt.Sprint([]int{c.b, (c.h + c.s - 1) / c.s, (c.w + c.s - 1) / c.s, c.cout}); fmt.Sprint(y.dims) != wantDims {
				t.Fatalf("output dims %v, want %s", y.dims, wantDims)
			}
			assertClose(t, "Conv2D vs reference", y, want, forwardTol)
			if len(kernel.data) < 50 {
				return // too few weights to judge their scale
			}
			// He initialisation: the kernel's scale is about sqrt(2/fan_in).
			var sq float64
			for _, v := range kernel.data {
				sq += v * v
			}
			if rms, fanIn := math.Sqrt(sq/float64(len(kernel.data))), float64(c.k*c.k*c.cin); rms < 0.2*math.Sqrt(2/fanIn) || rms > 3*math.Sqrt(2/fanIn) {
				t.Errorf("kernel rms %.3g, want about He's sqrt(2/%g) = %.3g", rms, fanIn, math.Sqrt(2/fanIn))
			}
		})
	}
}

func TestMatMul(t *testing.T) {
	b := cpuBackend()
	rng := rand.New(rand.NewPCG(4, 4))
	for _, dims := range [][2][]int{{{3, 4}, {4, 5}}, {{2, 3, 4}, {2, 4, 5}}, {{1, 7}, {7, 1}}} {
		t.Run(fmt.Sprint(dims), func(t *testing.T) {
			a, c := randomArray(rng, dims[0]...), randomArray(rng, dims[1]...)
			gradCheck(t, b, rng, func(in []*graph.Node) *graph.Node { return weightedSum(MatMul(in[0], in[1])) }, 40, a, c)
			// Forward and gradients equal GoMLX's own DotGeneral and its gradient.
			batch := []int(nil)
			if len(dims[0]) == 3 {
				batch = []int{0}
			}
			r := len(dims[0])
			outs := run(t, b, dtypes.Float64, func(in []*graph.Node) []*graph.Node {
				mine := MatMul(in[0], in[1])
				theirs := graph.DotGeneral(in[0], []int{r - 1}, batch, in[1], []int{r - 2}, batch)
				g1 := graph.Gradient(weightedSum(mine), in...)
				g2 := graph.Gradient(weightedSum(theirs), in...)
				return []*graph.Node{mine, theirs, g1[0], g2[0], g1[1], g2[1]}
			}, a, c)
			const tol = 1e-12 // same float64 sums in another order
			assertClose(t, "forward", outs[0], outs[1], tol)
			assertClose(t, "d/da", outs[2], outs[3], tol)
			assertClose(t, "d/db", outs[4], outs[5], tol)
		})
	}
}

func TestMaxPool2(t *testing.T) {
	b := cpuBackend()
	rng := rand.New(rand.NewPCG(5, 5))
	for _, dims := range [][]int{{2, 4, 6, 3}, {1, 2, 2, 1}, {1, 8, 4, 2}} {
		t.Run(fmt.Sprint(dims), func(t *testing.T) {
			x := randomArray(rng, dims...)
			outs := run(t, b, dtypes.Float32, func(in []*graph.Node) []*graph.Node {
				return []*graph.Node{MaxPool2(in[0]), maxPoolNative(in[0])}
			}, x)
			assertClose(t, "MaxPool2 vs native MaxPool", outs[0], outs[1], forwardTol)
			gradCheck(t, b, rng, func(in []*graph.Node) *graph.Node { return weightedSum(MaxPool2(in[0])) }, 60, x)
		})
	}
	t.Run("ties share the gradient", func(t *testing.T) {
		// One window [[1, 1], [1, 0]]: the three maxima get a third each.
		x := array{dims: []int{1, 2, 2, 1}, data: []float64{1, 1, 1, 0}}
		g := run(t, b, dtypes.Float32, func(in []*graph.Node) []*graph.Node {
			return graph.Gradient(graph.ReduceAllSum(MaxPool2(in[0])), in[0])
		}, x)
		assertClose(t, "gradient", g[0], array{dims: x.dims, data: []float64{1. / 3, 1. / 3, 1. / 3, 0}}, 1e-7)
	})
}

func TestUpsample2(t *testing.T) {
	b := cpuBackend()
	rng := rand.New(rand.NewPCG(6, 6))
	x := randomArray(rng, 2, 3, 5, 2)
	y := run(t, b, dtypes.Float64, func(in []*graph.Node) []*graph.Node { return []*graph.Node{Upsample2(in[0])} }, x)[0]
	want := array{dims: []int{2, 6, 10, 2}, data: make([]float64, 2*6*10*2)}
	for ib := range 2 {
		for i := range 6 {
			for j := range 10 {
				for c := range 2 {
					want.data[((ib*6+i)*10+j)*2+c] = x.data[((ib*3+i/2)*5+j/2)*2+c]
				}
			}
		}
	}
	assertClose(t, "Upsample2", y, want, 0)
	gradCheck(t, b, rng, func(in []*graph.Node) *graph.Node { return weightedSum(Upsample2(in[0])) }, 60, x)
}

func TestZeroPad2D(t *testing.T) {
	b := cpuBackend()
	rng := rand.New(rand.NewPCG(8, 8))
	x := randomArray(rng, 2, 3, 4, 2)
	for _, p := range [][4]int{{1, 2, 3, 0}, {0, 0, 0, 0}, {2, 2, 2, 2}} {
		t.Run(fmt.Sprint(p), func(t *testing.T) {
			y := run(t, b, dtypes.Float64, func(in []*graph.Node) []*graph.Node {
				return []*graph.Node{ZeroPad2D(in[0], p[0], p[1], p[2], p[3])}
			}, x)[0]
			h, w := 3+p[0]+p[1], 4+p[2]+p[3]
			want := array{dims: []int{2, h, w, 2}, data: make([]float64, 2*h*w*2)}
			for ib := range 2 {
				for i := range 3 {
					for j := range 4 {
						for c := range 2 {
							want.data[((ib*h+i+p[0])*w+j+p[2])*2+c] = x.data[((ib*3+i)*4+j)*2+c]
						}
					}
				}
			}
			assertClose(t, "ZeroPad2D", y, want, 0)
			gradCheck(t, b, rng, func(in []*graph.Node) *graph.Node {
				return weightedSum(ZeroPad2D(in[0], p[0], p[1], p[2], p[3]))
			}, 30, x)
		})
	}
}

func TestDense(t *testing.T) {
	b := cpuBackend()
	rng := rand.New(rand.NewPCG(9, 9))
	x := randomArray(rng, 2, 3, 4)
	ctx := context.New()
	exec := context.MustNewExec(b, ctx, func(ctx *context.Context, x *graph.Node) []*graph.Node {
		ctx = ctx.In("dense")
		y := Dense(ctx, x, 5)
		// Give the biases a non-zero value so that the test sees them.
		biases := ctx.GetVariable("biases")
		return []*graph.Node{y, ctx.GetVariable("weights").ValueGraph(x.Graph()), biases.ValueGraph(x.Graph())}
	})
	outs := exec.MustExec(x.tensor(dtypes.Float32))
	y, wts, bias := fromTensor(outs[0]), fromTensor(outs[1]), fromTensor(outs[2])
	want := array{dims: []int{2, 3, 5}, data: make([]float64, 30)}
	for r := range 6 {
		for u := range 5 {
			s := bias.data[u]
			for i := range 4 {
				s += x.data[r*4+i] * wts.data[i*5+u]
			}
			want.data[r*5+u] = s
		}
	}
	assertClose(t, "Dense vs reference", y, want, forwardTol)
}

func TestActivations(t *testing.T) {
	b := cpuBackend()
	rng := rand.New(rand.NewPCG(10, 10))
	x := randomArray(rng, 3, 7)
	x.data[0] = 0 // ReLU's gradient at 0 must be 0
	for _, a := range []struct {
		name string
		fn   func(*graph.Node) *graph.Node
		ref  func(float64) float64
	}{
		{"ReLU", ReLU, func(v float64) float64 { return math.Max(v, 0) }},
		{"Sigmoid", Sigmoid, func(v float64) float64 { return 1 / (1 + math.Exp(-v)) }},
		{"Tanh", Tanh, math.Tanh},
		{"SiLU", SiLU, func(v float64) float64 { return v / (1 + math.Exp(-v)) }},
	} {
		name := a.name
		t.Run(name, func(t *testing.T) {
			outs := run(t, b, dtypes.Float64, func(in []*graph.Node) []*graph.Node {
				return append([]*graph.Node{a.fn(in[0])}, graph.Gradient(graph.ReduceAllSum(a.fn(in[0])), in[0])...)
			}, x)
			want := array{dims: x.dims, data: make([]float64, len(x.data))}
			for i, v := range x.data {
				want.data[i] = a.ref(v)
			}
			assertClose(t, name, outs[0], want, 1e-14)
			if name == "ReLU" && outs[1].data[0] != 0 {
				t.Errorf("ReLU gradient at 0 = %g, want 0", outs[1].data[0])
			}
			x1 := x
			x1.data = append([]float64(nil), x.data...)
			x1.data[0] = 0.25 // finite differences need a point where ReLU is differentiable
			gradCheck(t, b, rng, func(in []*graph.Node) *graph.Node { return weightedSum(a.fn(in[0])) }, 21, x1)
		})
	}
}

// Shape mistakes are rejected with a "ptychokit: " panic naming the problem.
func TestShapeErrors(t *testing.T) {
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
		{"MaxPool2 odd height", "even height and width", build([]int{1, 5, 4, 2}, func(x *graph.Node) { MaxPool2(x) })},
		{"MaxPool2 odd width", "even height and width", build([]int{1, 4, 3, 2}, func(x *graph.Node) { MaxPool2(x) })},
		{"MaxPool2 rank 3", "want x [batch, y, x, channel]", build([]int{4, 4, 2}, func(x *graph.Node) { MaxPool2(x) })},
		{"Upsample2 rank 5", "want x [batch, y, x, channel]", build([]int{1, 2, 2, 2, 1}, func(x *graph.Node) { Upsample2(x) })},
		{"ZeroPad2D negative", "negative padding", build([]int{1, 2, 2, 1}, func(x *graph.Node) { ZeroPad2D(x, 0, -1, 0, 0) })},
		{"Conv2D stride 0", "must be ≥ 1", build([]int{1, 4, 4, 1}, func(x *graph.Node) { Conv2D(context.New(), x, 2, 3, 0) })},
		{"Conv2D kernel 0", "must be ≥ 1", build([]int{1, 4, 4, 1}, func(x *graph.Node) { Conv2D(context.New(), x, 2, 0, 1) })},
		{"Conv2D rank 3", "want x [batch, y, x, channel]", build([]int{4, 4, 1}, func(x *graph.Node) { Conv2D(context.New(), x, 2, 3, 1) })},
		{"Conv2DKernel channels", "want kernel [k, k, 3, Cout]", build([]int{1, 4, 4, 3}, func(x *graph.Node) {
			Conv2DKernel(x, graph.Zeros(x.Graph(), shapes.Make(dtypes.Float32, 3, 3, 2, 4)), 1)
		})},
		{"Conv2DKernel not square", "want kernel [k, k, 3, Cout]", build([]int{1, 4, 4, 3}, func(x *graph.Node) {
			Conv2DKernel(x, graph.Zeros(x.Graph(), shapes.Make(dtypes.Float32, 3, 1, 3, 4)), 1)
		})},
		{"MatMul inner", "inner sizes differ", build([]int{3, 4}, func(x *graph.Node) { MatMul(x, x) })},
		{"MatMul ranks", "want ranks", build([]int{3, 4}, func(x *graph.Node) { MatMul(x, graph.Reshape(x, 1, 3, 4)) })},
		{"Dense units", "units ≥ 1", build([]int{3, 4}, func(x *graph.Node) { Dense(context.New(), x, 0) })},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { mustPanic(t, c.want, c.fn) })
	}
}

// MatMul's gradient is the two products, not GoMLX's broadcast-multiply-sum:
// the gradient node that reaches each input is itself a DotGeneral.
func TestMatMulGradientIsAProduct(t *testing.T) {
	g := graph.NewGraph(cpuBackend(), "grad")
	a := graph.Parameter(g, "a", shapes.Make(dtypes.Float32, 8, 5))
	b := graph.Parameter(g, "b", shapes.Make(dtypes.Float32, 5, 3))
	grads := graph.Gradient(graph.ReduceAllSum(MatMul(a, b)), a, b)
	for i, gr := range grads {
		if gr.Type() != graph.NodeTypeDotGeneral {
			t.Errorf("gradient %d is a %s node, want DotGeneral", i, gr.Type())
		}
	}
}

// The layers composed as in PtychoPINN (conv, ReLU, pool, conv, ReLU,
// upsample, conv, pad): the gradient with respect to the input and every
// kernel equals finite differences, so the hand-written gradients chain.
func TestComposedGradient(t *testing.T) {
	b := cpuBackend()
	rng := rand.New(rand.NewPCG(13, 13))
	x := randomArray(rng, 2, 6, 6, 1)
	k1, k2, k3 := randomArray(rng, 3, 3, 1, 3), randomArray(rng, 3, 3, 3, 2), randomArray(rng, 3, 3, 2, 1)
	gradCheck(t, b, rng, func(in []*graph.Node) *graph.Node {
		h := MaxPool2(ReLU(Conv2DKernel(in[0], in[1], 1)))
		h = Upsample2(SiLU(Conv2DKernel(h, in[2], 1)))
		return weightedSum(ZeroPad2D(Conv2DKernel(h, in[3], 1), 1, 1, 2, 0))
	}, 30, x, k1, k2, k3)
}
