package benchkit

import (
	"bytes"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX's graph idiom.
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/ptychokit/ptychokit/ptychokit/config"
	"github.com/ptychokit/ptychokit/ptychokit/data"
	"github.com/ptychokit/ptychokit/ptychokit/device"
	"github.com/ptychokit/ptychokit/ptychokit/pinn"
)

// tinyScale gives filters [4, 8, 16] at N = 64: the smallest network that
// still has every layer, fast on the pure-Go backend.
const tinyScale = 0.125

// TestConvFLOPs checks the count against the layers of PtychoPINN's N = 64
// network written out by hand (n_filters_scale 2: encoder 64-128-256,
// decoders 128-64, one input and output channel).
func TestConvFLOPs(t *testing.T) {
	layer := func(side, cin, cout float64) float64 { return 2 * 9 * side * side * cin * cout }
	encoder := layer(64, 1, 64) + layer(64, 64, 64) + layer(32, 64, 128) + layer(32, 128, 128) +
		layer(16, 128, 256) + layer(16, 256, 256)
	decoder := layer(8, 256, 128) + layer(8, 128, 128) + layer(16, 128, 64) + layer(16, 64, 64) + layer(32, 64, 1)
	want := encoder + 2*decoder
	m := config.Defaults().Model
	m.ProbeBig = false
	if got := ConvFLOPs(m); math.Abs(got-want) > 1e-9*want {
		t.Errorf("ConvFLOPs(N=64, nfs=2) = %.6g, want %.6g", got, want)
	}
}

// TestUnrolledStepsEqualSequential: two training steps unrolled in one call
// of Train's step (pinn.StepTimer, steps_per_call 2, the batch given twice)
// give the same losses as two calls of one step on that batch from the same
// start: the second step's loss and the mean of both.
func TestUnrolledStepsEqualSequential(t *testing.T) {
	const tol = 1e-5 // float32 rounding of a mean over 4096 elements
	c := PINNCase{N: 64, Gridsize: 2, Batch: 1, NFiltersScale: tinyScale}
	in := newPINNInputs(c.Model(), 1, 7)
	losses := func(k int) (last, mean float64) {
		c := c
		c.StepsPerCall = k
		cfg := c.Model()
		ctx, err := NewPINNContext(cfg, 3)
		if err != nil {
			t.Fatal(err)
		}
		counts, offsets := repeatBatch(t, in.counts, k), repeatBatch(t, in.offsets, k)
		timer, err := pinn.NewStepTimer(device.CPU(), ctx, cfg, counts, offsets, in.canvasPad)
		if err != nil {
			t.Fatal(err)
		}
		defer timer.Finalize()
		for range 2 / k {
			l, m, err := timer.Step()
			if err != nil {
				t.Fatal(err)
			}
			last, mean = head(l)[0], head(m)[0]
		}
		return last, mean
	}
	uLast, uMean := losses(2)
	sLast, sMean := losses(1)
	t.Logf("unrolled: second loss %.8g, mean %.8g; sequential: %.8g, %.8g", uLast, uMean, sLast, sMean)
	for _, p := range []struct {
		what                 string
		unrolled, sequential float64
	}{{"second step's loss", uLast, sLast}, {"mean loss", uMean, sMean}} {
		if d := math.Abs(p.unrolled-p.sequential) / math.Abs(p.sequential); !(d <= tol) {
			t.Errorf("%s: unrolled %.8g, sequential %.8g (relative %.3g)", p.what, p.unrolled, p.sequential, d)
		}
	}
}

// repeatBatch returns x (a batch along its first axis) given k times.
func repeatBatch(t *testing.T, x *tensors.Tensor, k int) *tensors.Tensor {
	t.Helper()
	dims := append([]int{k * x.Shape().Dimensions[0]}, x.Shape().Dimensions[1:]...)
	var out *tensors.Tensor
	x.MustConstFlatData(func(flat any) {
		v := flat.([]float32)
		var all []float32
		for range k {
			all = append(all, v...)
		}
		out = tensors.FromFlatDataAndDimensions(all, dims...)
	})
	return out
}

func TestRunPINNAndReport(t *testing.T) {
	c := PINNCase{N: 64, Gridsize: 1, Batch: 2, NFiltersScale: tinyScale}
	res, err := RunPINN(device.CPU(), c, PINNOptions{TrainCalls: 1, InferCalls: 1, Warmup: 1, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Patterns != 2 || res.TrainSteps != 1 || !(res.TrainPatternsPerSecond > 0) || !(res.InferPatternsPerSecond > 0) {
		t.Errorf("result %+v", res)
	}
	if math.IsNaN(res.LossFirst) || math.IsNaN(res.LossLast) || res.LossFirst <= 0 {
		t.Errorf("losses %g, %g", res.LossFirst, res.LossLast)
	}
	// 2 convolutions a block; kernels 3·3·Cin·Cout plus Cout biases; log_scale.
	enc, dec := c.Model().Model.Filters()
	want, cin := 1, 1
	conv := func(cin, cout int) int { return 9*cin*cout + cout }
	for _, f := range enc {
		want += conv(cin, f) + conv(f, f)
		cin = f
	}
	d := 0
	dcin := cin
	for _, f := range dec {
		d += conv(dcin, f) + conv(f, f)
		dcin = f
	}
	want += 2 * (d + conv(dcin, 1))
	if res.Params != want {
		t.Errorf("params %d, want %d", res.Params, want)
	}

	r := &Report{Device: "cpu", PINN: []PINNResult{res}}
	var p Peer
	p.Tool = "pytorch 2.11"
	p.PINN = append(p.PINN, PeerPINN{N: 64, Gridsize: 1, Batch: 2, TrainPatternsPerSecond: res.TrainPatternsPerSecond / 4, InferPatternsPerSecond: res.InferPatternsPerSecond * 2})
	r.Peers = []Peer{p}
	r.Compare()
	if len(r.Ratios) != 2 || math.Abs(r.Ratios[0].Ratio-4) > 1e-9 || math.Abs(r.Ratios[1].Ratio-0.5) > 1e-9 {
		t.Errorf("ratios %+v, want 4 and 0.5", r.Ratios)
	}
	var buf bytes.Buffer
	if err := r.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	if s := buf.String(); !strings.Contains(s, "N=64 gs=1 B=2") || !strings.Contains(s, "4.00×") {
		t.Errorf("table:\n%s", s)
	}
}

func TestRunSolver(t *testing.T) {
	if testing.Short() {
		t.Skip("solver iterations on the pure-Go backend")
	}
	ds, err := data.Load(filepath.Join("..", "..", "datasets", "grf_N32.npz"), data.LoadOptions{RequireDiffraction: true})
	if err != nil {
		t.Fatal(err)
	}
	res, err := RunSolver(device.CPU(), ds, SolverCase{Algorithm: "rpie", BatchSize: 32, Iterations: 3})
	if err != nil {
		t.Fatal(err)
	}
	if res.Iterations != 3 || len(res.Costs) != 3 || !(res.IterationSeconds > 0) || !res.CostDecreasing {
		t.Errorf("result %+v", res)
	}
}

func TestDecreasing(t *testing.T) {
	for _, c := range []struct {
		costs []float64
		want  bool
	}{
		{[]float64{1, 0.5, 0.4}, true},
		{[]float64{1, 0.5, 0.504}, true}, // a rise under costRiseTolerance
		{[]float64{1, 0.5, 0.6}, false},
		{[]float64{1, 1}, false},
		{[]float64{1}, false},
		{[]float64{1, math.NaN()}, false},
	} {
		if got := decreasing(c.costs); got != c.want {
			t.Errorf("decreasing(%v) = %v, want %v", c.costs, got, c.want)
		}
	}
}

// TestBF16NearFloat32: the bfloat16 network (config.PrecisionBF16) on the
// same float32 weights predicts what the float32 one does to within bfloat16's
// rounding (8 bits of mantissa, ~0.4 % a value, over six layers), and keeps
// every variable float32 (the master weights).
func TestBF16NearFloat32(t *testing.T) {
	c := PINNCase{N: 64, Gridsize: 2, Batch: 2, NFiltersScale: tinyScale}
	cfg := c.Model()
	ctx, err := NewPINNContext(cfg, 3)
	if err != nil {
		t.Fatal(err)
	}
	backend := device.CPU()
	run := func(ctx *context.Context, precision string) []float32 {
		in := newPINNInputs(cfg, c.Batch, 5) // the same inputs each time
		m := cfg.Model
		m.Precision = precision
		exec, err := context.NewExec(backend, ctx, func(ctx *context.Context, counts, offsets *Node) *Node {
			return pinn.Forward(ctx, m, cfg.Training.NPhotons, counts, offsets, in.canvasPad).Intensity
		})
		if err != nil {
			t.Fatal(err)
		}
		return tensors.MustCopyFlatData[float32](exec.MustExec(in.counts, in.offsets)[0])
	}
	want := run(ctx, config.PrecisionFloat32)
	got := run(ctx.Reuse(), config.PrecisionBF16)
	var num, den float64
	for i := range want {
		d := float64(got[i] - want[i])
		num += d * d
		den += float64(want[i]) * float64(want[i])
	}
	rel := math.Sqrt(num / den)
	t.Logf("bf16 vs float32 intensity: %.3g relative RMS", rel)
	if !(rel > 0 && rel < 0.05) {
		t.Errorf("bf16 intensity differs from float32 by %.3g (relative RMS), want (0, 0.05)", rel)
	}
	for v := range ctx.IterVariables() {
		if dt := v.Shape().DType; dt == dtypes.BFloat16 {
			t.Errorf("variable %s is %s, want float32", v.ParameterName(), dt)
		}
	}
}
