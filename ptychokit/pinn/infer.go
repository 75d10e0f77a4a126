package pinn

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/checkpoints"

	"github.com/ptychokit/ptychokit/ptychokit/config"
	"github.com/ptychokit/ptychokit/ptychokit/data"
	"github.com/ptychokit/ptychokit/ptychokit/device"
	"github.com/ptychokit/ptychokit/ptychokit/internal/oom"
	"github.com/ptychokit/ptychokit/ptychokit/stitch"
)

// Model is a trained model loaded from an output directory.
type Model struct {
	// Config is the configuration it was trained with.
	Config config.Run
	// Checkpoint is the folder its weights came from (best/ or checkpoints/).
	Checkpoint string
	// History is the training's history.csv, nil when the folder has none
	// (or one that does not read: it only informs Reconstruction.Costs).
	History []EpochStats

	backend backends.Backend
	ctx     *context.Context
	mesh    *device.Mesh // nil: one device (see UseDevices)

	lastTiming InferTiming
	firstBatch time.Duration

	deviceMemory int64       // SetDeviceMemory (memory.go)
	lastMemory   InferMemory // LastMemory
}

// Load reads a trained model from an output directory written by Train:
// config.json, then the best checkpoint (best/), or the latest
// (checkpoints/) when there is no best. A configuration of another format
// version, a checkpoint whose embedded configuration disagrees with
// config.json, or an unreadable (e.g. truncated) checkpoint is an error that
// names the file; Load never panics.
func Load(backend backends.Backend, dir string) (m *Model, err error) {
	defer recoverInto(&err, "load model "+dir)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("--model_path %s: not a directory written by 'ptychokit train'", dir)
	}
	cfg, err := config.Load(filepath.Join(dir, config.FileName))
	if err != nil {
		return nil, err
	}
	ckptDir := modelCheckpointDir(dir)
	if ckptDir == "" {
		return nil, fmt.Errorf("%s: no checkpoint in %s/ or %s/", dir, BestDir, CheckpointDir)
	}
	ctx := context.New()
	if _, err := checkpoints.Load(ctx).Dir(ckptDir).Immediate().Done(); err != nil {
		return nil, fmt.Errorf("%s: unreadable checkpoint (corrupted or not written by ptychokit): %v", ckptDir, err)
	}
	if err := checkCheckpointConfig(ctx, cfg, ckptDir); err != nil {
		return nil, err
	}
	for _, name := range []string{VarProbeRe, VarProbeIm} {
		v := ctx.In(ScopePhysics).GetVariable(name)
		if v == nil || !v.Shape().Equal(shapesOf(cfg.Model.N)) {
			return nil, fmt.Errorf("%s: checkpoint lacks the probe variable %s/%s of %d×%d", ckptDir, ScopePhysics, name, cfg.Model.N, cfg.Model.N)
		}
	}
	history, _ := ReadHistory(filepath.Join(dir, HistoryFile))
	return &Model{Config: cfg, Checkpoint: ckptDir, History: history, backend: backend, ctx: ctx}, nil
}

// modelCheckpointDir is the folder of a model directory whose checkpoint
// inference reads: best/, else checkpoints/; "" when neither holds one.
func modelCheckpointDir(dir string) string {
	for _, sub := range []string{BestDir, CheckpointDir} {
		if hasCheckpoint(filepath.Join(dir, sub)) {
			return filepath.Join(dir, sub)
		}
	}
	return ""
}

func hasCheckpoint(dir string) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "checkpoint-") && strings.HasSuffix(e.Name(), checkpoints.JsonNameSuffix) {
			return true
		}
	}
	return false
}

// Probe returns the model's probe, [N, N], in its own normalisation
// (Σ|probe|² = 4·(N/2)², see InitProbe; trained when probe_trainable).
func (m *Model) Probe() *data.ComplexImage {
	n := m.Config.Model.N
	pctx := m.ctx.In(ScopePhysics)
	re := tensors.MustCopyFlatData[float32](pctx.GetVariable(VarProbeRe).MustValue())
	im := tensors.MustCopyFlatData[float32](pctx.GetVariable(VarProbeIm).MustValue())
	out := &data.ComplexImage{H: n, W: n, Pix: make([]complex64, n*n)}
	for i := range out.Pix {
		out.Pix[i] = complex(re[i], im[i])
	}
	return out
}

// Prediction is the network's output for the groups of a dataset.
type Prediction struct {
	Groups *Groups
	// Patches is [Count·C, N, N]: the object patch of every pattern of every
	// group, group-major; patch g·C+c belongs to scan point
	// Groups.Grouping.Index[g][c].
	Patches []complex64
	// X, Y are the centres of the patches (the scan points' coordinates).
	X, Y []float64
}

// Predict runs the network on nImages groups of ds (0: every scan point,
// see data.Groups), batchSize groups at a time (0: DefaultInferBatch), and
// keeps every patch. Reconstruct stitches the patches as they come instead.
func (m *Model) Predict(ds *data.Dataset, nImages, batchSize int) (*Prediction, error) {
	n, c := m.Config.Model.N, m.Config.Model.Channels()
	var p *Prediction
	err := m.predictEach(ds, nImages, batchSize, func(groups *Groups) {
		p = &Prediction{Groups: groups, Patches: make([]complex64, groups.Count*c*n*n)}
	}, func(b predicted) error {
		copy(p.Patches[b.first*c*n*n:], b.patches())
		return nil
	})
	if err != nil {
		return nil, err
	}
	p.X, p.Y = patchCentres(ds, p.Groups.Grouping.Index, 0, 0)
	return p, nil
}

// patchCentres returns the centres of the patches of the groups index,
// group-major, moved by (offX, offY).
func patchCentres(ds *data.Dataset, index [][]int, offX, offY float64) (x, y []float64) {
	for _, members := range index {
		for _, pt := range members {
			x = append(x, ds.XCoords[pt]+offX)
			y = append(y, ds.YCoords[pt]+offY)
		}
	}
	return x, y
}

// DefaultInferBatch is the number of groups a forward pass of inference
// takes when none is asked for: the training batch size on the CPU, where a
// bigger batch buys nothing, and at least 1024 on an accelerator, where a
// batch of 16 leaves the device waiting on the host (on the H200 a
// 65 536-pattern scan took 4 096 calls).
func DefaultInferBatch(backend backends.Backend, cfg config.Run) int {
	if device.IsCPU(backend) {
		return cfg.Training.BatchSize
	}
	return max(cfg.Training.BatchSize, 1024)
}

// InferTiming says where the last prediction's time went.
type InferTiming struct {
	// Batches of Size groups were predicted.
	Batches, Size int
	// FirstBatch is the first batch's network time, compiling included.
	FirstBatch time.Duration
	// InputWait is how long the device side waited for inputs; Device the
	// time of the forward passes and their copies back (FirstBatch
	// included).
	InputWait, Device time.Duration
}

// LastTiming returns the timing of the last Predict or Reconstruct.
func (m *Model) LastTiming() InferTiming {
	t := m.lastTiming
	t.FirstBatch = m.firstBatch
	return t
}

// predicted is one batch of predicted patches: groups first, first+1, …,
// first+count-1, as the network gives them (re, im [≥count, N, N, C]);
// patches turns them into [count·C, N, N] complex patches, group-major —
// on the stitching goroutines, not on the one that feeds the device.
type predicted struct {
	first, count, n, c int
	re, im             []float32
}

func (b predicted) patches() []complex64 {
	n, c := b.n, b.c
	out := make([]complex64, b.count*c*n*n)
	for g := range b.count {
		for ch := range c {
			dst := out[(g*c+ch)*n*n : (g*c+ch+1)*n*n]
			for i := range dst {
				src := (g*n*n+i)*c + ch // [B, N, N, C]
				dst[i] = complex(b.re[src], b.im[src])
			}
		}
	}
	return out
}

// predictEach runs the network over the groups of ds batch by batch and
// hands each batch's patches to emit, in order, on the calling goroutine;
// start sees the groups first. The network's input is scaled from ds batch
// by batch (no second copy of the scan), the next batch is gathered while
// the device runs this one, and emit runs while the device runs the next.
func (m *Model) predictEach(ds *data.Dataset, nImages, batchSize int, start func(*Groups), emit func(predicted) error) (err error) {
	if batchSize <= 0 {
		batchSize = DefaultInferBatch(m.backend, m.Config)
	}
	defer func() { err = oom.Explain(err, batchSize) }()
	defer recoverInto(&err, "predict")
	cfg := m.Config
	groups, err := makeGroups(ds, cfg, nImages, false, false)
	if err != nil {
		return err
	}
	start(groups)
	pad := groups.CanvasPad
	exec, err := NewPredictExec(m.backend, m.ctx.Checked(false), cfg, pad)
	if err != nil {
		return err
	}
	defer exec.Finalize()
	m.shardExec(exec)
	n, c := cfg.Model.N, cfg.Model.Channels()

	// Every batch has the same size — a short last one repeats its last
	// group and the copies are thrown away — so one compiled graph serves
	// them all.
	size := min(batchSize, groups.Count)
	if size, err = m.boundBatch(size, pad); err != nil {
		return err
	}
	type input struct {
		first, count    int
		counts, offsets *tensors.Tensor
	}
	inputs := make(chan input, 1)
	done := make(chan struct{})
	defer close(done)
	go func() {
		defer close(inputs)
		for first := 0; first < groups.Count; first += size {
			count := min(size, groups.Count-first)
			rows := make([]int, size)
			for i := range rows {
				rows[i] = first + min(i, count-1)
			}
			counts, offsets := groups.gather(rows)
			select {
			case inputs <- input{first, count, counts, offsets}:
			case <-done:
				return
			}
		}
	}()
	outputs := make(chan predicted, 1)
	emitted := make(chan error, 1)
	go func() {
		var err error
		for b := range outputs {
			if err == nil {
				err = emit(b)
			}
		}
		emitted <- err
	}()
	defer func() {
		if outputs != nil {
			close(outputs)
			<-emitted
		}
	}()
	var waited, ran time.Duration
	defer func() {
		m.lastTiming = InferTiming{Batches: (groups.Count + size - 1) / size, Size: size, InputWait: waited, Device: ran}
	}()
	for {
		t0 := time.Now()
		in, ok := <-inputs
		if !ok {
			break
		}
		t1 := time.Now()
		waited += t1.Sub(t0)
		outs, err := m.predictBatch(exec, in.counts, in.offsets)
		if err != nil {
			return err
		}
		re := tensors.MustCopyFlatData[float32](outs[0])
		im := tensors.MustCopyFlatData[float32](outs[1])
		if ran == 0 {
			m.firstBatch = time.Since(t1)
		}
		ran += time.Since(t1)
		for _, o := range outs {
			o.FinalizeAll()
		}
		outputs <- predicted{first: in.first, count: in.count, n: n, c: c, re: re, im: im}
	}
	close(outputs)
	err = <-emitted
	outputs = nil
	return err
}

// ReconstructOptions tune Reconstruct.
type ReconstructOptions struct {
	// NImages is the number of groups to predict (0: every scan point).
	NImages int
	// Stitch is how the patches are weighted where they overlap (see
	// package stitch; "": stitch.DefaultMode). stitch.Probe weights them by
	// the model's probe.
	Stitch stitch.Mode
	// Keep is the side of the central part of each patch that is stitched.
	// 0: with stitch.Keep PtychoPINN's 20 at N = 64, scaled with N; with
	// the windows the part the network predicts, the whole patch with
	// probe_big and the central N/2×N/2 without.
	Keep int
	// BatchSize of the forward passes (0: DefaultInferBatch).
	BatchSize int
	// KeepPrediction keeps every patch in Reconstruction.Prediction (by
	// default they are stitched and let go: a 65 536-pattern gridsize-2
	// scan at N = 64 has 8.6 GB of them).
	KeepPrediction bool
}

// Reconstruction is a stitched object with what goes beside it in the
// reconstruction NPZ.
type Reconstruction struct {
	// Reconstruction is the object stage (Write saves it): Object, the
	// stitched object [H, W]; Probe, the model's probe; XCoords, YCoords,
	// the dataset's scan positions in Object's frame; Config, the JSON of
	// the model's config; Costs, the training loss per epoch when the
	// model's history is known.
	*data.Reconstruction
	// Patches is the number of patches stitched.
	Patches int
	// Prediction holds the patches that were stitched, with
	// ReconstructOptions.KeepPrediction; nil otherwise.
	Prediction *Prediction
	// Stitch is how they were stitched, defaults filled in.
	Stitch stitch.Options
	// Weights is the summed stitching weight of every pixel of Object,
	// [H, W]; pixels at or below Stitch.MinWeight are not covered (0).
	Weights []float64
	// Coverage is the fraction of the scanned region (data.ScanRegion of
	// XCoords, YCoords) that the patches cover.
	Coverage float64
}

// Reconstruct predicts the patches of ds and stitches them into the full
// object. The frame is the dataset's objectGuess (same H, W, coordinates
// unchanged) when it has one that holds every patch, so the result compares
// pixel for pixel with the ground truth of a simulated file; otherwise the
// smallest canvas that holds every patch (stitch.Canvas), coordinates moved
// into it.
func (m *Model) Reconstruct(ds *data.Dataset, opts ReconstructOptions) (*Reconstruction, error) {
	n, c := m.Config.Model.N, m.Config.Model.Channels()
	so, err := m.stitchOptions(opts)
	if err != nil {
		return nil, err
	}
	h, w, offX, offY := 0, 0, 0.0, 0.0
	if o := ds.Object; o != nil && fitsIn(ds.XCoords, ds.YCoords, n, o.H, o.W) {
		h, w = o.H, o.W
	} else {
		h, w, offX, offY = stitch.Canvas(ds.XCoords, ds.YCoords, n)
	}
	// The patches are stitched as they come, each batch into one of a few
	// accumulators in turn (one goroutine each), merged at the end: the
	// stitching keeps pace with the device, and the same batches always
	// meet the same accumulator, so the result does not depend on timing.
	workers := stitchWorkers()
	accs := make([]*stitch.Accumulator, workers)
	for i := range accs {
		if accs[i], err = stitch.NewAccumulator(h, w, n, so); err != nil {
			return nil, err
		}
	}
	queues := make([]chan predicted, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	var pred *Prediction
	var index [][]int
	for i := range queues {
		queues[i] = make(chan predicted, 1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range queues[i] {
				if errs[i] != nil {
					continue
				}
				x, y := patchCentres(ds, index[b.first:b.first+b.count], offX, offY)
				if err := accs[i].Add(b.patches(), x, y); err != nil {
					errs[i] = fmt.Errorf("stitch: %w", err)
				}
			}
		}()
	}
	batch := 0
	err = m.predictEach(ds, opts.NImages, opts.BatchSize, func(groups *Groups) {
		index = groups.Grouping.Index
		if opts.KeepPrediction {
			pred = &Prediction{Groups: groups, Patches: make([]complex64, groups.Count*c*n*n)}
		}
	}, func(b predicted) error {
		if pred != nil {
			copy(pred.Patches[b.first*c*n*n:], b.patches())
		}
		queues[batch%workers] <- b
		batch++
		return nil
	})
	for _, q := range queues {
		close(q)
	}
	wg.Wait()
	if err != nil {
		return nil, err
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for _, a := range accs[1:] {
		if err := accs[0].Merge(a); err != nil {
			return nil, err
		}
	}
	acc := accs[0]
	config, err := json.Marshal(m.Config)
	if err != nil {
		return nil, fmt.Errorf("model config to JSON: %w", err)
	}
	r := &Reconstruction{Reconstruction: &data.Reconstruction{Object: acc.Image(), Probe: m.Probe(), Config: config, Costs: m.costs()},
		Patches: len(index) * c,
		Stitch:  acc.Options(), Weights: acc.Weights()}
	if pred != nil {
		pred.X, pred.Y = patchCentres(ds, index, offX, offY)
		r.Prediction = pred
	}
	for i := range ds.XCoords {
		r.XCoords = append(r.XCoords, ds.XCoords[i]+offX)
		r.YCoords = append(r.YCoords, ds.YCoords[i]+offY)
	}
	region, err := data.ScanRegion(r.XCoords, r.YCoords, 0, h, w)
	if err != nil {
		return nil, err
	}
	r.Coverage = acc.CoverageIn(region)
	return r, nil
}

// stitchWorkers is the number of accumulators Reconstruct stitches into:
// half the cores (the other half feed and drain the device), at most 8.
var stitchWorkers = func() int { return max(1, min(runtime.GOMAXPROCS(0)/2, 8)) }

// stitchOptions turns opts into the stitching options for this model's
// patches: the mode's default part of the patch, the model's probe for
// stitch.Probe.
func (m *Model) stitchOptions(opts ReconstructOptions) (stitch.Options, error) {
	n := m.Config.Model.N
	so := stitch.Options{Mode: opts.Stitch, Keep: opts.Keep}
	if so.Mode == "" {
		so.Mode = stitch.DefaultMode
	}
	if _, err := stitch.ParseMode(string(so.Mode)); err != nil {
		return so, err
	}
	switch {
	case opts.Keep < 0 || opts.Keep > n:
		return so, fmt.Errorf("--stitch_keep %d: want 0 (the default) to N = %d", opts.Keep, n)
	case opts.Keep > 0:
	case so.Mode == stitch.Keep:
		so.Keep = stitch.DefaultKeep * n / 64
	case !m.Config.Model.ProbeBig && m.Config.Model.PadObject:
		// Without probe_big the border ring is zero padding, not a
		// prediction.
		so.Keep = n / 2
	}
	if so.Mode == stitch.Probe {
		so.Probe = m.Probe().Pix
	}
	return so, nil
}

// fitsIn reports whether every N×N window (one more pixel for a fractional
// centre) lies inside an h×w image.
func fitsIn(x, y []float64, n, h, w int) bool {
	for i := range x {
		x0, y0 := math.Floor(x[i])-float64(n/2), math.Floor(y[i])-float64(n/2)
		if x0 < 0 || y0 < 0 || x0+float64(n)+1 > float64(w) || y0+float64(n)+1 > float64(h) {
			return false
		}
	}
	return len(x) > 0
}

// GeometryRatio is how far apart (as a ratio either way) a new scan's step
// and the training scan's may be, and GeometrySpread how far their spreads
// (data.NeighbourSteps), before GeometryNote speaks.
const (
	GeometryRatio  = 1.5
	GeometrySpread = 0.25
)

// GeometryNote is a warning when a model of gridsize ≥ 2 is given a scan
// laid out unlike its training scan: points spaced more than GeometryRatio
// apart either way, or placed more or less regularly (spreads of the
// nearest-neighbour distances more than GeometrySpread apart; config
// Data.TrainScanStep and TrainScanSpread against data.NeighbourSteps of ds).
// Empty otherwise, and for models that recorded no step. The network learns
// the layout of the groups it was trained on: measured on the H200
// (bench/h200/session6), ten paper-protocol models trained on a 4-px raster
// (spread 0) scored 0.963 median amplitude SSIM on a new object scanned
// alike and 0.787 on random positions of the same mean step (4.0 px, spread
// ~0.5); at gridsize 1 the same test gave 0.936 and 0.918.
func GeometryNote(m *Model, ds *data.Dataset) string {
	cfg := m.Config
	trained, trainedSpread := cfg.Data.TrainScanStep, cfg.Data.TrainScanSpread
	step, spread := data.NeighbourSteps(ds.XCoords, ds.YCoords)
	if cfg.Model.Gridsize < 2 || !(trained > 0) || !(step > 0) {
		return ""
	}
	if step <= GeometryRatio*trained && trained <= GeometryRatio*step && math.Abs(spread-trainedSpread) <= GeometrySpread {
		return ""
	}
	return fmt.Sprintf("warning: %s: scan points %.3g px apart (mean nearest neighbour, spread %.2f), the model's training scan %.3g px (spread %.2f): a gridsize-%d model learns the layout of its groups and does not carry over (measured: 0.96 amplitude SSIM on a new object on the training's 4-px raster, 0.79 on random points of the same mean step); train on scans laid out like this one, or at --gridsize 1",
		ds.Path, step, spread, trained, trainedSpread, cfg.Model.Gridsize)
}
