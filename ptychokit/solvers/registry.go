package solvers

import (
	"sort"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX graph code reads best with a dot import.

	"github.com/ptychokit/ptychokit/ptychokit/physics"
)

// batch is what every solver sees of one mini-batch, inside the graph. The
// driver (Solver) has already cut the object patches under the current
// probe and propagated the exit waves; a solver turns the residual into new
// object and probe estimates.
type batch struct {
	opts *Options
	win  *physics.PatchWindows

	object physics.Field // [H, W]
	probe  physics.Field // [N, N] the first probe mode (the only one for LSQ-ML)
	// modes are the M incoherent probe modes [N, N] (ProbeOptions.Modes),
	// modes[0] = probe.
	modes []physics.Field

	patches  physics.Field // [B, N, N] object patches at the batch's positions
	exitWave physics.Field // [B, N, N] probe · patches
	farField physics.Field // [B, ky, kx] centred orthonormal far field (physics.FarField) of exitWave
	// farFields are the far fields of every mode's exit wave, farFields[0] = farField.
	farFields []physics.Field
	measured  *Node // [B, ky, kx] measured amplitudes

	mask    *Node // [B, N, N] 1 for real positions, 0 for padding
	probeOn *Node // scalar 1 when the probe is updated in this iteration, else 0
	// farMask is mask times the detector mask [B, ky, kx] (data.Dataset.Mask):
	// the far-field pixels that count; nil without a detector mask
	// (detectorMask is then mask).
	farMask *Node
}

// update is a solver's answer for one mini-batch.
type update struct {
	object physics.Field
	// probes are the new probe modes (one for LSQ-ML).
	probes []physics.Field
	// cost is the batch's summed cost (before the update), a float32 scalar.
	cost *Node
	// chis are the batch's exit-wave corrections [B, N, N], one a mode, for
	// position correction.
	chis []physics.Field
}

// algorithm is the one signature every algorithm implements; each lives in its
// own file and registers itself in init.
type algorithm func(b *batch) update

var registry = map[string]algorithm{}

func register(name string, s algorithm) {
	if _, dup := registry[name]; dup {
		panic("ptychokit: solver registered twice: " + name)
	}
	registry[name] = s
}

// Names lists the registered algorithms, sorted.
func Names() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// tinyFloat keeps divisions finite where the denominator can vanish.
const tinyFloat = 1e-12

// amplitudes returns the model's far-field amplitude, sqrt(Σ_m |Ψ_m|²) over
// the probe modes (|Ψ| for one), with a floor that keeps its gradient finite.
func (b *batch) amplitudes() *Node {
	intensity := b.farFields[0].Abs2()
	for _, f := range b.farFields[1:] {
		intensity = Add(intensity, f.Abs2())
	}
	return Sqrt(AddScalar(intensity, tinyFloat))
}

// detectorMask is farMask, or mask where no detector mask was set.
func (b *batch) detectorMask() *Node {
	if b.farMask == nil {
		return b.mask
	}
	return b.farMask
}

// gaussianCost is Σ farMask·(|Ψ| - d)² and the factor d/|Ψ| - 1 whose
// product with a mode's far field Ψ_m is the correction that replaces the
// amplitude |Ψ| = sqrt(Σ_m |Ψ_m|²) by d, every mode scaled alike and its
// phase kept (for one mode, the negative gradient of the cost with respect
// to conj(Ψ)); unmeasured pixels keep the model's.
func (b *batch) gaussianCost() (cost, factor *Node) {
	amp := b.amplitudes()
	cost = ReduceAllSum(Mul(Square(Sub(amp, b.measured)), b.detectorMask()))
	factor = Mul(SubScalar(Div(b.measured, amp), 1), b.detectorMask())
	return cost, factor
}

// exitWaveCorrection maps a far-field correction back to the exit waves.
func (b *batch) exitWaveCorrection(farCorrection physics.Field) physics.Field {
	return physics.InverseFarField(farCorrection)
}

// illumination is Σ_b Σ_m |P_m|² placed at every real position of the
// batch, [H, W].
func (b *batch) illumination() *Node {
	batchSize := b.patches.Re.Shape().Dimensions[0]
	power := b.modes[0].Abs2()
	for _, p := range b.modes[1:] {
		power = Add(power, p.Abs2())
	}
	return b.win.ScatterReal(Mul(BroadcastPrefix(power, batchSize), b.mask))
}

// objectGradient is Σ_b Σ_m conj(P_m)·χ_{m,b} scattered into the object
// frame, [H, W], for the exit-wave corrections chis of the modes.
func (b *batch) objectGradient(chis ...physics.Field) physics.Field {
	sum := b.modes[0].Repeat(chis[0].Dims()[0]).MulConj(chis[0])
	for m, chi := range chis[1:] {
		sum = sum.Add(b.modes[m+1].Repeat(chi.Dims()[0]).MulConj(chi))
	}
	return b.win.Scatter(sum)
}

// probeGradient is Σ_b conj(O_b)·χ_b, [N, N], and Σ_b |O_b|²·mask.
func (b *batch) probeGradient(chi physics.Field) (grad physics.Field, weight *Node) {
	grad = b.patches.MulConj(chi).ReduceSum(0)
	weight = ReduceSum(Mul(b.patches.Abs2(), b.mask), 0)
	return grad, weight
}
