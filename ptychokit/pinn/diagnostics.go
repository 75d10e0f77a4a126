package pinn

import (
	"math"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX's graph idiom.
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train/metrics"
)

// How flat the predicted object is.
//
// A run that has not learnt predicts the same featureless patch for every
// pattern: the "flat-object plateau" where the loss is that of the best
// constant object. The validation pass measures, on the central N/2×N/2 of
// every predicted patch (the part the decoders predict), the amplitude
// contrast std(|O|)/mean(|O|) and the circular spread of the phase,
// sqrt(−2·ln R) with R = |mean(O/|O|)| (wrap-safe: 0 for a constant phase,
// the standard deviation in radians for a narrow spread). Both are means
// over the validation groups; a flat object gives ~0 for both.

// Names of the flatness measures among the trainer's evaluation results.
const (
	ampContrastName = "amp_contrast"
	phaseSpreadName = "phase_spread"
)

// PlateauContrast is the amplitude contrast and phase spread (radians)
// below which a prediction counts as flat. Measured on these central crops:
// collapsed runs 0.000–0.004 and below 0.04 rad (CPU, lines_N64); trained
// runs of the lines object 0.06–0.09 and 0.10–0.15 rad (H200 studies,
// bench/h200/session5), the Siemens star 0.24 and 1.2 rad. A prediction is
// flat only when both measures are below.
const PlateauContrast = 0.05

// Flat reports whether the epoch's validation predictions were flat (both
// measures below PlateauContrast); false when they were not measured.
func (s EpochStats) Flat() bool {
	if math.IsNaN(s.AmpContrast) && math.IsNaN(s.PhaseSpread) {
		return false
	}
	return !(s.AmpContrast >= PlateauContrast) && !(s.PhaseSpread >= PlateauContrast)
}

// patchFlatness returns, for each group of a batch, the amplitude contrast
// and the phase spread of its predicted patches re, im [B, N, N, C] over
// the central N/2×N/2.
func patchFlatness(re, im *Node) (contrast, spread *Node) {
	dims := re.Shape().Dimensions
	n := dims[1]
	lo, hi := n/4, n/4+n/2
	crop := func(v *Node) *Node { return Slice(v, AxisRange(), AxisRange(lo, hi), AxisRange(lo, hi), AxisRange()) }
	re, im = StopGradient(crop(re)), StopGradient(crop(im))
	const eps = 1e-12
	amp := Sqrt(AddScalar(Add(Square(re), Square(im)), eps))
	mean := ReduceMean(amp, 1, 2, 3)
	meanSq := ReduceMean(Square(amp), 1, 2, 3)
	variance := Max(Sub(meanSq, Square(mean)), ZerosLike(mean))
	contrast = Div(Sqrt(variance), AddScalar(mean, eps))
	uRe := ReduceMean(Div(re, amp), 1, 2, 3)
	uIm := ReduceMean(Div(im, amp), 1, 2, 3)
	r := Sqrt(AddScalar(Add(Square(uRe), Square(uIm)), eps))
	r = Min(r, OnesLike(r))
	spread = Sqrt(MulScalar(Log(r), -2))
	return contrast, spread
}

// groupMetric is a metric that averages a per-group value [B] over every
// group of the data seen since the last reset, padding (weight 0) counting
// for nothing.
type groupMetric struct {
	*metrics.MeanMetric
	perGroup func(labels, predictions []*Node) (values, weights *Node)
}

func newGroupMetric(name, shortName string, typ string, perGroup func(labels, predictions []*Node) (values, weights *Node)) *groupMetric {
	return &groupMetric{MeanMetric: metrics.NewMeanMetric(name, shortName, typ, nil, nil), perGroup: perGroup}
}

func (m *groupMetric) UpdateGraph(ctx *context.Context, labels, predictions []*Node) *Node {
	values, weights := m.perGroup(labels, predictions)
	ctx = ctx.Checked(false).In(metrics.Scope).In(m.ScopeName())
	zero := shapes.CastAsDType(0, values.DType())
	totalVar := ctx.VariableWithValue("total", zero).SetTrainable(false)
	weightVar := ctx.VariableWithValue("weight", zero).SetTrainable(false)
	g := values.Graph()
	total := Add(totalVar.ValueGraph(g), ReduceAllSum(Mul(values, weights)))
	weight := Add(weightVar.ValueGraph(g), ReduceAllSum(weights))
	totalVar.SetValueGraph(total)
	weightVar.SetValueGraph(weight)
	return Div(total, weight)
}

// flatnessMetrics are the evaluation metrics of patchFlatness.
func flatnessMetrics() []metrics.Interface {
	measure := func(pick int) func(labels, predictions []*Node) (*Node, *Node) {
		return func(labels, predictions []*Node) (*Node, *Node) {
			contrast, spread := patchFlatness(predictions[0], predictions[1])
			weights := labels[len(labels)-1]
			if pick == 0 {
				return contrast, weights
			}
			return spread, weights
		}
	}
	return []metrics.Interface{
		newGroupMetric("Amplitude contrast", ampContrastName, "diagnostic", measure(0)),
		newGroupMetric("Phase spread", phaseSpreadName, "diagnostic", measure(1)),
	}
}

// logScaleValue reads the learned log intensity scale (NaN when the model
// has none yet).
func logScaleValue(ctx *context.Context) float64 {
	v := ctx.In(ScopePhysics).GetVariable(VarLogScale)
	if v == nil {
		return math.NaN()
	}
	t, err := v.Value()
	if err != nil || t == nil {
		return math.NaN()
	}
	return shapes.ConvertTo[float64](t.Value())
}
