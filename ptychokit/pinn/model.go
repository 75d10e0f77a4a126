package pinn

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX's graph idiom.
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/initializers"

	"github.com/ptychokit/ptychokit/ptychokit/config"
	"github.com/ptychokit/ptychokit/ptychokit/nn"
	"github.com/ptychokit/ptychokit/ptychokit/physics"
)

// Variable names and scopes of the model, part of the checkpoint format
// (changing one means bumping config.FormatVersion).
const (
	ScopeEncoder   = "encoder"
	ScopeAmplitude = "decoder_amplitude"
	ScopePhase     = "decoder_phase"
	ScopeBorder    = "border" // probe_big branch, inside each decoder scope
	ScopePhysics   = "physics"
	VarLogScale    = "log_scale"
	VarProbeRe     = "probe_re"
	VarProbeIm     = "probe_im"
)

// PhysicsScale is s = sqrt(nphotons)/(N/2): the network sees s·X where X is
// the diffraction after data.InputScale (mean pattern energy (N/2)²), so s·X
// has mean pattern energy nphotons — amplitudes in units of sqrt(counts).
func PhysicsScale(nphotons float64, n int) float64 {
	return math.Sqrt(nphotons) / (float64(n) / 2)
}

// Output is what the model computes for a batch of B groups of C patterns.
type Output struct {
	// Re, Im: the object patches [B, N, N, C] after the overlap merge (when
	// object_big and C > 1).
	Re, Im *Node
	// Intensity: the predicted diffraction intensity λ [B, N, N, C], in
	// counts (the units of (s·X)²), centred.
	Intensity *Node
}

// Forward builds the PtychoPINN model on ctx.
//
// counts is [B, N, N, C] float32: the measured diffraction amplitude in
// sqrt(counts) units, s·X (see PhysicsScale). offsets is [B, C, 2] (dx, dy)
// of each pattern relative to its group's centre, in object pixels (zeros
// for gridsize 1). canvasPad is the margin, in pixels, of the canvas the
// patches of a group are merged on (≥ the largest |offset|; ignored for C =
// 1). The probe variables must exist in ctx.In(ScopePhysics) (see
// InitProbe) — Forward reads them.
//
// The network sees counts/exp(log_scale), standardised per pixel with
// input_transform "standardize" (InitModel creates the statistics);
// log_scale starts at log s. With pad_object false the decoders end with
// one more up block and predict the whole N×N patch. The
// encoder is blocks of [Conv3×3+ReLU]×2 + MaxPool2; each decoder (amplitude,
// phase, separate weights) blocks of [Conv3×3+ReLU]×2 + Upsample2, to
// N/2×N/2, then Conv3×3 to C channels: amplitude sigmoid (or amp_activation),
// phase π·tanh; zero-padded by N/4 to N×N. With probe_big a second head
// (Upsample2 + Conv3×3 from the decoder's last features) fills the border
// ring outside the central N/2×N/2. With architecture fno, ffno or
// fno_vanilla a Fourier-operator generator (operator, generators.go) takes
// the place of the encoder and decoders, with the same heads. Patch =
// A·exp(iφ); with object_big and
// C > 1 the patches of a group are averaged in their overlaps (mergeGroups).
// Physics: λ = fftshift(|DFT2(probe·patch)|²)/N² · exp(2·log_scale).
//
// Kernels start Glorot-uniform (Keras's default, which PtychoPINN's network
// inherits), not He as elsewhere in package nn: through the 13 ReLU layers of
// a decoder Glorot shrinks the signal, so the untrained model predicts a
// nearly flat patch with small, live variations. With He the untrained
// patches vary by ~0.1 in amplitude and ~0.4 rad in phase, the first Adam
// steps collapse the decoders onto a flat object, and training stalls there
// (lines_N64, gridsize 2, PtychoPINN's defaults on an H200: amplitude/phase
// SSIM 0.46/0.24 with He, 0.92/0.83 with Glorot).
//
// Forward panics (with a "ptychokit: " message) on inputs of the wrong shape:
// a programmer error.
func Forward(ctx *context.Context, m config.Model, nphotons float64, counts, offsets *Node, canvasPad int) Output {
	n, c := m.N, m.Channels()
	if !counts.Shape().Equal(shapes.Make(counts.DType(), counts.Shape().Dimensions[0], n, n, c)) {
		panic(fmt.Sprintf("ptychokit: pinn.Forward: counts shape %s, want [B, %d, %d, %d]", counts.Shape(), n, n, c))
	}
	b := counts.Shape().Dimensions[0]
	if !offsets.Shape().Equal(shapes.Make(counts.DType(), b, c, 2)) {
		panic(fmt.Sprintf("ptychokit: pinn.Forward: offsets shape %s, want [%d, %d, 2]", offsets.Shape(), b, c))
	}
	g := counts.Graph()
	dtype := counts.DType()
	ctx = ctx.Checked(false)
	if m.Init == config.InitHeZeroOut {
		ctx = ctx.WithInitializer(initializers.HeFn(ctx))
	} else {
		ctx = ctx.WithInitializer(initializers.GlorotUniformFn(ctx))
	}

	logScale := logScaleVar(ctx, m, nphotons).ValueGraph(g)
	x := inputTransform(ctx, m.InputTransform, Div(counts, Exp(logScale)))

	if m.Precision == config.PrecisionBF16 {
		x = ConvertDType(x, dtypes.BFloat16) // the decoders' output convolutions return to float32
	}
	amp, phase := generate(ctx, m, x)

	// [B, N, N, C] → [B, C, N, N] for the physics (leading axes are batch).
	toChannelsFirst := func(v *Node) *Node { return TransposeAllDims(v, 0, 3, 1, 2) }
	toChannelsLast := func(v *Node) *Node { return TransposeAllDims(v, 0, 2, 3, 1) }
	amp, phase = toChannelsFirst(amp), toChannelsFirst(phase)
	re := Mul(amp, Cos(phase))
	im := Mul(amp, Sin(phase))
	if c > 1 && m.ObjectBig {
		support := centreSupport(g, dtype, n)
		if m.ProbeBig || !m.PadObject {
			support = Ones(g, shapes.Make(dtype, n, n))
		}
		re, im = mergeGroups(re, im, support, offsets, canvasPad)
	}

	probe := probeField(ctx.In(ScopePhysics), m, g)
	intensity := physics.FarFieldIntensity(probe, physics.Field{Re: re, Im: im})
	intensity = Mul(intensity, Exp(MulScalar(logScale, 2)))
	return Output{Re: toChannelsLast(re), Im: toChannelsLast(im), Intensity: toChannelsLast(intensity)}
}

func logScaleVar(ctx *context.Context, m config.Model, nphotons float64) *context.Variable {
	v := ctx.In(ScopePhysics).Checked(false).VariableWithValue(VarLogScale, float32(math.Log(PhysicsScale(nphotons, m.N))))
	return v.SetTrainable(m.IntensityScaleTrainable)
}

// probeField returns the probe variables of the physics scope, masked to a
// disk of radius N/4 when probe_mask is set.
func probeField(ctx *context.Context, m config.Model, g *Graph) physics.Field {
	reVar, imVar := ctx.GetVariable(VarProbeRe), ctx.GetVariable(VarProbeIm)
	if reVar == nil || imVar == nil {
		panic("ptychokit: pinn.Forward: probe variables missing; call InitProbe first")
	}
	reVar.SetTrainable(m.ProbeTrainable)
	imVar.SetTrainable(m.ProbeTrainable)
	re, im := reVar.ValueGraph(g), imVar.ValueGraph(g)
	if m.ProbeMask {
		mask := diskMask(g, re.DType(), m.N, float64(m.N)/4)
		re, im = Mul(re, mask), Mul(im, mask)
	}
	return physics.Field{Re: re, Im: im}
}

// diskMask is 1 inside the disk of the given radius about the centre (N/2, N/2).
func diskMask(g *Graph, dtype dtypes.DType, n int, radius float64) *Node {
	shape := shapes.Make(dtype, n, n)
	y := AddScalar(Iota(g, shape, 0), -float64(n/2))
	x := AddScalar(Iota(g, shape, 1), -float64(n/2))
	r2 := Add(Square(x), Square(y))
	return ConvertDType(LessOrEqual(r2, Scalar(g, dtype, radius*radius)), dtype)
}

// InitProbe creates the probe variables from a complex [N, N] probe unless
// they exist already (loaded from a checkpoint: then the saved probe wins).
// The probe is scaled so that Σ|probe|² = 4·(N/2)²: the mean pattern energy
// of the input-scaled diffraction is (N/2)², so an object of amplitude 1/2 —
// the middle of the sigmoid amplitude head — reproduces the measured energy
// from the start, and the head has room up to twice the mean amplitude.
// (Scaled for |object| = 1 instead, objects of typical amplitude ~0.6 need
// log_scale to climb by ~0.6 at ≤ lr per Adam step while the sigmoid
// saturates; training then stalled far from the truth.)
func InitProbe(ctx *context.Context, m config.Model, probe []complex64) error {
	n := m.N
	if len(probe) != n*n {
		return fmt.Errorf("probe has %d pixels, want %d×%d", len(probe), n, n)
	}
	pctx := ctx.In(ScopePhysics).Checked(false)
	if pctx.GetVariable(VarProbeRe) != nil && pctx.GetVariable(VarProbeIm) != nil {
		return nil
	}
	var energy float64
	for _, p := range probe {
		energy += float64(real(p))*float64(real(p)) + float64(imag(p))*float64(imag(p))
	}
	if !(energy > 0) || math.IsInf(energy, 0) {
		return fmt.Errorf("probe energy is %g: want a finite, non-zero probe", energy)
	}
	factor := ProbeEnergyScale * (float64(n) / 2) / math.Sqrt(energy)
	re := make([]float32, n*n)
	im := make([]float32, n*n)
	for i, p := range probe {
		re[i] = float32(float64(real(p)) * factor)
		im[i] = float32(float64(imag(p)) * factor)
	}
	pctx.VariableWithValue(VarProbeRe, tensors.FromFlatDataAndDimensions(re, n, n))
	pctx.VariableWithValue(VarProbeIm, tensors.FromFlatDataAndDimensions(im, n, n))
	return nil
}

// ProbeEnergyScale is the probe's amplitude relative to one whose energy
// matches the data's: 2, for objects of amplitude ~1/2 (see InitProbe).
const ProbeEnergyScale = 2

func ampActivation(name string) func(*Node) *Node {
	switch name {
	case "relu":
		return nn.ReLU
	case "swish":
		return nn.SiLU
	default:
		return nn.Sigmoid
	}
}

// encoder returns the features at N/8 (N=64) or N/16 (N=128).
func encoder(ctx *context.Context, m config.Model, x *Node) *Node {
	filters, _ := m.Filters()
	for i, f := range filters {
		bctx := ctx.In(fmt.Sprintf("block%d", i))
		x = nn.ReLU(nn.Conv2D(bctx.In("conv0"), x, f, 3, 1))
		x = nn.ReLU(nn.Conv2D(bctx.In("conv1"), x, f, 3, 1))
		x = nn.MaxPool2(x)
	}
	return x
}

// decoder maps the encoder features to one head [B, N, N, C]: the central
// N/2×N/2 predicted and zero-padded, plus the probe_big border ring.
func decoder(ctx *context.Context, m config.Model, x *Node, activation func(*Node) *Node) *Node {
	n, c := m.N, m.Channels()
	_, filters := m.Filters()
	for i, f := range filters {
		bctx := ctx.In(fmt.Sprintf("block%d", i))
		x = nn.ReLU(nn.Conv2D(bctx.In("conv0"), x, f, 3, 1))
		x = nn.ReLU(nn.Conv2D(bctx.In("conv1"), x, f, 3, 1))
		x = nn.Upsample2(x)
	}
	if got := x.Shape().Dimensions[1]; got != n/2 {
		panic(fmt.Sprintf("ptychokit: pinn decoder ends at %d×%d, want N/2 = %d", got, got, n/2))
	}
	outCtx := ctx
	if m.Init == config.InitHeZeroOut {
		outCtx = ctx.WithInitializer(initializers.Zero)
	}
	if !m.PadObject {
		// The whole N×N patch from one more up block (PtychoPINN's
		// pad_object = false), for probes that light more than the centre.
		f := filters[len(filters)-1]
		bctx := ctx.In("full")
		x = nn.ReLU(nn.Conv2D(bctx.In("conv0"), x, f, 3, 1))
		x = nn.ReLU(nn.Conv2D(bctx.In("conv1"), x, f, 3, 1))
		x = nn.Upsample2(x)
		return activation(nn.Conv2D(outCtx.In("out"), ConvertDType(x, dtypes.Float32), c, 3, 1))
	}
	// The output convolutions run in float32 whatever Model.Precision: a
	// bfloat16 patch would carry 8 bits of amplitude and phase into the physics.
	x = ConvertDType(x, dtypes.Float32)
	centre := activation(nn.Conv2D(outCtx.In("out"), x, c, 3, 1))
	head := nn.ZeroPad2D(centre, n/4, n/4, n/4, n/4)
	if !m.ProbeBig {
		return head
	}
	border := activation(nn.Conv2D(outCtx.In(ScopeBorder), nn.Upsample2(x), c, 3, 1))
	g := x.Graph()
	ring := OneMinus(centreSupport(g, x.DType(), n))
	ring = Reshape(ring, 1, n, n, 1)
	return Add(head, Mul(border, ring))
}

// inputTransform maps the input amplitudes x ≥ 0 as config.Model's
// InputTransform says (standardize reads the statistics in ctx).
func inputTransform(ctx *context.Context, name string, x *Node) *Node {
	switch name {
	case config.InputStandardize:
		return standardize(ctx, x)
	case "sqrt":
		return Sqrt(AddScalar(x, 1e-6))
	case "log1p":
		return Log1P(x)
	default:
		return x
	}
}

func shapesOf(n int) shapes.Shape { return shapes.Make(dtypes.Float32, n, n) }
