package metrics

import (
	"fmt"
	"math"
	"math/cmplx"
)

// DefaultUpsample is the default registration upsampling factor: shifts are
// resolved to 1/100 pixel.
const DefaultUpsample = 100

// RegisterOptions tunes Register. The zero value registers periodic images to
// 1/DefaultUpsample pixel.
type RegisterOptions struct {
	// Upsample is the inverse of the final step of the sub-pixel search
	// (0 means DefaultUpsample; 1 gives whole pixels).
	Upsample int
	// Taper is the fraction of each side rolled off by a Tukey window before
	// correlating, in [0, 0.5]; 0 for periodic images, about 0.1 for cut-outs
	// whose borders would otherwise correlate with themselves at zero shift.
	Taper float64
	// RemovePlane, with a taper, fits the phase plane of moving (moved back
	// by the estimate so far) against ref before every round and removes it:
	// a phase ramp shifts the spectrum and pulls the correlation peak (0.02
	// rad/px moved it by 0.2 px in a test). Compare sets it with PlanePhase.
	RemovePlane bool
}

// Register finds the translation (dy, dx), in pixels, that carries ref onto
// moving: moving(y, x) ≈ ref(y-dy, x-dx). It locates the peak of the FFT
// cross-correlation to the whole pixel, then refines it by evaluating the
// cross-correlation on ever finer grids around the peak with a matrix DFT
// (Guizar-Sicairos, Thurman & Fienup, Opt. Lett. 33, 156 (2008)), ten times
// finer each stage, down to 1/Upsample pixel. Each stage costs about 31·H·W
// complex multiply-adds. Shifts are reported in [-H/2, H/2) × [-W/2, W/2).
// The means are removed first, so a constant offset does not matter; a global
// phase factor between ref and moving does not matter either.
func Register(ref, moving []complex128, H, W int, opts RegisterOptions) (dy, dx float64, err error) {
	if H < 2 || W < 2 {
		return 0, 0, fmt.Errorf("metrics: register: image %d×%d is too small", H, W)
	}
	if len(ref) != H*W || len(moving) != H*W {
		return 0, 0, fmt.Errorf("metrics: register: got %d and %d pixels, want %d×%d = %d", len(ref), len(moving), H, W, H*W)
	}
	up := opts.Upsample
	if up == 0 {
		up = DefaultUpsample
	}
	if up < 1 {
		return 0, 0, fmt.Errorf("metrics: register: upsample %d must be ≥ 1", up)
	}
	if !(opts.Taper >= 0 && opts.Taper <= 0.5) {
		return 0, 0, fmt.Errorf("metrics: register: taper %g outside [0, 0.5]", opts.Taper)
	}
	// With a taper every round registers moving moved back by the estimate so
	// far, until the residual is below one search step; without one the first
	// round is exact.
	flat := moving
	if opts.RemovePlane {
		flat = append([]complex128(nil), moving...)
	}
	back := make([]complex128, H*W)
	for round := 0; round < maxTaperRounds; round++ {
		if round == 0 {
			copy(back, flat)
		} else {
			MirrorShift(back, flat, H, W, -dy, -dx)
		}
		if opts.RemovePlane {
			// The plane fitted in ref's frame has the slopes of the ramp in
			// moving's frame; its offset is a global phase, which
			// registration ignores.
			if p, err := FitPhasePlane(back, ref, H, W); err == nil {
				p.Remove(back, H, W)
				p.Remove(flat, H, W)
			}
		}
		ry, rx, err := registerOnce(ref, back, H, W, up, opts.Taper)
		if err != nil {
			return 0, 0, err
		}
		dy, dx = dy+ry, dx+rx
		if opts.Taper == 0 || math.Abs(ry) < 1/float64(up) && math.Abs(rx) < 1/float64(up) {
			break
		}
	}
	return dy, dx, nil
}

// maxTaperRounds bounds the re-registration rounds of a tapered Register.
const maxTaperRounds = 4

// registerOnce is one coarse-to-fine cross-correlation search.
func registerOnce(ref, moving []complex128, H, W, up int, taper float64) (dy, dx float64, err error) {
	a := prepareForCorrelation(ref, H, W, taper)
	b := prepareForCorrelation(moving, H, W, taper)
	f := newFFT2(H, W)
	f.forward(a)
	f.forward(b)
	// spectrum = conj(A)·B: its inverse DFT peaks at the shift of moving.
	spectrum := a
	for i := range spectrum {
		spectrum[i] = cmplx.Conj(a[i]) * b[i]
	}
	corr := make([]complex128, H*W)
	copy(corr, spectrum)
	f.inverse(corr)
	best, bestAbs := 0, -1.0
	for i, c := range corr {
		if v := real(c)*real(c) + imag(c)*imag(c); v > bestAbs {
			best, bestAbs = i, v
		}
	}
	if bestAbs == 0 {
		return 0, 0, fmt.Errorf("metrics: register: images have no structure (zero cross-correlation)")
	}
	dy = float64(signedFreq(best/W, H))
	dx = float64(signedFreq(best%W, W))

	for step := 1.0; step > 1/float64(up)+1e-12; {
		next := math.Max(step/10, 1/float64(up))
		half := int(math.Ceil(1.5 * step / next))
		dy, dx = refinePeak(spectrum, H, W, dy, dx, next, half)
		step = next
	}
	return dy, dx, nil
}

// prepareForCorrelation returns a copy of img with its mean removed and, when
// taper > 0, multiplied by a separable Tukey window.
func prepareForCorrelation(img []complex128, H, W int, taper float64) []complex128 {
	var mean complex128
	for _, v := range img {
		mean += v
	}
	mean /= complex(float64(len(img)), 0)
	out := make([]complex128, len(img))
	wy, wx := tukey(H, taper), tukey(W, taper)
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			out[y*W+x] = (img[y*W+x] - mean) * complex(wy[y]*wx[x], 0)
		}
	}
	return out
}

// tukey returns a Tukey window of length n whose cosine roll-off covers the
// fraction taper of each end (all ones for taper 0).
func tukey(n int, taper float64) []float64 {
	w := make([]float64, n)
	ramp := taper * float64(n)
	for i := range w {
		w[i] = 1
		d := math.Min(float64(i)+0.5, float64(n-i)-0.5) // distance to the nearest end
		if d < ramp {
			w[i] = 0.5 * (1 - math.Cos(math.Pi*d/ramp))
		}
	}
	return w
}

// refinePeak evaluates the inverse DFT of spectrum on the (2·half+1)² grid of
// spacing step centred on (cy, cx) and returns the position of the largest
// magnitude. The evaluation is two matrix products: over kx, then over ky.
func refinePeak(spectrum []complex128, H, W int, cy, cx, step float64, half int) (float64, float64) {
	n := 2*half + 1
	kernel := func(length int, centre float64) []complex128 {
		// kernel[j*length+k] = exp(2πi·f(k)·p_j/length).
		k := make([]complex128, n*length)
		for j := 0; j < n; j++ {
			p := centre + float64(j-half)*step
			for q := 0; q < length; q++ {
				s, c := math.Sincos(2 * math.Pi * float64(signedFreq(q, length)) * p / float64(length))
				k[j*length+q] = complex(c, s)
			}
		}
		return k
	}
	kx, ky := kernel(W, cx), kernel(H, cy)
	// partial[y*n+jx] = Σ_kx spectrum[y, kx]·kx[jx, kx].
	partial := make([]complex128, H*n)
	for y := 0; y < H; y++ {
		row := spectrum[y*W : (y+1)*W]
		for jx := 0; jx < n; jx++ {
			kr := kx[jx*W : (jx+1)*W]
			var sum complex128
			for q, v := range row {
				sum += v * kr[q]
			}
			partial[y*n+jx] = sum
		}
	}
	bestY, bestX, bestAbs := 0, 0, -1.0
	for jy := 0; jy < n; jy++ {
		kr := ky[jy*H : (jy+1)*H]
		for jx := 0; jx < n; jx++ {
			var sum complex128
			for y := 0; y < H; y++ {
				sum += kr[y] * partial[y*n+jx]
			}
			if v := real(sum)*real(sum) + imag(sum)*imag(sum); v > bestAbs {
				bestY, bestX, bestAbs = jy, jx, v
			}
		}
	}
	return cy + float64(bestY-half)*step, cx + float64(bestX-half)*step
}
