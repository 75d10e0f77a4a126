package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/ptychokit/ptychokit/ptychokit/atomicfile"
)

// FormatVersion is the version of the saved configuration and of the
// checkpoint layout that goes with it. Bump it whenever a saved model could be
// misread by new code (a renamed variable, a changed network or loss); Load
// then refuses old files with a clear error instead of computing nonsense,
// or, where the old meaning carries over exactly, upgrades them (upgrade).
//
// Version 2 renamed data.n_images to n_groups and added n_subsample,
// subsample_seed and sequential_sampling: at gridsize 1, version 1 took the
// first n_images scan points, which version 2 spells sequential_sampling.
const FormatVersion = 2

// FileName is the name of the configuration file in an output directory.
const FileName = "config.json"

// Model types.
const (
	// ModelPINN is the physics-informed, unsupervised PtychoPINN: the loss
	// compares predicted and measured diffraction.
	ModelPINN = "pinn"
	// ModelSupervised is the PtychoNN-style baseline: the same network with the
	// loss on the real-space patch Y (ground truth needed).
	ModelSupervised = "supervised"
)

// Model configures the network and the physics layer.
type Model struct {
	// N is the side of a diffraction pattern and object patch: 64 or 128.
	N int `json:"N"`
	// Gridsize g: g² neighbouring scan points are predicted together.
	Gridsize int `json:"gridsize"`
	// NFiltersScale multiplies the base filter counts: encoder [32, 64, 128]
	// (N=64) or [16, 32, 64, 128] (N=128), decoders the reverse without the
	// last. PtychoPINN's default 2 gives 64-128-256. Fractional values (0.25,
	// 0.5) give the small networks that train in minutes on a CPU; each
	// count is rounded and at least 1.
	NFiltersScale float64 `json:"n_filters_scale"`
	// ModelType is ModelPINN or ModelSupervised.
	ModelType string `json:"model_type"`
	// AmpActivation is the amplitude head's activation: "sigmoid" (default),
	// "relu" or "swish".
	AmpActivation string `json:"amp_activation"`
	// ObjectBig merges the g² patches of a group on one canvas where they
	// overlap (the real-space overlap constraint); only matters for g > 1.
	ObjectBig bool `json:"object_big"`
	// ProbeBig adds a branch that predicts the border ring outside the central
	// N/2×N/2 of each patch.
	ProbeBig bool `json:"probe_big"`
	// PadObject zero-pads the decoder's N/2×N/2 output by N/4 to N×N (with
	// ProbeBig a border branch fills the ring); false makes the decoders
	// predict the whole N×N patch with one more up block, for probes that
	// light more than the central N/2×N/2.
	PadObject bool `json:"pad_object"`
	// ProbeMask multiplies the probe by a disk of radius N/4.
	ProbeMask bool `json:"probe_mask"`
	// ProbeTrainable makes the probe a trainable variable.
	ProbeTrainable bool `json:"probe_trainable"`
	// IntensityScaleTrainable makes log_scale trainable.
	IntensityScaleTrainable bool `json:"intensity_scale_trainable"`
	// Init is how the network's kernels start: InitGlorot (PtychoPINN's,
	// Keras's default) or InitHeZeroOut (see the constants).
	Init string `json:"init"`
	// InputTransform is applied to the network's input amplitudes:
	// "standardize" (the default: each detector pixel minus its mean over
	// the training patterns, over its standard deviation — see package
	// pinn, input.go, for why and what it measured), "none" (PtychoPINN's
	// raw amplitudes), "sqrt" or "log1p".
	InputTransform string `json:"input_transform"`
	// Precision is the arithmetic of the network's hidden convolutions:
	// PrecisionFloat32 (the default; XLA may still use TF32 on a GPU) or
	// PrecisionBF16 (bfloat16 activations and kernel copies, float32
	// accumulation and float32 master weights; the input layer's
	// normalisation, the output convolutions, the physics layer and the
	// loss stay float32). "" is float32.
	Precision string `json:"precision,omitempty"`
	// Architecture is the generator that maps the diffraction of a group to
	// its object patches (PtychoPINN's generators): ArchCNN (the
	// encoder-decoder above, the default) or one of the Fourier neural
	// operators ArchFNO, ArchFFNO, ArchFNOVanilla, which work at the full
	// N×N resolution and predict the whole patch (only its central N/2×N/2
	// with pad_object and without probe_big, as the CNN). The FNO fields
	// below matter only for those.
	Architecture string `json:"architecture"`
	// FNOWidth is the channels of the operators' hidden features.
	FNOWidth int `json:"fno_width"`
	// FNOModes is the frequencies kept along each axis (1 to N/2).
	FNOModes int `json:"fno_modes"`
	// FNOBlocks is the number of spectral blocks.
	FNOBlocks int `json:"fno_blocks"`
	// FNOCNNBlocks is the number of 3×3 refiner blocks after them (fno, ffno).
	FNOCNNBlocks int `json:"fno_cnn_blocks"`
}

// Values of Model.Precision.
const (
	PrecisionFloat32 = "float32"
	PrecisionBF16    = "bf16"
)

// Generator architectures (Model.Architecture).
const (
	ArchCNN        = "cnn"         // the encoder-decoder of PtychoPINN's paper
	ArchFNO        = "fno"         // spectral blocks, then a 3×3 refiner
	ArchFFNO       = "ffno"        // factorised spectral blocks with shared weights, then residual refiners
	ArchFNOVanilla = "fno_vanilla" // spectral blocks only
)

// Architectures lists the values of Model.Architecture.
var Architectures = []string{ArchCNN, ArchFNO, ArchFFNO, ArchFNOVanilla}

// Defaults of the FNO fields (PtychoPINN's).
const (
	DefaultFNOWidth     = 32
	DefaultFNOModes     = 12
	DefaultFNOBlocks    = 4
	DefaultFNOCNNBlocks = 2
)

// Kernel initialisations (Model.Init).
const (
	// InitGlorot starts every kernel Glorot-uniform, biases 0.
	InitGlorot = "glorot"
	// InitHeZeroOut starts the hidden kernels He-normal (variance kept
	// through ReLU layers) and the output convolutions at zero, so the
	// untrained model predicts a flat patch while its features carry the
	// input.
	InitHeZeroOut = "he_zero_out"
)

// InputStandardize is the default Model.InputTransform: each detector pixel
// standardised over the training patterns.
const InputStandardize = "standardize"

// Values of Data.Probe besides a file.
const (
	// ProbeAuto: the data's probeGuess, refined first by rPIE when the file
	// holds only initial guesses (a constant objectGuess; pinn.GuessFile).
	ProbeAuto = "auto"
	// ProbeGuess: the data's probeGuess as it is.
	ProbeGuess = "guess"
)

// Values of Training.EarlyStopMonitor.
const (
	MonitorValLoss = "val_loss" // the validation loss (the training loss without validation)
	MonitorLoss    = "loss"     // the training loss, as PtychoPINN
)

// legacyModelDefaults fills the fields that configurations written before
// they existed lack, with the behaviour those versions had.
func (m *Model) legacyModelDefaults() {
	if m.Init == "" {
		m.Init = InitGlorot
	}
	if m.InputTransform == "" {
		m.InputTransform = "none"
	}
	if m.Precision == "" { // written before the option existed
		m.Precision = PrecisionFloat32
	}
	if m.Architecture == "" { // written before the generators existed: the CNN
		m.Architecture = ArchCNN
		m.FNOWidth, m.FNOModes, m.FNOBlocks, m.FNOCNNBlocks = DefaultFNOWidth, DefaultFNOModes, DefaultFNOBlocks, DefaultFNOCNNBlocks
	}
}

// Training configures the loss, the optimiser and the loop.
type Training struct {
	// NPhotons sets the physics scale s = sqrt(nphotons)/(N/2): the network
	// sees s·X, whose mean pattern energy is nphotons. 0 means "from the
	// data": training replaces it by the photons a pattern of the training
	// data hold (data.EstimatePhotons), or by DefaultNPhotons when the data
	// give no estimate, and saves the value it used.
	NPhotons float64 `json:"nphotons"`
	// NLLWeight weights the Poisson negative log-likelihood on intensities.
	NLLWeight float64 `json:"nll_weight"`
	// MAEWeight weights the mean absolute error on amplitudes.
	MAEWeight float64 `json:"mae_weight"`
	// RealspaceMAEWeight weights the MAE between predicted and true patches
	// (re, im) — the supervised loss; 0 for ModelPINN.
	RealspaceMAEWeight float64 `json:"realspace_mae_weight"`
	// BatchSize is the number of groups a step.
	BatchSize int `json:"batch_size"`
	// StepsPerCall is how many training steps (batches) one compiled call of
	// the device runs, one after another, each with its own Adam update: the
	// same steps as one a call, fewer round trips to the host, which is what
	// small batches on a GPU wait on; the unrolled graph compiles longer
	// (see pinn.StepsPerCall for what was measured). 0 means 1.
	StepsPerCall int `json:"steps_per_call,omitempty"`
	// NEpochs is the maximum number of epochs (flag --max_epochs / --nepochs).
	NEpochs int `json:"nepochs"`
	// LearningRate is Adam's initial learning rate.
	LearningRate float64 `json:"learning_rate"`
	// LRPatience, LRFactor, LRMin: multiply the learning rate by LRFactor when
	// the validation loss has not improved for LRPatience epochs, not below
	// LRMin.
	LRPatience int     `json:"lr_patience"`
	LRFactor   float64 `json:"lr_factor"`
	LRMin      float64 `json:"lr_min"`
	// EarlyStopPatience stops training when the monitored loss
	// (EarlyStopMonitor) has not improved for that many epochs; 0 never
	// stops early.
	EarlyStopPatience int `json:"early_stop_patience"`
	// EarlyStopMonitor is the loss early stopping watches: MonitorValLoss
	// (the default) or MonitorLoss, the training loss, as PtychoPINN's
	// EarlyStopping(monitor='loss'). The learning-rate schedule and the best
	// checkpoint follow the validation loss either way.
	EarlyStopMonitor string `json:"early_stop_monitor"`
	// ValidationSplit is the fraction of groups held out for validation.
	ValidationSplit float64 `json:"validation_split"`
	// Seed seeds weight initialisation, grouping, the split and shuffling.
	Seed int64 `json:"seed"`
	// KeepCheckpoints is how many of the latest checkpoints to keep (the best
	// is kept separately).
	KeepCheckpoints int `json:"keep_checkpoints"`
}

// Data names the data of a run.
type Data struct {
	// TrainDataFile and TestDataFile are canonical NPZ files.
	TrainDataFile string `json:"train_data_file"`
	TestDataFile  string `json:"test_data_file"`
	// NImages is the number of groups used, whatever the gridsize
	// (PtychoPINN's n_groups; flags --n_groups and its deprecated alias
	// --n_images); 0 seeds one group at every scan point (at gridsize 1:
	// every point once, in scan order).
	NImages int `json:"n_groups"`
	// Probe is the probe training uses: ProbeAuto (the default), ProbeGuess,
	// or an NPZ file whose probe (data.ReadProbe: its probeGuess, or the
	// probe a reconstruction wrote) replaces the training data's probeGuess.
	Probe string `json:"probe,omitempty"`
	// TrainScanStep is set by training: the mean distance from each point of
	// the training scan to its nearest neighbour (pixels). At gridsize ≥ 2
	// 'infer' compares a new scan's with it: the network learns the layout
	// of its groups.
	TrainScanStep float64 `json:"train_scan_step,omitempty"`
	// TrainScanSpread is set with TrainScanStep: the spread (std/mean) of
	// those nearest-neighbour distances, 0 on a raster, ~0.5 at random.
	TrainScanSpread float64 `json:"train_scan_spread,omitempty"`
	// NeighborCount K: groups are drawn from each point's K nearest neighbours.
	NeighborCount int `json:"neighbor_count"`
	// OutputDir receives config.json, history.csv and the checkpoints.
	OutputDir string `json:"output_dir"`

	// Sampling, as PtychoPINN's (format version 2).

	// NSubsample thins the training scan before grouping: a random sample
	// of that many scan points, kept in scan order, drawn with
	// SubsampleSeed (data.Subsample); 0 keeps every point.
	NSubsample    int   `json:"n_subsample"`
	SubsampleSeed int64 `json:"subsample_seed"`
	// SequentialSampling seeds the groups with the scan points in scan
	// order (data.SequentialGroups) instead of a random sample (data.Groups).
	SequentialSampling bool `json:"sequential_sampling"`
	// IgnoreMask trains as if the dataset had no detector mask: every pixel
	// counts in the loss and keeps its value in the network's input, as
	// the solvers' IgnoreMask. By default the pixels a mask marks as not
	// measured carry no weight in PtychoPINN's loss and read 0 in the input.
	IgnoreMask bool `json:"ignore_mask,omitempty"`
	// InitFrom is the output directory of a trained model whose network
	// weights and input statistics start this run (a fine-tune); its model
	// options must be this run's. "" starts from random weights.
	InitFrom string `json:"init_from"`
}

// Run is the whole configuration of a run.
type Run struct {
	FormatVersion int      `json:"format_version"`
	Model         Model    `json:"model"`
	Training      Training `json:"training"`
	Data          Data     `json:"data"`
}

// Defaults returns PtychoPINN's defaults (the one place they are set).
func Defaults() Run {
	return Run{
		FormatVersion: FormatVersion,
		Model: Model{
			N:                       64,
			Gridsize:                1,
			NFiltersScale:           2,
			ModelType:               ModelPINN,
			AmpActivation:           "sigmoid",
			ObjectBig:               true,
			ProbeBig:                true,
			PadObject:               true,
			ProbeMask:               false,
			ProbeTrainable:          false,
			IntensityScaleTrainable: true,
			Init:                    InitGlorot,
			InputTransform:          InputStandardize,
			Precision:               PrecisionFloat32,
			Architecture:            ArchCNN,
			FNOWidth:                DefaultFNOWidth,
			FNOModes:                DefaultFNOModes,
			FNOBlocks:               DefaultFNOBlocks,
			FNOCNNBlocks:            DefaultFNOCNNBlocks,
		},
		Training: Training{
			NPhotons:           0, // from the data
			NLLWeight:          1,
			MAEWeight:          0,
			RealspaceMAEWeight: 0,
			BatchSize:          16,
			NEpochs:            50,
			LearningRate:       1e-3,
			LRPatience:         2,
			LRFactor:           0.5,
			LRMin:              1e-4,
			EarlyStopPatience:  3,
			EarlyStopMonitor:   MonitorValLoss,
			ValidationSplit:    0.05,
			Seed:               1,
			KeepCheckpoints:    1,
		},
		Data: Data{
			NImages:       512,
			NeighborCount: 4,
			SubsampleSeed: 1,
			Probe:         ProbeAuto,
		},
	}
}

// DefaultNPhotons is PtychoPINN's nphotons, used when Training.NPhotons is 0
// and the training data give no estimate of their own.
const DefaultNPhotons = 1e9

// Filters returns the encoder and decoder filter counts for the model.
func (m Model) Filters() (encoder, decoder []int) {
	base := []int{32, 64, 128}
	if m.N == 128 {
		base = []int{16, 32, 64, 128}
	}
	for _, b := range base {
		encoder = append(encoder, max(1, int(math.Round(float64(b)*m.NFiltersScale))))
	}
	for i := len(encoder) - 2; i >= 0; i-- {
		decoder = append(decoder, encoder[i])
	}
	return encoder, decoder
}

// Channels is C = gridsize².
func (m Model) Channels() int { return m.Gridsize * m.Gridsize }

// Validate checks every field once and returns an error naming the JSON key
// (which is also the command-line flag) of the first bad one.
func (r Run) Validate() error {
	m, t, d := r.Model, r.Training, r.Data
	var errs []error
	bad := func(key string, value any, want string) {
		errs = append(errs, fmt.Errorf("%s = %v: %s", key, value, want))
	}
	if r.FormatVersion != FormatVersion {
		bad("format_version", r.FormatVersion, fmt.Sprintf("this build reads version %d", FormatVersion))
	}
	if m.N != 64 && m.N != 128 {
		bad("N", m.N, "want 64 or 128")
	}
	if m.Gridsize < 1 || m.Gridsize > 4 {
		bad("gridsize", m.Gridsize, "want 1 to 4")
	}
	if !(m.NFiltersScale > 0) || m.NFiltersScale > 16 || math.IsInf(m.NFiltersScale, 0) {
		bad("n_filters_scale", m.NFiltersScale, "want a number in (0, 16]")
	}
	if m.ModelType != ModelPINN && m.ModelType != ModelSupervised {
		bad("model_type", m.ModelType, fmt.Sprintf("want %q or %q", ModelPINN, ModelSupervised))
	}
	switch m.AmpActivation {
	case "sigmoid", "relu", "swish":
	default:
		bad("amp_activation", m.AmpActivation, `want "sigmoid", "relu" or "swish"`)
	}
	if m.Init != InitGlorot && m.Init != InitHeZeroOut {
		bad("init", m.Init, fmt.Sprintf("want %q or %q", InitGlorot, InitHeZeroOut))
	}
	switch m.InputTransform {
	case "none", "sqrt", "log1p", InputStandardize:
	default:
		bad("input_transform", m.InputTransform, `want "none", "sqrt", "log1p" or "standardize"`)
	}
	switch m.Precision {
	case "", PrecisionFloat32, PrecisionBF16:
	default:
		bad("precision", m.Precision, fmt.Sprintf("want %q or %q", PrecisionFloat32, PrecisionBF16))
	}
	if m.Precision == PrecisionBF16 && m.Architecture != ArchCNN {
		bad("precision", m.Precision, "bf16 is for the cnn architecture (the Fourier operators' DFT products stay float32)")
	}
	if !slices.Contains(Architectures, m.Architecture) {
		bad("architecture", m.Architecture, "want "+strings.Join(Architectures[:len(Architectures)-1], ", ")+" or "+Architectures[len(Architectures)-1])
	}
	if m.FNOWidth < 1 || m.FNOWidth > 1024 {
		bad("fno_width", m.FNOWidth, "want 1 to 1024")
	}
	if m.FNOModes < 1 || m.FNOModes > m.N/2 {
		bad("fno_modes", m.FNOModes, fmt.Sprintf("want 1 to N/2 = %d", m.N/2))
	}
	if m.FNOBlocks < 1 || m.FNOBlocks > 64 {
		bad("fno_blocks", m.FNOBlocks, "want 1 to 64")
	}
	if m.FNOCNNBlocks < 0 || m.FNOCNNBlocks > 64 {
		bad("fno_cnn_blocks", m.FNOCNNBlocks, "want 0 to 64")
	}
	positive := func(key string, v float64) {
		if !(v > 0) || math.IsInf(v, 0) {
			bad(key, v, "want a finite number > 0")
		}
	}
	nonNegative := func(key string, v float64) {
		if !(v >= 0) || math.IsInf(v, 0) {
			bad(key, v, "want a finite number ≥ 0")
		}
	}
	if !(t.NPhotons >= 0) || math.IsInf(t.NPhotons, 0) {
		bad("nphotons", t.NPhotons, "want a finite number > 0, or 0 for the photons of the training data")
	}
	nonNegative("nll_weight", t.NLLWeight)
	nonNegative("mae_weight", t.MAEWeight)
	nonNegative("realspace_mae_weight", t.RealspaceMAEWeight)
	switch m.ModelType {
	case ModelPINN:
		if t.NLLWeight+t.MAEWeight == 0 {
			bad("nll_weight", t.NLLWeight, "nll_weight and mae_weight are both 0: the PINN loss would be empty")
		}
	case ModelSupervised:
		if t.RealspaceMAEWeight == 0 {
			bad("realspace_mae_weight", t.RealspaceMAEWeight, "the supervised model needs a real-space weight > 0")
		}
	}
	if t.StepsPerCall < 0 || t.StepsPerCall > 64 {
		bad("steps_per_call", t.StepsPerCall, "want 0 (choose) to 64")
	}
	if t.BatchSize < 1 {
		bad("batch_size", t.BatchSize, "want ≥ 1")
	}
	if t.NEpochs < 1 {
		bad("nepochs", t.NEpochs, "want ≥ 1")
	}
	positive("learning_rate", t.LearningRate)
	if t.LRPatience < 1 {
		bad("lr_patience", t.LRPatience, "want ≥ 1")
	}
	if !(t.LRFactor > 0 && t.LRFactor <= 1) {
		bad("lr_factor", t.LRFactor, "want a number in (0, 1]")
	}
	nonNegative("lr_min", t.LRMin)
	if t.EarlyStopPatience < 0 {
		bad("early_stop_patience", t.EarlyStopPatience, "want ≥ 0 (0 never stops early)")
	}
	if t.EarlyStopMonitor != MonitorValLoss && t.EarlyStopMonitor != MonitorLoss {
		bad("early_stop_monitor", t.EarlyStopMonitor, "want val_loss or loss (the training loss)")
	}
	if !(t.ValidationSplit >= 0 && t.ValidationSplit < 1) {
		bad("validation_split", t.ValidationSplit, "want a fraction in [0, 1)")
	}
	if t.KeepCheckpoints < 1 {
		bad("keep_checkpoints", t.KeepCheckpoints, "want ≥ 1")
	}
	if d.NImages < 0 {
		bad("n_groups", d.NImages, "want ≥ 0 (0 uses every scan point)")
	}
	if d.Probe == "" {
		bad("probe", d.Probe, "want auto, guess or an NPZ file")
	}
	if d.NSubsample < 0 {
		bad("n_subsample", d.NSubsample, "want ≥ 0 (0 keeps every scan point)")
	}
	if d.NeighborCount < m.Channels() {
		bad("neighbor_count", d.NeighborCount, fmt.Sprintf("want ≥ gridsize² = %d", m.Channels()))
	}
	return errors.Join(errs...)
}

// Marshal returns the configuration as indented JSON.
func (r Run) Marshal() []byte {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		panic("ptychokit: config does not marshal: " + err.Error())
	}
	return append(b, '\n')
}

// Unmarshal parses JSON written by Marshal: unknown keys and a different
// format_version are errors; the result is validated.
func Unmarshal(b []byte) (Run, error) {
	var probe struct {
		FormatVersion *int `json:"format_version"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return Run{}, fmt.Errorf("not a ptychokit configuration: %w", err)
	}
	if probe.FormatVersion == nil {
		return Run{}, errors.New("not a ptychokit configuration: no format_version")
	}
	if v := *probe.FormatVersion; v != FormatVersion {
		if v < 1 || v > FormatVersion {
			return Run{}, fmt.Errorf("format_version %d, but this build of ptychokit reads versions 1 to %d: retrain, or use the ptychokit version that wrote it",
				v, FormatVersion)
		}
		for ; v < FormatVersion; v++ {
			var err error
			if b, err = upgrade(b, v); err != nil {
				return Run{}, fmt.Errorf("bad configuration (format_version %d): %w", v, err)
			}
		}
	}
	var r Run
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return Run{}, fmt.Errorf("bad configuration: %w", err)
	}
	r.Model.legacyModelDefaults()
	if r.Data.Probe == "" { // written before the option existed
		r.Data.Probe = ProbeGuess
	}
	if r.Training.EarlyStopMonitor == "" { // written before the option existed
		r.Training.EarlyStopMonitor = MonitorValLoss
	}
	if err := r.Validate(); err != nil {
		return Run{}, fmt.Errorf("invalid configuration: %w", err)
	}
	return r, nil
}

// upgrade rewrites a configuration of format version `from` as version
// from+1, with the same meaning. 1 → 2: data.n_images becomes n_groups, and
// sequential_sampling is set at gridsize 1, where version 1 took the first
// n_images scan points (at gridsize > 1 it sampled them at random, as
// version 2 does). Numbers are carried as written.
func upgrade(b []byte, from int) ([]byte, error) {
	if from != 1 {
		return nil, fmt.Errorf("no upgrade from format_version %d", from)
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		return nil, err
	}
	var model struct {
		Gridsize int `json:"gridsize"`
	}
	if m, ok := top["model"]; ok {
		if err := json.Unmarshal(m, &model); err != nil {
			return nil, fmt.Errorf("model: %w", err)
		}
	}
	section := map[string]json.RawMessage{}
	if d, ok := top["data"]; ok {
		if err := json.Unmarshal(d, &section); err != nil {
			return nil, fmt.Errorf("data: %w", err)
		}
	}
	if n, ok := section["n_images"]; ok {
		section["n_groups"] = n
		delete(section, "n_images")
	}
	section["sequential_sampling"] = json.RawMessage(fmt.Sprint(model.Gridsize == 1))
	var err error
	if top["data"], err = json.Marshal(section); err != nil {
		return nil, err
	}
	top["format_version"] = json.RawMessage("2")
	return json.Marshal(top)
}

// Save writes the configuration to dir/config.json atomically
// (internal/atomicfile), creating dir.
func (r Run) Save(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("save config: %w", err)
	}
	return atomicfile.WriteFile(filepath.Join(dir, FileName), r.Marshal())
}

// Load reads dir/config.json (or the file itself when path names a file).
func Load(path string) (Run, error) {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		path = filepath.Join(path, FileName)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return Run{}, fmt.Errorf("load config: %w", err)
	}
	r, err := Unmarshal(b)
	if err != nil {
		return Run{}, fmt.Errorf("load config %s: %w", path, err)
	}
	return r, nil
}

// SameModel reports the first difference between two configurations that
// would make weights trained under one wrong under the other ("" when they
// agree): the model, the loss and the physics scale. Training length,
// schedule and files may differ (a resumed run may ask for more epochs).
func SameModel(a, b Run) string {
	if a.Model != b.Model {
		return diffJSON("model", a.Model, b.Model)
	}
	ta, tb := a.Training, b.Training
	if ta.NPhotons != tb.NPhotons {
		return fmt.Sprintf("training.nphotons: %g vs %g", ta.NPhotons, tb.NPhotons)
	}
	return ""
}

func diffJSON(prefix string, a, b any) string {
	var ma, mb map[string]any
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	_ = json.Unmarshal(ja, &ma)
	_ = json.Unmarshal(jb, &mb)
	var diffs []string
	for k, va := range ma {
		if fmt.Sprint(va) != fmt.Sprint(mb[k]) {
			diffs = append(diffs, fmt.Sprintf("%s.%s: %v vs %v", prefix, k, va, mb[k]))
		}
	}
	if len(diffs) == 0 {
		return prefix + " differs"
	}
	sort.Strings(diffs)
	return strings.Join(diffs, "; ")
}
