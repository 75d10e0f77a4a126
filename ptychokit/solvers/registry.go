package solvers

import (
	"sort"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX graph code reads best with a dot import.

	"github.com/ptychokit/ptychokit/ptychokit/physics"
)

// batch is what every solver sees of one mini-batch, inside the graph. The
// driver (Reconstruction) has already cut the object patches under the current
// probe and propagated the exit waves; a solver turns the residual into new
// object and probe estimates.
type batch struct {
	opts *Options
	win  *physics.PatchWindows

	object cfield // [H, W]
	probe  cfield // [N, N]

	patches  cfield // [B, N, N] object patches at the batch's positions
	exitWave cfield // [B, N, N] probe · patches
	farField cfield // [B, ky, kx] centred orthonormal far field (physics.FarField)
	measured *Node  // [B, ky, kx] measured amplitudes

	mask    *Node // [B, N, N] 1 for real positions, 0 for padding
	probeOn *Node // scalar 1 when the probe is updated in this iteration, else 0
	// farMask is mask times the detector mask [B, ky, kx] (data.Dataset.Mask):
	// the far-field pixels that count; nil without a detector mask
	// (detectorMask is then mask).
	farMask *Node
}

// update is a solver's answer for one mini-batch.
type update struct {
	object, probe cfield
	// cost is the batch's summed cost (before the update), a float32 scalar.
	cost *Node
	// chi is the batch's exit-wave correction [B, N, N], for position
	// correction.
	chi cfield
}

// solver is the one signature every algorithm implements; each lives in its
// own file and registers itself in init.
type solver func(b *batch) update

var registry = map[string]solver{}

func register(name string, s solver) {
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

// amplitudes returns |Ψ| with a floor that keeps its gradient finite.
func (b *batch) amplitudes() *Node {
	return Sqrt(AddScalar(b.farField.abs2(), tinyFloat))
}

// detectorMask is farMask, or mask where no detector mask was set.
func (b *batch) detectorMask() *Node {
	if b.farMask == nil {
		return b.mask
	}
	return b.farMask
}

// gaussianCost is Σ farMask·(|Ψ| - d)² and the far-field correction that
// replaces |Ψ| by d, keeping the phase: Ψ·(d/|Ψ| - 1) (the negative gradient
// of the cost with respect to conj(Ψ)); unmeasured pixels keep the model's.
func (b *batch) gaussianCost() (cost *Node, correction cfield) {
	amp := b.amplitudes()
	cost = ReduceAllSum(Mul(Square(Sub(amp, b.measured)), b.detectorMask()))
	factor := Mul(SubScalar(Div(b.measured, amp), 1), b.detectorMask())
	return cost, b.farField.scale(factor)
}

// exitWaveCorrection maps a far-field correction back to the exit waves.
func (b *batch) exitWaveCorrection(farCorrection cfield) cfield {
	return fromField(physics.InverseFarField(farCorrection.field()))
}

// illumination is Σ_b |P|² placed at every real position of the batch, [H, W].
func (b *batch) illumination() *Node {
	batchSize := b.patches.re.Shape().Dimensions[0]
	p2 := BroadcastPrefix(b.probe.abs2(), batchSize)
	return b.win.ScatterReal(Mul(p2, b.mask))
}

// objectGradient is Σ_b conj(P)·χ_b scattered into the object frame, [H, W].
func (b *batch) objectGradient(chi cfield) cfield {
	return fromField(b.win.Scatter(b.probe.repeat(chi.batchSize()).mulConj(chi).field()))
}

// probeGradient is Σ_b conj(O_b)·χ_b, [N, N], and Σ_b |O_b|²·mask.
func (b *batch) probeGradient(chi cfield) (grad cfield, weight *Node) {
	grad = b.patches.mulConj(chi).reduceSum(0)
	weight = ReduceSum(Mul(b.patches.abs2(), b.mask), 0)
	return grad, weight
}
