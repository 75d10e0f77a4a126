package metrics_test

import (
	"fmt"
	"math"
	"math/cmplx"

	"github.com/ptychokit/ptychokit/ptychokit/data"
	"github.com/ptychokit/ptychokit/ptychokit/metrics"
)

// A reconstruction that differs from the truth only by what ptychography
// cannot determine (a global phase, a phase ramp, an amplitude scale) and a
// sub-pixel shift scores as perfect once Compare has aligned it.
func ExampleCompare() {
	const H, W = 64, 64
	truth := &data.ComplexImage{H: H, W: W, Pix: make([]complex64, H*W)}
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			amp := 0.6 + 0.3*math.Sin(2*math.Pi*float64(x)/16)*math.Cos(2*math.Pi*float64(y)/32)
			phase := math.Sin(2*math.Pi*float64(y)/16) * math.Sin(2*math.Pi*float64(x)/32)
			truth.Pix[y*W+x] = complex64(cmplx.Rect(amp, phase))
		}
	}
	// The reconstruction: the truth moved by (0.5, -0.25) px (periodic),
	// with half the amplitude and a phase plane 0.7 + 0.01·x.
	moved := metrics.FourierShift(nil, metrics.Complex128(truth), H, W, 0.5, -0.25)
	rec := &data.ComplexImage{H: H, W: W, Pix: make([]complex64, H*W)}
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			rec.Pix[y*W+x] = complex64(moved[y*W+x] * cmplx.Rect(0.5, 0.7+0.01*float64(x)))
		}
	}
	report, err := metrics.Compare(rec, truth, metrics.CompareOptions{CropMargin: 4})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("shift (%.2f, %.2f) px, amplitude scale %.3f, phase slope x %.3f rad/px\n",
		report.Shift[0], report.Shift[1], report.AmplitudeScale, report.PhasePlane.SlopeX)
	fmt.Printf("amplitude SSIM %.3f, phase SSIM %.3f, FRC50 %.2f Nyquist\n",
		report.Amplitude.SSIM, report.Phase.SSIM, report.FRC50)
	// Output:
	// shift (0.50, -0.25) px, amplitude scale 2.000, phase slope x 0.010 rad/px
	// amplitude SSIM 1.000, phase SSIM 1.000, FRC50 1.00 Nyquist
}

// PSNR uses the data range of the truth, here 1.5.
func ExamplePSNR() {
	truth := []float64{0.2, 1.7, 0.9, 1.1}
	rec := []float64{0.3, 1.8, 1.0, 1.2} // off by 0.1 everywhere
	psnr, err := metrics.PSNR(rec, truth, metrics.DataRange(truth))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%.2f dB = 10·log10(1.5²/0.1²) = %.2f dB\n", psnr, 10*math.Log10(1.5*1.5/0.01))
	// Output:
	// 23.52 dB = 10·log10(1.5²/0.1²) = 23.52 dB
}
