package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/simplego"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// cpuBackend is the pure-Go backend with its ops run one at a time
// ("ops_sequential"). With SimpleGo's default (ops in parallel when one graph
// runs) a graph deadlocks in GoMLX v0.26.0 once four DotGenerals are ready at
// once: each running op holds one of the 2×NumCPU worker slots, and each
// DotGeneral then waits for one more slot to split its work. A network's
// backward pass does that (seen: two decoders' kernel and input gradients).
// $PTYCHOKIT_SIMPLEGO overrides the configuration ("" for SimpleGo's default).
func cpuBackend() backends.Backend {
	config, ok := os.LookupEnv("PTYCHOKIT_SIMPLEGO")
	if !ok {
		config = "ops_sequential"
	}
	b, err := simplego.New(config)
	if err != nil {
		panic(err)
	}
	return b
}

// init lets an experiment set SimpleGo's float32 DotGeneral block size
// (log2 of the block side; 5 in GoMLX v0.26.0) with
// $PTYCHOKIT_SIMPLEGO_BLOCKLOG2, before any graph is built. It is a
// process-wide knob of SimpleGo, so nn itself never sets it.
func init() {
	if v := os.Getenv("PTYCHOKIT_SIMPLEGO_BLOCKLOG2"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 2 || n > 8 {
			panic(fmt.Sprintf("PTYCHOKIT_SIMPLEGO_BLOCKLOG2=%q: want an integer in [2, 8]", v))
		}
		simplego.DotGeneralTargetBlockLog2Dim[dtypes.Float32] = n
	}
}

// array is a float64 host array with its dimensions, the currency of the
// tests' independent references.
type array struct {
	dims []int
	data []float64
}

func randomArray(rng *rand.Rand, dims ...int) array {
	n := 1
	for _, d := range dims {
		n *= d
	}
	a := array{dims: dims, data: make([]float64, n)}
	for i := range a.data {
		a.data[i] = rng.Float64()*2 - 1
	}
	return a
}

// tensor makes a tensor of dtype (Float32 or Float64) from a.
func (a array) tensor(dtype dtypes.DType) *tensors.Tensor {
	if dtype == dtypes.Float64 {
		return tensors.FromFlatDataAndDimensions(append([]float64(nil), a.data...), a.dims...)
	}
	f := make([]float32, len(a.data))
	for i, v := range a.data {
		f[i] = float32(v)
	}
	return tensors.FromFlatDataAndDimensions(f, a.dims...)
}

func fromTensor(t *tensors.Tensor) array {
	a := array{dims: t.Shape().Dimensions}
	switch t.DType() {
	case dtypes.Float64:
		a.data = tensors.MustCopyFlatData[float64](t)
	case dtypes.Float32:
		for _, v := range tensors.MustCopyFlatData[float32](t) {
			a.data = append(a.data, float64(v))
		}
	default:
		panic(fmt.Sprintf("fromTensor: dtype %s", t.DType()))
	}
	return a
}

// run executes fn on the inputs (converted to dtype) and returns its outputs.
func run(t *testing.T, b backends.Backend, dtype dtypes.DType, fn func(in []*graph.Node) []*graph.Node, inputs ...array) []array {
	t.Helper()
	exec := graph.MustNewExec(b, fn)
	args := make([]any, len(inputs))
	for i, in := range inputs {
		args[i] = in.tensor(dtype)
	}
	outs := exec.MustExec(args...)
	res := make([]array, len(outs))
	for i, o := range outs {
		res[i] = fromTensor(o)
		o.FinalizeAll()
	}
	return res
}

// assertClose fails if got and want differ by more than tol·(1+|want|) anywhere.
func assertClose(t *testing.T, what string, got, want array, tol float64) {
	t.Helper()
	if fmt.Sprint(got.dims) != fmt.Sprint(want.dims) {
		t.Fatalf("%s: dims %v, want %v", what, got.dims, want.dims)
	}
	worst, at := 0.0, -1
	for i := range got.data {
		d := math.Abs(got.data[i]-want.data[i]) / (1 + math.Abs(want.data[i]))
		if !(d <= worst) { // NaN-safe
			worst, at = d, i
		}
	}
	if worst > tol || math.IsNaN(worst) {
		t.Errorf("%s: element %d: got %.9g, want %.9g (relative error %.3g > %.3g)",
			what, at, got.data[at], want.data[at], worst, tol)
	}
}

// gradCheck compares graph.Gradient of the scalar loss(in) with respect to
// each input against central finite differences in float64, at up to
// maxPerInput coordinates of each input chosen by rng.
func gradCheck(t *testing.T, b backends.Backend, rng *rand.Rand, loss func(in []*graph.Node) *graph.Node, maxPerInput int, inputs ...array) {
	t.Helper()
	const (
		step = 1e-5 // central-difference step: truncation ~1e-10, rounding ~1e-11 for O(1) losses
		tol  = 1e-6
	)
	grads := run(t, b, dtypes.Float64, func(in []*graph.Node) []*graph.Node {
		return graph.Gradient(loss(in), in...)
	}, inputs...)
	lossExec := graph.MustNewExec(b, loss)
	eval := func(ins []array) float64 {
		args := make([]any, len(ins))
		for i, in := range ins {
			args[i] = in.tensor(dtypes.Float64)
		}
		out := lossExec.MustExec(args...)[0]
		defer out.FinalizeAll()
		return tensors.MustCopyFlatData[float64](out)[0]
	}
	for i, in := range inputs {
		coords := rng.Perm(len(in.data))
		if len(coords) > maxPerInput {
			coords = coords[:maxPerInput]
		}
		for _, j := range coords {
			orig := in.data[j]
			in.data[j] = orig + step
			plus := eval(inputs)
			in.data[j] = orig - step
			minus := eval(inputs)
			in.data[j] = orig
			fd := (plus - minus) / (2 * step)
			got := grads[i].data[j]
			if math.Abs(got-fd) > tol*(1+math.Abs(fd)) {
				t.Errorf("gradient of input %d at %d: autodiff %.10g, finite difference %.10g", i, j, got, fd)
				return
			}
		}
	}
}

// weightedSum is Σ r⊙tanh(y) with a fixed pseudo-random r: a nonlinear
// scalar loss whose gradient reaches every element of y differently.
func weightedSum(y *graph.Node) *graph.Node {
	rng := rand.New(rand.NewPCG(7, 7))
	r := randomArray(rng, y.Shape().Dimensions...)
	return graph.ReduceAllSum(graph.Mul(graph.Tanh(y), graph.ConstTensor(y.Graph(), r.tensor(y.DType()))))
}

// mustPanic fails unless fn panics with a message starting "ptychokit: "
// and containing want.
func mustPanic(t *testing.T, want string, fn func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Errorf("no panic, want one containing %q", want)
			return
		}
		msg := fmt.Sprint(r)
		if err, ok := r.(error); ok {
			msg = err.Error()
		}
		if !strings.Contains(msg, "ptychokit: ") || !strings.Contains(msg, want) {
			t.Errorf("panic %q, want one with \"ptychokit: \" and %q", msg, want)
		}
	}()
	fn()
}

// refConv is the direct float64 "same" convolution of x [B,H,W,Cin] with
// kernel [k,k,Cin,Cout], stride s, (k-1)/2 zeros before.
func refConv(x, kernel array, s int) array {
	b, h, w, cin := x.dims[0], x.dims[1], x.dims[2], x.dims[3]
	k, cout := kernel.dims[0], kernel.dims[3]
	ho, wo := (h-1)/s+1, (w-1)/s+1
	p := (k - 1) / 2
	y := array{dims: []int{b, ho, wo, cout}, data: make([]float64, b*ho*wo*cout)}
	for ib := range b {
		for oy := range ho {
			for ox := range wo {
				for o := range cout {
					var sum float64
					for u := range k {
						iy := oy*s + u - p
						if iy < 0 || iy >= h {
							continue
						}
						for v := range k {
							ix := ox*s + v - p
							if ix < 0 || ix >= w {
								continue
							}
							for c := range cin {
								sum += x.data[((ib*h+iy)*w+ix)*cin+c] * kernel.data[((u*k+v)*cin+c)*cout+o]
							}
						}
					}
					y.data[((ib*ho+oy)*wo+ox)*cout+o] = sum
				}
			}
		}
	}
	return y
}
