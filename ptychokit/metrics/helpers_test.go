package metrics

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
)

// newRNG returns a seeded generator so every test sees the same numbers.
func newRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x5eed)) }

// smoothNoise returns a periodic H×W complex random field whose spectrum is
// white complex noise times exp(-q²/(2·s²)), q in cycles per pixel; its
// forward DFT is exactly that spectrum.
func smoothNoise(rng *rand.Rand, H, W int, s float64) []complex128 {
	field := make([]complex128, H*W)
	for ky := 0; ky < H; ky++ {
		qy := float64(signedFreq(ky, H)) / float64(H)
		for kx := 0; kx < W; kx++ {
			qx := float64(signedFreq(kx, W)) / float64(W)
			g := math.Exp(-(qx*qx + qy*qy) / (2 * s * s))
			field[ky*W+kx] = complex(g*rng.NormFloat64(), g*rng.NormFloat64()) / complex(math.Sqrt2, 0)
		}
	}
	newFFT2(H, W).inverse(field)
	return field
}

// smoothObject returns a periodic, smooth complex object: amplitude in about
// [0.3, 0.9] and phase in about [-1.5, 1.5] rad, both varying on a scale of
// 1/s pixels.
func smoothObject(rng *rand.Rand, H, W int, s float64) []complex128 {
	f := smoothNoise(rng, H, W, s)
	var norm float64
	for _, v := range f {
		norm += real(v)*real(v) + imag(v)*imag(v)
	}
	norm = math.Sqrt(norm / float64(2*len(f)))
	obj := make([]complex128, len(f))
	for i, v := range f {
		amp := 0.6 + 0.3*math.Tanh(real(v)/norm)
		phase := 1.5 * math.Tanh(imag(v)/norm)
		obj[i] = cmplx.Rect(amp, phase)
	}
	return obj
}

// roll is the integer periodic shift dst(y, x) = src(y-dy, x-dx).
func roll(src []complex128, H, W, dy, dx int) []complex128 {
	dst := make([]complex128, len(src))
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			sy, sx := ((y-dy)%H+H)%H, ((x-dx)%W+W)%W
			dst[y*W+x] = src[sy*W+sx]
		}
	}
	return dst
}

func maxAbsDiff(a, b []complex128) float64 {
	var m float64
	for i := range a {
		m = math.Max(m, cmplx.Abs(a[i]-b[i]))
	}
	return m
}

func randomReal(rng *rand.Rand, n int, lo, hi float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = lo + (hi-lo)*rng.Float64()
	}
	return out
}
