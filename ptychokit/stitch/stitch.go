package stitch

import (
	"fmt"
	"math"
	"strings"

	"github.com/ptychokit/ptychokit/ptychokit/data"
)

// Mode says how the pixels of a patch are weighted in the mean.
type Mode string

// The weightings; each is a window over the central Keep×Keep part of the
// patch, peak 1.
const (
	// Keep weights every pixel of the part 1: PtychoPINN's stitching.
	Keep Mode = "keep"
	// Gauss weights a patch by a Gaussian centred on the patch centre
	// (pixel (N/2, N/2), where the probe is centred), exp(-d²/2σ²) at a
	// distance d from it, σ = Options.Sigma.
	Gauss Mode = "gauss"
	// Probe weights a patch by the probe's intensity |P|² (Options.Probe).
	Probe Mode = "probe"
)

// DefaultMode is the weighting used when Options.Mode is empty; the package
// doc gives the measurements behind it.
const DefaultMode = Gauss

// Modes lists the weightings, the default first.
func Modes() []Mode { return []Mode{Gauss, Probe, Keep} }

// ParseMode reads a mode's name, as the command line's --stitch gives it.
func ParseMode(name string) (Mode, error) {
	names := make([]string, 0, 3)
	for _, m := range Modes() {
		if string(m) == name {
			return m, nil
		}
		names = append(names, string(m))
	}
	return "", fmt.Errorf("stitch: unknown mode %q (want %s)", name, strings.Join(names, ", "))
}

// DefaultKeep is the side M of the central patch part PtychoPINN places
// (with N = 64).
const DefaultKeep = 20

// DefaultSigma is the Gaussian's σ for N×N patches: N/12, the rms width
// along one axis of the intensity of the default disk probe
// (physics.DefaultProbeDiameter; 5.3 px at N = 64).
func DefaultSigma(n int) float64 { return float64(n) / 12 }

// DefaultMinWeight is the summed weight at or below which an object pixel
// counts as not covered and is left 0. Weights are relative: a patch's
// window peaks at 1, so a lone Gaussian covers a disk of radius
// σ·sqrt(2·ln(1/DefaultMinWeight)) = 5.26σ (28 px at N = 64).
const DefaultMinWeight = 1e-6

// Options tunes stitching. The zero value is the default: DefaultMode over
// the whole patch with DefaultSigma. PtychoPINN's stitching is
// Options{Mode: Keep, Keep: DefaultKeep}.
type Options struct {
	// Mode is the weighting ("": DefaultMode).
	Mode Mode `json:"mode"`
	// Keep is the side of the central part of each patch that is placed:
	// rows and columns (N-Keep)/2 … (N-Keep)/2+Keep-1. 0 means N, the whole
	// patch. PtychoPINN places DefaultKeep with mode Keep.
	Keep int `json:"keep"`
	// Sigma is the Gaussian's σ in pixels for mode Gauss (0:
	// DefaultSigma).
	Sigma float64 `json:"sigma,omitempty"`
	// Probe is the N×N probe, row-major, whose intensity weights the
	// patches in mode Probe. Its scale does not matter.
	Probe []complex64 `json:"-"`
	// MinWeight is the summed weight at or below which a pixel is not
	// covered (0: DefaultMinWeight).
	MinWeight float64 `json:"min_weight"`
}

// String describes the weighting in a few words, e.g. "gauss: σ = 5.33 px
// over the central 64×64".
func (o Options) String() string {
	mode := o.Mode
	if mode == "" {
		mode = DefaultMode
	}
	part := "the whole patch"
	if o.Keep > 0 {
		part = fmt.Sprintf("the central %d×%d", o.Keep, o.Keep)
	}
	switch mode {
	case Gauss:
		if o.Sigma == 0 {
			return "gauss: σ = N/12 over " + part
		}
		return fmt.Sprintf("gauss: σ = %.3g px over %s", o.Sigma, part)
	case Probe:
		return "probe: |P|² over " + part
	case Keep:
		return "keep: 1 over " + part
	}
	return string(mode) + ": over " + part
}

// Accumulator builds a stitched H×W object from batches of patches, so a
// large scan can be stitched as it is inferred. It is not safe for
// concurrent use.
type Accumulator struct {
	h, w, n int
	// lo, hi bound the patch rows and columns that are read (the same
	// along both axes): the central Keep×Keep.
	lo, hi int
	window []float64 // [N, N], at most 1, 0 outside [lo, hi]²
	opts   Options   // resolved
	sumRe  []float64
	sumIm  []float64
	weight []float64
}

// NewAccumulator returns an empty H×W canvas for N×N patches.
func NewAccumulator(H, W, N int, opts Options) (*Accumulator, error) {
	if H <= 0 || W <= 0 {
		return nil, fmt.Errorf("stitch: canvas %d×%d must be positive", H, W)
	}
	if N <= 0 {
		return nil, fmt.Errorf("stitch: patch side N = %d must be positive", N)
	}
	opts, err := resolve(opts, N)
	if err != nil {
		return nil, err
	}
	window, lo, hi, err := makeWindow(N, opts)
	if err != nil {
		return nil, err
	}
	return &Accumulator{
		h: H, w: W, n: N, lo: lo, hi: hi, window: window, opts: opts,
		sumRe: make([]float64, H*W), sumIm: make([]float64, H*W), weight: make([]float64, H*W),
	}, nil
}

// resolve checks opts for N×N patches and fills in the defaults.
func resolve(opts Options, n int) (Options, error) {
	if opts.Mode == "" {
		opts.Mode = DefaultMode
	}
	if _, err := ParseMode(string(opts.Mode)); err != nil {
		return opts, err
	}
	if opts.Keep < 0 || opts.Keep > n {
		return opts, fmt.Errorf("stitch: keep %d outside [0, N = %d]", opts.Keep, n)
	}
	if opts.Keep == 0 {
		opts.Keep = n
	}
	if opts.Mode == Gauss {
		if opts.Sigma == 0 {
			opts.Sigma = DefaultSigma(n)
		}
		if !(opts.Sigma > 0) || math.IsInf(opts.Sigma, 0) {
			return opts, fmt.Errorf("stitch: Gaussian σ = %g px must be positive and finite", opts.Sigma)
		}
	}
	if opts.MinWeight == 0 {
		opts.MinWeight = DefaultMinWeight
	}
	if !(opts.MinWeight > 0) || math.IsInf(opts.MinWeight, 0) {
		return opts, fmt.Errorf("stitch: min weight %g must be positive and finite", opts.MinWeight)
	}
	return opts, nil
}

// Options returns the options the accumulator stitches with, defaults
// filled in: Mode, Keep, Sigma (for Gauss) and MinWeight are never 0.
func (a *Accumulator) Options() Options { return a.opts }

// makeWindow samples the weight of every patch pixel from resolved options
// and returns the range [lo, hi] of the rows (and columns) that are read.
func makeWindow(n int, opts Options) (window []float64, lo, hi int, err error) {
	keep := opts.Keep
	lo, hi = (n-keep)/2, (n-keep)/2+keep-1
	window = make([]float64, n*n)
	switch opts.Mode {
	case Keep:
		for i := lo; i <= hi; i++ {
			for j := lo; j <= hi; j++ {
				window[i*n+j] = 1
			}
		}
	case Gauss:
		profile := make([]float64, n)
		for i := lo; i <= hi; i++ {
			d := float64(i - n/2)
			profile[i] = math.Exp(-d * d / (2 * opts.Sigma * opts.Sigma))
		}
		for i := lo; i <= hi; i++ {
			for j := lo; j <= hi; j++ {
				window[i*n+j] = profile[i] * profile[j]
			}
		}
	case Probe:
		if len(opts.Probe) != n*n {
			return nil, 0, 0, fmt.Errorf("stitch: mode probe needs a %d×%d probe, got %d values", n, n, len(opts.Probe))
		}
		var peak float64
		for i := lo; i <= hi; i++ {
			for j := lo; j <= hi; j++ {
				p := opts.Probe[i*n+j]
				v := float64(real(p))*float64(real(p)) + float64(imag(p))*float64(imag(p))
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return nil, 0, 0, fmt.Errorf("stitch: probe pixel (%d, %d) = %v is not finite", i, j, p)
				}
				window[i*n+j] = v
				peak = max(peak, v)
			}
		}
		if peak == 0 {
			return nil, 0, 0, fmt.Errorf("stitch: the probe is 0 over the central %d×%d", keep, keep)
		}
		for i := range window {
			window[i] /= peak
		}
	}
	return window, lo, hi, nil
}

// Add splats a batch of patches, [B, N, N] with B = len(x) = len(y), whose
// centres are (x[b], y[b]) in object pixels. Parts that fall outside the
// canvas are dropped (size the canvas with Canvas to keep everything).
func (a *Accumulator) Add(patches []complex64, x, y []float64) error {
	if len(x) != len(y) {
		return fmt.Errorf("stitch: %d x positions but %d y positions", len(x), len(y))
	}
	n := a.n
	if len(patches) != len(x)*n*n {
		return fmt.Errorf("stitch: %d patch values for %d positions of %d×%d patches (want %d)", len(patches), len(x), n, n, len(x)*n*n)
	}
	for b := range x {
		if math.IsNaN(x[b]) || math.IsNaN(y[b]) || math.IsInf(x[b], 0) || math.IsInf(y[b], 0) {
			return fmt.Errorf("stitch: position %d (%g, %g) is not finite", b, x[b], y[b])
		}
	}
	half := float64(n / 2)
	for b := range x {
		a.place(patches[b*n*n:(b+1)*n*n], y[b]-half, x[b]-half)
	}
	return nil
}

// place adds one patch whose pixel (0, 0) sits at object position (py, px).
// Object pixel (r, c) takes the bilinear interpolation of the patch, and of
// the window, at patch coordinates (r-py, c-px), for every (r, c) where the
// four samples needed lie in rows and columns [lo, hi].
func (a *Accumulator) place(patch []complex64, py, px float64) {
	n, w, lo, hi := a.n, a.w, a.lo, a.hi
	r0 := max(0, int(math.Ceil(py+float64(lo))))
	r1 := min(a.h-1, int(math.Floor(py+float64(hi))))
	c0 := max(0, int(math.Ceil(px+float64(lo))))
	c1 := min(w-1, int(math.Floor(px+float64(hi))))
	if r0 > r1 || c0 > c1 {
		return
	}
	// Interpolation weights, the same for every pixel of this patch.
	ty := float64(r0) - py - math.Floor(float64(r0)-py)
	tx := float64(c0) - px - math.Floor(float64(c0)-px)
	i0 := int(math.Floor(float64(r0) - py))
	j0 := int(math.Floor(float64(c0) - px))
	// With a zero weight the second sample may lie past [lo, hi]: read the
	// first one twice instead.
	di, dj := 1, 1
	if ty == 0 {
		di = 0
	}
	if tx == 0 {
		dj = 0
	}
	w00, w01, w10, w11 := (1-ty)*(1-tx), (1-ty)*tx, ty*(1-tx), ty*tx
	width := c1 - c0 + 1
	for r := r0; r <= r1; r++ {
		i := i0 + r - r0
		top, bottom := patch[i*n+j0:], patch[(i+di)*n+j0:]
		wTop, wBottom := a.window[i*n+j0:], a.window[(i+di)*n+j0:]
		base := r*w + c0
		re, im, wt := a.sumRe[base:base+width], a.sumIm[base:base+width], a.weight[base:base+width]
		for k := range re {
			p00, p01 := top[k], top[k+dj]
			p10, p11 := bottom[k], bottom[k+dj]
			v := w00*wTop[k] + w01*wTop[k+dj] + w10*wBottom[k] + w11*wBottom[k+dj]
			re[k] += v * (w00*float64(real(p00)) + w01*float64(real(p01)) + w10*float64(real(p10)) + w11*float64(real(p11)))
			im[k] += v * (w00*float64(imag(p00)) + w01*float64(imag(p01)) + w10*float64(imag(p10)) + w11*float64(imag(p11)))
			wt[k] += v
		}
	}
}

// Merge adds the sums of b, an accumulator of the same canvas, patch side
// and options, into a: patches stitched into several accumulators (one per
// worker) and merged give the image of one accumulator that took them all,
// to rounding.
func (a *Accumulator) Merge(b *Accumulator) error {
	if a.h != b.h || a.w != b.w || a.n != b.n || a.opts.Mode != b.opts.Mode || a.opts.Keep != b.opts.Keep ||
		a.opts.Sigma != b.opts.Sigma || a.opts.MinWeight != b.opts.MinWeight {
		return fmt.Errorf("stitch: merging a %d×%d canvas of %d×%d patches (%v) into a %d×%d one of %d×%d (%v)",
			b.h, b.w, b.n, b.n, b.opts, a.h, a.w, a.n, a.n, a.opts)
	}
	for i := range a.sumRe {
		a.sumRe[i] += b.sumRe[i]
		a.sumIm[i] += b.sumIm[i]
		a.weight[i] += b.weight[i]
	}
	return nil
}

// Image returns the stitched object: summed weighted values over summed
// weights, 0 where the weight is at most the minimum weight.
func (a *Accumulator) Image() *data.ComplexImage {
	img := &data.ComplexImage{H: a.h, W: a.w, Pix: make([]complex64, a.h*a.w)}
	for i, wt := range a.weight {
		if wt > a.opts.MinWeight {
			img.Pix[i] = complex(float32(a.sumRe[i]/wt), float32(a.sumIm[i]/wt))
		}
	}
	return img
}

// Weights returns the summed weight of every object pixel, [H, W] row-major
// (with Keep: the number of patches covering it, to rounding). The slice is the
// accumulator's own: read it, do not modify it.
func (a *Accumulator) Weights() []float64 { return a.weight }

// Coverage returns the fraction of object pixels with weight above the
// minimum weight.
func (a *Accumulator) Coverage() float64 {
	return a.CoverageIn(data.Rect{Y1: a.h, X1: a.w})
}

// CoverageIn returns the fraction of the pixels of r (clipped to the canvas)
// with weight above the minimum weight; 0 when nothing of r is left. With
// data.ScanRegion it says how much of the scanned region the patches
// cover.
func (a *Accumulator) CoverageIn(r data.Rect) float64 {
	r = data.Rect{Y0: max(r.Y0, 0), X0: max(r.X0, 0), Y1: min(r.Y1, a.h), X1: min(r.X1, a.w)}
	if r.Empty() {
		return 0
	}
	covered := 0
	for y := r.Y0; y < r.Y1; y++ {
		for _, wt := range a.weight[y*a.w+r.X0 : y*a.w+r.X1] {
			if wt > a.opts.MinWeight {
				covered++
			}
		}
	}
	return float64(covered) / float64(r.Dy()*r.Dx())
}

// Stitch places patches ([B, N, N], centres x, y in object pixels) on an H×W
// canvas and returns the weighted mean (see the package doc); uncovered
// pixels are 0. For the coverage, use an Accumulator.
func Stitch(patches []complex64, N int, x, y []float64, H, W int, opts Options) (*data.ComplexImage, error) {
	a, err := NewAccumulator(H, W, N, opts)
	if err != nil {
		return nil, err
	}
	if err := a.Add(patches, x, y); err != nil {
		return nil, err
	}
	return a.Image(), nil
}

// Canvas returns the smallest H×W canvas that holds every N×N patch, with
// the extra pixel a fractional position reaches, once
// the positions are moved by (offX, offY): patch b is then centred at
// (x[b]+offX, y[b]+offY) in the canvas's pixels, which is what to write as
// xcoords and ycoords beside the stitched object. The offsets are whole
// pixels, so fractional parts (and with them the sub-pixel
// placement) are unchanged, and the patch reaching furthest up and left
// starts at row 0 and column 0. It returns zeros for no positions, for
// len(x) != len(y), for a non-finite position or for N ≤ 0 (which Stitch and
// NewAccumulator then reject).
func Canvas(x, y []float64, N int) (H, W int, offX, offY float64) {
	if len(x) == 0 || len(x) != len(y) || N <= 0 {
		return 0, 0, 0, 0
	}
	W, offX = canvasAxis(x, N)
	H, offY = canvasAxis(y, N)
	if W == 0 || H == 0 {
		return 0, 0, 0, 0
	}
	return H, W, offX, offY
}

// canvasAxis sizes one axis: a patch at centre c spans pixels from
// floor(c - N/2) to floor(c - N/2) + N - 1, plus one when c is fractional
// (bilinear interpolation of the object at the patch's pixels, as an
// iterative solver does, reads the next pixel too).
func canvasAxis(c []float64, N int) (size int, off float64) {
	half := float64(N / 2)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range c {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, 0
		}
		first := math.Floor(v - half)
		last := first + float64(N-1)
		if v-half > first {
			last++
		}
		lo, hi = math.Min(lo, first), math.Max(hi, last)
	}
	return int(hi-lo) + 1, -lo
}
