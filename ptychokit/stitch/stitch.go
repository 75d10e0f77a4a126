package stitch

import (
	"fmt"
	"math"

	"github.com/ptychokit/ptychokit/ptychokit/data"
)

// DefaultKeep is the side M of the central patch part PtychoPINN places
// (with N = 64).
const DefaultKeep = 20

// MinWeight is the summed weight at or below which an object pixel counts as
// not covered and is left 0.
const MinWeight = 1e-6

// Options tunes stitching.
type Options struct {
	// Keep is the side M of the central M×M part of each patch that is
	// placed, rows and columns (N-M)/2 … (N-M)/2+M-1; 0 places the whole
	// patch. PtychoPINN places DefaultKeep (see DefaultOptions).
	Keep int
}

// DefaultOptions returns PtychoPINN's choice: Keep = DefaultKeep.
func DefaultOptions() Options { return Options{Keep: DefaultKeep} }

// Accumulator builds a stitched H×W object from batches of patches, so a
// large scan can be stitched as it is inferred. It is not safe for
// concurrent use.
type Accumulator struct {
	h, w, n, keep int
	sumRe, sumIm  []float64
	weight        []float64
}

// NewAccumulator returns an empty H×W canvas for N×N patches.
func NewAccumulator(H, W, N int, opts Options) (*Accumulator, error) {
	if H <= 0 || W <= 0 {
		return nil, fmt.Errorf("stitch: canvas %d×%d must be positive", H, W)
	}
	if N <= 0 {
		return nil, fmt.Errorf("stitch: patch side N = %d must be positive", N)
	}
	keep := opts.Keep
	if keep == 0 {
		keep = N
	}
	if keep < 0 || keep > N {
		return nil, fmt.Errorf("stitch: keep %d outside [0, N = %d]", opts.Keep, N)
	}
	return &Accumulator{
		h: H, w: W, n: N, keep: keep,
		sumRe: make([]float64, H*W), sumIm: make([]float64, H*W), weight: make([]float64, H*W),
	}, nil
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
	start := (n - a.keep) / 2
	half := float64(n / 2)
	for b := range x {
		a.place(patches[b*n*n:(b+1)*n*n], y[b]-half, x[b]-half, start)
	}
	return nil
}

// place adds one patch whose pixel (0, 0) sits at object position (py, px).
// Object pixel (r, c) takes the bilinear interpolation of the kept part at
// patch coordinates (r-py, c-px), for every (r, c) where the four samples
// needed lie in the kept part.
func (a *Accumulator) place(patch []complex64, py, px float64, start int) {
	n, w, keep := a.n, a.w, a.keep
	// Rows r with r-py in [start, start+keep-1], clipped to the canvas.
	r0 := max(0, int(math.Ceil(py+float64(start))))
	r1 := min(a.h-1, int(math.Floor(py+float64(start+keep-1))))
	c0 := max(0, int(math.Ceil(px+float64(start))))
	c1 := min(w-1, int(math.Floor(px+float64(start+keep-1))))
	if r0 > r1 || c0 > c1 {
		return
	}
	// Interpolation weights, the same for every pixel of this patch.
	ty := float64(r0) - py - math.Floor(float64(r0)-py)
	tx := float64(c0) - px - math.Floor(float64(c0)-px)
	i0 := int(math.Floor(float64(r0) - py))
	j0 := int(math.Floor(float64(c0) - px))
	// With a zero weight the second sample may lie past the kept part:
	// read the first one twice instead.
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
		base := r*w + c0
		re, im, wt := a.sumRe[base:base+width], a.sumIm[base:base+width], a.weight[base:base+width]
		for k := range re {
			p00, p01 := top[k], top[k+dj]
			p10, p11 := bottom[k], bottom[k+dj]
			re[k] += w00*float64(real(p00)) + w01*float64(real(p01)) + w10*float64(real(p10)) + w11*float64(real(p11))
			im[k] += w00*float64(imag(p00)) + w01*float64(imag(p01)) + w10*float64(imag(p10)) + w11*float64(imag(p11))
			wt[k]++
		}
	}
}

// Image returns the stitched object: summed values over summed weights, 0
// where the weight is at most MinWeight.
func (a *Accumulator) Image() *data.ComplexImage {
	img := &data.ComplexImage{H: a.h, W: a.w, Pix: make([]complex64, a.h*a.w)}
	for i, wt := range a.weight {
		if wt > MinWeight {
			img.Pix[i] = complex(float32(a.sumRe[i]/wt), float32(a.sumIm[i]/wt))
		}
	}
	return img
}

// Weights returns the summed weight of every object pixel, [H, W] row-major:
// the number of patches covering it. The slice is
// the accumulator's own: read it, do not modify it.
func (a *Accumulator) Weights() []float64 { return a.weight }

// Coverage returns the fraction of object pixels with weight above
// MinWeight.
func (a *Accumulator) Coverage() float64 {
	covered := 0
	for _, wt := range a.weight {
		if wt > MinWeight {
			covered++
		}
	}
	return float64(covered) / float64(len(a.weight))
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
