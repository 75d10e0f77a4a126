package metrics

import (
	"fmt"

	"github.com/ptychokit/ptychokit/ptychokit/data"
)

// Aligned prepares a reconstruction for drawing beside the truth: both are
// cropped to region, and the reconstruction's phase plane relative to the
// truth is removed (FitPhasePlane: the global phase and ramp that the data
// cannot tell) and its amplitude scaled to the truth's (MeanRatio). The two
// share a frame (pixel (y, x) of one is pixel (y, x) of the other) but may
// differ in size: region must lie inside both. Neither is changed. It does
// not register (shift) rec: Compare does that for scoring.
func Aligned(rec, truth *data.ComplexImage, region data.Rect) (recCrop, truthCrop *data.ComplexImage, err error) {
	if rec == nil || truth == nil {
		return nil, nil, fmt.Errorf("metrics: aligned: nil image")
	}
	t, err := data.Crop(Complex128(truth), truth.H, truth.W, region)
	if err != nil {
		return nil, nil, err
	}
	r, err := data.Crop(Complex128(rec), rec.H, rec.W, region)
	if err != nil {
		return nil, nil, err
	}
	if _, err := RemovePhasePlane(r, t, region.Dy(), region.Dx()); err != nil {
		return nil, nil, err
	}
	scale, err := AmplitudeScale(r, t, MeanRatio)
	if err != nil {
		return nil, nil, err
	}
	recCrop = &data.ComplexImage{H: region.Dy(), W: region.Dx(), Pix: make([]complex64, len(r))}
	truthCrop = &data.ComplexImage{H: region.Dy(), W: region.Dx(), Pix: make([]complex64, len(t))}
	for i := range r {
		recCrop.Pix[i] = complex64(r[i] * complex(scale, 0))
		truthCrop.Pix[i] = complex64(t[i])
	}
	return recCrop, truthCrop, nil
}
