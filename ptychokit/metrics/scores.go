package metrics

import (
	"fmt"
	"math"
)

// MAE returns the mean absolute difference of a and b (equal lengths).
func MAE(a, b []float64) (float64, error) {
	if err := sameLength("MAE", a, b); err != nil {
		return 0, err
	}
	var sum float64
	for i := range a {
		sum += math.Abs(a[i] - b[i])
	}
	return sum / float64(len(a)), nil
}

// MSE returns the mean squared difference of a and b (equal lengths).
func MSE(a, b []float64) (float64, error) {
	if err := sameLength("MSE", a, b); err != nil {
		return 0, err
	}
	var sum float64
	for i := range a {
		d := a[i] - b[i]
		sum += d * d
	}
	return sum / float64(len(a)), nil
}

// PSNR returns the peak signal-to-noise ratio in decibels,
// 10·log10(dataRange² / MSE(rec, truth)), with dataRange the true data range
// (see DataRange); +Inf when the images are equal.
func PSNR(rec, truth []float64, dataRange float64) (float64, error) {
	if !(dataRange > 0) || math.IsInf(dataRange, 0) {
		return 0, fmt.Errorf("metrics: PSNR: data range %g must be positive and finite", dataRange)
	}
	mse, err := MSE(rec, truth)
	if err != nil {
		return 0, err
	}
	return psnrFromMSE(mse, dataRange), nil
}

func psnrFromMSE(mse, dataRange float64) float64 {
	if mse == 0 {
		return math.Inf(1)
	}
	return 10 * math.Log10(dataRange*dataRange/mse)
}

// DataRange returns max−min of truth, the range PSNR and SSIM use. When the
// truth is constant it returns max|truth|, and 1 when that is 0 too, so that
// a flat amplitude (a pure phase object) still gives finite, comparable
// scores.
func DataRange(truth []float64) float64 {
	if len(truth) == 0 {
		return 1
	}
	lo, hi := truth[0], truth[0]
	for _, v := range truth {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	if hi > lo {
		return hi - lo
	}
	if a := math.Max(math.Abs(lo), math.Abs(hi)); a > 0 {
		return a
	}
	return 1
}

func sameLength(what string, a, b []float64) error {
	if len(a) != len(b) {
		return fmt.Errorf("metrics: %s: got %d and %d values", what, len(a), len(b))
	}
	if len(a) == 0 {
		return fmt.Errorf("metrics: %s: empty images", what)
	}
	return nil
}
