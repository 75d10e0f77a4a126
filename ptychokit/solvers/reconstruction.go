package solvers

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX graph code reads best with a dot import.
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/ptychokit/ptychokit/ptychokit/data"
	"github.com/ptychokit/ptychokit/ptychokit/device"
	"github.com/ptychokit/ptychokit/ptychokit/internal/devmem"
	"github.com/ptychokit/ptychokit/ptychokit/internal/oom"
	"github.com/ptychokit/ptychokit/ptychokit/physics"
)

// IterationRecord is one line of a reconstruction's history.
type IterationRecord struct {
	// Iteration counts completed passes over all positions, from 1.
	Iteration int
	// Cost is the iteration's summed cost over all patterns, each measured
	// before its batch's update, divided by Σd² over all patterns: 0 is a
	// perfect fit, 1 as bad as predicting darkness. Gaussian: Σ(|Ψ|-d)²;
	// Poisson (lsqml only): the Poisson deviance.
	Cost float64
	// Seconds is the wall time of this iteration (the first includes
	// compiling the graph).
	Seconds float64
}

// Result is a finished (or paused) reconstruction, in host memory.
type Result struct {
	// Reconstruction is the object stage (Write saves it): the object, whose
	// frame is the dataset's (objectGuess's size when the dataset has one),
	// grown only where a patch would leave it; the probe [N, N] (with
	// several modes, the strongest) and ProbeModes (ProbeOptions.Modes,
	// mutually orthogonal and sorted by power; one mode: nil); XCoords,
	// YCoords, the positions in that frame (the dataset's, unless Warnings
	// says they were shifted); Config, the JSON of the options (defaults
	// filled in, starting images, hooks and backend left out); Costs, History's
	// costs.
	*data.Reconstruction
	Algorithm string
	// ModePowers are the modes' shares of the probe's power (one mode: [1]).
	ModePowers []float64
	History    []IterationRecord
	// ProbeScale is the factor NormalizePower applied to the starting probe (1 if off).
	ProbeScale float64
	// Affine is the last global affine map fitted from the given positions to
	// the refined ones (PositionOptions.Affine; the identity otherwise).
	Affine   Affine
	Warnings []string
}

// Solver is an iterative reconstruction in progress: the state lives
// on the backend between calls to Iterate, for a notebook that wants to watch.
// It is not safe for concurrent use.
type Solver struct {
	opts    Options
	algo    algorithm
	backend backends.Backend
	exec    *Exec
	cost    *tensors.Tensor // the running cost sum of the iteration (one device)

	n, count int
	modes    int // probe modes M
	h, w     int // internal frame
	outH     int // reported frame (≤ h)
	outW     int
	xs, ys   []float64 // positions in the frame

	object, probe [2]*tensors.Tensor // (re, im)
	measured      *tensors.Tensor    // [count, N, N] amplitudes (ky, kx); nil when streamed
	diffraction   []float32          // the dataset's amplitudes, which measured is made from, or each batch's when streamed; nil once measured is
	streamed      bool               // each batch's amplitudes go to the device as the batch comes (memory.go)
	plan          MemoryPlan         // where the amplitudes are, and why
	posX, posY    *tensors.Tensor    // [count] float32
	energy        float64            // Σ d² over all patterns

	batchSize, batches int
	filled             int           // positions a batch takes from the shuffle (≤ batchSize; the rest is padding)
	sharded            *shardedState // nil: one device
	detector           [][]float32   // the detector mask [N][N] (nil: every pixel counts)
	rng                *rand.Rand
	history            []IterationRecord
	probeScale         float64
	affine             Affine // the last fit of PositionOptions.Affine
	warnings           []string
}

// Reconstruct runs opts.Iterations iterations of opts.Algorithm on ds and
// returns the result. It needs ds.Diffraction, ds.Probe (or
// opts.Probe.Initial) and the coordinates.
func Reconstruct(ds *data.Dataset, opts Options) (*Result, error) {
	r, err := New(ds, opts)
	if err != nil {
		return nil, err
	}
	if err := r.Iterate(r.opts.Iterations); err != nil {
		return nil, err
	}
	return r.Result()
}

// New validates the options against the dataset and prepares a
// reconstruction: flat object, starting probe, the patterns on the backend.
// Nothing is compiled until the first Iterate.
func New(ds *data.Dataset, opts Options) (*Solver, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts.fillDefaults()
	r := &Solver{opts: opts, algo: registry[opts.Algorithm], backend: opts.Backend, probeScale: 1, affine: IdentityAffine}
	if r.backend == nil {
		r.backend = device.CPU()
	}
	if err := ds.Validate(); err != nil {
		return nil, err
	}
	if err := r.loadDataset(ds); err != nil {
		return nil, fmt.Errorf("%s: %w", datasetName(ds), err)
	}
	r.batches = (r.count + opts.BatchSize - 1) / opts.BatchSize
	r.batchSize = (r.count + r.batches - 1) / r.batches
	r.rng = rand.New(rand.NewPCG(uint64(opts.Seed), 0x70747963686f))
	mesh, err := device.OpenMesh(r.backend, opts.Devices)
	if err != nil {
		return nil, err
	}
	if mesh != nil && opts.Positions.Correct {
		return nil, errors.New("position correction runs on one device: not with several devices")
	}
	if mesh != nil && opts.Probe.Modes > 1 {
		return nil, errors.New("probe modes run on one device: not with several devices")
	}
	r.filled = r.batchSize
	r.batchSize = mesh.RoundUp(r.batchSize) // same batches as one device, padded
	if err := r.planMemory(mesh); err != nil {
		return nil, fmt.Errorf("%s: %w", datasetName(ds), err)
	}
	if !r.streamed {
		if r.measured, err = measuredTensor(r.backend, mesh, r.diffraction, r.count, r.n); err != nil {
			if oom.Is(err) {
				return nil, fmt.Errorf("%s: the %s of diffraction do not fit on the device: give a device memory budget (--device_memory) to stream them from host memory (%w)",
					datasetName(ds), devmem.Format(r.plan.Diffraction), err)
			}
			return nil, fmt.Errorf("%s: diffraction to the device: %w", datasetName(ds), err)
		}
		r.diffraction = nil // the device has its copy
	}
	exec, err := NewExec(r.backend, r.stepGraph(r.streamed))
	if err != nil {
		return nil, fmt.Errorf("build solver graph: %w", err)
	}
	r.exec = exec
	if mesh != nil {
		if r.sharded, err = newShardedState(r, mesh); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// measuredTensor is the [count, N, N] tensor of the measured amplitudes. On
// one device it goes from the dataset's slice straight to the device's
// buffer: no host copy, so a scan of 4.3 GB of diffraction needs little
// more than its 4.3 GB of host memory. On a mesh it is a host tensor, to be
// replicated.
func measuredTensor(backend backends.Backend, mesh *device.Mesh, diffraction []float32, count, n int) (*tensors.Tensor, error) {
	if mesh != nil {
		return tensors.FromFlatDataAndDimensions(diffraction, count, n, n), nil
	}
	buf, err := backend.BufferFromFlatData(0, diffraction, shapes.Make(dtypes.Float32, count, n, n))
	if err != nil {
		return nil, err
	}
	return tensors.FromBuffer(backend, buf)
}

func datasetName(ds *data.Dataset) string {
	if ds == nil || ds.Path == "" {
		return "dataset"
	}
	return ds.Path
}

// stepGraph is the graph of one mini-batch update. Inputs: object re/im
// [H, W], probe re/im [M, N, N], all measured amplitudes [n, N, N] (streamed:
// the batch's [B, N, N]), all positions x, y [n], the batch's indices [B]
// int32 and mask [B], the probe switch (scalar) and the cost so far
// (scalar); with position correction, its switch (scalar). Outputs: new
// object re/im, probe re/im, the cost so far plus the batch's; with position
// correction, the new positions x, y.
func (r *Solver) stepGraph(streamed bool) func(in []*Node) []*Node {
	return func(in []*Node) []*Node { return r.stepNodes(streamed, in) }
}

func (r *Solver) stepNodes(streamed bool, in []*Node) []*Node {
	objRe, objIm, prbRe, prbIm := in[0], in[1], in[2], in[3]
	measured, posX, posY, indices, mask, probeOn, costSoFar := in[4], in[5], in[6], in[7], in[8], in[9], in[10]
	n := r.n
	mustSquare(prbRe, n)
	batchSize := indices.Shape().Dimensions[0]
	idx := Reshape(indices, batchSize, 1)
	modes := splitModes(prbRe, prbIm)
	if !streamed {
		measured = Gather(measured, idx)
	}

	b := &batch{
		opts:     &r.opts,
		object:   physics.Field{Re: objRe, Im: objIm},
		probe:    modes[0],
		modes:    modes,
		measured: measured,
		mask:     perPatch(mask, n),
		probeOn:  probeOn,
	}
	if r.detector != nil {
		b.farMask = Mul(b.mask, BroadcastPrefix(Const(objRe.Graph(), r.detector), batchSize))
	}
	b.win = physics.NewPatchWindows(Gather(posX, idx), Gather(posY, idx), n, r.h, r.w)
	b.patches = b.win.Extract(b.object)
	for _, mode := range modes {
		exitWave := mode.Repeat(batchSize).Mul(b.patches)
		b.farFields = append(b.farFields, physics.FarField(exitWave))
		if b.exitWave.Re == nil {
			b.exitWave = exitWave
		}
	}
	b.farField = b.farFields[0]
	u := r.algo(b)
	newRe, newIm := stackModes(u.probes)
	out := []*Node{u.object.Re, u.object.Im, newRe, newIm, Add(costSoFar, ConvertDType(u.cost, costSoFar.DType()))}
	if r.opts.Positions.Correct {
		positionsOn := in[11]
		dx, dy := positionShifts(b, u.chis, r.opts.Positions.MaxStep)
		out = append(out, movePositions(posX, idx, dx, positionsOn, n, r.w), movePositions(posY, idx, dy, positionsOn, n, r.h))
	}
	return out
}

// Iterate runs n more iterations (passes over every position), calling the
// hooks after each. It returns the first error of the backend or a hook.
func (r *Solver) Iterate(n int) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("solver %s: %v", r.opts.Algorithm, p)
		}
	}()
	for range n {
		rec, err := r.iterate()
		if err != nil {
			return err
		}
		for _, hook := range r.opts.Hooks {
			if err := hook(r, rec); err != nil {
				return err
			}
		}
	}
	return nil
}

func (r *Solver) iterate() (IterationRecord, error) {
	start := time.Now()
	iteration := len(r.history)
	probeOn := float32(0)
	if r.opts.Probe.Refine && iteration >= r.opts.Probe.StartIteration {
		probeOn = 1
	}
	positionsOn := float32(0)
	if r.opts.Positions.Correct && iteration >= r.opts.Positions.StartIteration {
		positionsOn = 1
	}
	order := r.rng.Perm(r.count)
	// The cost is summed on the device, batch after batch, and read once at
	// the end: a read after every batch is a device round trip that the next
	// batch would wait for.
	if err := r.resetCost(); err != nil {
		return IterationRecord{}, err
	}
	indices, masks := make([][]int32, r.batches), make([][]float32, r.batches)
	for b := range r.batches {
		indices[b], masks[b] = make([]int32, r.batchSize), make([]float32, r.batchSize)
		for i := range indices[b] {
			k := b*r.filled + i
			if i < r.filled && k < r.count {
				indices[b][i], masks[b][i] = int32(order[k]), 1
			} else {
				indices[b][i] = int32(order[i%r.count]) // padding: a real position, masked out
			}
		}
	}
	var feed *patternFeed
	if r.streamed {
		feed = r.feedPatterns(indices)
		defer feed.close()
	}
	for b := range r.batches {
		var patterns fedPatterns
		if feed != nil {
			var err error
			if patterns, err = feed.next(); err != nil {
				return IterationRecord{}, fmt.Errorf("solver %s, iteration %d: %w", r.opts.Algorithm, iteration+1, err)
			}
		}
		err := r.step(indices[b], masks[b], patterns, probeOn, positionsOn)
		patterns.finalize()
		if err != nil {
			return IterationRecord{}, fmt.Errorf("solver %s, iteration %d: %w", r.opts.Algorithm, iteration+1, err)
		}
	}
	if probeOn == 1 && r.modes > 1 {
		if err := r.orthogonaliseModes(); err != nil {
			return IterationRecord{}, fmt.Errorf("solver %s, iteration %d: %w", r.opts.Algorithm, iteration+1, err)
		}
	}
	if positionsOn == 1 && r.opts.Positions.Affine > 0 {
		if err := r.constrainAffine(); err != nil {
			return IterationRecord{}, fmt.Errorf("solver %s, iteration %d: %w", r.opts.Algorithm, iteration+1, err)
		}
	}
	cost, err := r.readCost()
	if err != nil {
		return IterationRecord{}, fmt.Errorf("solver %s, iteration %d: %w", r.opts.Algorithm, iteration+1, err)
	}
	if math.IsNaN(cost) || math.IsInf(cost, 0) {
		return IterationRecord{}, fmt.Errorf("solver %s, iteration %d: cost is %g (diverged; try a smaller step or batch)", r.opts.Algorithm, iteration+1, cost)
	}
	rec := IterationRecord{Iteration: iteration + 1, Cost: cost / r.energy, Seconds: time.Since(start).Seconds()}
	r.history = append(r.history, rec)
	return rec, nil
}

// step runs the update of one batch, adding its cost to the running sum;
// patterns are the batch's amplitudes when streamed.
func (r *Solver) step(indices []int32, mask []float32, patterns fedPatterns, probeOn, positionsOn float32) error {
	idx := tensors.FromFlatDataAndDimensions(indices, r.batchSize)
	msk := tensors.FromFlatDataAndDimensions(mask, r.batchSize)
	if r.sharded != nil {
		return r.sharded.step(r.exec, idx, msk, patterns.dist, probeOn)
	}
	measured := r.measured
	if r.streamed {
		measured = patterns.tensor
	}
	args := []any{r.object[0], r.object[1], r.probe[0], r.probe[1], measured, r.posX, r.posY, idx, msk, probeOn, r.cost}
	if r.opts.Positions.Correct {
		args = append(args, positionsOn)
	}
	out, err := r.exec.Exec(args...)
	if err != nil {
		return err
	}
	r.replaceState(out[:4])
	r.cost.MustFinalizeAll()
	r.cost = out[4]
	if len(out) == 7 {
		r.posX.MustFinalizeAll()
		r.posY.MustFinalizeAll()
		r.posX, r.posY = out[5], out[6]
	}
	return nil
}

// resetCost starts the running cost sum of an iteration at 0.
func (r *Solver) resetCost() error {
	if r.sharded != nil {
		return r.sharded.resetCost()
	}
	if r.cost != nil {
		r.cost.MustFinalizeAll()
	}
	r.cost = tensors.FromScalar(float32(0))
	return nil
}

// readCost is the running cost sum.
func (r *Solver) readCost() (float64, error) {
	if r.sharded != nil {
		return r.sharded.readCost()
	}
	return float64(tensors.ToScalar[float32](r.cost)), nil
}

func (r *Solver) replaceState(out []*tensors.Tensor) {
	for i, t := range []*tensors.Tensor{r.object[0], r.object[1], r.probe[0], r.probe[1]} {
		t.MustFinalizeAll()
		if i < 2 {
			r.object[i] = out[i]
		} else {
			r.probe[i-2] = out[i]
		}
	}
}

// History returns the records of the iterations run so far.
func (r *Solver) History() []IterationRecord {
	return append([]IterationRecord(nil), r.history...)
}

// Iterations is the number of iterations run so far.
func (r *Solver) Iterations() int { return len(r.history) }

// Options returns the options in use, defaults filled in.
func (r *Solver) Options() Options { return r.opts }

// Result copies the current estimates to host memory.
func (r *Solver) Result() (*Result, error) {
	r.sharded.syncTo(r)
	object, err := r.image(r.object, r.w, r.outH, r.outW)
	if err != nil {
		return nil, fmt.Errorf("read object: %w", err)
	}
	modes, err := r.probeModes()
	if err != nil {
		return nil, fmt.Errorf("read probe: %w", err)
	}
	probe, powers := modes[0], ModePowers(modes)
	if len(modes) == 1 {
		modes = nil
	}
	xs, ys := append([]float64(nil), r.xs...), append([]float64(nil), r.ys...)
	if r.opts.Positions.Correct {
		for i, dst := range [][]float64{xs, ys} {
			src := [2]*tensors.Tensor{r.posX, r.posY}[i]
			if err := src.ConstFlatData(func(flat any) {
				for k, v := range flat.([]float32) {
					dst[k] = float64(v)
				}
			}); err != nil {
				return nil, fmt.Errorf("read positions: %w", err)
			}
		}
	}
	history := r.History()
	costs := make([]float64, len(history))
	for i, h := range history {
		costs[i] = h.Cost
	}
	config, err := optionsJSON(r.opts)
	if err != nil {
		return nil, err
	}
	return &Result{
		Reconstruction: &data.Reconstruction{Object: object, Probe: probe, ProbeModes: modes,
			XCoords: xs, YCoords: ys, Config: config, Costs: costs},
		Algorithm:  r.opts.Algorithm,
		ModePowers: powers,
		History:    history,
		ProbeScale: r.probeScale,
		Affine:     r.affine,
		Warnings:   append([]string(nil), r.warnings...),
	}, nil
}

// optionsJSON is the JSON of opts without what is not a setting: the
// backend, the hooks and the starting images.
func optionsJSON(opts Options) (json.RawMessage, error) {
	opts.Backend, opts.Hooks = nil, nil
	opts.Object.Initial, opts.Probe.Initial, opts.Probe.InitialModes = nil, nil, nil
	b, err := json.Marshal(opts)
	if err != nil {
		return nil, fmt.Errorf("options to JSON: %w", err)
	}
	return b, nil
}

// image copies the top-left outH×outW of a (re, im) pair w pixels wide.
func (r *Solver) image(parts [2]*tensors.Tensor, w, outH, outW int) (*data.ComplexImage, error) {
	im := &data.ComplexImage{H: outH, W: outW, Pix: make([]complex64, outH*outW)}
	var re []float32
	if err := parts[0].ConstFlatData(func(flat any) { re = append(re, flat.([]float32)...) }); err != nil {
		return nil, err
	}
	err := parts[1].ConstFlatData(func(flat any) {
		imag := flat.([]float32)
		for y := range outH {
			for x := range outW {
				im.Pix[y*outW+x] = complex(re[y*w+x], imag[y*w+x])
			}
		}
	})
	return im, err
}

// Seconds is the wall time of all the iterations of the result (the first,
// compiling, included).
func (r *Result) Seconds() float64 {
	total := 0.0
	for _, it := range r.History {
		total += it.Seconds
	}
	return total
}

// SetSteps sets the object step α (ObjectOptions.Step) and the probe step β
// (ProbeOptions.Step) from the next iteration on: a notebook's sliders. The
// steps are constants of the compiled update, so a change recompiles it at
// the next Iterate (about as long as the first iteration's compiling); the
// same values change nothing. On several devices it returns an error.
func (r *Solver) SetSteps(objectStep, probeStep float64) error {
	if objectStep == r.opts.Object.Step && probeStep == r.opts.Probe.Step {
		return nil
	}
	for _, s := range []struct {
		name string
		v    float64
	}{{"object", objectStep}, {"probe", probeStep}} {
		if err := validStep(s.v); err != nil || s.v == 0 {
			return fmt.Errorf("solver %s: %s step %g: want 0 < step ≤ 2", r.opts.Algorithm, s.name, s.v)
		}
	}
	if r.sharded != nil {
		return fmt.Errorf("solver %s: steps cannot change on several devices; start a new reconstruction", r.opts.Algorithm)
	}
	old := r.opts
	r.opts.Object.Step, r.opts.Probe.Step = objectStep, probeStep
	exec, err := NewExec(r.backend, r.stepGraph(r.streamed))
	if err != nil {
		r.opts = old
		return fmt.Errorf("solver %s: rebuild the update: %w", r.opts.Algorithm, err)
	}
	r.exec.Finalize()
	r.exec = exec
	return nil
}

// SetProbeStart sets the first iteration (counted from 0) that updates the
// probe, when ProbeOptions.Refine is on; it takes effect at the next
// iteration and needs no recompiling.
func (r *Solver) SetProbeStart(iteration int) error {
	if iteration < 0 {
		return fmt.Errorf("solver %s: probe start %d: must be ≥ 0", r.opts.Algorithm, iteration)
	}
	r.opts.Probe.StartIteration = iteration
	return nil
}
