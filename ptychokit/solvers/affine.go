package solvers

import (
	"errors"
	"fmt"
	"math"

	"github.com/gomlx/gomlx/pkg/core/tensors"
)

// Affine is a global affine map of scan positions, pixels:
//
//	x' = A[0]·x + A[1]·y + A[2]
//	y' = A[3]·x + A[4]·y + A[5]
//
// It holds the scale, rotation and shear of a stage's calibration and the
// offset of its origin.
type Affine [6]float64

// IdentityAffine maps every position to itself.
var IdentityAffine = Affine{1, 0, 0, 0, 1, 0}

// Apply maps (x, y).
func (a Affine) Apply(x, y float64) (float64, float64) {
	return a[0]*x + a[1]*y + a[2], a[3]*x + a[4]*y + a[5]
}

// String shows the map as its linear part and offset.
func (a Affine) String() string {
	return fmt.Sprintf("[[%.5f %.5f] [%.5f %.5f]] + (%.3f, %.3f)", a[0], a[1], a[3], a[4], a[2], a[5])
}

// FitAffine is the least-squares affine map taking (x, y) to (tx, ty): the
// one that minimises Σ |Apply(x_i, y_i) − (tx_i, ty_i)|². It needs three
// positions not on one line.
func FitAffine(x, y, tx, ty []float64) (Affine, error) {
	n := len(x)
	if n < 3 || len(y) != n || len(tx) != n || len(ty) != n {
		return Affine{}, fmt.Errorf("affine fit: %d, %d, %d, %d positions: want ≥ 3 of each, equal counts", len(x), len(y), len(tx), len(ty))
	}
	// Centre the inputs for a well-conditioned 2×2 system.
	var mx, my, mtx, mty float64
	for i := range n {
		mx, my, mtx, mty = mx+x[i], my+y[i], mtx+tx[i], mty+ty[i]
	}
	fn := float64(n)
	mx, my, mtx, mty = mx/fn, my/fn, mtx/fn, mty/fn
	var sxx, sxy, syy, sxu, syu, sxv, syv float64
	for i := range n {
		dx, dy, du, dv := x[i]-mx, y[i]-my, tx[i]-mtx, ty[i]-mty
		sxx, sxy, syy = sxx+dx*dx, sxy+dx*dy, syy+dy*dy
		sxu, syu, sxv, syv = sxu+dx*du, syu+dy*du, sxv+dx*dv, syv+dy*dv
	}
	det := sxx*syy - sxy*sxy
	if !(math.Abs(det) > 1e-12*(sxx*syy+1e-300)) {
		return Affine{}, errors.New("affine fit: the positions lie on one line")
	}
	var a Affine
	a[0] = (sxu*syy - syu*sxy) / det
	a[1] = (syu*sxx - sxu*sxy) / det
	a[3] = (sxv*syy - syv*sxy) / det
	a[4] = (syv*sxx - sxv*sxy) / det
	a[2] = mtx - a[0]*mx - a[1]*my
	a[5] = mty - a[3]*mx - a[4]*my
	return a, nil
}

// constrainAffine fits the affine map from the nominal positions to the
// refined ones and moves every refined position the fraction weight of the
// way to the nominal position under that map (PositionOptions.Affine).
func (r *Solver) constrainAffine() error {
	weight := r.opts.Positions.Affine
	read := func(t *tensors.Tensor) []float64 {
		v := make([]float64, r.count)
		t.ConstFlatData(func(flat any) {
			for i, f := range flat.([]float32) {
				v[i] = float64(f)
			}
		})
		return v
	}
	px, py := read(r.posX), read(r.posY)
	a, err := FitAffine(r.xs, r.ys, px, py)
	if err != nil {
		return err
	}
	r.affine = a
	half := float64(r.n / 2)
	nx, ny := make([]float32, r.count), make([]float32, r.count)
	for i := range r.count {
		ax, ay := a.Apply(r.xs[i], r.ys[i])
		x := ax + (1-weight)*(px[i]-ax)
		y := ay + (1-weight)*(py[i]-ay)
		nx[i] = float32(math.Min(math.Max(x, half), maxCentre(r.n, r.w)))
		ny[i] = float32(math.Min(math.Max(y, half), maxCentre(r.n, r.h)))
	}
	r.posX.MustFinalizeAll()
	r.posY.MustFinalizeAll()
	r.posX = tensors.FromFlatDataAndDimensions(nx, r.count)
	r.posY = tensors.FromFlatDataAndDimensions(ny, r.count)
	return nil
}
