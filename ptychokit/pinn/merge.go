package pinn

import (
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX's graph idiom.
	"github.com/gomlx/gomlx/pkg/core/shapes"

	"github.com/ptychokit/ptychokit/ptychokit/nn"
)

// mergeEpsilon keeps the overlap average finite where no patch reaches
// (PtychoPINN's 1e-3). Where patches do reach, the weight sum is ≥ 1 for
// integer offsets, so the epsilon only biases by ≤ 0.1 %.
const mergeEpsilon = 1e-3

// placementMatrices returns, for each group b and channel c, the bilinear
// matrices that place an n-pixel patch axis onto a (n+2·pad)-pixel canvas
// axis at the patch's offset: Px[b,c,i,j] = tent(j − i + pad + dx[b,c]) and
// the same for y, with tent(t) = max(0, 1−|t|). canvas = Py · patch · Pxᵀ is
// "zero-pad by pad, then translate by (dx, dy) with bilinear interpolation";
// its adjoint Pyᵀ · canvas · Px cuts the patch back out at the same offset.
// offsets is [B, C, 2] (dx, dy) in pixels relative to the group centre; no
// gradient flows into it.
func placementMatrices(offsets *Node, n, pad int) (py, px *Node) {
	g := offsets.Graph()
	offsets = StopGradient(offsets)
	dims := offsets.Shape().Dimensions
	b, c := dims[0], dims[1]
	side := n + 2*pad
	shape := shapes.Make(offsets.DType(), b, c, side, n)
	i := Iota(g, shape, 2)
	j := Iota(g, shape, 3)
	tent := func(shift *Node) *Node {
		// shift [B, C] → [B, C, 1, 1]
		shift = Reshape(shift, b, c, 1, 1)
		t := Add(Sub(j, i), AddScalar(shift, float64(pad)))
		return Max(OneMinus(Abs(t)), ZerosLike(t))
	}
	dx := Reshape(Slice(offsets, AxisRange(), AxisRange(), AxisElem(0)), b, c)
	dy := Reshape(Slice(offsets, AxisRange(), AxisRange(), AxisElem(1)), b, c)
	return tent(dy), tent(dx)
}

// mergeGroups is PtychoPINN's real-space overlap constraint (object_big),
// done per group: the C patches of each group, re and im [B, C, N, N], are
// placed on one canvas at their offsets, averaged where they overlap,
//
//	O = Σ_k T(r_k)[Pad(O_k)] / (Σ_k T(r_k)[Pad(support)] + 1e-3),
//
// and each channel's patch is cut back out at its own offset. support [N, N]
// is 1 where a patch carries prediction (the whole patch with probe_big, the
// central N/2×N/2 without), so the border is averaged like the centre and
// never divided by 1e-3 alone. pad is the canvas margin in pixels (≥ the
// largest |offset|).
func mergeGroups(re, im, support, offsets *Node, pad int) (mergedRe, mergedIm *Node) {
	dims := re.Shape().Dimensions
	b, c, n := dims[0], dims[1], dims[2]
	py, px := placementMatrices(offsets, n, pad)
	place := func(patch *Node) *Node { // [B,C,n,n] → [B,C,side,side]
		return matMul(matMul(py, patch), Transpose(px, 2, 3))
	}
	cut := func(canvas *Node) *Node { // [B,C,side,side] → [B,C,n,n]
		return matMul(matMul(Transpose(py, 2, 3), canvas), px)
	}
	sumChannels := func(x *Node) *Node { // [B,C,s,s] → [B,C,s,s] broadcast sum
		s := ReduceSum(x, 1)
		s = ExpandAxes(s, 1)
		return BroadcastToDims(s, b, c, s.Shape().Dimensions[2], s.Shape().Dimensions[3])
	}
	weights := place(BroadcastToDims(ExpandAxes(support, 0, 1), b, c, n, n))
	denominator := AddScalar(sumChannels(StopGradient(weights)), mergeEpsilon)
	canvasRe := Div(sumChannels(place(re)), denominator)
	canvasIm := Div(sumChannels(place(im)), denominator)
	return cut(canvasRe), cut(canvasIm)
}

// centreSupport returns an [n, n] mask, 1 on the central n/2×n/2 square.
func centreSupport(g *Graph, dtype dtypes.DType, n int) *Node {
	shape := shapes.Make(dtype, n, n)
	y := Iota(g, shape, 0)
	x := Iota(g, shape, 1)
	lo, hi := float64(n/4), float64(n/4+n/2)
	in := func(v *Node) *Node {
		return LogicalAnd(GreaterOrEqual(v, Scalar(g, dtype, lo)), LessThan(v, Scalar(g, dtype, hi)))
	}
	return ConvertDType(LogicalAnd(in(y), in(x)), dtype)
}

// matMul multiplies the last two axes of a [..., M, K] and b [..., K, N]
// (equal leading axes) with nn.MatMul, whose gradient is cheap on every
// backend.
func matMul(a, b *Node) *Node {
	da, db := a.Shape().Dimensions, b.Shape().Dimensions
	lead := da[:len(da)-2]
	batch := 1
	for _, d := range lead {
		batch *= d
	}
	m, k, n := da[len(da)-2], da[len(da)-1], db[len(db)-1]
	out := nn.MatMul(Reshape(a, batch, m, k), Reshape(b, batch, k, n))
	return Reshape(out, append(append([]int(nil), lead...), m, n)...)
}
