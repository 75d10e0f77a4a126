package pinn

import (
	"fmt"
	"math"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX's graph idiom.
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/initializers"

	"github.com/ptychokit/ptychokit/ptychokit/config"
	"github.com/ptychokit/ptychokit/ptychokit/nn"
)

// ScopeGenerator holds the variables of the Fourier-operator generators
// (config.ArchFNO, ArchFFNO, ArchFNOVanilla); the CNN's are in ScopeEncoder,
// ScopeAmplitude and ScopePhase. Part of the checkpoint format.
const ScopeGenerator = "generator"

// FFNOGateStart is the starting value of the F-FNO's residual gate, shared
// by its blocks (PtychoPINN's): each block adds gate·update, so the untrained
// stack is close to the identity of its lifted input.
const FFNOGateStart = 0.1

// generate maps the network's input x [B, N, N, C] to amplitude and phase
// [B, N, N, C] with the generator m.Architecture names. Every generator
// ends in the same heads: amplitude through amp_activation (sigmoid by
// default), phase π·tanh.
func generate(ctx *context.Context, m config.Model, x *Node) (amp, phase *Node) {
	ampAct := ampActivation(m.AmpActivation)
	phaseAct := func(v *Node) *Node { return MulScalar(Tanh(v), math.Pi) }
	if m.Architecture == config.ArchCNN {
		features := encoder(ctx.In(ScopeEncoder), m, x)
		return decoder(ctx.In(ScopeAmplitude), m, features, ampAct), decoder(ctx.In(ScopePhase), m, features, phaseAct)
	}
	return operator(ctx.In(ScopeGenerator), m, x, ampAct, phaseAct)
}

// operator is a Fourier-operator generator, after PtychoPINN's
// ptycho_torch/generators, at the full N×N resolution throughout (no
// pooling, no upsampling), width w = fno_width, modes = fno_modes:
//
//   - lifting: Conv3×3 (C → w) + GELU + Conv3×3 (w → w);
//   - fno_vanilla: fno_blocks blocks h ← h + GELU(Spectral2D(h) + Conv3×3(h)),
//     Spectral2D the 2-D Fourier layer (nn.SpectralConv2D);
//   - fno: the same blocks, a 1×1 projection, then fno_cnn_blocks refiners
//     Conv3×3 + GELU;
//   - ffno: fno_blocks blocks h ← h + gate·Dense(GELU(Dense(InstanceNorm(
//     FSpectral(h))))), the dense layers w → 2w → w, one factorised Fourier
//     layer (nn.FactorizedSpectralConv2D) and one gate shared by every block;
//     then fno_cnn_blocks residual refiners h ← h + Conv3×3(GELU(Conv3×3(h)));
//   - heads: 1×1 (w → C) for the amplitude and the phase.
//
// PtychoPINN's operators emit real and imaginary parts by default; these
// emit amplitude and phase through the CNN's heads, so every architecture
// starts from the same nearly flat object of amplitude ~1/2 that the probe
// scaling expects (InitProbe), and the same physics, loss and stitching
// follow. The whole N×N patch is predicted; with pad_object and without
// probe_big the ring outside the central N/2×N/2 is set to zero, as the
// CNN's padding does.
func operator(ctx *context.Context, m config.Model, x *Node, ampAct, phaseAct func(*Node) *Node) (amp, phase *Node) {
	n, c, w, modes := m.N, m.Channels(), m.FNOWidth, m.FNOModes
	h := nn.GELU(nn.Conv2D(ctx.In("lift0"), x, w, 3, 1))
	h = nn.Conv2D(ctx.In("lift1"), h, w, 3, 1)
	switch m.Architecture {
	case config.ArchFNO, config.ArchFNOVanilla:
		for i := range m.FNOBlocks {
			bctx := ctx.In(fmt.Sprintf("block%d", i))
			update := Add(nn.SpectralConv2D(bctx.In("spectral"), h, w, modes), nn.Conv2D(bctx.In("local"), h, w, 3, 1))
			h = Add(h, nn.GELU(update))
		}
		if m.Architecture == config.ArchFNO {
			h = nn.Dense(ctx.In("intermediate"), h, w)
			for i := range m.FNOCNNBlocks {
				h = nn.GELU(nn.Conv2D(ctx.In(fmt.Sprintf("refine%d", i)), h, w, 3, 1))
			}
		}
	case config.ArchFFNO:
		shared := ctx.In("spectral")
		gate := ctx.In("gate").VariableWithValue("gate", float32(FFNOGateStart)).ValueGraph(x.Graph())
		for i := range m.FNOBlocks {
			bctx := ctx.In(fmt.Sprintf("block%d", i))
			u := nn.InstanceNorm(bctx.In("norm"), nn.FactorizedSpectralConv2D(shared, h, modes))
			u = nn.Dense(bctx.In("project"), nn.GELU(nn.Dense(bctx.In("expand"), u, 2*w)), w)
			h = Add(h, Mul(gate, u))
		}
		for i := range m.FNOCNNBlocks {
			rctx := ctx.In(fmt.Sprintf("refine%d", i))
			r := nn.Conv2D(rctx.In("conv1"), nn.GELU(nn.Conv2D(rctx.In("conv0"), h, w, 3, 1)), w, 3, 1)
			h = Add(h, r)
		}
	default:
		panic(fmt.Sprintf("ptychokit: pinn: unknown architecture %q", m.Architecture))
	}
	outCtx := ctx
	if m.Init == config.InitHeZeroOut {
		outCtx = ctx.WithInitializer(initializers.Zero)
	}
	amp = ampAct(nn.Dense(outCtx.In("out_amplitude"), h, c))
	phase = phaseAct(nn.Dense(outCtx.In("out_phase"), h, c))
	if m.PadObject && !m.ProbeBig {
		centre := Reshape(centreSupport(x.Graph(), x.DType(), n), 1, n, n, 1)
		amp, phase = Mul(amp, centre), Mul(phase, centre)
	}
	return amp, phase
}
