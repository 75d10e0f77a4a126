package nn

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
)

// Conv2D is a 2-D convolution layer with "same" padding and a bias:
// x [B, H, W, Cin] → [B, ceil(H/stride), ceil(W/stride), filters].
//
// It creates (or reuses) the variables "weights" [k, k, Cin, filters] and
// "biases" [filters] in ctx; call it with ctx.In(scope) to name the layer.
// It panics ("ptychokit: …") if x is not rank 4 or kernelSize, stride or
// filters is not positive.
func Conv2D(ctx *context.Context, x *graph.Node, filters, kernelSize, stride int) *graph.Node {
	checkImage("Conv2D", x)
	if filters < 1 || kernelSize < 1 || stride < 1 {
		panic(fmt.Sprintf("ptychokit: nn.Conv2D: filters (%d), kernelSize (%d) and stride (%d) must be ≥ 1",
			filters, kernelSize, stride))
	}
	g := x.Graph()
	cin := x.Shape().Dimensions[3]
	// A bfloat16 x gets float32 variables (the master weights Adam updates),
	// used through bfloat16 copies: mixed precision.
	vt := x.DType()
	if vt == dtypes.BFloat16 {
		vt = dtypes.Float32
	}
	kernel := ctx.VariableWithShape("weights", shapes.Make(vt, kernelSize, kernelSize, cin, filters)).ValueGraph(g)
	bias := ctx.VariableWithShape("biases", shapes.Make(vt, filters)).ValueGraph(g)
	y := Conv2DKernel(x, graph.ConvertDType(kernel, x.DType()), stride)
	return graph.Add(y, graph.ExpandLeftToRank(graph.ConvertDType(bias, x.DType()), 4))
}

// Conv2DKernel convolves x [B, H, W, Cin] with kernel [k, k, Cin, Cout], "same"
// padding, no bias, giving [B, ceil(H/stride), ceil(W/stride), Cout]. The form
// (native or portable) is chosen by ConvForm of x's backend, except that even
// kernel sizes always use the portable form (GoMLX's native gradient is wrong
// for them).
//
// Like every deep-learning "convolution" it is a cross-correlation:
// y[b, i, j, o] = Σ x[b, i·s+u-p, j·s+v-p, c] · kernel[u, v, c, o], with
// p = (k-1)/2 and zeros outside x.
func Conv2DKernel(x, kernel *graph.Node, stride int) *graph.Node {
	checkConv("Conv2DKernel", x, kernel, stride)
	// GoMLX v0.26.0's input gradient of a PadSame convolution is wrong for
	// even kernels (asymmetric padding): on the H200 it disagreed with the
	// portable gradient, which matches finite differences. Even kernels
	// therefore take the portable form everywhere.
	if ConvForm(x.Graph().Backend()) == Native && kernel.Shape().Dimensions[0]%2 == 1 {
		return convNative(x, kernel, stride)
	}
	return convPortable(x, kernel, stride)
}

// convNative is GoMLX's Convolve with PadSame.
func convNative(x, kernel *graph.Node, stride int) *graph.Node {
	return graph.Convolve(x, kernel).Strides(stride).PadSame().Done()
}

// convPortable is im2col + one DotGeneral, with a hand-written gradient.
//
// At stride 1 (convPortableStride1) the patches are cut with Slice and
// Concatenate; at other strides they are gathered, [B, Ho, Wo, k, k, C], and
// the input gradient wastes the stride² taps that the gather fills with zeros.
func convPortable(x, kernel *graph.Node, stride int) *graph.Node {
	k := kernel.Shape().Dimensions[0]
	if stride == 1 {
		return convPortableStride1(x, kernel)
	}
	var patches *graph.Node
	return WithGradient([]*graph.Node{x, kernel},
		func(in []*graph.Node) *graph.Node {
			patches = im2col(in[0], k, stride) // [B, Ho, Wo, k, k, Cin]
			return graph.DotGeneral(patches, []int{3, 4, 5}, nil, in[1], []int{0, 1, 2}, nil)
		},
		func(in []*graph.Node, _, v *graph.Node) []*graph.Node {
			// v: [B, Ho, Wo, Cout].
			dKernel := graph.DotGeneral(patches, []int{0, 1, 2}, nil, v, []int{0, 1, 2}, nil)
			spread := col2imGather(v, in[0].Shape(), k, stride) // [B, H, W, k, k, Cout]
			dx := graph.DotGeneral(spread, []int{3, 4, 5}, nil, in[1], []int{0, 1, 3}, nil)
			return []*graph.Node{dx, dKernel}
		})
}

// smallProduct is SimpleGo's bound (in GoMLX v0.26.0) on the output size of
// one product, per batch element, below which DotGeneral takes its "small"
// path: one core per batch element, contracting axes wanted last.
const smallProduct = 16 * 32 * 32

// convPortableStride1 cuts the patches per image, channels-first,
// [B, k, k, C, H, W] (patchesPerImage), which suits SimpleGo's DotGeneral: the
// concatenations that build them copy whole planes, and the kernel gradient,
// contracted over (H, W) and batched over images, finds its axes in the order
// [batch, cross, contracting] that its small-product path wants without a
// transposing copy, and runs on every core (one image each).
func convPortableStride1(x, kernel *graph.Node) *graph.Node {
	k := kernel.Shape().Dimensions[0]
	cin, cout := kernel.Shape().Dimensions[2], kernel.Shape().Dimensions[3]
	padBefore := (k - 1) / 2
	var patches *graph.Node // [B, k, k, Cin, H, W]
	return WithGradient([]*graph.Node{x, kernel},
		func(in []*graph.Node) *graph.Node {
			// Slice has no gradient SimpleGo can build (it needs Pad), so the
			// patches are cut behind a StopGradient, and a zero-valued carrier
			// from one gathered element of x keeps x on the differentiated
			// path to the output (see WithGradient).
			patches = graph.StopGradient(patchesPerImage(in[0], k, padBefore, false))
			hookedKernel := graph.Add(in[1], zeroCarrier(in[0]))
			return graph.DotGeneral(patches, []int{1, 2, 3}, nil, hookedKernel, []int{0, 1, 2}, nil) // [B, H, W, Cout]
		},
		func(in []*graph.Node, _, v *graph.Node) []*graph.Node {
			// v: [B, H, W, Cout].
			var dKernel *graph.Node
			if k*k*cin*cout <= smallProduct {
				perImage := graph.DotGeneral(patches, []int{4, 5}, []int{0}, v, []int{1, 2}, []int{0}) // [B, k, k, Cin, Cout]
				dKernel = graph.ReduceSum(perImage, 0)
			} else {
				// Large products are split over the cores by SimpleGo itself, and
				// a per-image partial kernel gradient would cost B kernels.
				dKernel = graph.DotGeneral(patches, []int{0, 4, 5}, nil, v, []int{0, 1, 2}, nil)
			}
			// The transposed pattern of a stride-1 convolution is the same cut
			// of v, padded the other way round, taps reversed.
			spread := patchesPerImage(v, k, k-1-padBefore, true) // [B, k, k, Cout, H, W]
			dx := graph.DotGeneral(spread, []int{1, 2, 3}, nil, in[1], []int{0, 1, 3}, nil)
			return []*graph.Node{dx, dKernel}
		})
}

// zeroCarrier is a scalar zero computed from one gathered element of x, whose
// gradient graph (a ScatterSum) can be built on every backend.
func zeroCarrier(x *graph.Node) *graph.Node {
	g := x.Graph()
	origin := graph.Const(g, [][]int32{make([]int32, x.Rank())})
	element := graph.ReduceAllSum(graph.Gather(x, origin))
	return graph.Where(graph.Const(g, false), element, graph.ScalarZero(g, x.DType()))
}

// patchesPerImage cuts the k×k stride-1 patches of x [B, H, W, C], with
// padBefore zeros before and k-1-padBefore after each spatial axis, as
// [B, k, k, C, H, W]. With reversed, tap (u, v) is the one at offset
// (k-1-u, k-1-v). It transposes x to [B, C, H, W] once, then does two rounds
// of Slice + Concatenate (columns, then rows): fewer element copies than
// cutting the k² patches one by one, and each concatenation copies planes.
func patchesPerImage(x *graph.Node, k, padBefore int, reversed bool) *graph.Node {
	d := x.Shape().Dimensions
	b, h, w, c := d[0], d[1], d[2], d[3]
	planes := graph.TransposeAllAxes(x, 0, 3, 1, 2) // [B, C, H, W]
	planes = padAxis(padAxis(planes, 2, padBefore, k-1-padBefore), 3, padBefore, k-1-padBefore)
	offset := func(tap int) int {
		if reversed {
			return k - 1 - tap
		}
		return tap
	}
	cuts := make([]*graph.Node, k)
	for u := range k {
		o := offset(u)
		cuts[u] = graph.Slice(planes, graph.AxisRange(), graph.AxisRange(), graph.AxisRange(), graph.AxisRange(o, o+w))
	}
	columns := graph.Concatenate(cuts, 1) // [B, k·C, H+k-1, W]
	for u := range k {
		o := offset(u)
		cuts[u] = graph.Slice(columns, graph.AxisRange(), graph.AxisRange(), graph.AxisRange(o, o+h), graph.AxisRange())
	}
	return graph.Reshape(graph.Concatenate(cuts, 1), b, k, k, c, h, w)
}

// convOutSize is the "same"-padded output side.
func convOutSize(side, stride int) int { return (side-1)/stride + 1 }

// withZeroRow flattens x [B, H, W, C] to rows [B·H·W + 1, C], the last row zero:
// gathers point out-of-image taps at it.
func withZeroRow(x *graph.Node) *graph.Node {
	d := x.Shape().Dimensions
	rows := graph.Reshape(x, d[0]*d[1]*d[2], d[3])
	zero := graph.Zeros(x.Graph(), shapes.Make(x.DType(), 1, d[3]))
	return graph.Concatenate([]*graph.Node{rows, zero}, 0)
}

// im2col gathers the k×k patches of x [B, H, W, C] around every output pixel
// (stride s, "same" padding): [B, Ho, Wo, k, k, C].
func im2col(x *graph.Node, k, s int) *graph.Node {
	d := x.Shape().Dimensions
	b, h, w := d[0], d[1], d[2]
	ho, wo := convOutSize(h, s), convOutSize(w, s)
	pad := (k - 1) / 2
	zeroRow := int32(b * h * w)
	idx := make([]int32, 0, b*ho*wo*k*k)
	for ib := range b {
		for oy := range ho {
			for ox := range wo {
				for ky := range k {
					iy := oy*s + ky - pad
					for kx := range k {
						ix := ox*s + kx - pad
						if iy < 0 || iy >= h || ix < 0 || ix >= w {
							idx = append(idx, zeroRow)
						} else {
							idx = append(idx, int32((ib*h+iy)*w+ix))
						}
					}
				}
			}
		}
	}
	return gatherRows(withZeroRow(x), idx, b, ho, wo, k, k)
}

// col2imGather is the transpose of im2col's spatial pattern: for every input
// pixel (of an input shaped like xShape) and tap (u, v) it gathers the output
// gradient v at the output pixel that tap came from, or zero where none did:
// [B, H, W, k, k, Cout]. Contracting it with the kernel over (u, v, Cout)
// gives the input gradient.
func col2imGather(v *graph.Node, xShape shapes.Shape, k, s int) *graph.Node {
	b, h, w := xShape.Dimensions[0], xShape.Dimensions[1], xShape.Dimensions[2]
	ho, wo := v.Shape().Dimensions[1], v.Shape().Dimensions[2]
	pad := (k - 1) / 2
	zeroRow := int32(b * ho * wo)
	idx := make([]int32, 0, b*h*w*k*k)
	for ib := range b {
		for iy := range h {
			for ix := range w {
				for ky := range k {
					ny := iy + pad - ky // = oy·s
					oy := ny / s
					rowOK := ny >= 0 && ny%s == 0 && oy < ho
					for kx := range k {
						nx := ix + pad - kx
						ox := nx / s
						if rowOK && nx >= 0 && nx%s == 0 && ox < wo {
							idx = append(idx, int32((ib*ho+oy)*wo+ox))
						} else {
							idx = append(idx, zeroRow)
						}
					}
				}
			}
		}
	}
	return gatherRows(withZeroRow(v), idx, b, h, w, k, k)
}

// gatherRows gathers rows[idx] ([len(idx), C]) and shapes the result
// [dims..., C]. The indices are kept rank 2: SimpleGo's Gather rejects an
// index-vector axis beyond the operand's rank (GoMLX v0.26.0 shape inference).
func gatherRows(rows *graph.Node, idx []int32, dims ...int) *graph.Node {
	indices := graph.ConstTensor(rows.Graph(), tensors.FromFlatDataAndDimensions(idx, len(idx), 1))
	c := rows.Shape().Dimensions[1]
	return graph.Reshape(graph.Gather(rows, indices), append(dims, c)...)
}

func checkImage(op string, x *graph.Node) {
	if x.Rank() != 4 {
		panic(fmt.Sprintf("ptychokit: nn.%s: want x [batch, y, x, channel], got %s", op, x.Shape()))
	}
	if !x.DType().IsFloat() {
		panic(fmt.Sprintf("ptychokit: nn.%s: want a float x, got %s", op, x.Shape()))
	}
}

func checkConv(op string, x, kernel *graph.Node, stride int) {
	checkImage(op, x)
	kd := kernel.Shape().Dimensions
	if kernel.Rank() != 4 || kd[0] != kd[1] || kd[0] < 1 || kd[2] != x.Shape().Dimensions[3] {
		panic(fmt.Sprintf("ptychokit: nn.%s: want kernel [k, k, %d, Cout] for x %s, got %s",
			op, x.Shape().Dimensions[3], x.Shape(), kernel.Shape()))
	}
	if kernel.DType() != x.DType() {
		panic(fmt.Sprintf("ptychokit: nn.%s: kernel dtype %s differs from x dtype %s", op, kernel.DType(), x.DType()))
	}
	if stride < 1 {
		panic(fmt.Sprintf("ptychokit: nn.%s: stride %d must be ≥ 1", op, stride))
	}
}
