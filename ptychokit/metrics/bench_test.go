package metrics

import (
	"fmt"
	"testing"
)

func BenchmarkSSIM(b *testing.B) {
	for _, n := range []int{256, 512} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			rng := newRNG(70)
			x, y := randomReal(rng, n*n, 0, 1), randomReal(rng, n*n, 0, 1)
			for b.Loop() {
				SSIM(x, y, n, n, 1)
			}
		})
	}
}

func BenchmarkMSSSIM(b *testing.B) {
	rng := newRNG(71)
	x, y := randomReal(rng, 512*512, 0, 1), randomReal(rng, 512*512, 0, 1)
	for b.Loop() {
		MSSSIM(x, y, 512, 512, 1)
	}
}

func BenchmarkRegister(b *testing.B) {
	for _, taper := range []float64{0, DefaultTaper} {
		b.Run(fmt.Sprintf("512/taper=%g", taper), func(b *testing.B) {
			ref := smoothObject(newRNG(72), 512, 512, 0.05)
			moving := FourierShift(nil, ref, 512, 512, 3.37, -1.62)
			for b.Loop() {
				Register(ref, moving, 512, 512, RegisterOptions{Taper: taper})
			}
		})
	}
}

// BenchmarkCompare times the whole evaluation of an n×n reconstruction.
func BenchmarkCompare(b *testing.B) {
	for _, n := range []int{256, 512} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			truth := smoothObject(newRNG(73), n, n, 0.05)
			rec := FourierShift(nil, truth, n, n, 3.37, -1.62)
			ti, ri := toImage(truth, n, n), toImage(rec, n, n)
			for b.Loop() {
				if _, err := Compare(ri, ti, CompareOptions{CropMargin: 16}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
