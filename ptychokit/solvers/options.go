package solvers

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/gomlx/gomlx/backends"

	"github.com/ptychokit/ptychokit/ptychokit/data"
)

// NoiseModel is the statistics the LSQ-ML solver assumes for the counts.
type NoiseModel string

const (
	// Gaussian noise on amplitudes: cost Σ(|Ψ|-d)².
	Gaussian NoiseModel = "gaussian"
	// Poisson counts on intensities: cost is the Poisson deviance
	// Σ(|Ψ|² - d² - d²·log(|Ψ|²/d²)).
	Poisson NoiseModel = "poisson"
)

// Options configure a reconstruction, one struct per concern. A zero numeric
// field means "the algorithm's default"; DefaultOptions fills everything in.
type Options struct {
	// Algorithm is a registered solver name (see Names): "epie", "rpie", "lsqml".
	Algorithm string
	// Iterations is the number of passes over all scan positions that
	// Reconstruct runs (Solver.Iterate takes its own count).
	Iterations int
	// BatchSize is the largest number of positions updated together [32]. The
	// positions of an iteration are shuffled and split into equal batches of
	// at most BatchSize (the last one padded and masked), so one graph is
	// compiled once and reused.
	BatchSize int
	// Seed seeds the shuffle of positions into batches.
	Seed int64
	// Noise is the noise model of "lsqml" [Gaussian]; ePIE and rPIE always
	// use the Gaussian amplitude cost.
	Noise NoiseModel
	// Backend computes the iterations; nil means the pure-Go backend.
	Backend backends.Backend
	// Devices splits every batch of positions over that many devices of
	// Backend, the object and probe updates summed across them by XLA
	// (device.AllDevices: all; 0 or 1: one). See distributed.go.
	Devices int
	// DeviceMemory is the most device memory, in bytes, the reconstruction
	// may take on each device (0: no limit). When all the measured
	// amplitudes do not fit it beside the estimated working set of an
	// update, they stay in host memory and each batch's are uploaded as it
	// comes, with the same result (see memory.go and Solver.Memory); when
	// even that does not fit at BatchSize, New returns an error that names
	// the largest batch that fits.
	DeviceMemory int64

	Object    ObjectOptions
	Probe     ProbeOptions
	Positions PositionOptions
	// IgnoreMask reconstructs as if the dataset had no detector mask
	// (data.Dataset.Mask): every pixel counts, the masked ones as zeros.
	IgnoreMask bool

	// Hooks run after every iteration, in order; an error stops Iterate and is
	// returned from it (use them for progress bars, live plots, early stops).
	Hooks []Hook
}

// ObjectOptions configure the object estimate.
type ObjectOptions struct {
	// Step is α. ePIE: the step, O += α·Σconj(P)·Δψ / max(illumination) [1].
	// rPIE: the regularisation weight in the denominator
	// (1-α)·illumination + α·max(illumination) [0.1]. LSQ-ML: a damping factor
	// on the least-squares optimal step [0.9].
	Step float64
	// Initial is the starting object, in the frame of the dataset's
	// coordinates; nil starts from a flat 1+0i object (never from the dataset's
	// objectGuess, which in a simulated file is the ground truth).
	Initial *data.ComplexImage
}

// ProbeOptions configure the probe estimate.
type ProbeOptions struct {
	// Refine updates the probe too; otherwise it stays as given.
	Refine bool
	// Step is β, the probe's counterpart of ObjectOptions.Step (same meaning
	// per algorithm, same defaults).
	Step float64
	// StartIteration is the first iteration (counted from 0) that updates the
	// probe when Refine is on; the object settles first.
	StartIteration int
	// NormalizePower scales the starting probe so that the model's mean
	// pattern energy matches the data's: Σ|P|²·mean|O₀|² = mean over patterns
	// of Σd². The forward model is orthonormal (Σ|Ψ|² = Σ|P·O|², see package
	// ptychokit), so a probe measured for the un-normalised FFT is N times too
	// large or small otherwise; this fixes any such overall scale.
	NormalizePower bool
	// Initial is the starting probe [N, N]; nil means the dataset's probeGuess.
	Initial *data.ComplexImage
	// Modes is the number M of mutually incoherent probe modes (mixed
	// states; 0 or 1: one): the model's intensity is Σ_m |F[P_m·O]|², every
	// mode's far field is scaled by the same factor in the modulus
	// constraint, and after every iteration that updates the probe the modes
	// are replaced by their natural (orthogonal) modes, sorted by power
	// (OrthogonalModes). ePIE and rPIE only.
	Modes int
	// InitialModes are the M starting modes; nil makes them from the
	// starting probe (StartingModes, each added mode at
	// DefaultExtraModePower of its power).
	InitialModes []*data.ComplexImage
}

// PositionOptions configure how scan positions are used.
type PositionOptions struct {
	// Integer rounds positions to whole pixels instead of placing patches at
	// their sub-pixel positions by bilinear interpolation.
	Integer bool
	// Correct refines the scan positions as the reconstruction runs: at each
	// update a pattern's position moves by the damped Gauss–Newton shift that
	// best explains its far-field amplitude misfit to first order (see
	// positionShifts), at most MaxStep pixels, from iteration StartIteration
	// (from 0) on.
	// Result's coordinates are then the refined ones.
	Correct bool
	// MaxStep bounds a position's move per update, pixels (0:
	// DefaultPositionMaxStep).
	MaxStep float64
	// StartIteration is the first iteration (from 0) that moves positions.
	StartIteration int
	// Affine, in [0, 1], constrains the refined positions to a global affine
	// map of the given ones (scale, rotation, shear, offset: a stage's
	// calibration), as pty-chi's and Tike's affine constraints do: after
	// every iteration that moves positions, the map is fitted by least
	// squares (FitAffine) and each position moves this fraction of the way
	// to its given position under the map. 1 keeps only the affine part; 0
	// (the default) fits nothing.
	Affine float64
}

// maxProbeModes bounds ProbeOptions.Modes: each mode costs a far field per
// pattern, and beams are described by a few.
const maxProbeModes = 16

// DefaultPositionMaxStep is PositionOptions.MaxStep's default, pixels.
const DefaultPositionMaxStep = 0.5

// Hook is called after every iteration with the record of that iteration.
type Hook func(r *Solver, it IterationRecord) error

// Default step sizes, per algorithm (see ObjectOptions.Step).
const (
	DefaultBatchSize = 32
	defaultEPIEStep  = 1.0
	defaultRPIEStep  = 0.1
	defaultLSQMLStep = 0.9
)

// DefaultOptions returns the recommended options for a registered algorithm:
// probe refinement on from the second iteration, probe power normalisation on,
// sub-pixel positions, batches of DefaultBatchSize, 20 iterations.
func DefaultOptions(algorithm string) Options {
	o := Options{
		Algorithm:  algorithm,
		Iterations: 20,
		BatchSize:  DefaultBatchSize,
		Noise:      Gaussian,
		Probe:      ProbeOptions{Refine: true, StartIteration: 1, NormalizePower: true},
	}
	o.fillDefaults()
	return o
}

// fillDefaults replaces zero values by the algorithm's defaults.
func (o *Options) fillDefaults() {
	if o.BatchSize == 0 {
		o.BatchSize = DefaultBatchSize
	}
	if o.Noise == "" {
		o.Noise = Gaussian
	}
	if o.Positions.MaxStep == 0 {
		o.Positions.MaxStep = DefaultPositionMaxStep
	}
	step := defaultLSQMLStep
	switch o.Algorithm {
	case "epie":
		step = defaultEPIEStep
	case "rpie":
		step = defaultRPIEStep
	}
	if o.Object.Step == 0 {
		o.Object.Step = step
	}
	if o.Probe.Step == 0 {
		o.Probe.Step = step
	}
}

// Validate reports the first invalid option, naming it.
func (o Options) Validate() error {
	if _, ok := registry[o.Algorithm]; !ok {
		return fmt.Errorf("algorithm %q: want one of %s", o.Algorithm, strings.Join(Names(), ", "))
	}
	if o.Iterations < 0 {
		return fmt.Errorf("iterations %d: must be ≥ 0", o.Iterations)
	}
	if o.BatchSize < 0 {
		return fmt.Errorf("batch size %d: must be ≥ 1", o.BatchSize)
	}
	if o.DeviceMemory < 0 {
		return fmt.Errorf("device memory %d bytes: must be ≥ 0 (0: no limit)", o.DeviceMemory)
	}
	if o.Noise != "" && o.Noise != Gaussian && o.Noise != Poisson {
		return fmt.Errorf("noise model %q: want %q or %q", o.Noise, Gaussian, Poisson)
	}
	if err := o.Object.Validate(); err != nil {
		return fmt.Errorf("object: %w", err)
	}
	if err := o.Probe.Validate(); err != nil {
		return fmt.Errorf("probe: %w", err)
	}
	if o.Probe.Modes > 1 && o.Algorithm != "epie" && o.Algorithm != "rpie" {
		return fmt.Errorf("probe modes: %d modes need epie or rpie, not %s", o.Probe.Modes, o.Algorithm)
	}
	return o.Positions.Validate()
}

// Validate reports an invalid object option.
func (o ObjectOptions) Validate() error {
	if err := validStep(o.Step); err != nil {
		return err
	}
	if o.Initial != nil {
		if err := validImage(o.Initial); err != nil {
			return fmt.Errorf("initial object: %w", err)
		}
	}
	return nil
}

// Validate reports an invalid probe option.
func (o ProbeOptions) Validate() error {
	if err := validStep(o.Step); err != nil {
		return err
	}
	if o.StartIteration < 0 {
		return fmt.Errorf("start iteration %d: must be ≥ 0", o.StartIteration)
	}
	if o.Modes < 0 || o.Modes > maxProbeModes {
		return fmt.Errorf("modes %d: want 1 to %d", o.Modes, maxProbeModes)
	}
	if o.Initial != nil {
		if err := validImage(o.Initial); err != nil {
			return fmt.Errorf("initial probe: %w", err)
		}
	}
	return nil
}

// Validate reports an invalid position option.
func (o PositionOptions) Validate() error {
	switch {
	case o.Correct && o.Integer:
		return errors.New("positions: correction moves positions by fractions of a pixel: not with integer positions")
	case math.IsNaN(o.MaxStep) || o.MaxStep < 0:
		return fmt.Errorf("position max step %g: want > 0 pixels (0 means the default)", o.MaxStep)
	case o.StartIteration < 0:
		return fmt.Errorf("position start iteration %d: must be ≥ 0", o.StartIteration)
	case math.IsNaN(o.Affine) || o.Affine < 0 || o.Affine > 1:
		return fmt.Errorf("position affine weight %g: want 0 (off) to 1", o.Affine)
	case o.Affine > 0 && !o.Correct:
		return errors.New("positions: the affine constraint acts on refined positions: turn position correction on")
	}
	return nil
}

func validStep(s float64) error {
	if math.IsNaN(s) || s < 0 || s > 2 {
		return fmt.Errorf("step %g: want 0 < step ≤ 2 (0 means the default)", s)
	}
	return nil
}

func validImage(im *data.ComplexImage) error {
	if im.H <= 0 || im.W <= 0 || len(im.Pix) != im.H*im.W {
		return fmt.Errorf("%d×%d image with %d pixels", im.H, im.W, len(im.Pix))
	}
	for _, v := range im.Pix {
		if isBad(real(v)) || isBad(imag(v)) {
			return fmt.Errorf("holds NaN or Inf")
		}
	}
	return nil
}

func isBad(v float32) bool { return math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) }
