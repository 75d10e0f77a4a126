package solvers

import (
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX graph code reads best with a dot import.

	"github.com/ptychokit/ptychokit/ptychokit/physics"
)

// positionDamping is the Levenberg–Marquardt damping of the position step,
// relative to the batch's mean curvature. Measured (bench/cpu/session7,
// 'lines' 192², ±2 px, 60 iterations): without it a patch on a featureless
// stretch of the object walked 6 px away (the data say nothing there); with
// 0.1 the worst stayed at 2.6 px and the RMS fell from 0.67 to 0.50 px; on a
// textured object (grf) it changes nothing.
const positionDamping = 0.1

// positionShifts is, for each pattern of the batch, the shift (dx, dy) [B]
// in pixels that best explains its exit-wave correction χ to first order.
// Moving the patch by δ changes the exit wave by δ·P·∂O (∂O the central
// difference of the object patch, zero on its border), hence the far-field
// amplitude by δ·J with J = Re(conj(u)·F[P·∂O]), u = Ψ/|Ψ|. The measured
// amplitudes' misfit r = d − |Ψ| then gives the Gauss–Newton step, the 2×2
// least-squares solution of Σ (J_x δx + J_y δy − r)² over the detector pixels
// that count; Σ J·r equals Re⟨P·∂O, χ⟩ (F is unitary and χ = F⁻¹[u·r]).
// (Dividing by Σ|P·∂O|² instead, which ignores that only the amplitude is
// measured, took steps about half as long: 0.67 against 0.27 px median
// error after 60 iterations in bench/cpu/session7.)
// Each shift is clipped to ±maxStep and zero on padding.
//
// With several probe modes the amplitude is sqrt(Σ_m |Ψ_m|²): J sums
// Re(conj(Ψ_m)·F[P_m·∂O])/|Ψ| over the modes, Σ J·r the Re⟨P_m·∂O, χ_m⟩.
func positionShifts(b *batch, chis []physics.Field, maxStep float64) (dx, dy *Node) {
	n := b.patches.Re.Shape().Dimensions[1]
	valid := ReduceMax(b.mask, 1, 2) // [B]: 1 for real positions
	dox, doy := centralDifference(b.patches, 2, n), centralDifference(b.patches, 1, n)
	sumPatch := func(x *Node) *Node { return ReduceSum(x, 1, 2) }
	amp := b.amplitudes()
	var nx, ny, jx, jy *Node
	accumulate := func(sum, v *Node) *Node {
		if sum == nil {
			return v
		}
		return Add(sum, v)
	}
	for m, mode := range b.modes {
		probe := mode.Repeat(b.patches.Dims()[0])
		gx, gy := probe.Mul(dox), probe.Mul(doy)
		chi, far := chis[m], b.farFields[m]
		nx = accumulate(nx, sumPatch(Add(Mul(gx.Re, chi.Re), Mul(gx.Im, chi.Im))))
		ny = accumulate(ny, sumPatch(Add(Mul(gy.Re, chi.Re), Mul(gy.Im, chi.Im))))
		jacobian := func(g physics.Field) *Node {
			f := physics.FarField(g)
			return Add(Mul(far.Re, f.Re), Mul(far.Im, f.Im))
		}
		jx, jy = accumulate(jx, jacobian(gx)), accumulate(jy, jacobian(gy))
	}
	jx, jy = Div(jx, amp), Div(jy, amp)
	clip := func(v *Node) *Node { return Mul(ClipScalar(v, -maxStep, maxStep), valid) }
	w := b.detectorMask()
	axx := sumPatch(Mul(Square(jx), w))
	ayy := sumPatch(Mul(Square(jy), w))
	axy := sumPatch(Mul(Mul(jx, jy), w))
	// Levenberg–Marquardt damping relative to the batch's typical curvature:
	// a patch on a featureless part of the object carries no position
	// information, and an undamped step there is noise.
	typical := MulScalar(ReduceSum(Mul(Add(axx, ayy), valid)), 0.5/float64(b.patches.Dims()[0]))
	ridge := AddScalar(Add(MulScalar(Add(axx, ayy), 1e-6), MulScalar(ExpandAxes(typical, 0), positionDamping)), tinyFloat)
	axx, ayy = Add(axx, ridge), Add(ayy, ridge)
	det := Sub(Mul(axx, ayy), Square(axy))
	return clip(Div(Sub(Mul(ayy, nx), Mul(axy, ny)), det)), clip(Div(Sub(Mul(axx, ny), Mul(axy, nx)), det))
}

// centralDifference is (f[u+1] − f[u−1])/2 along axis (1: rows, 2: columns)
// of f [B, N, N], zero on the first and last row or column.
func centralDifference(f physics.Field, axis, n int) physics.Field {
	diff := func(x *Node) *Node {
		hi, lo := []SliceAxisSpec{AxisRange(), AxisRange(), AxisRange()}, []SliceAxisSpec{AxisRange(), AxisRange(), AxisRange()}
		hi[axis], lo[axis] = AxisRange(2, n), AxisRange(0, n-2)
		d := MulScalar(Sub(Slice(x, hi...), Slice(x, lo...)), 0.5)
		zero := ZerosLike(Slice(d, sliceOne(axis)...))
		return Concatenate([]*Node{zero, d, zero}, axis)
	}
	return physics.Field{Re: diff(f.Re), Im: diff(f.Im)}
}

// sliceOne selects index 0 along axis of a rank-3 tensor, everything else.
func sliceOne(axis int) []SliceAxisSpec {
	s := []SliceAxisSpec{AxisRange(), AxisRange(), AxisRange()}
	s[axis] = AxisRange(0, 1)
	return s
}

// movePositions adds the batch's shifts (times on, 0 or 1) to the positions
// of all patterns pos [n] at the batch's indices idx [B, 1], keeping every
// centre where its window stays inside the frame: [N/2, maxCentre].
func movePositions(pos, idx, shift, on *Node, n, size int) *Node {
	moved := ScatterSum(pos, idx, Mul(shift, on), false, false)
	return ClipScalar(moved, float64(n/2), maxCentre(n, size))
}

// maxCentre is the largest patch centre whose window (physics.PatchWindows:
// N+1 pixels from floor(c) − N/2) fits a frame of size pixels: just below
// size − N/2. (It was size − N/2 − 1, a pixel short, which pulled every
// given position in the last pixel inwards the first time positions moved:
// on an error-free 'grf' scan the affine fit read that as a 0.55 % shrink.)
// The 1e-3 px margin keeps floor(c) below size − N/2 in float32.
func maxCentre(n, size int) float64 {
	return float64(size-n/2) - 1e-3
}
