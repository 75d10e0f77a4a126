package pinn

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX's graph idiom.
	"github.com/gomlx/gomlx/pkg/core/shapes"

	"github.com/ptychokit/ptychokit/ptychokit/config"
	"github.com/ptychokit/ptychokit/ptychokit/data"
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
	return ReduceAllMean(poissonNLLTerms(intensity, counts))
}

func poissonNLLTerms(intensity, k *Node) *Node {
	kSafe := MaxScalar(k, logEpsilon)
	logRatio := Sub(Log(AddScalar(intensity, logEpsilon)), Log(kSafe))
	return Sub(Sub(intensity, k), Mul(k, logRatio))
}

// AmplitudeMAE is the mean absolute difference between predicted and
// measured amplitudes, sqrt(λ) and sqrt(k), in sqrt(counts).
func AmplitudeMAE(intensity, counts *Node) *Node {
	return ReduceAllMean(amplitudeMAETerms(intensity, counts))
}

func amplitudeMAETerms(intensity, counts *Node) *Node {
	return Abs(Sub(Sqrt(AddScalar(intensity, logEpsilon)), Sqrt(counts)))
}

// RealspaceMAE is the mean absolute difference between predicted and true
// patches over real and imaginary parts: the supervised (PtychoNN-style) loss.
func RealspaceMAE(re, im, trueRe, trueIm *Node) *Node {
	return ReduceAllMean(realspaceMAETerms(re, im, trueRe, trueIm))
}

func realspaceMAETerms(re, im, trueRe, trueIm *Node) *Node {
	return MulScalar(Add(Abs(Sub(re, trueRe)), Abs(Sub(im, trueIm))), 0.5)
}

// Loss is the weighted training loss of a run, the mean of GroupLosses over
// the batch.
func Loss(cfg config.Run, out Output, counts, mask, trueRe, trueIm *Node) *Node {
	return ReduceAllMean(GroupLosses(cfg, out, counts, mask, trueRe, trueIm))
}

// GroupLosses is the weighted training loss of each group of a batch, [B]:
// for ModelPINN nll_weight·PoissonNLL + mae_weight·AmplitudeMAE on the counts
// (s·X)²; for ModelSupervised realspace_mae_weight·RealspaceMAE against the
// true patch (trueRe, trueIm, [B, N, N, C]; nil for ModelPINN). Each term is
// the mean over the group's elements.
//
// mask is the detector mask [N, N] (1 measured, 0 not; DetectorMask), or
// nil for every pixel: the PINN terms are then the mean over the measured
// elements only, Σ m·term / (C·Σ m), so a pixel of mask 0 has no weight
// (and no gradient) and a masked run's loss is on the same scale as an
// unmasked one. The supervised loss is in real space and ignores it.
func GroupLosses(cfg config.Run, out Output, counts, mask, trueRe, trueIm *Node) *Node {
	t := cfg.Training
	perGroup := func(terms *Node) *Node { return ReduceMean(terms, 1, 2, 3) }
	if cfg.Model.ModelType == config.ModelSupervised {
		return MulScalar(perGroup(realspaceMAETerms(out.Re, out.Im, trueRe, trueIm)), t.RealspaceMAEWeight)
	}
	observed := Square(counts)
	if mask != nil {
		perGroup = maskedMean(mask, observed.Shape().Dimensions)
	}
	var loss *Node
	add := func(term *Node, weight float64) {
		if weight == 0 {
			return
		}
		if term = MulScalar(perGroup(term), weight); loss != nil {
			term = Add(loss, term)
		}
		loss = term
	}
	add(poissonNLLTerms(out.Intensity, observed), t.NLLWeight)
	add(amplitudeMAETerms(out.Intensity, observed), t.MAEWeight)
	if loss == nil { // both weights 0: nothing to fit
		loss = ZerosLike(ReduceMean(observed, 1, 2, 3))
	}
	return loss
}

// maskedMean returns the per-group mean over the elements of mask 1 of
// terms of dimensions [B, N, N, C]. The terms are selected with Where, not
// multiplied by the mask, so that a masked element whose term is Inf or NaN
// (garbage in a dead pixel) adds nothing, its gradient included.
func maskedMean(mask *Node, dims []int) func(terms *Node) *Node {
	if len(dims) != 4 || !mask.Shape().Equal(shapes.Make(mask.DType(), dims[1], dims[2])) {
		panic(fmt.Sprintf("ptychokit: detector mask %s does not fit terms %v", mask.Shape(), dims))
	}
	measured := ConvertDType(ReduceAllSum(mask), dtypes.Float32)
	norm := MulScalar(measured, float64(dims[3]))
	keep := BroadcastToDims(Reshape(GreaterThan(mask, ScalarZero(mask.Graph(), mask.DType())), 1, dims[1], dims[2], 1), dims...)
	return func(terms *Node) *Node {
		return Div(ReduceSum(Where(keep, terms, ZerosLike(terms)), 1, 2, 3), norm)
	}
}

// DetectorMask is the mask of ds that a run of cfg honours: ds.Mask, or nil
// when ds has none or cfg.Data.IgnoreMask is set.
func DetectorMask(ds *data.Dataset, cfg config.Run) []float32 {
	if cfg.Data.IgnoreMask {
		return nil
	}
	return ds.Mask
}

// WeightedMean is Σ w·x / Σ w over a batch: the mean over the groups whose
// weight is 1, ignoring those of weight 0 (the padding of a short batch).
func WeightedMean(x, weights *Node) *Node {
	return Div(ReduceAllSum(Mul(x, weights)), ReduceAllSum(weights))
}
