package metrics

import (
	"fmt"
	"math"
	"math/cmplx"

	"github.com/ptychokit/ptychokit/ptychokit/data"
)

// PhasePlane is the phase a + b·x + c·y, in radians, with x the column and y
// the row index of the image it was fitted on.
type PhasePlane struct {
	Offset float64 `json:"offset"`  // a, radians, wrapped to (-π, π]
	SlopeX float64 `json:"slope_x"` // b, radians per pixel along x (columns)
	SlopeY float64 `json:"slope_y"` // c, radians per pixel along y (rows)
}

// At returns the plane's phase at pixel (y, x).
func (p PhasePlane) At(y, x int) float64 {
	return p.Offset + p.SlopeX*float64(x) + p.SlopeY*float64(y)
}

// Remove multiplies the H×W image pix in place by exp(-i·plane).
func (p PhasePlane) Remove(pix []complex128, H, W int) {
	if len(pix) != H*W {
		panic("ptychokit: metrics.PhasePlane.Remove: len(pix) != H*W")
	}
	alongX := make([]complex128, W)
	for x := range alongX {
		alongX[x] = cmplx.Exp(complex(0, -p.SlopeX*float64(x)))
	}
	for y := 0; y < H; y++ {
		alongY := cmplx.Exp(complex(0, -(p.Offset + p.SlopeY*float64(y))))
		row := pix[y*W : (y+1)*W]
		for x := range row {
			row[x] *= alongY * alongX[x]
		}
	}
}

// FitPhasePlane fits a + b·x + c·y to the phase of rec·conj(truth), weighted
// by |rec|·|truth|, and returns the plane. Wrapping is handled by estimating
// the slopes first from neighbour products (the phase of Σ z(y,x+1)·conj(z(y,x))
// and its y analogue, exact for a pure plane however often it wraps),
// removing that estimate, and then fitting the small residual phase by
// weighted least squares. The slopes must be below π per pixel.
func FitPhasePlane(rec, truth []complex128, H, W int) (PhasePlane, error) {
	if H < 2 || W < 2 {
		return PhasePlane{}, fmt.Errorf("metrics: phase plane: image %d×%d is too small", H, W)
	}
	if len(rec) != H*W || len(truth) != H*W {
		return PhasePlane{}, fmt.Errorf("metrics: phase plane: got %d and %d pixels, want %d×%d = %d", len(rec), len(truth), H, W, H*W)
	}
	z := make([]complex128, H*W)
	for i := range z {
		z[i] = rec[i] * cmplx.Conj(truth[i])
	}
	var gx, gy complex128
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			if x+1 < W {
				gx += z[y*W+x+1] * cmplx.Conj(z[y*W+x])
			}
			if y+1 < H {
				gy += z[(y+1)*W+x] * cmplx.Conj(z[y*W+x])
			}
		}
	}
	if gx == 0 && gy == 0 {
		return PhasePlane{}, fmt.Errorf("metrics: phase plane: rec·conj(truth) is zero everywhere")
	}
	plane := PhasePlane{SlopeX: cmplx.Phase(gx), SlopeY: cmplx.Phase(gy)}
	var mean complex128
	plane.Remove(z, H, W)
	for _, v := range z {
		mean += v
	}
	plane.Offset = cmplx.Phase(mean)
	rot := cmplx.Exp(complex(0, -plane.Offset))
	for i := range z {
		z[i] *= rot
	}

	// Weighted least squares on the residual phase, in centred coordinates
	// for conditioning: r ≈ a + b·(x-xc) + c·(y-yc).
	xc, yc := float64(W-1)/2, float64(H-1)/2
	var m [3][3]float64
	var v [3]float64
	for y := 0; y < H; y++ {
		ty := float64(y) - yc
		for x := 0; x < W; x++ {
			zv := z[y*W+x]
			w := cmplx.Abs(zv)
			if w == 0 {
				continue
			}
			tx := float64(x) - xc
			r := math.Atan2(imag(zv), real(zv))
			basis := [3]float64{1, tx, ty}
			for i := 0; i < 3; i++ {
				v[i] += w * basis[i] * r
				for j := 0; j < 3; j++ {
					m[i][j] += w * basis[i] * basis[j]
				}
			}
		}
	}
	sol, ok := solve3(m, v)
	if !ok {
		return PhasePlane{}, fmt.Errorf("metrics: phase plane: weights too degenerate to fit a plane (support on one line?)")
	}
	plane.SlopeX += sol[1]
	plane.SlopeY += sol[2]
	plane.Offset += sol[0] - sol[1]*xc - sol[2]*yc
	plane.Offset = data.WrapPhase(plane.Offset)
	return plane, nil
}

// RemovePhasePlane fits the phase plane of rec relative to truth
// (FitPhasePlane) and removes it from rec in place.
func RemovePhasePlane(rec, truth []complex128, H, W int) (PhasePlane, error) {
	p, err := FitPhasePlane(rec, truth, H, W)
	if err != nil {
		return p, err
	}
	p.Remove(rec, H, W)
	return p, nil
}

// AlignMeanPhase multiplies rec in place by exp(-i·a), with a the phase of
// Σ rec·conj(truth) (the amplitude-weighted mean phase difference), and
// returns a in radians.
func AlignMeanPhase(rec, truth []complex128) (float64, error) {
	if len(rec) != len(truth) {
		return 0, fmt.Errorf("metrics: mean phase: got %d and %d pixels", len(rec), len(truth))
	}
	var sum complex128
	for i := range rec {
		sum += rec[i] * cmplx.Conj(truth[i])
	}
	if sum == 0 {
		return 0, fmt.Errorf("metrics: mean phase: rec·conj(truth) sums to zero")
	}
	a := cmplx.Phase(sum)
	rot := cmplx.Exp(complex(0, -a))
	for i := range rec {
		rec[i] *= rot
	}
	return a, nil
}

// ScaleMode says how the amplitude of a reconstruction is matched to the truth.
type ScaleMode int

const (
	// MeanRatio scales by mean|truth| / mean|rec| (PtychoPINN's choice).
	MeanRatio ScaleMode = iota
	// LeastSquares scales by Σ|rec|·|truth| / Σ|rec|², the factor that
	// minimises Σ(s·|rec| - |truth|)².
	LeastSquares
	// NoScale leaves the amplitude alone (factor 1).
	NoScale
)

// String names the mode as the command line spells it.
func (m ScaleMode) String() string {
	switch m {
	case MeanRatio:
		return "mean-ratio"
	case LeastSquares:
		return "least-squares"
	case NoScale:
		return "none"
	}
	return fmt.Sprintf("ScaleMode(%d)", int(m))
}

// AmplitudeScale returns the real factor s by which to multiply rec so that
// its amplitude matches the truth's, according to mode.
func AmplitudeScale(rec, truth []complex128, mode ScaleMode) (float64, error) {
	if len(rec) != len(truth) {
		return 0, fmt.Errorf("metrics: amplitude scale: got %d and %d pixels", len(rec), len(truth))
	}
	var num, den float64
	switch mode {
	case NoScale:
		return 1, nil
	case MeanRatio:
		for i := range rec {
			num += cmplx.Abs(truth[i])
			den += cmplx.Abs(rec[i])
		}
	case LeastSquares:
		for i := range rec {
			a := cmplx.Abs(rec[i])
			num += a * cmplx.Abs(truth[i])
			den += a * a
		}
	default:
		return 0, fmt.Errorf("metrics: amplitude scale: unknown mode %d", int(mode))
	}
	if den == 0 {
		return 0, fmt.Errorf("metrics: amplitude scale (%v): reconstruction amplitude is zero everywhere", mode)
	}
	return num / den, nil
}

// solve3 solves m·s = v by Gaussian elimination with partial pivoting; ok is
// false when m is (nearly) singular.
func solve3(m [3][3]float64, v [3]float64) (s [3]float64, ok bool) {
	scale := math.Max(math.Abs(m[0][0]), math.Max(math.Abs(m[1][1]), math.Abs(m[2][2])))
	if scale == 0 {
		return s, false
	}
	for col := 0; col < 3; col++ {
		p := col
		for r := col + 1; r < 3; r++ {
			if math.Abs(m[r][col]) > math.Abs(m[p][col]) {
				p = r
			}
		}
		if math.Abs(m[p][col]) <= 1e-12*scale {
			return s, false
		}
		m[col], m[p] = m[p], m[col]
		v[col], v[p] = v[p], v[col]
		for r := col + 1; r < 3; r++ {
			f := m[r][col] / m[col][col]
			for c := col; c < 3; c++ {
				m[r][c] -= f * m[col][c]
			}
			v[r] -= f * v[col]
		}
	}
	for r := 2; r >= 0; r-- {
		sum := v[r]
		for c := r + 1; c < 3; c++ {
			sum -= m[r][c] * s[c]
		}
		s[r] = sum / m[r][r]
	}
	return s, true
}
