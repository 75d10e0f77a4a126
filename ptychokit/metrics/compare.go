package metrics

import (
	"encoding/json"
	"fmt"
	"math"
	"math/cmplx"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/ptychokit/ptychokit/ptychokit/data"
)

// DefaultTaper is the Tukey roll-off (fraction of each side) Compare applies
// before registering and before FRC, so the borders of the cropped region do
// not correlate with themselves.
const DefaultTaper = 0.1

// PhaseMode says how the phase of a reconstruction is aligned to the truth
// (a reconstruction's phase is only defined up to such terms).
type PhaseMode int

const (
	// PlanePhase removes a fitted phase plane a + b·x + c·y (FitPhasePlane).
	PlanePhase PhaseMode = iota
	// MeanPhase removes only the mean phase difference a (AlignMeanPhase).
	MeanPhase
	// RawPhase leaves the phase alone.
	RawPhase
)

// String names the mode as the command line spells it.
func (m PhaseMode) String() string {
	switch m {
	case PlanePhase:
		return "plane"
	case MeanPhase:
		return "mean"
	case RawPhase:
		return "none"
	}
	return fmt.Sprintf("PhaseMode(%d)", int(m))
}

// CompareOptions tunes Compare. The zero value registers to 1/100 pixel,
// removes a phase plane, matches amplitudes by mean ratio and scores the
// whole image.
type CompareOptions struct {
	// ScanX, ScanY are the patch centres (column, row) in object pixels.
	// When given, scores are taken over their bounding box (ScanRegion).
	ScanX, ScanY []float64
	// CropMargin shrinks the scored region on every side, in pixels.
	CropMargin float64
	// SkipRegistration trusts that the images are already aligned.
	SkipRegistration bool
	// Upsample is the registration upsampling factor (0: DefaultUpsample).
	Upsample int
	// Phase is how the phase is aligned (default PlanePhase).
	Phase PhaseMode
	// Scale is how the amplitude is matched (default MeanRatio).
	Scale ScaleMode
}

// Scores are the metrics of one real channel (amplitude or phase).
type Scores struct {
	MAE  float64 `json:"mae"`
	MSE  float64 `json:"mse"`
	PSNR float64 `json:"psnr"` // decibels, with DataRange; +Inf for equal images (JSON "+Inf")
	SSIM float64 `json:"ssim"`
	// MSSSIM is the multi-scale SSIM over MSSSIMScales scales.
	MSSSIM       float64 `json:"ms_ssim"`
	MSSSIMScales int     `json:"ms_ssim_scales"`
	// DataRange is the range used by PSNR and SSIM (see DataRange).
	DataRange float64 `json:"data_range"`
	// FRC50, FRC17 are this channel's FRC crossings as fractions of Nyquist.
	FRC50 float64 `json:"frc50"`
	FRC17 float64 `json:"frc17"`
}

// MarshalJSON writes Scores with a non-finite PSNR as the string "+Inf"
// (JSON has no infinity).
func (s Scores) MarshalJSON() ([]byte, error) {
	type plain Scores
	return json.Marshal(struct {
		plain
		PSNR any `json:"psnr"`
	}{plain(s), jsonFloat(s.PSNR)})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (s *Scores) UnmarshalJSON(b []byte) error {
	type plain Scores
	aux := struct {
		*plain
		PSNR any `json:"psnr"`
	}{plain: (*plain)(s)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	switch v := aux.PSNR.(type) {
	case float64:
		s.PSNR = v
	case string:
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return fmt.Errorf("metrics: scores: psnr %q: %w", v, err)
		}
		s.PSNR = f
	case nil:
	default:
		return fmt.Errorf("metrics: scores: psnr has type %T", v)
	}
	return nil
}

func jsonFloat(v float64) any {
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	return v
}

// Report is what Compare measured, ready for JSON.
type Report struct {
	Amplitude Scores `json:"amplitude"`
	Phase     Scores `json:"phase"`
	// FRC is the Fourier ring correlation of the aligned complex fields,
	// ring i at FRCFreq[i] cycles per pixel.
	FRC     []float64 `json:"frc"`
	FRCFreq []float64 `json:"frc_freq"`
	// FRC50, FRC17 are the 0.5 and 1/7 crossings of FRC as fractions of
	// Nyquist, and Resolution50Px, Resolution17Px the same as full periods
	// in pixels (see Crossing; a curve that never crosses gives Nyquist).
	FRC50          float64 `json:"frc50"`
	FRC17          float64 `json:"frc17"`
	Resolution50Px float64 `json:"resolution50_px"`
	Resolution17Px float64 `json:"resolution17_px"`
	// Shift is (dy, dx), the translation of the reconstruction relative to
	// the truth found by registration: rec(y, x) ≈ truth(y-dy, x-dx).
	Shift [2]float64 `json:"shift_yx"`
	// PhasePlane is the phase removed from the reconstruction, in the
	// coordinates of Region; AmplitudeScale the factor it was multiplied by.
	PhasePlane     PhasePlane `json:"phase_plane"`
	PhaseMode      string     `json:"phase_mode"`
	AmplitudeScale float64    `json:"amplitude_scale"`
	ScaleMode      string     `json:"scale_mode"`
	// Region is the scored rectangle of the reconstruction's frame.
	Region data.Rect `json:"region"`
}

// Complex128 returns the pixels of img widened to complex128.
func Complex128(img *data.ComplexImage) []complex128 {
	out := make([]complex128, len(img.Pix))
	for i, v := range img.Pix {
		out[i] = complex128(v)
	}
	return out
}

// Compare scores a reconstruction against the truth (same H×W). In order:
//
//  1. the region: ScanRegion of opts.ScanX/ScanY, else the whole image,
//     shrunk by opts.CropMargin;
//  2. registration of rec to truth over that region (as Register with
//     DefaultTaper, iterated to convergence); the truth is then moved into the reconstruction's frame
//     by MirrorShift, so the reconstruction itself is never resampled;
//  3. crop both to the region;
//  4. phase alignment of rec to truth (opts.Phase), then amplitude matching
//     (opts.Scale);
//  5. scores of the amplitudes |rec|, |truth| and of the phases, where the
//     reconstruction's phase is taken as arg(truth) + arg(rec·conj(truth)) so
//     that a phase near ±π is not counted as a 2π error;
//  6. the FRC of the aligned complex fields and of each channel.
//
// Registration uses the complex fields. With PlanePhase each registration
// round first removes the phase plane fitted against the truth (a ramp
// pulls the correlation peak); with the other modes a strong ramp can
// mislead it. On 512×512 Compare takes about 0.7 s of one core.
func Compare(rec, truth *data.ComplexImage, opts CompareOptions) (*Report, error) {
	if rec == nil || truth == nil {
		return nil, fmt.Errorf("metrics: compare: nil image")
	}
	if rec.H != truth.H || rec.W != truth.W {
		return nil, fmt.Errorf("metrics: compare: reconstruction is %d×%d but truth is %d×%d", rec.H, rec.W, truth.H, truth.W)
	}
	H, W := rec.H, rec.W
	if len(rec.Pix) != H*W || len(truth.Pix) != H*W {
		return nil, fmt.Errorf("metrics: compare: %d×%d images hold %d and %d pixels", H, W, len(rec.Pix), len(truth.Pix))
	}
	for _, img := range []struct {
		name string
		pix  []complex64
	}{{"reconstruction", rec.Pix}, {"truth", truth.Pix}} {
		if bad, first := countNonFinite(img.pix); bad > 0 {
			return nil, fmt.Errorf("metrics: compare: %s has %d non-finite pixels (first at row %d, column %d)", img.name, bad, first/W, first%W)
		}
	}
	region, err := compareRegion(H, W, opts)
	if err != nil {
		return nil, fmt.Errorf("metrics: compare: %w", err)
	}
	recPix, truthPix := Complex128(rec), Complex128(truth)
	h, w := region.Dy(), region.Dx()
	report := &Report{Region: region, PhaseMode: opts.Phase.String(), ScaleMode: opts.Scale.String()}

	if !opts.SkipRegistration {
		rc, _ := data.Crop(recPix, H, W, region)
		tc, _ := data.Crop(truthPix, H, W, region)
		dy, dx, err := registerForCompare(tc, rc, h, w, opts)
		if err != nil {
			return nil, fmt.Errorf("metrics: compare: %w", err)
		}
		report.Shift = [2]float64{dy, dx}
		if dy != 0 || dx != 0 {
			truthPix = MirrorShift(truthPix, truthPix, H, W, dy, dx)
		}
	}
	recPix, _ = data.Crop(recPix, H, W, region)
	truthPix, _ = data.Crop(truthPix, H, W, region)

	switch opts.Phase {
	case PlanePhase:
		report.PhasePlane, err = RemovePhasePlane(recPix, truthPix, h, w)
	case MeanPhase:
		report.PhasePlane.Offset, err = AlignMeanPhase(recPix, truthPix)
	case RawPhase:
	default:
		err = fmt.Errorf("unknown phase mode %d", int(opts.Phase))
	}
	if err != nil {
		return nil, fmt.Errorf("metrics: compare: %w", err)
	}
	scale, err := AmplitudeScale(recPix, truthPix, opts.Scale)
	if err != nil {
		return nil, fmt.Errorf("metrics: compare: %w", err)
	}
	report.AmplitudeScale = scale
	for i := range recPix {
		recPix[i] *= complex(scale, 0)
	}

	recAmp, truthAmp := make([]float64, h*w), make([]float64, h*w)
	recPhase, truthPhase := make([]float64, h*w), make([]float64, h*w)
	for i := range recPix {
		recAmp[i], truthAmp[i] = cmplx.Abs(recPix[i]), cmplx.Abs(truthPix[i])
		truthPhase[i] = cmplx.Phase(truthPix[i])
		recPhase[i] = truthPhase[i] + cmplx.Phase(recPix[i]*cmplx.Conj(truthPix[i]))
	}
	if report.Amplitude, err = scoreChannel(recAmp, truthAmp, h, w); err != nil {
		return nil, fmt.Errorf("metrics: compare: amplitude: %w", err)
	}
	if report.Phase, err = scoreChannel(recPhase, truthPhase, h, w); err != nil {
		return nil, fmt.Errorf("metrics: compare: phase: %w", err)
	}
	curve, err := FRC(recPix, truthPix, h, w, DefaultTaper)
	if err != nil {
		return nil, fmt.Errorf("metrics: compare: %w", err)
	}
	report.FRC, report.FRCFreq = curve.Value, curve.Freq
	c50, c17 := curve.Crossing(FRCHalf), curve.Crossing(FRCOneSeventh)
	report.FRC50, report.Resolution50Px = c50.Nyquist, c50.ResolutionPx
	report.FRC17, report.Resolution17Px = c17.Nyquist, c17.ResolutionPx
	return report, nil
}

// HalfDatasetFRC is the two-half-dataset resolution estimate: the FRC of two
// reconstructions of the same object from disjoint halves of the scan. b is
// registered onto a over the region of opts (as in Compare, moving b into
// a's frame with MirrorShift), its phase aligned to a's by opts.Phase, and
// the FRC of the two complex fields returned with the shift found.
func HalfDatasetFRC(a, b *data.ComplexImage, opts CompareOptions) (*FRCCurve, [2]float64, error) {
	var shift [2]float64
	if a == nil || b == nil {
		return nil, shift, fmt.Errorf("metrics: half-dataset FRC: nil image")
	}
	if a.H != b.H || a.W != b.W || len(a.Pix) != a.H*a.W || len(b.Pix) != b.H*b.W {
		return nil, shift, fmt.Errorf("metrics: half-dataset FRC: images are %d×%d (%d pixels) and %d×%d (%d pixels)", a.H, a.W, len(a.Pix), b.H, b.W, len(b.Pix))
	}
	H, W := a.H, a.W
	region, err := compareRegion(H, W, opts)
	if err != nil {
		return nil, shift, fmt.Errorf("metrics: half-dataset FRC: %w", err)
	}
	h, w := region.Dy(), region.Dx()
	aPix, bPix := Complex128(a), Complex128(b)
	if !opts.SkipRegistration {
		ac, _ := data.Crop(aPix, H, W, region)
		bc, _ := data.Crop(bPix, H, W, region)
		dy, dx, err := registerForCompare(ac, bc, h, w, opts)
		if err != nil {
			return nil, shift, fmt.Errorf("metrics: half-dataset FRC: %w", err)
		}
		shift = [2]float64{dy, dx}
		bPix = MirrorShift(bPix, bPix, H, W, -dy, -dx)
	}
	aPix, _ = data.Crop(aPix, H, W, region)
	bPix, _ = data.Crop(bPix, H, W, region)
	switch opts.Phase {
	case PlanePhase:
		_, err = RemovePhasePlane(bPix, aPix, h, w)
	case MeanPhase:
		_, err = AlignMeanPhase(bPix, aPix)
	case RawPhase:
	default:
		err = fmt.Errorf("unknown phase mode %d", int(opts.Phase))
	}
	if err != nil {
		return nil, shift, fmt.Errorf("metrics: half-dataset FRC: %w", err)
	}
	curve, err := FRC(aPix, bPix, h, w, DefaultTaper)
	if err != nil {
		return nil, shift, fmt.Errorf("metrics: half-dataset FRC: %w", err)
	}
	return curve, shift, nil
}

// registerForCompare registers moving onto ref like Register with
// DefaultTaper (coarse-to-fine search, then re-registration of moving moved
// back by the estimate until the residual is below one search step). A
// phase ramp shifts the spectrum and pulls the correlation peak (0.02 rad/px
// moved it by 0.2 px in a test), so with PlanePhase every round first fits
// the phase plane of the moved-back image against ref and removes it.
func registerForCompare(ref, moving []complex128, h, w int, opts CompareOptions) (dy, dx float64, err error) {
	up := opts.Upsample
	if up == 0 {
		up = DefaultUpsample
	}
	if up < 1 {
		return 0, 0, fmt.Errorf("metrics: register: upsample %d must be ≥ 1", up)
	}
	if len(ref) != h*w || len(moving) != h*w || h < 2 || w < 2 {
		return 0, 0, fmt.Errorf("metrics: register: got %d and %d pixels for %d×%d", len(ref), len(moving), h, w)
	}
	flat := append([]complex128(nil), moving...)
	back := make([]complex128, len(moving))
	for round := 0; round < maxTaperRounds; round++ {
		if round == 0 {
			copy(back, flat)
		} else {
			MirrorShift(back, flat, h, w, -dy, -dx)
		}
		if opts.Phase == PlanePhase {
			// The plane fitted in ref's frame has the slopes of the ramp
			// in moving's frame; its offset is a global phase, which
			// registration ignores.
			if p, err := FitPhasePlane(back, ref, h, w); err == nil {
				p.Remove(back, h, w)
				p.Remove(flat, h, w)
			}
		}
		ry, rx, err := registerOnce(ref, back, h, w, up, DefaultTaper)
		if err != nil {
			return 0, 0, err
		}
		dy, dx = dy+ry, dx+rx
		if math.Abs(ry) < 1/float64(up) && math.Abs(rx) < 1/float64(up) {
			break
		}
	}
	return dy, dx, nil
}

// countNonFinite returns how many pixels have a NaN or infinite part, and
// the index of the first.
func countNonFinite(pix []complex64) (count, first int) {
	first = -1
	for i, v := range pix {
		if cmplx.IsNaN(complex128(v)) || cmplx.IsInf(complex128(v)) {
			if count == 0 {
				first = i
			}
			count++
		}
	}
	return count, first
}

func compareRegion(H, W int, opts CompareOptions) (data.Rect, error) {
	if len(opts.ScanX) > 0 || len(opts.ScanY) > 0 {
		return data.ScanRegion(opts.ScanX, opts.ScanY, opts.CropMargin, H, W)
	}
	m := opts.CropMargin
	if math.IsNaN(m) || math.IsInf(m, 0) || m < 0 {
		return data.Rect{}, fmt.Errorf("crop margin %g must be finite and ≥ 0 without scan positions", m)
	}
	r := data.Rect{Y0: int(math.Ceil(m)), X0: int(math.Ceil(m)), Y1: H - int(math.Ceil(m)), X1: W - int(math.Ceil(m))}
	if r.Empty() {
		return r, fmt.Errorf("crop margin %g leaves nothing of the %d×%d image", m, H, W)
	}
	return r, nil
}

func scoreChannel(rec, truth []float64, h, w int) (Scores, error) {
	s := Scores{DataRange: DataRange(truth), MSSSIMScales: MSSSIMScales(h, w)}
	var err error
	if s.MAE, err = MAE(rec, truth); err != nil {
		return s, err
	}
	if s.MSE, err = MSE(rec, truth); err != nil {
		return s, err
	}
	s.PSNR = psnrFromMSE(s.MSE, s.DataRange)
	if s.SSIM, err = SSIM(rec, truth, h, w, s.DataRange); err != nil {
		return s, err
	}
	if s.MSSSIM, err = MSSSIM(rec, truth, h, w, s.DataRange); err != nil {
		return s, err
	}
	curve, err := FRCReal(rec, truth, h, w, DefaultTaper)
	if err != nil {
		return s, err
	}
	s.FRC50 = curve.Crossing(FRCHalf).Nyquist
	s.FRC17 = curve.Crossing(FRCOneSeventh).Nyquist
	return s, nil
}

// Table formats the report as a plain-text table for a terminal or notebook.
func (r *Report) Table() string {
	var b strings.Builder
	fmt.Fprintf(&b, "region %v (%d×%d); shift (dy, dx) = (%+.3f, %+.3f) px\n", r.Region, r.Region.Dy(), r.Region.Dx(), r.Shift[0], r.Shift[1])
	fmt.Fprintf(&b, "phase %s: offset %+.4f rad, slope x %+.3g, y %+.3g rad/px; amplitude scale %.4g (%s)\n",
		r.PhaseMode, r.PhasePlane.Offset, r.PhasePlane.SlopeX, r.PhasePlane.SlopeY, r.AmplitudeScale, r.ScaleMode)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\tMAE\tMSE\tPSNR/dB\tSSIM\tMS-SSIM\tFRC50/Nyq\tFRC1/7/Nyq\trange\t")
	for _, row := range []struct {
		name string
		s    Scores
	}{{"amplitude", r.Amplitude}, {"phase", r.Phase}} {
		s := row.s
		fmt.Fprintf(tw, "%s\t%.4g\t%.4g\t%.2f\t%.4f\t%.4f\t%.3f\t%.3f\t%.4g\t\n",
			row.name, s.MAE, s.MSE, s.PSNR, s.SSIM, s.MSSSIM, s.FRC50, s.FRC17, s.DataRange)
	}
	tw.Flush()
	fmt.Fprintf(&b, "complex FRC: FRC50 %.3f Nyquist (%.2f px), FRC1/7 %.3f Nyquist (%.2f px)\n",
		r.FRC50, r.Resolution50Px, r.FRC17, r.Resolution17Px)
	return b.String()
}
