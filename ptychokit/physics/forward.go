package physics

import (
	. "github.com/gomlx/gomlx/pkg/core/graph"

	"github.com/ptychokit/ptychokit/ptychokit/nn"
)

// AmplitudeGradEpsilon is the floor ε in FarFieldAmplitude's gradient
// 1/(2·max(A, ε)). Below it the exit-wave spectrum is smaller than ε·N, so
// the chain rule multiplies the large factor by a field that small, and the
// gradient with respect to the exit wave stays bounded by |v|·N.
const AmplitudeGradEpsilon = 1e-12

// FarFieldIntensity is the detector intensity of exit wave probe·patch:
// fftshift(|DFT2(probe·patch)|²)/N², shape [..., N, N], centred. probe is
// [N, N] and patches [..., N, N]. The 1/N² makes the map energy-preserving:
// the intensity sums to Σ|probe·patch|².
func FarFieldIntensity(probe, patches Field) *Node {
	return FarFieldIntensityWith(probe, patches, DFTAuto)
}

// FarField is the centred, orthonormal far field of exit waves ψ [..., N, N]:
// fftshift(DFT2(ψ))/N, zero frequency at index N/2 (for an N×M image the
// factor is 1/√(N·M)). It is unitary: Σ|FarField(ψ)|² = Σ|ψ|², and
// |FarField(probe·patch)|² is FarFieldIntensity. Its inverse and adjoint is
// InverseFarField.
func FarField(exitWave Field) Field { return FarFieldWith(exitWave, DFTAuto) }

// FarFieldWith is FarField with the DFT computed by method m.
func FarFieldWith(exitWave Field, m DFTMethod) Field { return dft2(exitWave, m, dftShiftedOrtho) }

// InverseFarField maps centred far fields [..., N, N] back to exit waves:
// the inverse of FarField, which (FarField being unitary) is also its adjoint.
func InverseFarField(farField Field) Field { return InverseFarFieldWith(farField, DFTAuto) }

// InverseFarFieldWith is InverseFarField with the DFT computed by method m.
func InverseFarFieldWith(farField Field, m DFTMethod) Field {
	return dft2(farField, m, dftShiftedOrthoInv)
}

// FarFieldIntensityWith is FarFieldIntensity with the DFT computed by method m.
func FarFieldIntensityWith(probe, patches Field, m DFTMethod) *Node {
	return FarFieldWith(MulProbe(probe, patches), m).Abs2()
}

// FarFieldAmplitude is sqrt(FarFieldIntensity), PtychoPINN's predicted
// diffraction amplitude. Its gradient is finite at zero intensity: see
// SafeSqrt.
func FarFieldAmplitude(probe, patches Field) *Node {
	return SafeSqrt(FarFieldIntensity(probe, patches))
}

// FarFieldAmplitudeWith is FarFieldAmplitude with the DFT computed by method m.
func FarFieldAmplitudeWith(probe, patches Field, m DFTMethod) *Node {
	return SafeSqrt(FarFieldIntensityWith(probe, patches, m))
}

// SafeSqrt is √x for x ≥ 0 whose gradient is v/(2·max(√x, ε)),
// ε = AmplitudeGradEpsilon, in place of v/(2√x): exact for √x > ε, finite at 0.
func SafeSqrt(x *Node) *Node {
	return nn.WithGradient([]*Node{x},
		func(in []*Node) *Node { return Sqrt(in[0]) },
		func(_ []*Node, root, v *Node) []*Node {
			den := MulScalar(Max(root, Scalar(x.Graph(), x.DType(), AmplitudeGradEpsilon)), 2)
			return []*Node{Div(v, den)}
		})
}
