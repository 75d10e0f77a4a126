package pinn

import (
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX's graph idiom.

	"github.com/ptychokit/ptychokit/ptychokit/config"
)

// logEpsilon keeps log λ finite where the predicted intensity is 0; λ is in
// counts, so 1e-6 counts is far below anything a detector records.
const logEpsilon = 1e-6

// PoissonNLL is the Poisson negative log-likelihood of observed counts k
// under predicted intensities λ (both [B, N, N, C], in counts), mean over
// elements, written as
//
//	λ − k − k·log(λ/k)       (= λ − k·log λ − (k − k·log k))
//
// i.e. PtychoPINN's λ − k·log λ minus its value at λ = k. The constant does
// not change the gradient; it makes the loss ≥ 0, zero for a perfect fit, and
// keeps float32 from cancelling two numbers of size ~k·log k.
func PoissonNLL(intensity, counts *Node) *Node {
	k := counts
	kSafe := MaxScalar(k, logEpsilon)
	logRatio := Sub(Log(AddScalar(intensity, logEpsilon)), Log(kSafe))
	return ReduceAllMean(Sub(Sub(intensity, k), Mul(k, logRatio)))
}

// AmplitudeMAE is the mean absolute difference between predicted and
// measured amplitudes, sqrt(λ) and sqrt(k), in sqrt(counts).
func AmplitudeMAE(intensity, counts *Node) *Node {
	predicted := Sqrt(AddScalar(intensity, logEpsilon))
	measured := Sqrt(counts)
	return ReduceAllMean(Abs(Sub(predicted, measured)))
}

// RealspaceMAE is the mean absolute difference between predicted and true
// patches over real and imaginary parts: the supervised (PtychoNN-style) loss.
func RealspaceMAE(re, im, trueRe, trueIm *Node) *Node {
	return MulScalar(Add(ReduceAllMean(Abs(Sub(re, trueRe))), ReduceAllMean(Abs(Sub(im, trueIm)))), 0.5)
}

// Loss is the weighted training loss of a run: for ModelPINN
// nll_weight·PoissonNLL + mae_weight·AmplitudeMAE on the counts (s·X)²; for
// ModelSupervised realspace_mae_weight·RealspaceMAE against the true patch
// (trueRe, trueIm, [B, N, N, C]; nil for ModelPINN).
func Loss(cfg config.Run, out Output, counts, trueRe, trueIm *Node) *Node {
	t := cfg.Training
	g := out.Intensity.Graph()
	loss := ScalarZero(g, out.Intensity.DType())
	if cfg.Model.ModelType == config.ModelSupervised {
		return MulScalar(RealspaceMAE(out.Re, out.Im, trueRe, trueIm), t.RealspaceMAEWeight)
	}
	observed := Square(counts)
	if t.NLLWeight != 0 {
		loss = Add(loss, MulScalar(PoissonNLL(out.Intensity, observed), t.NLLWeight))
	}
	if t.MAEWeight != 0 {
		loss = Add(loss, MulScalar(AmplitudeMAE(out.Intensity, observed), t.MAEWeight))
	}
	return loss
}
