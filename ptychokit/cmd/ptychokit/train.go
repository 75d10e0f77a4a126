package main

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ptychokit/ptychokit/plots"
	"github.com/ptychokit/ptychokit/ptychokit/config"
	"github.com/ptychokit/ptychokit/ptychokit/pinn"
)

func init() {
	register("train", "train PtychoPINN (or its supervised baseline) on a canonical NPZ", runTrain)
}

// runFlags binds the flags of a run's configuration to cfg (defaults shown
// are PtychoPINN's, from config.Defaults).
func runFlags(fs *flag.FlagSet, cfg *config.Run) {
	m, t, d := &cfg.Model, &cfg.Training, &cfg.Data
	fs.StringVar(&d.TrainDataFile, "train_data_file", d.TrainDataFile, "canonical NPZ to train on (required): 'diffraction', 'probeGuess', 'xcoords', 'ycoords'")
	fs.StringVar(&d.TestDataFile, "test_data_file", d.TestDataFile, "canonical NPZ reconstructed after training (optional; written to OUTPUT_DIR/reconstruction.npz)")
	fs.StringVar(&d.OutputDir, "output_dir", d.OutputDir, "directory for config.json, history.csv, checkpoints/ and best/ (required); an existing run there is resumed")
	groupsFlag(fs, &d.NImages, "the `number` of groups to train on, whatever the gridsize (0 = as many as scan points); their seeds are a random sample of the scan points (--seed) unless --sequential_sampling")
	fs.IntVar(&d.NSubsample, "n_subsample", d.NSubsample, "first thin the training scan to a random sample of this many scan points, kept in scan order, then group those (0 = keep every point)")
	fs.Int64Var(&d.SubsampleSeed, "subsample_seed", d.SubsampleSeed, "seed of the --n_subsample sample, apart from --seed so that runs of different seeds can train on the same points")
	fs.BoolVar(&d.SequentialSampling, "sequential_sampling", d.SequentialSampling, "seed the groups with the scan points in scan order (the first n_groups) instead of a random sample")
	fs.BoolVar(&d.IgnoreMask, "ignore_mask", d.IgnoreMask, "treat every detector pixel as measured, even those the file's 'mask' marks as not (by default they carry no weight in the loss and read 0 in the network's input)")
	fs.IntVar(&d.NeighborCount, "neighbor_count", d.NeighborCount, "K: groups are drawn from each point's K nearest neighbours (gridsize > 1)")
	fs.IntVar(&m.N, "N", m.N, "pattern size: 64 or 128 (must match the data)")
	fs.IntVar(&m.Gridsize, "gridsize", m.Gridsize, "g: g² neighbouring patterns are predicted together and merged in their overlaps")
	fs.Float64Var(&m.NFiltersScale, "n_filters_scale", m.NFiltersScale, "network width: encoder filters 32·s, 64·s, 128·s (2 → 64-128-256, PtychoPINN's; 0.25 → 8-16-32 trains in minutes on a CPU)")
	fs.StringVar(&m.ModelType, "model_type", m.ModelType, "pinn (physics loss, no ground truth) | supervised (PtychoNN-style loss on the true patches 'Y')")
	fs.StringVar(&m.AmpActivation, "amp_activation", m.AmpActivation, "amplitude head activation: sigmoid | relu | swish")
	fs.BoolVar(&m.ObjectBig, "object_big", m.ObjectBig, "merge the patches of a group where they overlap (real-space constraint; gridsize > 1)")
	fs.BoolVar(&m.ProbeBig, "probe_big", m.ProbeBig, "predict the border ring outside the central N/2×N/2 of each patch")
	fs.BoolVar(&m.PadObject, "pad_object", m.PadObject, "the decoders predict the central N/2×N/2, zero-padded to N×N (false: the whole N×N patch, one more up block — for probes that light more than the centre)")
	fs.BoolVar(&m.ProbeMask, "probe_mask", m.ProbeMask, "mask the probe to a disk of radius N/4")
	fs.BoolVar(&m.ProbeTrainable, "probe_trainable", m.ProbeTrainable, "train the probe too")
	fs.BoolVar(&m.IntensityScaleTrainable, "intensity_scale_trainable", m.IntensityScaleTrainable, "train the intensity scale log_scale")
	fs.StringVar(&m.Init, "init", m.Init, "kernel initialisation: glorot (PtychoPINN's) | he_zero_out (He kernels, output convolutions at zero: the untrained model predicts a flat patch from live features)")
	fs.StringVar(&m.InputTransform, "input_transform", m.InputTransform, "transform of the network's input amplitudes: standardize (each detector pixel minus its mean over the training patterns, over its std: without it runs can sit on a flat-object plateau, docs/training.md) | none (PtychoPINN's raw amplitudes) | sqrt | log1p")
	fs.StringVar(&m.Precision, "precision", m.Precision, "arithmetic of the network's hidden convolutions: float32 | bf16 (bfloat16 activations, float32 weights, accumulation, output layers, physics and loss; for GPUs — about twice the convolution rate on an H200, see bench/RESULTS.md)")
	fs.StringVar(&m.Architecture, "architecture", m.Architecture, "the generator: cnn (the encoder-decoder of PtychoPINN's paper) | fno (Fourier layers + a 3×3 refiner) | ffno (factorised Fourier layers, shared weights, residual refiners) | fno_vanilla (Fourier layers only), as PtychoPINN's ptycho_torch generators; the operators work at the full N×N resolution")
	fs.IntVar(&m.FNOWidth, "fno_width", m.FNOWidth, "fno, ffno, fno_vanilla: channels of the hidden features")
	fs.IntVar(&m.FNOModes, "fno_modes", m.FNOModes, "fno, ffno, fno_vanilla: frequencies kept along each axis (1 to N/2)")
	fs.IntVar(&m.FNOBlocks, "fno_blocks", m.FNOBlocks, "fno, ffno, fno_vanilla: number of Fourier blocks")
	fs.IntVar(&m.FNOCNNBlocks, "fno_cnn_blocks", m.FNOCNNBlocks, "fno, ffno: number of 3×3 refiner blocks after the Fourier blocks")
	fs.Float64Var(&t.NPhotons, "nphotons", t.NPhotons, "photons per pattern: sets the physics scale s = sqrt(nphotons)/(N/2); 0 (the default) = the photons a pattern of the training data hold, or PtychoPINN's 1e9 when the data give no count (see above)")
	fs.Float64Var(&t.NLLWeight, "nll_weight", t.NLLWeight, "weight of the Poisson negative log-likelihood on intensities")
	fs.Float64Var(&t.MAEWeight, "mae_weight", t.MAEWeight, "weight of the mean absolute error on amplitudes")
	fs.Float64Var(&t.RealspaceMAEWeight, "realspace_mae_weight", t.RealspaceMAEWeight, "weight of the real-space MAE against 'Y' (supervised; set it > 0 with --model_type supervised)")
	fs.IntVar(&t.BatchSize, "batch_size", t.BatchSize, "groups per training step")
	fs.IntVar(&t.StepsPerCall, "steps_per_call", t.StepsPerCall, "training steps (batches, one Adam update each) run by one compiled device call: fewer host round trips at small batches (H200, batch 16: a step 2.6 ms instead of 3.3 ms), a longer compile (a short run ends later); 0 = 1")
	fs.IntVar(&t.NEpochs, "max_epochs", t.NEpochs, "maximum number of epochs (PtychoPINN's nepochs)")
	fs.IntVar(&t.NEpochs, "nepochs", t.NEpochs, "alias of --max_epochs")
	fs.Float64Var(&t.LearningRate, "learning_rate", t.LearningRate, "Adam's initial learning rate")
	fs.IntVar(&t.LRPatience, "lr_patience", t.LRPatience, "halve the learning rate after this many epochs without improvement")
	fs.Float64Var(&t.LRMin, "lr_min", t.LRMin, "floor of the learning rate")
	fs.IntVar(&t.EarlyStopPatience, "early_stop_patience", t.EarlyStopPatience, "stop after this many epochs without improvement of --early_stop_monitor (0 = never)")
	fs.StringVar(&t.EarlyStopMonitor, "early_stop_monitor", t.EarlyStopMonitor, "what early stopping watches: val_loss, or loss (the training loss, as PtychoPINN's EarlyStopping); the learning-rate schedule and the best checkpoint follow the validation loss either way")
	fs.Float64Var(&t.ValidationSplit, "validation_split", t.ValidationSplit, "fraction of groups held out for the validation loss")
	fs.Int64Var(&t.Seed, "seed", t.Seed, "seed for weights, groups, split and shuffling (same seed, same run)")
	fs.StringVar(&d.Probe, "probe", d.Probe, "the probe to train with (PtychoPINN keeps it fixed): auto = the data's probeGuess, refined first by 100 rPIE iterations when the file holds only initial guesses (a constant objectGuess, as measured files often do; the result goes to OUTPUT_DIR/probe_refined.npz); guess = the probeGuess as it is; or an NPZ whose probeGuess, or the probe a reconstruction refined (ptychokit reconstruct's reconstruction.npz), is used")
	fs.StringVar(&d.InitFrom, "init_from", d.InitFrom, "fine-tune: start from the network of the model trained in this `directory` (its weights and input statistics, and its model options); the probe and photon count come from the new data")
}

// groupsFlag binds --n_groups to dst, and --n_images, PtychoPINN's old
// name for the same number, as its deprecated alias: either sets dst, and
// the two given different numbers are a parse error.
func groupsFlag(fs *flag.FlagSet, dst *int, usage string) {
	c := &groupCount{dst: dst}
	fs.Var(groupFlag{c, "n_groups"}, "n_groups", usage)
	fs.Var(groupFlag{c, "n_images"}, "n_images", "deprecated alias of --n_groups: the same `number`")
}

// groupCount is the number --n_groups and --n_images share, and the flag
// that set it ("" before either).
type groupCount struct {
	dst   *int
	setBy string
}

// groupFlag is one of the two spellings of a groupCount.
type groupFlag struct {
	c    *groupCount
	name string
}

func (f groupFlag) String() string {
	if f.c == nil { // the flag package's zero value, for its help
		return "0"
	}
	return strconv.Itoa(*f.c.dst)
}

func (f groupFlag) Set(s string) error {
	v, err := strconv.Atoi(s)
	if err != nil {
		return errors.New("want a whole number")
	}
	if by := f.c.setBy; by != "" && by != f.name && v != *f.c.dst {
		return fmt.Errorf("--%s %d was given too: --n_images is the deprecated name of --n_groups; give one", by, *f.c.dst)
	}
	*f.c.dst, f.c.setBy = v, f.name
	return nil
}

func runTrain(args []string) error {
	cfg := config.Defaults()
	fs := newFlags("train", "--train_data_file F --output_dir D [flags]", `
Trains PtychoPINN: a convolutional encoder-decoder maps each diffraction
amplitude to an object patch, and a differentiable far-field model turns the
patch back into a diffraction pattern that the Poisson loss compares with the
measurement — no ground truth needed. Adam, learning rate halved on plateau,
early stopping, a seeded validation split; a checkpoint after every epoch.

OUTPUT_DIR receives config.json (every option of the run), history.csv (epoch,
train_loss, val_loss, lr, seconds), checkpoints/ (the latest) and best/ (the
lowest validation loss). Running again on the same OUTPUT_DIR resumes from the
latest checkpoint (raise --max_epochs to train longer); the result is the same
as a run that never stopped. With --test_data_file the trained model also
reconstructs that file (as 'ptychokit infer' would).

The physics scale s = sqrt(nphotons)/(N/2) needs the photons a pattern holds.
Without --nphotons (or with 0) it is read from the training data: measured
amplitudes are sqrt(counts) times some unit, and whole photon counts give the
unit away ('ptychokit inspect' shows the estimate). When the amplitudes are not
whole counts (a noise-free simulation, processed data) PtychoPINN's 1e9 is
used. Either way one line says which value is used and why, and config.json
keeps it for infer and resume. A given --nphotons more than 10 times off the
data's own count draws a warning.

Sampling follows PtychoPINN: --n_groups groups, seeded by a random sample of
the scan points (--sequential_sampling: the first ones in scan order), after
--n_subsample has thinned the scan. PtychoPINN's own command line runs as it
is, e.g. train --train_data_file F --test_data_file F --output_dir D
--max_epochs 2 --n_images 64 --gridsize 1 --batch_size 4 --device cpu
--disable_mlflow.

Example (a small network, ~6 minutes on 2 cores; amplitude SSIM ~0.74 on this
file against its ground truth):
  ptychokit train --train_data_file datasets/lines_N64.npz --output_dir out/pinn \
      --n_filters_scale 0.25 --max_epochs 20 --batch_size 8 --learning_rate 0.003`)
	runFlags(fs, &cfg)
	fs.Bool("disable_mlflow", false, "accepted for compatibility with PtychoPINN's command line and does nothing: ptychokit has no MLflow (history.csv and the checkpoints are the run's record)")
	dev := deviceFlag(fs)
	devs := devicesFlag(fs)
	deviceData := deviceDataFlag(fs)
	configFile := configFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := applyConfig(fs, *configFile); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (flags start with --)", fs.Arg(0))
	}
	residentBytes, err := deviceData()
	if err != nil {
		return err
	}
	if cfg.Data.TrainDataFile == "" {
		return errors.New("--train_data_file is required")
	}
	if cfg.Data.OutputDir == "" {
		return errors.New("--output_dir is required")
	}
	if cfg.Data.InitFrom != "" {
		if err := takeModelOptions(fs, &cfg); err != nil {
			return err
		}
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("bad option: %s", flagNames(err.Error()))
	}
	// Before anything slow: a folder in use is refused at once.
	lock, err := lockOutputDir(cfg.Data.OutputDir, "train")
	if err != nil {
		return err
	}
	defer lock.Release()
	backend, devices, err := openBackend(*dev, *devs)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.Data.OutputDir, 0o755); err != nil {
		return fmt.Errorf("--output_dir: %w", err)
	}
	if err := config.WriteFlags(cfg.Data.OutputDir, fs, "config"); err != nil {
		return err
	}
	res, err := pinn.Train(backend, cfg, pinn.TrainOptions{Progress: os.Stderr, Devices: devices, ResidentBytes: residentBytes,
		OutputDirLocked: true})
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stdout, "trained %d epochs (best %d, val_loss %.6g), median step %.2f ms, %d steps an epoch; model in %s\n",
		len(res.History), res.BestEpoch, bestVal(res), 1e3*res.MedianStepSeconds, res.StepsPerEpoch, cfg.Data.OutputDir)
	fmt.Fprintln(os.Stdout, timeBreakdown(res))
	if line := flatWarning(res); line != "" {
		fmt.Fprintln(os.Stderr, line)
	}
	if fig, err := plots.LossCurves(trainLosses(res.History), valLosses(res.History), "PtychoPINN training"); err == nil {
		if err := fig.SavePNG(filepath.Join(cfg.Data.OutputDir, "history.png"), 0, 0); err != nil {
			return err
		}
	}
	if cfg.Data.TestDataFile != "" {
		return inferTo(backend, devices, cfg.Data.OutputDir, cfg.Data.TestDataFile, cfg.Data.OutputDir, 0, 0)
	}
	return nil
}

// takeModelOptions sets cfg's model options to those of the model in
// --init_from, refusing a model flag given with another value (the flags of
// config.Model are named as its JSON keys, which SameModel reports).
func takeModelOptions(fs *flag.FlagSet, cfg *config.Run) error {
	src, err := config.Load(cfg.Data.InitFrom)
	if err != nil {
		return fmt.Errorf("--init_from: %w", err)
	}
	diff := config.SameModel(config.Run{Model: cfg.Model}, config.Run{Model: src.Model})
	cfg.Model = src.Model
	var conflict error
	fs.Visit(func(f *flag.Flag) {
		if conflict == nil && diff != "" && strings.Contains(diff, "model."+f.Name+":") {
			conflict = fmt.Errorf("--%s: the model in --init_from %s has another value (given vs the model's: %s); a fine-tune keeps its network, leave the flag out", f.Name, cfg.Data.InitFrom, diff)
		}
	})
	return conflict
}

// timeBreakdown says where the time of a training call went: setting up,
// the first epoch of this call (which compiles the graphs), the later epochs
// and the checkpoints, and how long the device waited for its input.
func timeBreakdown(res *pinn.Result) string {
	var first, later float64
	for i, h := range res.History[res.ResumedFrom:] {
		if i == 0 {
			first = h.Seconds
		} else {
			later += h.Seconds
		}
	}
	return fmt.Sprintf("time: setup %.1f s, first epoch %.1f s (compiles the graphs), %d more epochs %.1f s, checkpoints %.1f s; the epochs waited %.2f s for batches",
		res.SetupSeconds, first, max(len(res.History)-res.ResumedFrom-1, 0), later, res.CheckpointSeconds, res.InputWaitSeconds)
}

// flatWarning is the one line that says a run ended on the flat-object
// plateau ("" when it did not).
func flatWarning(res *pinn.Result) string {
	best, ok := res.Best()
	if !res.Flat || !ok {
		return ""
	}
	return fmt.Sprintf("warning: the model is flat: at its best epoch (%d) it predicts a featureless object (amplitude contrast %.3f, phase spread %.3f rad, both below %.2f); training never left the initial plateau — train longer (--max_epochs), or see 'ptychokit train --help' on --input_transform and --gridsize",
		best.Epoch, best.AmpContrast, best.PhaseSpread, pinn.PlateauContrast)
}

// bestVal is the monitored loss of the best epoch: the validation loss, or
// the training loss without validation.
func bestVal(res *pinn.Result) float64 {
	best, ok := res.Best()
	switch {
	case !ok:
		return math.NaN()
	case math.IsNaN(best.ValLoss):
		return best.TrainLoss
	}
	return best.ValLoss
}

func trainLosses(h []pinn.EpochStats) []float64 {
	out := make([]float64, len(h))
	for i, r := range h {
		out[i] = r.TrainLoss
	}
	return out
}

func valLosses(h []pinn.EpochStats) []float64 {
	out := make([]float64, len(h))
	for i, r := range h {
		if math.IsNaN(r.ValLoss) {
			return nil
		}
		out[i] = r.ValLoss
	}
	return out
}

// flagNames turns the config's JSON keys in a validation message into flag
// spellings ("nepochs" is the flag --max_epochs).
func flagNames(msg string) string {
	msg = strings.ReplaceAll(msg, "nepochs", "max_epochs")
	return "--" + msg
}
