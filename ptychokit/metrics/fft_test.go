package metrics

import (
	"math"
	"math/cmplx"
	"testing"
)

// Rounding of float64 FFTs on images of a few thousand pixels.
const fftTol = 1e-11

func TestFFT2MatchesDirectDFT(t *testing.T) {
	t.Parallel()
	for _, size := range [][2]int{{6, 10}, {7, 5}, {16, 16}} {
		H, W := size[0], size[1]
		rng := newRNG(1)
		img := make([]complex128, H*W)
		for i := range img {
			img[i] = complex(rng.NormFloat64(), rng.NormFloat64())
		}
		want := make([]complex128, H*W)
		for ky := 0; ky < H; ky++ {
			for kx := 0; kx < W; kx++ {
				var sum complex128
				for y := 0; y < H; y++ {
					for x := 0; x < W; x++ {
						sum += img[y*W+x] * cmplx.Exp(complex(0, -2*math.Pi*(float64(ky*y)/float64(H)+float64(kx*x)/float64(W))))
					}
				}
				want[ky*W+kx] = sum
			}
		}
		got := append([]complex128(nil), img...)
		f := newFFT2(H, W)
		f.forward(got)
		if d := maxAbsDiff(got, want); d > fftTol {
			t.Errorf("%d×%d: forward differs from the direct DFT by %g", H, W, d)
		}
		f.inverse(got)
		if d := maxAbsDiff(got, img); d > fftTol {
			t.Errorf("%d×%d: inverse(forward(f)) differs from f by %g", H, W, d)
		}
	}
}

func TestFourierShiftIntegerIsRoll(t *testing.T) {
	t.Parallel()
	H, W := 12, 18
	img := smoothNoise(newRNG(2), H, W, 0.3)
	for _, s := range [][2]int{{0, 0}, {3, -5}, {-7, 11}} {
		got := FourierShift(nil, img, H, W, float64(s[0]), float64(s[1]))
		if d := maxAbsDiff(got, roll(img, H, W, s[0], s[1])); d > fftTol {
			t.Errorf("shift %v: differs from an integer roll by %g", s, d)
		}
	}
}

func TestMirrorShiftInteger(t *testing.T) {
	t.Parallel()
	H, W := 20, 14
	rng := newRNG(3)
	img := make([]complex128, H*W)
	for i := range img {
		img[i] = complex(rng.NormFloat64(), rng.NormFloat64())
	}
	dy, dx := 2, -3
	got := MirrorShift(nil, img, H, W, float64(dy), float64(dx))
	mirror := func(i, n int) int { // reflect i into [0, n) about the borders, edge pixel repeated
		if i < 0 {
			return -1 - i
		}
		if i >= n {
			return 2*n - 1 - i
		}
		return i
	}
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			want := img[mirror(y-dy, H)*W+mirror(x-dx, W)]
			if d := cmplx.Abs(got[y*W+x] - want); d > fftTol {
				t.Fatalf("pixel (%d, %d): got %v, want %v", y, x, got[y*W+x], want)
			}
		}
	}
}
