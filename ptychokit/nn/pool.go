package nn

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
)

// MaxPool2 is 2×2 max-pooling with stride 2: x [B, H, W, C] → [B, H/2, W/2, C].
//
// It is a reshape to [B, H/2, 2, W/2, 2, C] and a ReduceMax, on every backend.
// Its gradient goes to the maximum of each window; where several elements tie
// for the maximum they share it equally (GoMLX's ReduceMax gradient would give
// each of them the whole of it). It panics ("ptychokit: …") if H or W is odd.
func MaxPool2(x *graph.Node) *graph.Node {
	checkImage("MaxPool2", x)
	d := x.Shape().Dimensions
	b, h, w, c := d[0], d[1], d[2], d[3]
	if h%2 != 0 || w%2 != 0 {
		panic(fmt.Sprintf("ptychokit: nn.MaxPool2: needs even height and width, got x %s", x.Shape()))
	}
	return WithGradient([]*graph.Node{x},
		func(in []*graph.Node) *graph.Node {
			windows := graph.Reshape(in[0], b, h/2, 2, w/2, 2, c)
			return graph.ReduceMax(windows, 2, 4)
		},
		func(in []*graph.Node, y, v *graph.Node) []*graph.Node {
			windows := graph.Reshape(in[0], b, h/2, 2, w/2, 2, c)
			atMax := graph.ConvertDType(graph.Equal(windows, graph.Reshape(y, b, h/2, 1, w/2, 1, c)), x.DType())
			share := graph.Div(v, graph.ReduceSum(atMax, 2, 4)) // ≥ 1 element of each window is at the max
			spread := graph.Mul(atMax, graph.Reshape(share, b, h/2, 1, w/2, 1, c))
			return []*graph.Node{graph.Reshape(spread, b, h, w, c)}
		})
}

// maxPoolNative is GoMLX's MaxPool, for comparisons in the tests.
func maxPoolNative(x *graph.Node) *graph.Node {
	return graph.MaxPool(x).Window(2).Done()
}

// Upsample2 is nearest-neighbour ×2 upsampling: x [B, H, W, C] → [B, 2H, 2W, C],
// each pixel repeated into a 2×2 block. It is reshape + broadcast + reshape on
// every backend; its gradient is the sum over each block.
func Upsample2(x *graph.Node) *graph.Node {
	checkImage("Upsample2", x)
	d := x.Shape().Dimensions
	b, h, w, c := d[0], d[1], d[2], d[3]
	blocks := graph.BroadcastToDims(graph.Reshape(x, b, h, 1, w, 1, c), b, h, 2, w, 2, c)
	return graph.Reshape(blocks, b, 2*h, 2*w, c)
}

// ZeroPad2D pads x [B, H, W, C] with zeros: top and bottom rows, left and
// right columns, giving [B, top+H+bottom, left+W+right, C]. It is built from
// Concatenate, whose gradient exists on every backend (Pad's does not). It
// panics ("ptychokit: …") on a negative amount.
func ZeroPad2D(x *graph.Node, top, bottom, left, right int) *graph.Node {
	checkImage("ZeroPad2D", x)
	if top < 0 || bottom < 0 || left < 0 || right < 0 {
		panic(fmt.Sprintf("ptychokit: nn.ZeroPad2D: negative padding (%d, %d, %d, %d)", top, bottom, left, right))
	}
	x = padAxis(x, 2, left, right)
	return padAxis(x, 1, top, bottom)
}

func padAxis(x *graph.Node, axis, before, after int) *graph.Node {
	if before == 0 && after == 0 {
		return x
	}
	parts := make([]*graph.Node, 0, 3)
	zeros := func(n int) *graph.Node {
		dims := x.Shape().Clone().Dimensions
		dims[axis] = n
		return graph.Zeros(x.Graph(), shapes.Make(x.DType(), dims...))
	}
	if before > 0 {
		parts = append(parts, zeros(before))
	}
	parts = append(parts, x)
	if after > 0 {
		parts = append(parts, zeros(after))
	}
	return graph.Concatenate(parts, axis)
}
