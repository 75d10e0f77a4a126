package benchkit

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"

	"github.com/ptychokit/ptychokit/ptychokit/config"
	"github.com/ptychokit/ptychokit/ptychokit/physics"
	"github.com/ptychokit/ptychokit/ptychokit/pinn"
)

// PINNCase is one PtychoPINN configuration to time.
type PINNCase struct {
	N, Gridsize, Batch int // Batch counts groups of Gridsize² patterns
	// NFiltersScale is config.Model.NFiltersScale (PtychoPINN's 2 when 0).
	NFiltersScale float64
	// StepsPerCall training steps are unrolled in one compiled graph (1 when
	// 0; config.Training.StepsPerCall, as the train command's
	// --steps_per_call): each call consumes StepsPerCall batches. More than 1
	// amortises the per-call cost of the host at small batches.
	StepsPerCall int
	// Precision is config.Model.Precision ("" is float32).
	Precision string
}

func (c PINNCase) String() string {
	s := fmt.Sprintf("N=%d gs=%d B=%d", c.N, c.Gridsize, c.Batch)
	if c.StepsPerCall > 1 {
		s += fmt.Sprintf(" k=%d", c.StepsPerCall)
	}
	if c.Precision == config.PrecisionBF16 {
		s += " bf16"
	}
	return s
}

// Model returns the configuration the case builds: PtychoPINN's defaults
// with N, gridsize, n_filters_scale, batch_size and steps_per_call from the
// case, probe_big off and raw input amplitudes (the network of DESIGN.md
// that bench/peers.py also builds).
func (c PINNCase) Model() config.Run {
	cfg := config.Defaults()
	// The inputs are random, with no photon count to read: PtychoPINN's.
	cfg.Training.NPhotons = config.DefaultNPhotons
	cfg.Model.N = c.N
	cfg.Model.Gridsize = c.Gridsize
	if c.NFiltersScale > 0 {
		cfg.Model.NFiltersScale = c.NFiltersScale
	}
	cfg.Model.ProbeBig = false
	// The peer feeds raw amplitudes; standardising them is one elementwise
	// op a step, and it needs statistics of data the bench does not have.
	cfg.Model.InputTransform = "none"
	cfg.Training.BatchSize = c.Batch
	cfg.Training.StepsPerCall = max(c.StepsPerCall, 1)
	if c.Precision != "" {
		cfg.Model.Precision = c.Precision
	}
	return cfg
}

// PINNResult is what RunPINN measured for one case.
type PINNResult struct {
	N             int     `json:"N"`
	Gridsize      int     `json:"gridsize"`
	Batch         int     `json:"batch"`
	Patterns      int     `json:"patterns_per_batch"`
	NFiltersScale float64 `json:"n_filters_scale"`
	Precision     string  `json:"precision,omitempty"`
	StepsPerCall  int     `json:"steps_per_call"`
	Params        int     `json:"params"`
	// TrainCompileSeconds is the first call (graph building, compiling,
	// initialising the variables and the first StepsPerCall steps). The
	// training calls are Train's own step (pinn.StepTimer); LossFirst and
	// LossLast are the loss of the last batch of the first and last call.
	TrainCompileSeconds    float64 `json:"train_compile_s"`
	TrainSteps             int     `json:"train_steps"`
	TrainStepSeconds       float64 `json:"train_step_s"`
	TrainPatternsPerSecond float64 `json:"train_patterns_per_s"`
	// TrainTFLOPs is the convolutions' arithmetic rate during training
	// (3 × the forward FLOPs per step).
	TrainTFLOPs            float64 `json:"train_conv_tflop_per_s"`
	LossFirst              float64 `json:"loss_first"`
	LossLast               float64 `json:"loss_last"`
	InferCompileSeconds    float64 `json:"infer_compile_s"`
	InferCalls             int     `json:"infer_calls"`
	InferSeconds           float64 `json:"infer_s"`
	InferPatternsPerSecond float64 `json:"infer_patterns_per_s"`
	Error                  string  `json:"error,omitempty"`
}

// ConvFLOPs returns the forward FLOPs of the network's convolutions for one
// group (2·9·Cin·Cout per output pixel and layer), from the model's filter
// counts: encoder blocks at N, N/2, …, two decoders back to N/2 and their
// output convolutions to C channels.
func ConvFLOPs(m config.Model) float64 {
	enc, dec := m.Filters()
	c := m.Channels()
	conv := func(side, cin, cout int) float64 { return 2 * 9 * float64(side*side) * float64(cin*cout) }
	total, side, cin := 0.0, m.N, c
	for _, f := range enc {
		total += conv(side, cin, f) + conv(side, f, f)
		side, cin = side/2, f
	}
	decoder := 0.0
	dcin := cin
	for _, f := range dec {
		decoder += conv(side, dcin, f) + conv(side, f, f)
		side, dcin = side*2, f
	}
	decoder += conv(side, dcin, c)
	if m.ProbeBig {
		decoder += conv(2*side, dcin, c)
	}
	return total + 2*decoder
}

// PINNOptions say how long to time a case.
type PINNOptions struct {
	// TrainCalls and InferCalls are the timed calls after the warm-up.
	TrainCalls, InferCalls int
	// Warmup calls (the first compiles); at least 1.
	Warmup int
	// Seed seeds the random inputs and the weights.
	Seed int64
}

// pinnInputs are random, device-ready inputs of a case: counts of the right
// scale (mean pattern energy nphotons) and offsets within ±4 pixels.
type pinnInputs struct {
	counts, offsets *tensors.Tensor // [K·B, N, N, C], [K·B, C, 2]
	canvasPad       int
}

const offsetRange = 4.0 // pixels: a typical spread of a group's neighbours

func newPINNInputs(cfg config.Run, batches int, seed int64) pinnInputs {
	n, c := cfg.Model.N, cfg.Model.Channels()
	rng := rand.New(rand.NewPCG(uint64(seed), 0x9e3779b9))
	// E[u²] = 1/3 for u uniform in [0, 1): scale so Σ counts² over a pattern
	// is nphotons on average.
	scale := math.Sqrt(3*cfg.Training.NPhotons) / float64(n)
	counts := make([]float32, batches*n*n*c)
	for i := range counts {
		counts[i] = float32(scale * rng.Float64())
	}
	offsets := make([]float32, batches*c*2)
	if c > 1 {
		for i := range offsets {
			offsets[i] = float32(offsetRange * (2*rng.Float64() - 1))
		}
	}
	return pinnInputs{
		counts:    tensors.FromFlatDataAndDimensions(counts, batches, n, n, c),
		offsets:   tensors.FromFlatDataAndDimensions(offsets, batches, c, 2),
		canvasPad: int(offsetRange) + 1,
	}
}

// NewPINNContext returns a context with the probe of the case (a disk probe,
// physics.DiskProbe) and the learning rate set, its RNG seeded; the weights
// are created by the first graph built on it.
func NewPINNContext(cfg config.Run, seed int64) (*context.Context, error) {
	ctx := context.New()
	if err := ctx.SetRNGStateFromSeed(seed); err != nil {
		return nil, err
	}
	ctx.SetParam(optimizers.ParamLearningRate, cfg.Training.LearningRate)
	probe := physics.DiskProbe(cfg.Model.N, physics.DefaultProbeDiameter(cfg.Model.N))
	if err := pinn.InitProbe(ctx, cfg.Model, probe.Pix); err != nil {
		return nil, err
	}
	return ctx, nil
}

// RunPINN times training steps and inference of one case on backend. A
// failure of the backend (out of memory, a compile error) is returned as an
// error, with what was measured before it.
func RunPINN(backend backends.Backend, c PINNCase, opts PINNOptions) (res PINNResult, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s: %v", c, r)
		}
		if err != nil {
			res.Error = err.Error()
		}
	}()
	k := max(c.StepsPerCall, 1)
	cfg := c.Model()
	if err := cfg.Validate(); err != nil {
		return res, fmt.Errorf("%s: %w", c, err)
	}
	m := cfg.Model
	res = PINNResult{N: m.N, Gridsize: m.Gridsize, Batch: c.Batch, Patterns: c.Batch * m.Channels(),
		NFiltersScale: m.NFiltersScale, StepsPerCall: k, Precision: m.Precision}
	warm := max(opts.Warmup, 1)

	ctx, err := NewPINNContext(cfg, opts.Seed)
	if err != nil {
		return res, err
	}
	in := newPINNInputs(cfg, k*c.Batch, opts.Seed)
	// Train's own step (pinn.StepTimer): its trainer, loss and epoch metric.
	timer, err := pinn.NewStepTimer(backend, ctx, cfg, in.counts, in.offsets, in.canvasPad)
	if err != nil {
		return res, err
	}
	defer timer.Finalize()
	step := func() (*tensors.Tensor, error) {
		last, mean, err := timer.Step()
		if err != nil {
			return nil, err
		}
		mean.MustFinalizeAll()
		return last, nil
	}
	first, calls, seconds, err := timeCalls(step, warm, opts.TrainCalls)
	if err != nil {
		return res, fmt.Errorf("%s: train: %w", c, err)
	}
	res.TrainCompileSeconds = first.seconds
	res.LossFirst = first.values[0]
	res.LossLast = calls.values[len(calls.values)-1]
	res.TrainSteps = opts.TrainCalls * k
	res.TrainStepSeconds = seconds / float64(res.TrainSteps)
	res.TrainPatternsPerSecond = float64(res.Patterns) / res.TrainStepSeconds
	res.TrainTFLOPs = 3 * ConvFLOPs(m) * float64(c.Batch) / res.TrainStepSeconds / 1e12
	for v := range ctx.IterVariables() {
		if v.Trainable {
			res.Params += v.Shape().Size()
		}
	}

	inferIn := newPINNInputs(cfg, c.Batch, opts.Seed+1)
	// Reconstruct's own forward pass (pinn.NewPredictExec).
	inferExec, err := pinn.NewPredictExec(backend, ctx.Reuse(), cfg, inferIn.canvasPad)
	if err != nil {
		return res, err
	}
	infer := func() (*tensors.Tensor, error) {
		outs, err := inferExec.Exec(inferIn.counts, inferIn.offsets)
		if err != nil {
			return nil, err
		}
		outs[1].MustFinalizeAll()
		return outs[0], nil
	}
	first, _, seconds, err = timeCalls(infer, warm, opts.InferCalls)
	if err != nil {
		return res, fmt.Errorf("%s: inference: %w", c, err)
	}
	res.InferCompileSeconds = first.seconds
	res.InferCalls = opts.InferCalls
	res.InferSeconds = seconds / float64(opts.InferCalls)
	res.InferPatternsPerSecond = float64(res.Patterns) / res.InferSeconds
	return res, nil
}

// callRecord is the time of a call and the (first few) values it returned.
type callRecord struct {
	seconds float64
	values  []float64
}

// timeCalls runs call warm times (the first timed alone: it compiles), then
// calls times back to back, waiting only for the last result. It returns the
// first call, the last call's values, and the seconds of the timed calls.
func timeCalls(call func() (*tensors.Tensor, error), warm, calls int) (first, last callRecord, seconds float64, err error) {
	calls = max(calls, 1)
	start := time.Now()
	out, err := call()
	if err != nil {
		return first, last, 0, err
	}
	first.values = head(out)
	first.seconds = time.Since(start).Seconds()
	for range warm - 1 {
		if out, err = call(); err != nil {
			return first, last, 0, err
		}
		head(out)
	}
	start = time.Now()
	var prev *tensors.Tensor
	for range calls {
		if out, err = call(); err != nil {
			return first, last, 0, err
		}
		if prev != nil {
			prev.MustFinalizeAll()
		}
		prev = out
	}
	last.values = head(out) // waits for the last call
	seconds = time.Since(start).Seconds()
	return first, last, seconds, nil
}

// head reads (and so waits for) a result and returns up to its first 4
// values as float64, then frees it.
func head(t *tensors.Tensor) []float64 {
	defer t.MustFinalizeAll()
	var out []float64
	t.MustConstFlatData(func(flat any) {
		if v, ok := flat.([]float32); ok {
			for _, x := range v[:min(len(v), 4)] {
				out = append(out, float64(x))
			}
		}
	})
	return out
}
