package pinn

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX's graph idiom.
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/checkpoints"
	"github.com/gomlx/gomlx/pkg/ml/train"
	"github.com/gomlx/gomlx/pkg/ml/train/metrics"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"

	"github.com/ptychokit/ptychokit/ptychokit/atomicfile"
	"github.com/ptychokit/ptychokit/ptychokit/config"
	"github.com/ptychokit/ptychokit/ptychokit/data"
	"github.com/ptychokit/ptychokit/ptychokit/internal/oom"
	"github.com/ptychokit/ptychokit/ptychokit/internal/runlock"
	"github.com/ptychokit/ptychokit/ptychokit/pinn/internal/runfiles"
)

// Files and folders of an output directory.
const (
	HistoryFile   = "history.csv"
	CheckpointDir = "checkpoints" // the latest keep_checkpoints checkpoints
	BestDir       = "best"        // the checkpoint with the lowest validation loss
	// ParamConfig is the context parameter that carries the run's
	// configuration JSON inside every checkpoint.
	ParamConfig = "ptychokit_config"
	// scopeState holds the training loop's own state (epoch, learning rate,
	// plateau counters), saved with the weights so that a resumed run
	// continues exactly where it stopped.
	scopeState = "/training_state"
)

// EpochStats is one row of history.csv (runfiles.Epoch mirrors it field
// for field: change both).
type EpochStats struct {
	Epoch     int     // 1-based
	TrainLoss float64 // mean of the epoch's batch losses
	ValLoss   float64 // mean loss on the validation groups (NaN without any)
	LR        float64 // learning rate used in the epoch
	Seconds   float64 // wall time of the epoch, validation included
	// AmpContrast and PhaseSpread measure how far the validation
	// predictions are from a flat object (diagnostics.go); NaN without
	// validation groups.
	AmpContrast, PhaseSpread float64
	// LogScale is the learned log intensity scale after the epoch.
	LogScale float64
}

// TrainOptions are the knobs of a call to Train that are not part of the
// run's configuration (they do not change the result).
type TrainOptions struct {
	// Progress receives a progress line per step and a summary per epoch
	// (a terminal: os.Stderr); nil is silent.
	Progress io.Writer
	// OnEpoch is called after every epoch with the history so far (a live
	// loss curve in a notebook); an error stops training and is returned.
	OnEpoch func(history []EpochStats) error
	// OnStep is called after every training step with the epoch, the step
	// within it (1-based) and the batch loss (a live curve per step).
	OnStep func(epoch, step int, batchLoss float64) error
	// StopAfter, when > 0, stops this call after that many epochs — the
	// checkpoint is written as after any epoch, and calling Train again on
	// the same output directory resumes (used to test resuming).
	StopAfter int
	// Devices splits every batch over that many devices of the backend
	// (data parallelism, see distributed.go; device.AllDevices: all of them;
	// 0 or 1: one). The batch size is the global one and must be a multiple
	// of the device count; the result matches a one-device run up to float32
	// rounding.
	Devices int
	// ResidentBytes is the largest size of the groups' arrays that is kept
	// on the device for the whole run (resident.go); larger data is
	// uploaded a batch at a time. 0 means DefaultResidentBytes, < 0 never.
	ResidentBytes int64
	// OutputDirLocked says that the caller holds the output folder's run
	// lock (internal/runlock; the command line takes it for the whole
	// command). Otherwise TrainOn takes it, and a second run on the same
	// folder fails at once with an error naming the run that holds it.
	OutputDirLocked bool
}

// Result is what Train returns.
type Result struct {
	Config  config.Run
	History []EpochStats
	// BestEpoch is the epoch of the lowest validation loss (its weights are
	// in output_dir/best).
	BestEpoch int
	// ResumedFrom is the epoch the run continued from (0 for a fresh run).
	ResumedFrom int
	// StoppedEarly is true when early stopping ended the run.
	StoppedEarly bool
	// Flat is true when the best epoch's predictions were still flat: the
	// run never left the initial flat-object plateau, and the model
	// predicts a featureless object (see EpochStats.Flat).
	Flat bool
	// StepsPerEpoch and MedianStepSeconds describe the speed: the median
	// over this call's epochs of an epoch's training time a step (the first
	// step of an epoch, which compiles in the first, left out).
	// With several steps a call (StepsPerCall), a step's time is its call's
	// over the steps it ran.
	StepsPerEpoch     int
	StepsPerCall      int
	MedianStepSeconds float64
	// SetupSeconds is the time from the call to the first epoch (reading,
	// grouping, building the model); CheckpointSeconds the time spent writing
	// checkpoints (not part of the epochs' Seconds).
	SetupSeconds, CheckpointSeconds float64
	// InputWaitSeconds is how long the device waited for batches to be
	// gathered and uploaded (training and validation, part of the epochs).
	InputWaitSeconds float64
	// Warnings are what a resume found and repaired (a damaged latest
	// checkpoint set aside, the lock of a dead run taken over), one line
	// each, as also written to TrainOptions.Progress.
	Warnings []string
}

// Best returns the statistics of the best epoch (the one whose weights are
// in best/); false when no epoch has run.
func (r *Result) Best() (EpochStats, bool) {
	for _, h := range r.History {
		if h.Epoch == r.BestEpoch {
			return h, true
		}
	}
	return EpochStats{}, false
}

// Train loads cfg.Data.TrainDataFile and trains on it (see TrainOn).
func Train(backend backends.Backend, cfg config.Run, opts TrainOptions) (*Result, error) {
	if cfg.Data.TrainDataFile == "" {
		return nil, errors.New("--train_data_file is empty")
	}
	ds, err := data.Load(cfg.Data.TrainDataFile, data.LoadOptions{RequireDiffraction: true})
	if err != nil {
		return nil, err
	}
	return TrainOn(backend, cfg, ds, opts)
}

// TrainOn trains the model of cfg on ds, without ground truth for ModelPINN,
// writing config.json, history.csv and checkpoints into cfg.Data.OutputDir.
//
// Adam with learning_rate, multiplied by lr_factor when the validation loss
// has not improved for lr_patience epochs (not below lr_min); early stop after
// early_stop_patience epochs without improvement of early_stop_monitor (the
// validation or the training loss); a seeded validation split
// and a per-epoch shuffle derived from (seed, epoch). After every epoch the
// weights, the optimiser state and the loop's state are checkpointed (GoMLX
// checkpoints, with the configuration JSON inside), the best one copied to
// output_dir/best. If output_dir already holds checkpoints of the same model,
// training resumes from the latest and ends with the same weights as a run
// that never stopped; a different model there is an error.
func TrainOn(backend backends.Backend, cfg config.Run, ds *data.Dataset, opts TrainOptions) (res *Result, err error) {
	defer func() { err = oom.Explain(err, cfg.Training.BatchSize) }()
	defer recoverInto(&err, "train")
	called := time.Now()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	out := cfg.Data.OutputDir
	if out == "" {
		return nil, errors.New("--output_dir is empty")
	}
	if !opts.OutputDirLocked {
		lock, err := lockOutputDir(out, opts.Progress)
		if err != nil {
			return nil, err
		}
		defer lock.Release()
	}
	notes, err := vetCheckpoints(filepath.Join(out, CheckpointDir))
	if err != nil {
		return nil, fmt.Errorf("%s: checking the checkpoints to resume from: %w", filepath.Join(out, CheckpointDir), err)
	}
	for _, n := range notes {
		if opts.Progress != nil {
			fmt.Fprintln(opts.Progress, "warning: "+n)
		}
	}
	if ds, err = resolveProbe(backend, ds, cfg, opts.Progress); err != nil {
		return nil, err
	}
	if cfg, ds, err = PrepareTraining(cfg, ds, opts.Progress); err != nil {
		return nil, err
	}
	if step, spread := data.NeighbourSteps(ds.XCoords, ds.YCoords); !math.IsNaN(step) {
		cfg.Data.TrainScanStep, cfg.Data.TrainScanSpread = step, spread
	}
	resuming, err := checkResume(cfg)
	if err != nil {
		return nil, err
	}
	if err := cfg.Save(out); err != nil {
		return nil, err
	}
	supervised := cfg.Model.ModelType == config.ModelSupervised
	groups, err := MakeGroups(ds, cfg, cfg.Data.NImages, supervised)
	if err != nil {
		return nil, err
	}
	if groups.Count < 1 {
		return nil, fmt.Errorf("%s: no groups to train on", ds.Path)
	}
	if ds.Probe == nil || ds.Probe.H != cfg.Model.N || ds.Probe.W != cfg.Model.N {
		return nil, fmt.Errorf("%s: needs a probeGuess of %d×%d", ds.Path, cfg.Model.N, cfg.Model.N)
	}
	trainIdx, valIdx := split(groups.Count, cfg.Training.ValidationSplit, cfg.Training.Seed)
	mesh, err := trainMesh(backend, opts.Devices, cfg.Training.BatchSize)
	if err != nil {
		return nil, err
	}

	ctx := context.New()
	if err := ctx.SetRNGStateFromSeed(cfg.Training.Seed); err != nil {
		return nil, err
	}
	ctx.SetParam(optimizers.ParamLearningRate, cfg.Training.LearningRate)
	// Uncompressed: gzip saves little on float32 weights and took ~1.3 s a
	// checkpoint of the default network (28 MB), 70 % of a 50-epoch run on an
	// H200. Loading reads either format.
	ckpt, err := checkpoints.Build(ctx).Dir(filepath.Join(out, CheckpointDir)).Keep(cfg.Training.KeepCheckpoints).
		WithCompression(checkpoints.BinUncompressed).Done()
	if err != nil {
		return nil, fmt.Errorf("%s: cannot read the checkpoint to resume from (%v); remove that directory or choose another --output_dir", filepath.Join(out, CheckpointDir), err)
	}
	if resuming {
		if err := checkCheckpointConfig(ctx, cfg, filepath.Join(out, CheckpointDir)); err != nil {
			return nil, err
		}
	}
	ctx.SetParam(ParamConfig, string(cfg.Marshal()))
	if !resuming && cfg.Data.InitFrom != "" {
		if err := initFrom(ctx, cfg, cfg.Data.InitFrom); err != nil {
			return nil, err
		}
	}
	if err := InitModel(ctx, cfg.Model, cfg.Training.NPhotons, ds.Probe.Pix, groups); err != nil {
		return nil, fmt.Errorf("%s: %w", ds.Path, err)
	}
	state := newLoopState(ctx, cfg.Training.LearningRate)
	history, err := readHistory(filepath.Join(out, HistoryFile), state.epoch())
	if err != nil {
		return nil, err
	}
	res = &Result{Config: cfg, History: history, ResumedFrom: state.epoch(), BestEpoch: state.bestEpoch(), Warnings: notes}

	var onDevice *resident
	limit := opts.ResidentBytes
	if limit == 0 {
		limit = DefaultResidentBytes
	}
	if residentBytes(groups, supervised) <= limit {
		if onDevice, err = upload(backend, mesh, groups, supervised); err != nil {
			return nil, err
		}
		defer onDevice.finalize()
		// The host copies are no longer read (the batches need only the
		// order and the shapes): let them go rather than hold the data twice.
		groups.Counts, groups.Offsets, groups.TrueRe, groups.TrueIm, groups.src = nil, nil, nil, nil, nil
	}

	devices := 1
	if mesh != nil {
		devices = mesh.Devices()
	}
	perCall := StepsPerCall(cfg, devices)
	trainer := newTrainer(backend, ctx, cfg, groups.CanvasPad, perCall)
	evalIndex := func(name string) int {
		return slices.IndexFunc(trainer.EvalMetrics(), func(m metrics.Interface) bool { return m.ShortName() == name })
	}
	valLossIndex, contrastIndex, spreadIndex := evalIndex(valLossName), evalIndex(ampContrastName), evalIndex(phaseSpreadName)
	progress := newProgressLine(opts.Progress)
	stepper, err := newStepper(trainer, progress, opts.OnStep)
	if err != nil {
		return nil, err
	}

	nBatches := (len(trainIdx) + cfg.Training.BatchSize - 1) / cfg.Training.BatchSize
	nCalls := (nBatches + perCall - 1) / perCall
	res.StepsPerEpoch, res.StepsPerCall = nBatches, perCall
	if opts.Progress != nil {
		per := ""
		if perCall > 1 {
			per = fmt.Sprintf(" (%d a call)", perCall)
		}
		fmt.Fprintf(opts.Progress, "training %s on %d groups (%d validation), %d steps an epoch%s, epochs %d..%d\n",
			describeModel(cfg.Model), len(trainIdx), len(valIdx), nBatches, per, state.epoch()+1, cfg.Training.NEpochs)
	}
	ranThisCall := 0
	var stepSeconds []float64
	res.SetupSeconds = time.Since(called).Seconds()
	for epoch := state.epoch() + 1; epoch <= cfg.Training.NEpochs; epoch++ {
		if state.stopped() {
			res.StoppedEarly = true
			break
		}
		if opts.StopAfter > 0 && ranThisCall >= opts.StopAfter {
			break
		}
		start := time.Now()
		lr := state.lr()
		optimizers.LearningRateVar(ctx, dtypes.Float32, lr).MustSetValue(tensors.FromScalar(float32(lr)))
		progress.start(epoch, cfg.Training.NEpochs, nCalls)
		trainDS := feed(backend, mesh, &batches{name: "train", g: groups, order: epochOrder(trainIdx, cfg.Training.Seed, epoch),
			batchSize: cfg.Training.BatchSize, perCall: perCall, truth: supervised}, onDevice)
		trainLoss, stepSecs, timed, err := stepper.pass(trainDS, epoch)
		res.InputWaitSeconds += trainDS.inputWait().Seconds()
		if err != nil {
			trainDS.Reset() // stops the batch preparation
			return res, fmt.Errorf("epoch %d: %w", epoch, err)
		}
		if timed {
			stepSeconds = append(stepSeconds, stepSecs*float64(nCalls)/float64(nBatches))
		}
		stats := EpochStats{Epoch: epoch, TrainLoss: trainLoss, ValLoss: math.NaN(), LR: lr,
			AmpContrast: math.NaN(), PhaseSpread: math.NaN(), LogScale: logScaleValue(ctx)}
		if len(valIdx) > 0 {
			valDS := feed(backend, mesh, &batches{name: "validation", g: groups, order: valIdx, batchSize: cfg.Training.BatchSize, truth: supervised}, onDevice)
			metrics, err := trainer.Eval(valDS)
			res.InputWaitSeconds += valDS.inputWait().Seconds()
			if err != nil {
				valDS.Reset()
				return res, fmt.Errorf("epoch %d: validation: %w", epoch, err)
			}
			stats.ValLoss = shapes.ConvertTo[float64](metrics[valLossIndex].Value())
			stats.AmpContrast = shapes.ConvertTo[float64](metrics[contrastIndex].Value())
			stats.PhaseSpread = shapes.ConvertTo[float64](metrics[spreadIndex].Value())
		}
		stats.Seconds = time.Since(start).Seconds()
		improved := state.update(epoch, stats, cfg.Training)
		res.History = append(res.History, stats)
		if err := writeHistory(filepath.Join(out, HistoryFile), res.History); err != nil {
			return res, fmt.Errorf("epoch %d: %w; the checkpoint of epoch %d is intact: run the same command again to resume", epoch, err, epoch-1)
		}
		saving := time.Now()
		if err := saveCheckpoint(ckpt, filepath.Join(out, CheckpointDir), epoch); err != nil {
			return res, err
		}
		if improved {
			if err := copyLatestCheckpoint(filepath.Join(out, CheckpointDir), filepath.Join(out, BestDir)); err != nil {
				return res, err
			}
		}
		res.CheckpointSeconds += time.Since(saving).Seconds()
		res.BestEpoch = state.bestEpoch()
		progress.end(stats, improved)
		ranThisCall++
		if opts.OnEpoch != nil {
			if err := opts.OnEpoch(append([]EpochStats(nil), res.History...)); err != nil {
				return res, err
			}
		}
	}
	if state.stopped() {
		res.StoppedEarly = true
	}
	if best, ok := res.Best(); ok {
		res.Flat = best.Flat()
	}
	res.MedianStepSeconds = median(stepSeconds)
	return res, nil
}

// lockOutputDir takes the run lock of an output folder (see
// TrainOptions.OutputDirLocked), saying on progress when it takes over the
// lock of a run that died.
func lockOutputDir(dir string, progress io.Writer) (*runlock.Lock, error) {
	lock, err := runlock.Acquire(dir, "train")
	if err != nil {
		return nil, fmt.Errorf("--output_dir %w", err)
	}
	if note := lock.Note(dir); note != "" && progress != nil {
		fmt.Fprintln(progress, note)
	}
	return lock, nil
}

// StepsPerCall is the number of training steps one compiled call runs for
// cfg with `devices` devices (mesh): cfg.Training.StepsPerCall, 1 when
// unset. Several steps a call need the PINN model on one device (the
// supervised loss and the sharded batches take one step a call). Measured on
// an H200 (bench/h200/session7, gridsize 2, batch 16, lines_N64): 4 a call
// made a step 2.56 ms against 3.28 ms, but 10 epochs of the train command
// took 17.5 s against 11.9 s, the unrolled graphs (one for the full calls,
// one for the shorter last call of an epoch) compiling longer than the
// steps saved; so it is not the default.
func StepsPerCall(cfg config.Run, devices int) int {
	if cfg.Model.ModelType == config.ModelSupervised || devices > 1 {
		return 1
	}
	return max(cfg.Training.StepsPerCall, 1)
}

// callLosses hands, within one training graph, the summed loss of the
// batches that a call trains before its last (see newTrainer) from the model
// function to the epoch-loss metric, which GoMLX builds from the trainer's
// loss of the last batch alone.
type callLosses struct {
	mu      sync.Mutex
	earlier map[*Graph]*Node // Σ losses of the earlier batches; absent: one batch a call
	batches map[*Graph]int   // batches of the call
}

func (c *callLosses) set(g *Graph, sum *Node, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.earlier[g], c.batches[g] = sum, n
}

// sum is the summed loss of a call's batches, and their number, given the
// last one's loss.
func (c *callLosses) sum(g *Graph, last *Node) (*Node, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	earlier, ok := c.earlier[g]
	if !ok {
		return last, 1
	}
	return Add(earlier, last), c.batches[g]
}

// newTrainer is GoMLX's trainer for the model of cfg: Forward, Loss, Adam.
//
// With perCall > 1 a training call gets up to perCall batches at once
// (batches.perCall) and the model function trains all but the last itself —
// Forward, the loss (a plain mean: only a pass's last batch holds padding)
// and Adam's update of the variables in the graph — before it returns the
// last batch's predictions to GoMLX, which computes that loss and updates
// again. Each batch is one Adam step, as at one a call.
func newTrainer(backend backends.Backend, ctx *context.Context, cfg config.Run, pad, perCall int) *train.Trainer {
	supervised := cfg.Model.ModelType == config.ModelSupervised
	optimizer := optimizers.Adam().Done()
	calls := &callLosses{earlier: map[*Graph]*Node{}, batches: map[*Graph]int{}}
	bs := cfg.Training.BatchSize
	// The model also hands its input counts on to the loss (GoMLX's loss sees
	// only labels and predictions), so the batch travels to the device once.
	// The inputs are a batch (counts, offsets), or the resident arrays and
	// the batch's group indices (resident.go): then the batch is gathered
	// here and the indices handed on to the loss for the true patches.
	modelFn := func(ctx *context.Context, _ any, inputs []*Node) []*Node {
		counts, offsets := inputs[0], inputs[1]
		var idx *Node
		if len(inputs) > 2 {
			idx = inputs[2]
			counts, offsets = Gather(counts, InsertAxes(idx, -1)), Gather(offsets, InsertAxes(idx, -1))
		}
		g := counts.Graph()
		if rows := counts.Shape().Dimensions[0]; perCall > 1 && ctx.IsTraining(g) && rows > bs {
			n := rows / bs
			var sum *Node
			for i := range n - 1 {
				cs := Slice(counts, AxisRange(i*bs, (i+1)*bs))
				o := Forward(ctx, cfg.Model, cfg.Training.NPhotons, cs, Slice(offsets, AxisRange(i*bs, (i+1)*bs)), pad)
				loss := ReduceAllMean(GroupLosses(cfg, o, cs, nil, nil))
				optimizer.UpdateGraph(ctx, g, loss)
				if sum == nil {
					sum = loss
				} else {
					sum = Add(sum, loss)
				}
			}
			calls.set(g, sum, n)
			counts, offsets = Slice(counts, AxisRange(rows-bs, rows)), Slice(offsets, AxisRange(rows-bs, rows))
			if idx != nil {
				idx = Slice(idx, AxisRange(rows-bs, rows))
			}
		}
		o := Forward(ctx, cfg.Model, cfg.Training.NPhotons, counts, offsets, pad)
		if idx != nil {
			return []*Node{o.Re, o.Im, o.Intensity, counts, idx}
		}
		return []*Node{o.Re, o.Im, o.Intensity, counts}
	}
	// The last label is the groups' weights (see batches): 0 for padding.
	groupLosses := func(labels, predictions []*Node) (losses, weights *Node) {
		o := Output{Re: predictions[0], Im: predictions[1], Intensity: predictions[2]}
		weights = labels[len(labels)-1]
		if rows, b := weights.Shape().Dimensions[0], predictions[0].Shape().Dimensions[0]; rows > b {
			weights = Slice(weights, AxisRange(rows-b, rows)) // the last batch of a call (perCall > 1)
		}
		if supervised {
			re, im := labels[0], labels[1]
			if len(predictions) > 4 {
				at := InsertAxes(predictions[4], -1)
				re, im = Gather(re, at), Gather(im, at)
			}
			return GroupLosses(cfg, o, nil, re, im), weights
		}
		return GroupLosses(cfg, o, predictions[3], nil, nil), weights
	}
	lossFn := func(labels, predictions []*Node) *Node {
		return WeightedMean(groupLosses(labels, predictions))
	}
	valLoss := newGroupMetric("Validation Loss", valLossName, metrics.LossMetricType, groupLosses)
	return train.NewTrainer(backend, ctx.Checked(false), modelFn, lossFn, optimizer,
		[]metrics.Interface{epochLossMetric(calls)}, append([]metrics.Interface{valLoss}, flatnessMetrics()...))
}

// valLossName names the validation loss among the trainer's evaluation
// results (GoMLX's own mean losses, also there, count a padded batch as full).
const valLossName = "val_loss"

func describeModel(m config.Model) string {
	if m.Architecture != config.ArchCNN {
		return fmt.Sprintf("%s %s N=%d gridsize=%d width=%d modes=%d blocks=%d", m.ModelType, m.Architecture, m.N, m.Gridsize, m.FNOWidth, m.FNOModes, m.FNOBlocks)
	}
	enc, _ := m.Filters()
	return fmt.Sprintf("%s N=%d gridsize=%d filters=%v", m.ModelType, m.N, m.Gridsize, enc)
}

// checkResume reports whether output_dir holds a run to resume, and refuses
// one of a different model.
func checkResume(cfg config.Run) (bool, error) {
	out := cfg.Data.OutputDir
	if names, _ := checkpointNames(filepath.Join(out, CheckpointDir)); len(names) == 0 {
		return false, nil
	}
	saved, err := config.Load(filepath.Join(out, config.FileName))
	if err != nil {
		return false, fmt.Errorf("--output_dir %s holds checkpoints but its configuration is unusable: %w", out, err)
	}
	if d := config.SameModel(saved, cfg); d != "" {
		return false, fmt.Errorf("--output_dir %s holds a run of a different model (%s): choose another --output_dir or the same options", out, d)
	}
	return true, nil
}

// checkCheckpointConfig compares the configuration saved inside the loaded
// checkpoint with cfg.
func checkCheckpointConfig(ctx *context.Context, cfg config.Run, dir string) error {
	text, ok := ctx.GetParam(ParamConfig)
	if !ok {
		return fmt.Errorf("%s: the checkpoint carries no ptychokit configuration: not written by ptychokit, or by an incompatible version", dir)
	}
	s, _ := text.(string)
	saved, err := config.Unmarshal([]byte(s))
	if err != nil {
		return fmt.Errorf("%s: checkpoint configuration: %w", dir, err)
	}
	if d := config.SameModel(saved, cfg); d != "" {
		return fmt.Errorf("%s: the checkpoint is of a different model (%s)", dir, d)
	}
	return nil
}

// loopState is the training loop's state, kept in context variables so it is
// checkpointed with the weights.
type loopState struct {
	ctx *context.Context
}

var stateVars = []string{"epoch", "lr", "best_loss", "best_epoch", "since_best_lr", "since_best_stop", "stopped", "best_train_loss"}

func newLoopState(ctx *context.Context, lr float64) *loopState {
	sctx := ctx.InAbsPath(scopeState).Checked(false)
	initial := map[string]float64{"epoch": 0, "lr": lr, "best_loss": math.Inf(1), "best_epoch": 0,
		"since_best_lr": 0, "since_best_stop": 0, "stopped": 0, "best_train_loss": math.Inf(1)}
	for _, name := range stateVars {
		sctx.VariableWithValue(name, initial[name]).SetTrainable(false)
	}
	return &loopState{ctx: sctx}
}

func (s *loopState) get(name string) float64 {
	return tensors.ToScalar[float64](s.ctx.GetVariable(name).MustValue())
}

func (s *loopState) set(name string, v float64) {
	s.ctx.GetVariable(name).MustSetValue(tensors.FromScalar(v))
}

func (s *loopState) epoch() int     { return int(s.get("epoch")) }
func (s *loopState) lr() float64    { return s.get("lr") }
func (s *loopState) bestEpoch() int { return int(s.get("best_epoch")) }
func (s *loopState) stopped() bool  { return s.get("stopped") != 0 }

// update records epoch's result, applies the plateau schedule and early
// stopping, and reports whether the epoch is the best so far. The best epoch
// and the learning-rate schedule follow the validation loss, or the training
// loss without validation; early stopping follows t.EarlyStopMonitor.
//
// Epochs whose predictions are still flat (EpochStats.Flat: the run has not
// left the initial flat-object plateau) count for neither patience: with
// PtychoPINN's patience of 3, early stopping ended runs on that plateau at
// epochs 4–5, where the same seeds left it later and trained well (H200,
// lines_N64, gridsize 2: 2 of 10 seeds).
func (s *loopState) update(epoch int, st EpochStats, t config.Training) (improved bool) {
	loss := st.ValLoss
	if math.IsNaN(loss) {
		loss = st.TrainLoss
	}
	s.set("epoch", float64(epoch))
	flat := st.Flat()
	improved = loss < s.get("best_loss")
	switch {
	case improved:
		s.set("best_loss", loss)
		s.set("best_epoch", float64(epoch))
		s.set("since_best_lr", 0)
	case !flat:
		sinceLR := s.get("since_best_lr") + 1
		if int(sinceLR) >= t.LRPatience {
			s.set("lr", math.Max(s.lr()*t.LRFactor, t.LRMin))
			sinceLR = 0
		}
		s.set("since_best_lr", sinceLR)
	}
	stopImproved := improved
	if t.EarlyStopMonitor == config.MonitorLoss {
		stopImproved = st.TrainLoss < s.get("best_train_loss")
		if stopImproved {
			s.set("best_train_loss", st.TrainLoss)
		}
	}
	switch {
	case stopImproved:
		s.set("since_best_stop", 0)
	case !flat:
		sinceStop := s.get("since_best_stop") + 1
		s.set("since_best_stop", sinceStop)
		if t.EarlyStopPatience > 0 && int(sinceStop) >= t.EarlyStopPatience {
			s.set("stopped", 1)
		}
	}
	return improved
}

// writeHistory rewrites history.csv atomically.
func writeHistory(path string, history []EpochStats) error {
	rows := make([]runfiles.Epoch, len(history))
	for i, h := range history {
		rows[i] = runfiles.Epoch(h)
	}
	return atomicfile.WriteFile(path, runfiles.FormatHistory(rows))
}

// ReadHistory reads a history.csv written by Train (also the five-column
// files of earlier versions, whose diagnostics read as NaN).
func ReadHistory(path string) ([]EpochStats, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := runfiles.ParseHistory(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	h := make([]EpochStats, len(rows))
	for i, r := range rows {
		h[i] = EpochStats(r)
	}
	return h, nil
}

// readHistory returns the rows up to epoch (the checkpoint's), or nothing
// for a fresh run.
func readHistory(path string, epoch int) ([]EpochStats, error) {
	if epoch == 0 {
		return nil, nil
	}
	h, err := ReadHistory(path)
	if err != nil {
		return nil, fmt.Errorf("resume: %w", err)
	}
	var out []EpochStats
	for _, r := range h {
		if r.Epoch <= epoch {
			out = append(out, r)
		}
	}
	return out, nil
}

// linkAtomic makes to a hard link of from, replacing any file there in one
// step (a link under a temporary name, then renamed).
func linkAtomic(from, to string) error {
	tmp := to + ".link-tmp"
	os.Remove(tmp)
	if err := os.Link(from, tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, to); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// copyLatestCheckpoint replaces the checkpoint in dst with the latest of src.
func copyLatestCheckpoint(src, dst string) error {
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	latest := ""
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, "checkpoint-") && strings.HasSuffix(name, checkpoints.JsonNameSuffix) {
			latest = max(latest, strings.TrimSuffix(name, checkpoints.JsonNameSuffix))
		}
	}
	if latest == "" {
		return fmt.Errorf("%s: no checkpoint to copy", src)
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	old, _ := os.ReadDir(dst)
	for _, suffix := range []string{checkpoints.BinDataSuffix, checkpoints.JsonNameSuffix, runfiles.SumsSuffix} {
		from, to := filepath.Join(src, latest+suffix), filepath.Join(dst, latest+suffix)
		if _, err := os.Stat(from); suffix == runfiles.SumsSuffix && err != nil {
			continue // a checkpoint of a version without sums
		}
		// The weights (tens of MB) are hard-linked when the file system
		// allows: GoMLX never rewrites a checkpoint file, it writes new ones
		// and removes old ones, so the link keeps the bytes best/ needs.
		if suffix == checkpoints.BinDataSuffix && linkAtomic(from, to) == nil {
			continue
		}
		b, err := os.ReadFile(from)
		if err != nil {
			return err
		}
		if err := atomicfile.WriteFile(to, b); err != nil {
			return err
		}
	}
	for _, e := range old {
		if !strings.HasPrefix(e.Name(), latest) {
			os.Remove(filepath.Join(dst, e.Name()))
		}
	}
	return nil
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

// recoverInto turns a panic inside GoMLX graph building or execution into an
// error for the caller of a public entry point.
func recoverInto(err *error, what string) {
	if r := recover(); r != nil {
		if e, ok := r.(error); ok {
			*err = fmt.Errorf("%s: %w", what, e)
		} else {
			*err = fmt.Errorf("%s: %v", what, r)
		}
	}
}
