package metrics

import (
	"fmt"
	"math"
	"math/cmplx"
)

// FRC thresholds.
const (
	FRCHalf       = 0.5     // the FRC50 criterion
	FRCOneSeventh = 1.0 / 7 // the 1/7 criterion (Rosenthal & Henderson 2003)
)

// FRCCurve is a Fourier ring correlation. Ring i collects the Fourier pixels
// whose radial frequency sqrt((fy/H)² + (fx/W)²), in cycles per pixel, rounds
// to i/L with L = min(H, W); rings run from 0 to Nyquist (L/2), the corners
// beyond Nyquist are left out.
type FRCCurve struct {
	Freq   []float64 `json:"freq"`   // ring frequency, cycles per pixel
	Value  []float64 `json:"value"`  // correlation in [-1, 1]; 0 for a ring with no power
	Pixels []int     `json:"pixels"` // Fourier pixels in each ring
}

// Crossing is where an FRC curve first falls below a threshold.
type Crossing struct {
	Threshold float64 `json:"threshold"`
	// Crossed is false when the curve never falls below the threshold
	// before Nyquist; the fields below then describe the last ring.
	Crossed bool `json:"crossed"`
	// Freq is the crossing in cycles per pixel, linearly interpolated
	// between rings.
	Freq float64 `json:"freq"`
	// Nyquist is Freq as a fraction of Nyquist (0.5 cycles per pixel).
	Nyquist float64 `json:"nyquist"`
	// ResolutionPx is 1/Freq: the full period, in pixels, of the finest
	// fringe resolved (2 at Nyquist).
	ResolutionPx float64 `json:"resolution_px"`
}

// FRC returns the Fourier ring correlation of the H×W complex images a and b:
// Re Σ_ring A·conj(B) / sqrt(Σ_ring |A|² · Σ_ring |B|²). Each image has its
// mean removed and, when taper > 0, is multiplied by a Tukey window rolling
// off that fraction of each side, so the image borders do not correlate with
// themselves. Register the images first (Compare does).
func FRC(a, b []complex128, H, W int, taper float64) (*FRCCurve, error) {
	if H < 2 || W < 2 {
		return nil, fmt.Errorf("metrics: FRC: image %d×%d is too small", H, W)
	}
	if len(a) != H*W || len(b) != H*W {
		return nil, fmt.Errorf("metrics: FRC: got %d and %d pixels, want %d×%d = %d", len(a), len(b), H, W, H*W)
	}
	if !(taper >= 0 && taper <= 0.5) {
		return nil, fmt.Errorf("metrics: FRC: taper %g outside [0, 0.5]", taper)
	}
	fa := prepareForCorrelation(a, H, W, taper)
	fb := prepareForCorrelation(b, H, W, taper)
	f := newFFT2(H, W)
	f.forward(fa)
	f.forward(fb)

	L := min(H, W)
	rings := L/2 + 1
	cross := make([]float64, rings)
	powA := make([]float64, rings)
	powB := make([]float64, rings)
	c := &FRCCurve{Freq: make([]float64, rings), Value: make([]float64, rings), Pixels: make([]int, rings)}
	for ky := 0; ky < H; ky++ {
		qy := float64(signedFreq(ky, H)) / float64(H)
		for kx := 0; kx < W; kx++ {
			qx := float64(signedFreq(kx, W)) / float64(W)
			ring := int(math.Round(math.Sqrt(qy*qy+qx*qx) * float64(L)))
			if ring >= rings {
				continue
			}
			va, vb := fa[ky*W+kx], fb[ky*W+kx]
			cross[ring] += real(va * cmplx.Conj(vb))
			powA[ring] += real(va)*real(va) + imag(va)*imag(va)
			powB[ring] += real(vb)*real(vb) + imag(vb)*imag(vb)
			c.Pixels[ring]++
		}
	}
	for i := range c.Value {
		c.Freq[i] = float64(i) / float64(L)
		if d := math.Sqrt(powA[i] * powB[i]); d > 0 {
			c.Value[i] = cross[i] / d
		}
	}
	return c, nil
}

// FRCReal is FRC for real images (an amplitude or a phase map).
func FRCReal(a, b []float64, H, W int, taper float64) (*FRCCurve, error) {
	if len(a) != H*W || len(b) != H*W {
		return nil, fmt.Errorf("metrics: FRC: got %d and %d pixels, want %d×%d = %d", len(a), len(b), H, W, H*W)
	}
	return FRC(toComplex(a), toComplex(b), H, W, taper)
}

// Crossing returns where the curve first falls below threshold, ignoring
// ring 0 (the mean, removed before correlating).
func (c *FRCCurve) Crossing(threshold float64) Crossing {
	out := Crossing{Threshold: threshold}
	n := len(c.Value)
	if n < 2 {
		return out
	}
	out.Freq = c.Freq[n-1]
	for i := 1; i < n; i++ {
		if c.Value[i] >= threshold {
			continue
		}
		out.Crossed = true
		out.Freq = c.Freq[i]
		if i > 1 {
			v0, v1 := c.Value[i-1], c.Value[i]
			out.Freq = c.Freq[i-1] + (v0-threshold)/(v0-v1)*(c.Freq[i]-c.Freq[i-1])
		}
		break
	}
	out.Nyquist = out.Freq / 0.5
	out.ResolutionPx = 1 / out.Freq
	return out
}

func toComplex(a []float64) []complex128 {
	out := make([]complex128, len(a))
	for i, v := range a {
		out[i] = complex(v, 0)
	}
	return out
}
