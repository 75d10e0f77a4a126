package metrics

import (
	"math"
	"testing"
)

// scoreTol: sums of a few thousand float64 terms.
const scoreTol = 1e-12

func TestErrorScoresConstantError(t *testing.T) {
	t.Parallel()
	truth := randomReal(newRNG(30), 500, 0.2, 1.7)
	truth[0], truth[1] = 0.2, 1.7 // pin the range to 1.5
	for _, e := range []float64{0.05, -0.3, 1e-4} {
		rec := make([]float64, len(truth))
		for i := range rec {
			rec[i] = truth[i] + e
		}
		L := DataRange(truth)
		mae, _ := MAE(rec, truth)
		mse, _ := MSE(rec, truth)
		psnr, err := PSNR(rec, truth, L)
		if err != nil {
			t.Fatal(err)
		}
		// Closed forms: MAE = |e|, MSE = e², PSNR = 10·log10(1.5²/e²).
		wantPSNR := 10 * math.Log10(1.5*1.5/(e*e))
		if math.Abs(L-1.5) > scoreTol || math.Abs(mae-math.Abs(e)) > scoreTol || math.Abs(mse-e*e) > scoreTol || math.Abs(psnr-wantPSNR) > 1e-9 {
			t.Errorf("e = %g: range %g, MAE %g, MSE %g, PSNR %g (want %g)", e, L, mae, mse, psnr, wantPSNR)
		}
	}
}

func TestPSNREqualImagesIsInf(t *testing.T) {
	t.Parallel()
	x := []float64{0, 1, 2}
	if p, err := PSNR(x, x, DataRange(x)); err != nil || !math.IsInf(p, 1) {
		t.Errorf("got %g, %v; want +Inf", p, err)
	}
}

func TestScoreErrors(t *testing.T) {
	t.Parallel()
	a, b := []float64{1, 2}, []float64{1}
	if _, err := MAE(a, b); err == nil {
		t.Error("MAE: want a length error")
	}
	if _, err := MSE(nil, nil); err == nil {
		t.Error("MSE: want an empty-image error")
	}
	if _, err := PSNR(a, a, 0); err == nil {
		t.Error("PSNR: want a data-range error")
	}
}

func TestDataRange(t *testing.T) {
	t.Parallel()
	cases := []struct {
		truth []float64
		want  float64
	}{
		{[]float64{0.5, -1, 2}, 3},
		{[]float64{0.7, 0.7}, 0.7}, // constant: max|truth|
		{[]float64{-2, -2}, 2},
		{[]float64{0, 0}, 1}, // all zero: 1
		{nil, 1},
	}
	for _, c := range cases {
		if got := DataRange(c.truth); got != c.want {
			t.Errorf("DataRange(%v) = %g, want %g", c.truth, got, c.want)
		}
	}
}
