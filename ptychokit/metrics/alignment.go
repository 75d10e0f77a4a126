package metrics

import (
	"fmt"

	"github.com/ptychokit/ptychokit/ptychokit/data"
)

// Alignment is a reconstruction brought into register with the truth, as
// Compare scores it and as a figure should draw it: both cropped to Region,
// the truth moved by Shift into the reconstruction's frame (the
// reconstruction itself is never resampled), the reconstruction's phase
// aligned and its amplitude scaled.
type Alignment struct {
	// Region is the rectangle of the frame that was aligned and is scored.
	Region data.Rect
	// Shift is (dy, dx), the translation of the reconstruction relative to
	// the truth found by registration: rec(y, x) ≈ truth(y-dy, x-dx).
	Shift [2]float64
	// PhasePlane is the phase removed from the reconstruction, in the
	// coordinates of Region (only the offset with MeanPhase).
	PhasePlane PhasePlane
	// AmplitudeScale is the factor the reconstruction was multiplied by.
	AmplitudeScale float64
	// Rec and Truth are the aligned images, Region.Dy() × Region.Dx().
	Rec, Truth []complex128

	opts CompareOptions
}

// Align registers rec to truth and aligns it, as steps 1–4 of Compare do,
// and returns the aligned images with what was found; Report scores them.
// The two images share a frame (pixel (y, x) of one is pixel (y, x) of the
// other) but may differ in size: the region (opts.Region, else the one of
// opts.ScanX/ScanY, else the whole) must lie inside both. Neither is changed.
func Align(rec, truth *data.ComplexImage, opts CompareOptions) (*Alignment, error) {
	if err := checkImages(rec, truth, "reconstruction", "truth"); err != nil {
		return nil, fmt.Errorf("metrics: align: %w", err)
	}
	a, err := align(rec, truth, opts, false)
	if err != nil {
		return nil, fmt.Errorf("metrics: align: %w", err)
	}
	return a, nil
}

// Images returns the aligned reconstruction and truth as images of the
// region's size, ready to draw side by side.
func (a *Alignment) Images() (rec, truth *data.ComplexImage) {
	h, w := a.Region.Dy(), a.Region.Dx()
	rec = &data.ComplexImage{H: h, W: w, Pix: make([]complex64, len(a.Rec))}
	truth = &data.ComplexImage{H: h, W: w, Pix: make([]complex64, len(a.Truth))}
	for i := range a.Rec {
		rec.Pix[i], truth.Pix[i] = complex64(a.Rec[i]), complex64(a.Truth[i])
	}
	return rec, truth
}

// checkImages refuses nil images, images whose pixels do not fill them and
// non-finite pixels, naming the image.
func checkImages(a, b *data.ComplexImage, nameA, nameB string) error {
	if a == nil || b == nil {
		return fmt.Errorf("nil image")
	}
	for _, img := range []struct {
		name string
		*data.ComplexImage
	}{{nameA, a}, {nameB, b}} {
		if img.H <= 0 || img.W <= 0 || len(img.Pix) != img.H*img.W {
			return fmt.Errorf("%s: %d×%d image holds %d pixels", img.name, img.H, img.W, len(img.Pix))
		}
		if bad, first := countNonFinite(img.Pix); bad > 0 {
			return fmt.Errorf("%s has %d non-finite pixels (first at row %d, column %d)", img.name, bad, first/img.W, first%img.W)
		}
	}
	return nil
}

// align is Align without the input checks. With moveRec the reconstruction
// is moved into the truth's frame instead (the two-half FRC moves its second
// half onto the first).
func align(rec, truth *data.ComplexImage, opts CompareOptions, moveRec bool) (*Alignment, error) {
	region, err := alignRegion(rec, truth, opts)
	if err != nil {
		return nil, err
	}
	a := &Alignment{Region: region, opts: opts}
	recPix, truthPix := Complex128(rec), Complex128(truth)
	h, w := region.Dy(), region.Dx()
	if !opts.SkipRegistration {
		rc, _ := data.Crop(recPix, rec.H, rec.W, region)
		tc, _ := data.Crop(truthPix, truth.H, truth.W, region)
		dy, dx, err := Register(tc, rc, h, w, RegisterOptions{Upsample: opts.Upsample, Taper: DefaultTaper, RemovePlane: opts.Phase == PlanePhase})
		if err != nil {
			return nil, err
		}
		a.Shift = [2]float64{dy, dx}
		switch {
		case moveRec:
			recPix = MirrorShift(recPix, recPix, rec.H, rec.W, -dy, -dx)
		case dy != 0 || dx != 0:
			truthPix = MirrorShift(truthPix, truthPix, truth.H, truth.W, dy, dx)
		}
	}
	a.Rec, _ = data.Crop(recPix, rec.H, rec.W, region)
	a.Truth, _ = data.Crop(truthPix, truth.H, truth.W, region)

	switch opts.Phase {
	case PlanePhase:
		a.PhasePlane, err = RemovePhasePlane(a.Rec, a.Truth, h, w)
	case MeanPhase:
		a.PhasePlane.Offset, err = AlignMeanPhase(a.Rec, a.Truth)
	case RawPhase:
	default:
		err = fmt.Errorf("unknown phase mode %d", int(opts.Phase))
	}
	if err != nil {
		return nil, err
	}
	if a.AmplitudeScale, err = AmplitudeScale(a.Rec, a.Truth, opts.Scale); err != nil {
		return nil, err
	}
	if a.AmplitudeScale != 1 {
		for i := range a.Rec {
			a.Rec[i] *= complex(a.AmplitudeScale, 0)
		}
	}
	return a, nil
}

// alignRegion is opts.Region, checked to lie inside both images, or
// compareRegion of the frame the two share.
func alignRegion(rec, truth *data.ComplexImage, opts CompareOptions) (data.Rect, error) {
	if opts.Region != nil {
		r := *opts.Region
		for _, img := range []*data.ComplexImage{rec, truth} {
			if err := r.Within(img.H, img.W); err != nil {
				return r, fmt.Errorf("region: %w", err)
			}
		}
		return r, nil
	}
	return compareRegion(min(rec.H, truth.H), min(rec.W, truth.W), opts)
}
