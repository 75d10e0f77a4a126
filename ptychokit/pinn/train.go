package pinn

import (
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/checkpoints"
	"github.com/gomlx/gomlx/pkg/ml/train/metrics"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"

	"github.com/ptychokit/ptychokit/ptychokit/config"
	"github.com/ptychokit/ptychokit/ptychokit/data"
	"github.com/ptychokit/ptychokit/ptychokit/internal/oom"
	"github.com/ptychokit/ptychokit/ptychokit/internal/runlock"
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

	feeder := &feeder{backend: backend, mesh: mesh, g: groups, truth: supervised, r: onDevice}
	devices := 1
	if mesh != nil {
		devices = mesh.Devices()
	}
	perCall := StepsPerCall(cfg, devices)
	trainer := newTrainer(backend, ctx, cfg, groups.CanvasPad, perCall, groups.Mask)
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
		trainDS := feeder.pass(&batches{name: "train", g: groups, order: epochOrder(trainIdx, cfg.Training.Seed, epoch),
			batchSize: cfg.Training.BatchSize, perCall: perCall, truth: supervised})
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
			valDS := feeder.pass(&batches{name: "validation", g: groups, order: valIdx, batchSize: cfg.Training.BatchSize, truth: supervised})
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

func describeModel(m config.Model) string {
	if m.Architecture != config.ArchCNN {
		return fmt.Sprintf("%s %s N=%d gridsize=%d width=%d modes=%d blocks=%d", m.ModelType, m.Architecture, m.N, m.Gridsize, m.FNOWidth, m.FNOModes, m.FNOBlocks)
	}
	enc, _ := m.Filters()
	return fmt.Sprintf("%s N=%d gridsize=%d filters=%v", m.ModelType, m.N, m.Gridsize, enc)
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
