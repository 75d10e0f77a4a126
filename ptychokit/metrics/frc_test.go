package metrics

import (
	"math"
	"testing"
)

func TestFRCIdenticalIsOne(t *testing.T) {
	t.Parallel()
	for _, size := range [][2]int{{64, 64}, {48, 80}} {
		H, W := size[0], size[1]
		img := smoothNoise(newRNG(50), H, W, 1) // power in every ring
		for _, taper := range []float64{0, DefaultTaper} {
			c, err := FRC(img, img, H, W, taper)
			if err != nil {
				t.Fatal(err)
			}
			if len(c.Value) != min(H, W)/2+1 {
				t.Fatalf("%d rings, want %d", len(c.Value), min(H, W)/2+1)
			}
			for i := 1; i < len(c.Value); i++ {
				if math.Abs(c.Value[i]-1) > 1e-12 {
					t.Errorf("%d×%d taper %g: ring %d FRC %g, want 1", H, W, taper, i, c.Value[i])
				}
			}
			if got := c.Crossing(FRCHalf); got.Crossed || got.Nyquist != 1 || got.ResolutionPx != 2 {
				t.Errorf("identical images: crossing %+v, want none (Nyquist, 2 px)", got)
			}
		}
	}
}

// Two halves share a signal whose spectrum is exp(-q²/(2s²)) times white
// noise, and carry independent white noise of spectral power P per Fourier
// pixel. The expected FRC is G²/(G² + P), G = exp(-q²/(2s²)), so it crosses
// 1/2 where G² = P and 1/7 where G² = P/6: q50 = s·sqrt(ln(1/P)),
// q17 = s·sqrt(ln(6/P)). With s = 0.1 cycles/px and P = e^-4 that is
// q50 = 0.2 (0.4 Nyquist) and q17 = 0.1·sqrt(4 + ln 6) ≈ 0.2407.
func TestFRCNoisyHalves(t *testing.T) {
	t.Parallel()
	const H, W, s = 256, 256, 0.1
	P := math.Exp(-4)
	rng := newRNG(51)
	signal := smoothNoise(rng, H, W, s)
	// A white complex field with per-pixel variance σ² has spectral power
	// H·W·σ² per Fourier pixel.
	sigma := math.Sqrt(P / float64(H*W))
	half := func() []complex128 {
		out := make([]complex128, H*W)
		for i := range out {
			out[i] = signal[i] + complex(sigma*rng.NormFloat64(), sigma*rng.NormFloat64())/complex(math.Sqrt2, 0)
		}
		return out
	}
	c, err := FRC(half(), half(), H, W, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Ring estimates scatter by about 1/sqrt(pixels per ring) ≈ 0.05 near
	// the crossings. The curve falls by ~10 per cycle/px at 1/2 (so
	// ±0.005 cycles/px) but only ~6 at 1/7, where the first dip below
	// also comes early: ±0.015.
	const tol50, tol17 = 0.01, 0.02
	c50, c17 := c.Crossing(FRCHalf), c.Crossing(FRCOneSeventh)
	if !c50.Crossed || math.Abs(c50.Freq-0.2) > tol50 {
		t.Errorf("FRC50 at %+v, want 0.2 cycles/px", c50)
	}
	if want := s * math.Sqrt(4+math.Log(6)); !c17.Crossed || math.Abs(c17.Freq-want) > tol17 {
		t.Errorf("FRC 1/7 at %+v, want %g cycles/px", c17, want)
	}
	// The whole curve against G²/(G² + P): mean absolute deviation.
	var dev float64
	for i := 1; i < len(c.Value); i++ {
		g2 := math.Exp(-c.Freq[i] * c.Freq[i] / (s * s))
		dev += math.Abs(c.Value[i] - g2/(g2+P))
	}
	dev /= float64(len(c.Value) - 1)
	t.Logf("FRC50 %.4f, FRC1/7 %.4f cycles/px; mean deviation from expected %.4f", c50.Freq, c17.Freq, dev)
	if dev > 0.03 {
		t.Errorf("mean |FRC - expected| = %g over the rings, want < 0.03", dev)
	}
	if math.Abs(c50.Nyquist-2*c50.Freq) > 1e-15 || math.Abs(c50.ResolutionPx-1/c50.Freq) > 1e-12 {
		t.Errorf("inconsistent units in %+v", c50)
	}
	// Beyond 0.35 cycles/px the signal is 1e-3 of the noise: the FRC is
	// noise about 0.
	var mean float64
	n := 0
	for i, f := range c.Freq {
		if f > 0.35 {
			mean += c.Value[i]
			n++
		}
	}
	if mean /= float64(n); math.Abs(mean) > 0.02 {
		t.Errorf("mean FRC at high frequency %g, want about 0", mean)
	}
}

func TestFRCCrossingInterpolates(t *testing.T) {
	t.Parallel()
	c := &FRCCurve{Freq: []float64{0, 0.1, 0.2, 0.3, 0.4, 0.5}, Value: []float64{0.1, 1, 0.8, 0.4, 0.1, 0}}
	got := c.Crossing(0.5)
	// Between (0.2, 0.8) and (0.3, 0.4): 0.2 + 0.3/0.4·0.1 = 0.275. Ring 0
	// is ignored though it is below 0.5.
	if !got.Crossed || math.Abs(got.Freq-0.275) > 1e-15 || math.Abs(got.Nyquist-0.55) > 1e-15 || math.Abs(got.ResolutionPx-1/0.275) > 1e-12 {
		t.Errorf("got %+v, want crossing at 0.275 cycles/px", got)
	}
	if got := c.Crossing(1.5); !got.Crossed || got.Freq != 0.1 {
		t.Errorf("threshold above ring 1: got %+v, want ring 1", got)
	}
}

func TestFRCErrors(t *testing.T) {
	t.Parallel()
	img := make([]complex128, 16)
	if _, err := FRC(img, img[:8], 4, 4, 0); err == nil {
		t.Error("length mismatch: want an error")
	}
	if _, err := FRC(img, img, 4, 4, -0.1); err == nil {
		t.Error("negative taper: want an error")
	}
	if _, err := FRCReal(make([]float64, 3), make([]float64, 4), 2, 2, 0); err == nil {
		t.Error("FRCReal length mismatch: want an error")
	}
}
