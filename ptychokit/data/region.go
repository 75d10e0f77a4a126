package data

import (
	"fmt"
	"math"
)

// Rect is a half-open pixel rectangle: rows [Y0, Y1), columns [X0, X1).
// It is the one region type of ptychokit: metrics scores inside it and
// plots draws it.
type Rect struct {
	Y0 int `json:"y0"`
	X0 int `json:"x0"`
	Y1 int `json:"y1"`
	X1 int `json:"x1"`
}

// Whole is the rectangle of a whole H×W image.
func Whole(H, W int) Rect { return Rect{Y1: H, X1: W} }

// Dy is the number of rows of r.
func (r Rect) Dy() int { return r.Y1 - r.Y0 }

// Dx is the number of columns of r.
func (r Rect) Dx() int { return r.X1 - r.X0 }

// Empty reports whether r contains no pixel.
func (r Rect) Empty() bool { return r.Dy() <= 0 || r.Dx() <= 0 }

// Within returns an error unless r is a non-empty part of an H×W image.
func (r Rect) Within(H, W int) error {
	if r.Empty() || r.Y0 < 0 || r.X0 < 0 || r.Y1 > H || r.X1 > W {
		return fmt.Errorf("%v is empty or outside the %d×%d image", r, H, W)
	}
	return nil
}

// String prints r as rows y0:y1, columns x0:x1.
func (r Rect) String() string {
	return fmt.Sprintf("rows %d:%d, cols %d:%d", r.Y0, r.Y1, r.X0, r.X1)
}

// ScanRegion returns the scanned region of an H×W object: the bounding box of
// the patch centres (x the column, y the row, object pixels), shrunk by
// margin pixels on every side (a negative margin grows it: -N/2 keeps every
// pixel a patch of N saw), rounded inwards to whole pixels and clipped to the
// image. With margin 0 or more every pixel has been seen by several scan
// positions, so it is the fair region to score.
func ScanRegion(x, y []float64, margin float64, H, W int) (Rect, error) {
	if len(x) != len(y) {
		return Rect{}, fmt.Errorf("scan region: %d x coordinates but %d y coordinates", len(x), len(y))
	}
	if len(x) == 0 {
		return Rect{}, fmt.Errorf("scan region: no scan positions")
	}
	if math.IsNaN(margin) || math.IsInf(margin, 0) {
		return Rect{}, fmt.Errorf("scan region: margin %g is not finite", margin)
	}
	minX, maxX, minY, maxY := math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)
	for i := range x {
		if math.IsNaN(x[i]) || math.IsNaN(y[i]) || math.IsInf(x[i], 0) || math.IsInf(y[i], 0) {
			return Rect{}, fmt.Errorf("scan region: position %d (%g, %g) is not finite", i, x[i], y[i])
		}
		minX, maxX = math.Min(minX, x[i]), math.Max(maxX, x[i])
		minY, maxY = math.Min(minY, y[i]), math.Max(maxY, y[i])
	}
	r := Rect{
		Y0: max(0, int(math.Ceil(minY+margin))),
		X0: max(0, int(math.Ceil(minX+margin))),
		Y1: min(H, int(math.Floor(maxY-margin))+1),
		X1: min(W, int(math.Floor(maxX-margin))+1),
	}
	if r.Empty() {
		return r, fmt.Errorf("scan region: centres span x [%g, %g], y [%g, %g]; with margin %g nothing of the %d×%d image is left", minX, maxX, minY, maxY, margin, H, W)
	}
	return r, nil
}

// Crop copies the rectangle r out of the H×W image pix into a new
// r.Dy()×r.Dx() image. It returns an error when r does not lie inside.
func Crop[T any](pix []T, H, W int, r Rect) ([]T, error) {
	if len(pix) != H*W {
		return nil, fmt.Errorf("crop: %d pixels, want %d×%d = %d", len(pix), H, W, H*W)
	}
	if err := r.Within(H, W); err != nil {
		return nil, fmt.Errorf("crop: %w", err)
	}
	out := make([]T, 0, r.Dy()*r.Dx())
	for y := r.Y0; y < r.Y1; y++ {
		out = append(out, pix[y*W+r.X0:y*W+r.X1]...)
	}
	return out, nil
}

// WrapPhase returns φ wrapped into (-π, π]; use it on phase differences.
func WrapPhase(phi float64) float64 {
	w := math.Remainder(phi, 2*math.Pi) // in [-π, π]
	if w <= -math.Pi {
		w += 2 * math.Pi
	}
	return w
}
