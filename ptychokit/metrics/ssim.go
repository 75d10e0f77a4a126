package metrics

import (
	"fmt"
	"math"
)

// SSIM parameters (Wang, Bovik, Sheikh & Simoncelli, IEEE TIP 13, 600 (2004)).
const (
	SSIMWindow = 11   // side of the Gaussian window, pixels
	SSIMSigma  = 1.5  // standard deviation of the Gaussian window, pixels
	SSIMK1     = 0.01 // C1 = (K1·L)², L the data range
	SSIMK2     = 0.03 // C2 = (K2·L)²
)

// MSSSIMWeights are the exponents of the five MS-SSIM scales, finest first
// (Wang, Simoncelli & Bovik, Asilomar 2003).
var MSSSIMWeights = [5]float64{0.0448, 0.2856, 0.3001, 0.2363, 0.1333}

// ssimKernel is the normalised 1-D Gaussian window; the 2-D window is its
// outer product with itself.
var ssimKernel = func() [SSIMWindow]float64 {
	var g [SSIMWindow]float64
	var sum float64
	for i := range g {
		d := float64(i - SSIMWindow/2)
		g[i] = math.Exp(-d * d / (2 * SSIMSigma * SSIMSigma))
		sum += g[i]
	}
	for i := range g {
		g[i] /= sum
	}
	return g
}()

// SSIM returns the mean structural similarity of the H×W images x and y
// (see the package doc for the exact definition) with C1 = (K1·dataRange)²
// and C2 = (K2·dataRange)²; pass DataRange(truth). It is 1 for equal images.
// Images smaller than the 11×11 window are an error.
func SSIM(x, y []float64, H, W int, dataRange float64) (float64, error) {
	if err := checkSSIMArgs("SSIM", x, y, H, W, dataRange); err != nil {
		return 0, err
	}
	var ws ssimWorkspace
	s, _ := ws.ssim(x, y, H, W, dataRange)
	return s, nil
}

// MSSSIMScales returns how many MS-SSIM scales an H×W image supports: the
// number of halvings (up to 5 scales) after which the image still holds the
// 11×11 window; 5 needs at least 176×176 pixels.
func MSSSIMScales(H, W int) int {
	n := 0
	for h, w := H, W; n < len(MSSSIMWeights) && h >= SSIMWindow && w >= SSIMWindow; h, w = h/2, w/2 {
		n++
	}
	return n
}

// MSSSIM returns the multi-scale SSIM of x and y: Π_j cs_j^w_j over the
// scales before the last, times SSIM^w_M at the last, halving the image by
// 2×2 averaging between scales (an odd last row or column is dropped). When
// the image is too small for 5 scales it uses MSSSIMScales(H, W) scales and
// the first weights renormalised to sum to 1, so that the score stays in
// [0, 1] and equals 1 for equal images (with 5 scales the published weights
// are used as they are). Negative terms are clamped to 0 before raising
// them to a fractional power (as TensorFlow's implementation does).
func MSSSIM(x, y []float64, H, W int, dataRange float64) (float64, error) {
	if err := checkSSIMArgs("MS-SSIM", x, y, H, W, dataRange); err != nil {
		return 0, err
	}
	scales := MSSSIMScales(H, W)
	total := 1.0 // the published weights as they are (they sum to 1.0001)
	if scales < len(MSSSIMWeights) {
		total = 0
		for _, w := range MSSSIMWeights[:scales] {
			total += w
		}
	}
	var ws ssimWorkspace
	result := 1.0
	for j := 0; j < scales; j++ {
		s, cs := ws.ssim(x, y, H, W, dataRange)
		weight := MSSSIMWeights[j] / total
		if j == scales-1 {
			result *= math.Pow(math.Max(s, 0), weight)
			break
		}
		result *= math.Pow(math.Max(cs, 0), weight)
		x, y, H, W = halve(x, H, W), halve(y, H, W), H/2, W/2
	}
	return result, nil
}

func checkSSIMArgs(what string, x, y []float64, H, W int, dataRange float64) error {
	if len(x) != H*W || len(y) != H*W {
		return fmt.Errorf("metrics: %s: got %d and %d pixels, want %d×%d = %d", what, len(x), len(y), H, W, H*W)
	}
	if H < SSIMWindow || W < SSIMWindow {
		return fmt.Errorf("metrics: %s: image %d×%d is smaller than the %d×%d window", what, H, W, SSIMWindow, SSIMWindow)
	}
	if !(dataRange > 0) || math.IsInf(dataRange, 0) {
		return fmt.Errorf("metrics: %s: data range %g must be positive and finite", what, dataRange)
	}
	return nil
}

// halve averages 2×2 blocks of an H×W image into an (H/2)×(W/2) one.
func halve(img []float64, H, W int) []float64 {
	h, w := H/2, W/2
	out := make([]float64, h*w)
	for y := 0; y < h; y++ {
		r0, r1 := img[2*y*W:], img[(2*y+1)*W:]
		for x := 0; x < w; x++ {
			out[y*w+x] = 0.25 * (r0[2*x] + r0[2*x+1] + r1[2*x] + r1[2*x+1])
		}
	}
	return out
}

// ssimWorkspace holds the filtered moment maps so repeated calls reuse memory.
type ssimWorkspace struct {
	horiz []float64 // 5 maps of H × (W-10), interleaved per pixel
	acc   []float64 // 5 accumulators per output column
}

// ssim returns the mean SSIM and the mean contrast-structure term over the
// valid positions of the window.
func (ws *ssimWorkspace) ssim(x, y []float64, H, W int, dataRange float64) (mssim, mcs float64) {
	const k = SSIMWindow
	g := ssimKernel
	oh, ow := H-k+1, W-k+1
	ws.horiz = grow(ws.horiz, 5*H*ow)
	ws.acc = grow(ws.acc, 5*ow)
	horiz, acc := ws.horiz, ws.acc

	// Horizontal pass: Gaussian-weighted sums of x, y, x², y², xy per row.
	for r := 0; r < H; r++ {
		xr, yr := x[r*W:(r+1)*W], y[r*W:(r+1)*W]
		out := horiz[5*r*ow : 5*(r+1)*ow]
		for j := 0; j < ow; j++ {
			var sx, sy, sxx, syy, sxy float64
			xs, ys := xr[j:j+k], yr[j:j+k]
			for t, w := range g {
				a, b := xs[t], ys[t]
				wa, wb := w*a, w*b
				sx += wa
				sy += wb
				sxx += wa * a
				syy += wb * b
				sxy += wa * b
			}
			o := out[5*j : 5*j+5]
			o[0], o[1], o[2], o[3], o[4] = sx, sy, sxx, syy, sxy
		}
	}

	c1 := (SSIMK1 * dataRange) * (SSIMK1 * dataRange)
	c2 := (SSIMK2 * dataRange) * (SSIMK2 * dataRange)
	var sumS, sumCS float64
	// Vertical pass, one output row at a time.
	for i := 0; i < oh; i++ {
		clear(acc)
		for t, w := range g {
			in := horiz[5*(i+t)*ow : 5*(i+t+1)*ow]
			for q, v := range in {
				acc[q] += w * v
			}
		}
		for j := 0; j < ow; j++ {
			m := acc[5*j : 5*j+5]
			mx, my := m[0], m[1]
			vx, vy, cxy := m[2]-mx*mx, m[3]-my*my, m[4]-mx*my
			cs := (2*cxy + c2) / (vx + vy + c2)
			sumCS += cs
			sumS += (2*mx*my + c1) / (mx*mx + my*my + c1) * cs
		}
	}
	n := float64(oh * ow)
	return sumS / n, sumCS / n
}

func grow(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	return s[:n]
}
