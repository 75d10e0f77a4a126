package physics

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
)

// corner is one of the four bilinear neighbours of a sampling grid: where to
// gather (indices [B·n·m, 1] into the flattened image or image stack) and with
// which weight ([B, n, m]: the bilinear weight times 1 inside the image, 0 outside).
type corner struct {
	indices, weight *Node
}

// bilinearCorners describes sampling an image of size h×w on the grid
// (offY[b] + i, offX[b] + j), i < n, j < m, for each b of offY, offX [B]
// (float). With batched, the b-th grid samples the b-th image of an [B, h, w]
// stack, and indices carry b first. Positions outside the image read zero.
//
// The weights depend on the offsets differentiably (through their fractional
// parts); the integer parts select pixels and carry no gradient.
func bilinearCorners(offY, offX *Node, h, w, n, m int, batched bool) []corner {
	g := offY.Graph()
	b := offY.Shape().Size()
	type axis struct {
		idx    [2]*Node // [B, len] int32, clamped into the image
		valid  [2]*Node // [B, len] float, 1 inside the image
		weight [2]*Node // [B] float
	}
	mk := func(off *Node, size, length int) axis {
		var a axis
		floor := StopGradient(Floor(off))
		frac := Sub(off, floor)
		base := ConvertDType(floor, dtypes.Int32)
		grid := Add(ExpandAxes(base, 1), Iota(g, shapesInt32(1, length), 1)) // [B, len]
		a.weight = [2]*Node{OneMinus(frac), frac}
		for k := 0; k < 2; k++ {
			pos := AddScalar(grid, k)
			inside := And(GreaterOrEqual(pos, ScalarZero(g, dtypes.Int32)), LessThan(pos, Scalar(g, dtypes.Int32, size)))
			a.valid[k] = ConvertDType(inside, off.DType())
			a.idx[k] = ClipScalar(pos, 0, float64(size-1))
		}
		return a
	}
	ay := mk(Reshape(offY, b), h, n)
	ax := mk(Reshape(offX, b), w, m)
	var corners []corner
	for ky := 0; ky < 2; ky++ {
		for kx := 0; kx < 2; kx++ {
			// Linear indices into the flattened image (stack): GoMLX v0.26.0's
			// Gather shape check rejects index tensors of rank > operand rank + 1.
			rows := ExpandAxes(MulScalar(ay.idx[ky], w), 2) // [B, n, 1]
			cols := ExpandAxes(ax.idx[kx], 1)               // [B, 1, m]
			linear := Add(BroadcastToDims(rows, b, n, m), BroadcastToDims(cols, b, n, m))
			if batched {
				linear = Add(linear, MulScalar(Iota(g, shapesInt32(b, n, m), 0), h*w))
			}
			valid := Mul(ExpandAxes(ay.valid[ky], 2), ExpandAxes(ax.valid[kx], 1)) // [B, n, m]
			wgt := Mul(ay.weight[ky], ax.weight[kx])                               // [B]
			weight := Mul(valid, BroadcastToDims(Reshape(wgt, b, 1, 1), b, n, m))
			corners = append(corners, corner{indices: Reshape(linear, b*n*m, 1), weight: weight})
		}
	}
	return corners
}

// sampleBilinear gathers img ([h, w], or [B, h, w] when batched) on the grids
// of bilinearCorners: out[b, i, j] = img(offY[b]+i, offX[b]+j), [B, n, m].
func sampleBilinear(img Field, offY, offX *Node, n, m int, batched bool) Field {
	dims := img.Dims()
	h, w := dims[len(dims)-2], dims[len(dims)-1]
	b := offY.Shape().Size()
	flat := img.Reshape(img.Re.Shape().Size())
	gather := func(x, indices *Node) *Node { return Reshape(Gather(x, indices), b, n, m) }
	var out Field
	for k, c := range bilinearCorners(offY, offX, h, w, n, m, batched) {
		term := Field{Re: Mul(gather(flat.Re, c.indices), c.weight), Im: Mul(gather(flat.Im, c.indices), c.weight)}
		if k == 0 {
			out = term
		} else {
			out = out.Add(term)
		}
	}
	return out
}

// scatterBilinear is the adjoint of sampleBilinear for an unbatched image:
// it adds each values[b, i, j], weighted, onto the h×w canvas at the pixels
// it was sampled from.
func scatterBilinear(values Field, offY, offX *Node, h, w int) Field {
	dims := values.Dims()
	n, m := dims[1], dims[2]
	g := values.Re.Graph()
	b := dims[0]
	canvas := Zeros(g, shapesOf(values.Re.DType(), h*w))
	re, im := canvas, canvas
	for _, c := range bilinearCorners(offY, offX, h, w, n, m, false) {
		re = ScatterSum(re, c.indices, Reshape(Mul(values.Re, c.weight), b*n*m), false, false)
		im = ScatterSum(im, c.indices, Reshape(Mul(values.Im, c.weight), b*n*m), false, false)
	}
	return Field{Re: Reshape(re, h, w), Im: Reshape(im, h, w)}
}

// Translate shifts the content of every [N, N] image of f [..., N, N] by
// (dx, dy) pixels — out(y, x) = f(y-dy, x-dx) — with bilinear interpolation
// and zero fill (PtychoPINN's translation). dx and dy hold one shift per image:
// their size must be the product L of f's leading axes (any shape; they are
// flattened in row-major order, matching f's flattened leading axes), or 1 to
// shift all images alike. It is differentiable in f and in dx, dy. Its adjoint
// is Translate(·, -dx, -dy).
func Translate(f Field, dx, dy *Node) Field {
	f.check("Translate")
	dims := f.Dims()
	if len(dims) < 2 {
		panic(fmt.Sprintf("ptychokit: physics.Translate: need rank ≥ 2, got %v", dims))
	}
	h, w := dims[len(dims)-2], dims[len(dims)-1]
	l := f.Re.Shape().Size() / (h * w)
	shift := func(name string, d *Node) *Node {
		switch d.Shape().Size() {
		case l:
			return Reshape(d, l)
		case 1:
			return BroadcastToDims(Reshape(d, 1), l)
		}
		panic(fmt.Sprintf("ptychokit: physics.Translate: %s has shape %s, want %d values (one per image of %v) or 1", name, d.Shape(), l, dims))
	}
	dxs, dys := shift("dx", dx), shift("dy", dy)
	out := sampleBilinear(f.Reshape(l, h, w), Neg(dys), Neg(dxs), h, w, true)
	return out.Reshape(dims...)
}

// ExtractPatches cuts an N×N patch out of object [H, W] at each centre
// (x[b], y[b]) (column, row; object pixels; x, y [B]), [B, N, N]. Patch b is
// object(y[b] - N/2 + i, x[b] - N/2 + j): for integer centres the window
// object[y-N/2 : y+N/2, x-N/2 : x+N/2], and a fractional centre shifts it
// by the fraction, interpolating bilinearly. Pixels outside the object read
// zero. Differentiable in the object and in x, y. Its adjoint is ScatterPatches.
func ExtractPatches(object Field, x, y *Node, n int) Field {
	object.check("ExtractPatches")
	if object.Re.Rank() != 2 {
		panic(fmt.Sprintf("ptychokit: physics.ExtractPatches: object must be [H, W], got %s", object.Re.Shape()))
	}
	checkCentres("ExtractPatches", x, y)
	half := float64(n / 2)
	return sampleBilinear(object, AddScalar(y, -half), AddScalar(x, -half), n, n, false)
}

// ScatterPatches is the adjoint of ExtractPatches: it adds every patch
// [B, N, N], with the same bilinear weights, onto an [H, W] canvas at the
// pixels ExtractPatches would read it from. Overlaps add up; dividing by the
// scattered weights (ScatterPatches of ones) is left to the caller.
func ScatterPatches(patches Field, x, y *Node, h, w int) Field {
	patches.check("ScatterPatches")
	dims := patches.Dims()
	if len(dims) != 3 || dims[1] != dims[2] {
		panic(fmt.Sprintf("ptychokit: physics.ScatterPatches: patches must be [B, N, N], got %v", dims))
	}
	checkCentres("ScatterPatches", x, y)
	if x.Shape().Size() != dims[0] {
		panic(fmt.Sprintf("ptychokit: physics.ScatterPatches: %d centres for %d patches", x.Shape().Size(), dims[0]))
	}
	half := float64(dims[1] / 2)
	return scatterBilinear(patches, AddScalar(y, -half), AddScalar(x, -half), h, w)
}

func checkCentres(op string, x, y *Node) {
	if x.Rank() != 1 || !x.Shape().Equal(y.Shape()) || !x.DType().IsFloat() {
		panic(fmt.Sprintf("ptychokit: physics.%s: centres x %s and y %s must be float vectors [B] of equal shape", op, x.Shape(), y.Shape()))
	}
}
