package solvers

import (
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX graph code reads best with a dot import.
)

// positionShifts is, for each pattern of the batch, the shift (dx, dy) [B]
// in pixels that best explains its exit-wave correction χ to first order:
// moving the patch by δ changes the exit wave by δ·P·∂O, so the
// least-squares δx is Re⟨P·∂ₓO, χ⟩ / Σ|P·∂ₓO|² (likewise y), with ∂O the
// central difference of the object patch (zero on its border). Each shift is
// clipped to ±maxStep and zero on padding.
func positionShifts(b *batch, chi cfield, maxStep float64) (dx, dy *Node) {
	n := b.patches.re.Shape().Dimensions[1]
	probe := b.probe.repeat(b.patches.batchSize())
	valid := ReduceMax(b.mask, 1, 2) // [B]: 1 for real positions
	shift := func(axis int) *Node {
		d := centralDifference(b.patches, axis, n)
		pd := probe.mul(d)
		num := ReduceSum(Add(Mul(pd.re, chi.re), Mul(pd.im, chi.im)), 1, 2)
		den := AddScalar(ReduceSum(pd.abs2(), 1, 2), tinyFloat)
		return Mul(ClipScalar(Div(num, den), -maxStep, maxStep), valid)
	}
	return shift(2), shift(1)
}

// centralDifference is (f[u+1] − f[u−1])/2 along axis (1: rows, 2: columns)
// of f [B, N, N], zero on the first and last row or column.
func centralDifference(f cfield, axis, n int) cfield {
	diff := func(x *Node) *Node {
		hi, lo := []SliceAxisSpec{AxisRange(), AxisRange(), AxisRange()}, []SliceAxisSpec{AxisRange(), AxisRange(), AxisRange()}
		hi[axis], lo[axis] = AxisRange(2, n), AxisRange(0, n-2)
		d := MulScalar(Sub(Slice(x, hi...), Slice(x, lo...)), 0.5)
		zero := ZerosLike(Slice(d, sliceOne(axis)...))
		return Concatenate([]*Node{zero, d, zero}, axis)
	}
	return cfield{diff(f.re), diff(f.im)}
}

// sliceOne selects index 0 along axis of a rank-3 tensor, everything else.
func sliceOne(axis int) []SliceAxisSpec {
	s := []SliceAxisSpec{AxisRange(), AxisRange(), AxisRange()}
	s[axis] = AxisRange(0, 1)
	return s
}

// movePositions adds the batch's shifts (times on, 0 or 1) to the positions
// of all patterns pos [n] at the batch's indices idx [B, 1], keeping every
// centre where its window stays inside the frame: [N/2, size − N/2 − 1].
func movePositions(pos, idx, shift, on *Node, n, size int) *Node {
	moved := ScatterSum(pos, idx, Mul(shift, on), false, false)
	half := float64(n / 2)
	return ClipScalar(moved, half, float64(size)-half-1)
}
