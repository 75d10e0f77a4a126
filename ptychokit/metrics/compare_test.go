package metrics

import (
	"encoding/json"
	"math"
	"math/cmplx"
	"strings"
	"testing"

	"github.com/ptychokit/ptychokit/ptychokit/data"
)

func toImage(pix []complex128, H, W int) *data.ComplexImage {
	img := &data.ComplexImage{H: H, W: W, Pix: make([]complex64, len(pix))}
	for i, v := range pix {
		img.Pix[i] = complex64(v)
	}
	return img
}

// complex64 storage of O(1) values: about 1e-7 relative.
const float32Tol = 1e-6

func TestCompareIdentical(t *testing.T) {
	t.Parallel()
	H, W := 96, 80
	truth := toImage(smoothObject(newRNG(60), H, W, 0.1), H, W)
	r, err := Compare(truth, truth, CompareOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []Scores{r.Amplitude, r.Phase} {
		if s.MSE > float32Tol*float32Tol || s.MAE > float32Tol || math.Abs(s.SSIM-1) > float32Tol || math.Abs(s.MSSSIM-1) > float32Tol {
			t.Errorf("identical images: %+v", s)
		}
		if !math.IsInf(s.PSNR, 1) && s.PSNR < 120 {
			t.Errorf("identical images: PSNR %g, want +Inf (or float32 rounding)", s.PSNR)
		}
		if s.MSSSIMScales != 3 { // 80 → 40 → 20 hold the window; 10 does not
			t.Errorf("MS-SSIM scales %d, want 3", s.MSSSIMScales)
		}
	}
	for i := 1; i < len(r.FRC); i++ {
		if math.Abs(r.FRC[i]-1) > float32Tol {
			t.Errorf("ring %d FRC %g, want 1", i, r.FRC[i])
		}
	}
	if r.Shift != [2]float64{0, 0} || r.FRC50 != 1 || r.FRC17 != 1 || math.Abs(r.AmplitudeScale-1) > float32Tol {
		t.Errorf("identical images: shift %v, FRC50 %g, FRC17 %g, scale %g", r.Shift, r.FRC50, r.FRC17, r.AmplitudeScale)
	}
}

// Exactly equal images give PSNR +Inf, which JSON carries as "+Inf".
func TestReportJSONRoundTrip(t *testing.T) {
	t.Parallel()
	H, W := 32, 32
	img := toImage(smoothObject(newRNG(61), H, W, 0.1), H, W)
	r, err := Compare(img, img, CompareOptions{SkipRegistration: true, Phase: RawPhase, Scale: NoScale})
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsInf(r.Amplitude.PSNR, 1) {
		t.Fatalf("amplitude PSNR %g, want +Inf", r.Amplitude.PSNR)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"psnr":"+Inf"`) {
		t.Errorf("JSON %s: want psnr \"+Inf\"", b)
	}
	var back Report
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !math.IsInf(back.Amplitude.PSNR, 1) || back.Phase.SSIM != r.Phase.SSIM || back.Region != r.Region || len(back.FRC) != len(r.FRC) {
		t.Errorf("round trip changed the report: %+v", back)
	}
}

// The reconstruction is a cut-out of the scene moved by (3.37, -1.62) px,
// with a phase plane and a scale on its amplitude: Compare must find and
// undo all three.
func TestCompareRecoversShiftPlaneAndScale(t *testing.T) {
	t.Parallel()
	const big, size, at = 224, 160, 32
	const dy, dx = 3.37, -1.62
	scene := smoothObject(newRNG(62), big, big, 0.05)
	moved := FourierShift(nil, scene, big, big, dy, dx)
	r := data.Rect{Y0: at, X0: at, Y1: at + size, X1: at + size}
	truth, _ := data.Crop(scene, big, big, r)
	rec, _ := data.Crop(moved, big, big, r)
	plane := PhasePlane{Offset: 1.1, SlopeX: 0.02, SlopeY: -0.015}
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			rec[y*size+x] *= complex(0.7, 0) * cmplx.Exp(complex(0, plane.At(y, x)))
		}
	}
	// A raster scan with centres from 20 to 134: the scored region.
	var scanX, scanY []float64
	for y := 20.0; y < 140; y += 6 {
		for x := 20.0; x < 140; x += 6 {
			scanX, scanY = append(scanX, x), append(scanY, y)
		}
	}
	report, err := Compare(toImage(rec, size, size), toImage(truth, size, size), CompareOptions{ScanX: scanX, ScanY: scanY, CropMargin: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", report.Table())
	if math.Abs(report.Shift[0]-dy) > registerTol || math.Abs(report.Shift[1]-dx) > registerTol {
		t.Errorf("shift %v, want (%g, %g)", report.Shift, dy, dx)
	}
	if want := (data.Rect{Y0: 22, X0: 22, Y1: 133, X1: 133}); report.Region != want {
		t.Errorf("region %v, want %v", report.Region, want)
	}
	// The plane is reported in the region's coordinates.
	wantOffset := plane.At(report.Region.Y0, report.Region.X0)
	const planeFitTol = 1e-3 // float32 storage, sub-pixel resampling of the truth
	if math.Abs(data.WrapPhase(report.PhasePlane.Offset-wantOffset)) > planeFitTol ||
		math.Abs(report.PhasePlane.SlopeX-plane.SlopeX) > planeFitTol/10 || math.Abs(report.PhasePlane.SlopeY-plane.SlopeY) > planeFitTol/10 {
		t.Errorf("phase plane %+v, want offset %g slopes %g %g", report.PhasePlane, wantOffset, plane.SlopeX, plane.SlopeY)
	}
	if math.Abs(report.AmplitudeScale-1/0.7) > 1e-3 {
		t.Errorf("amplitude scale %g, want %g", report.AmplitudeScale, 1/0.7)
	}
	// After alignment the two agree to the accuracy of resampling a smooth
	// object: SSIM and FRC near 1.
	for name, s := range map[string]Scores{"amplitude": report.Amplitude, "phase": report.Phase} {
		if s.SSIM < 0.999 || s.MSSSIM < 0.999 || s.MAE > 1e-3 {
			t.Errorf("%s after alignment: %+v", name, s)
		}
	}
	if report.FRC50 < 0.99 {
		t.Errorf("FRC50 %g Nyquist, want about 1", report.FRC50)
	}
}

// A constant amplitude error through Compare with every alignment off gives
// the closed-form PSNR 10·log10(range²/e²) and leaves the phase untouched.
func TestCompareConstantErrorPSNR(t *testing.T) {
	t.Parallel()
	const H, W, e = 40, 50, 0.125 // e is exact in float32
	truth := make([]complex128, H*W)
	rec := make([]complex128, H*W)
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			amp := 0.25 + 0.5*float64((x+y)%5)/4 // 0.25 … 0.75, range 0.5, exact in float32
			phase := 0.1 * float64(y%7)
			truth[y*W+x] = cmplx.Rect(amp, phase)
			rec[y*W+x] = cmplx.Rect(amp+e, phase)
		}
	}
	r, err := Compare(toImage(rec, H, W), toImage(truth, H, W), CompareOptions{SkipRegistration: true, Phase: RawPhase, Scale: NoScale})
	if err != nil {
		t.Fatal(err)
	}
	want := 10 * math.Log10(0.5*0.5/(e*e))
	if math.Abs(r.Amplitude.DataRange-0.5) > float32Tol || math.Abs(r.Amplitude.PSNR-want) > 1e-4 || math.Abs(r.Amplitude.MAE-e) > float32Tol {
		t.Errorf("amplitude %+v, want range 0.5, MAE %g, PSNR %g", r.Amplitude, e, want)
	}
	if r.Phase.MAE > float32Tol {
		t.Errorf("phase MAE %g, want 0", r.Phase.MAE)
	}
}

func TestHalfDatasetFRC(t *testing.T) {
	t.Parallel()
	const H, W = 128, 128
	rng := newRNG(63)
	scene := smoothObject(rng, H, W, 0.04)
	noisy := func(dy, dx float64) *data.ComplexImage {
		img := FourierShift(nil, scene, H, W, dy, dx)
		for i := range img {
			img[i] += complex(0.1*rng.NormFloat64(), 0.1*rng.NormFloat64())
		}
		return toImage(img, H, W)
	}
	curve, shift, err := HalfDatasetFRC(noisy(0, 0), noisy(0.4, -0.3), CompareOptions{CropMargin: 8})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(shift[0]-0.4) > registerTol || math.Abs(shift[1]+0.3) > registerTol {
		t.Errorf("shift %v, want (0.4, -0.3)", shift)
	}
	// Noise of 0.1 per component against a signal whose spectrum decays
	// like exp(-q²/0.04²): the FRC starts near 1 and falls below 1/2 and 1/7
	// well before Nyquist.
	c50, c17 := curve.Crossing(FRCHalf), curve.Crossing(FRCOneSeventh)
	t.Logf("ring 2: %.3f; FRC50 %.3f, FRC1/7 %.3f Nyquist", curve.Value[2], c50.Nyquist, c17.Nyquist)
	if !c50.Crossed || !c17.Crossed || c17.Nyquist > 0.8 || c50.Nyquist > c17.Nyquist || curve.Value[2] < 0.9 {
		t.Errorf("ring 2 FRC %g, crossings %+v, %+v", curve.Value[2], c50, c17)
	}
}

func TestCompareErrors(t *testing.T) {
	t.Parallel()
	a := &data.ComplexImage{H: 20, W: 20, Pix: make([]complex64, 400)}
	b := &data.ComplexImage{H: 20, W: 21, Pix: make([]complex64, 420)}
	for i := range a.Pix {
		a.Pix[i] = complex(float32(i%7), 0)
	}
	cases := []struct {
		name       string
		rec, truth *data.ComplexImage
		opts       CompareOptions
		want       string
	}{
		{"nil", nil, a, CompareOptions{}, "nil"},
		{"sizes", a, b, CompareOptions{}, "20×20 but truth is 20×21"},
		{"pixels", a, &data.ComplexImage{H: 20, W: 20, Pix: make([]complex64, 3)}, CompareOptions{}, "hold"},
		{"margin", a, a, CompareOptions{CropMargin: 10}, "leaves nothing"},
		{"scan", a, a, CompareOptions{ScanX: []float64{1, 2}, ScanY: []float64{1}}, "y coordinates"},
		{"phase mode", a, a, CompareOptions{Phase: PhaseMode(7)}, "phase mode"},
		{"small for SSIM", a, a, CompareOptions{CropMargin: 5}, "window"},
		{"NaN", nanImage(20, 20, 47), a, CompareOptions{}, "reconstruction has 1 non-finite pixels (first at row 2, column 7)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Compare(c.rec, c.truth, c.opts)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want an error mentioning %q", err, c.want)
			}
		})
	}
}

func TestScanRegion(t *testing.T) {
	t.Parallel()
	x := []float64{10.5, 40, 25}
	y := []float64{12, 30.2, 20}
	cases := []struct {
		margin float64
		H, W   int
		want   data.Rect
	}{
		{0, 100, 100, data.Rect{Y0: 12, X0: 11, Y1: 31, X1: 41}},
		{2, 100, 100, data.Rect{Y0: 14, X0: 13, Y1: 29, X1: 39}},
		{-20, 100, 45, data.Rect{Y0: 0, X0: 0, Y1: 51, X1: 45}},
	}
	for _, c := range cases {
		got, err := data.ScanRegion(x, y, c.margin, c.H, c.W)
		if err != nil || got != c.want {
			t.Errorf("margin %g: got %v, %v; want %v", c.margin, got, err, c.want)
		}
	}
	if _, err := data.ScanRegion(x, y, 15, 100, 100); err == nil {
		t.Error("margin larger than the scan: want an error")
	}
	if _, err := data.ScanRegion([]float64{math.NaN()}, []float64{1}, 0, 10, 10); err == nil {
		t.Error("NaN position: want an error")
	}
}

func nanImage(H, W, at int) *data.ComplexImage {
	img := &data.ComplexImage{H: H, W: W, Pix: make([]complex64, H*W)}
	img.Pix[at] = complex(float32(math.NaN()), 0)
	return img
}
