package metrics

import (
	"math"

	"gonum.org/v1/gonum/dsp/fourier"
)

// fft2 is a reusable 2-D complex DFT for row-major h×w images, with the
// glossary's normalisation: forward un-normalised, inverse with 1/(h·w).
type fft2 struct {
	h, w int
	rows *fourier.CmplxFFT // length w
	cols *fourier.CmplxFFT // length h
	col  []complex128      // scratch column, length h
}

func newFFT2(h, w int) *fft2 {
	return &fft2{h: h, w: w, rows: fourier.NewCmplxFFT(w), cols: fourier.NewCmplxFFT(h), col: make([]complex128, h)}
}

// forward replaces pix by its DFT.
func (f *fft2) forward(pix []complex128) { f.transform(pix, false) }

// inverse replaces pix by its inverse DFT (including the 1/(h·w) factor).
func (f *fft2) inverse(pix []complex128) {
	f.transform(pix, true)
	scale := complex(1/float64(f.h*f.w), 0)
	for i := range pix {
		pix[i] *= scale
	}
}

func (f *fft2) transform(pix []complex128, inverse bool) {
	h, w := f.h, f.w
	for y := 0; y < h; y++ {
		row := pix[y*w : (y+1)*w]
		if inverse {
			f.rows.Sequence(row, row)
		} else {
			f.rows.Coefficients(row, row)
		}
	}
	col := f.col
	for x := 0; x < w; x++ {
		for y := 0; y < h; y++ {
			col[y] = pix[y*w+x]
		}
		if inverse {
			f.cols.Sequence(col, col)
		} else {
			f.cols.Coefficients(col, col)
		}
		for y := 0; y < h; y++ {
			pix[y*w+x] = col[y]
		}
	}
}

// signedFreq returns the signed integer frequency of DFT bin k of length n:
// k for k < n/2, k-n otherwise (so the Nyquist bin of an even n is -n/2).
func signedFreq(k, n int) int {
	if 2*k >= n {
		return k - n
	}
	return k
}

// FourierShift writes into dst the band-limited translation of the periodic
// image src by (dy, dx) pixels: dst(y, x) = src(y-dy, x-dx), computed by a
// linear phase in the Fourier domain. Content that leaves one side re-enters
// on the other; use MirrorShift for images that are not periodic. A nil dst
// is allocated; dst may be src. It panics (a programmer error) when the
// lengths are not H·W.
func FourierShift(dst, src []complex128, H, W int, dy, dx float64) []complex128 {
	if len(src) != H*W {
		panic("ptychokit: metrics.FourierShift: len(src) != H*W")
	}
	if dst == nil {
		dst = make([]complex128, H*W)
	} else if len(dst) != H*W {
		panic("ptychokit: metrics.FourierShift: len(dst) != H*W")
	}
	copy(dst, src)
	f := newFFT2(H, W)
	f.forward(dst)
	phaseX := make([]complex128, W)
	for kx := range phaseX {
		s, c := math.Sincos(-2 * math.Pi * float64(signedFreq(kx, W)) * dx / float64(W))
		phaseX[kx] = complex(c, s)
	}
	for ky := 0; ky < H; ky++ {
		s, c := math.Sincos(-2 * math.Pi * float64(signedFreq(ky, H)) * dy / float64(H))
		py := complex(c, s)
		row := dst[ky*W : (ky+1)*W]
		for kx := range row {
			row[kx] *= py * phaseX[kx]
		}
	}
	f.inverse(dst)
	return dst
}

// MirrorShift translates a non-periodic image like FourierShift, after
// extending it by mirror symmetry to 2H×2W so that its periodic continuation
// has no jumps at the borders; this keeps the ringing of a sub-pixel shift
// small. Pixels within |dy| rows or |dx| columns of the border are filled
// with mirrored content. A nil dst is allocated; dst may be src.
func MirrorShift(dst, src []complex128, H, W int, dy, dx float64) []complex128 {
	if len(src) != H*W {
		panic("ptychokit: metrics.MirrorShift: len(src) != H*W")
	}
	if dst == nil {
		dst = make([]complex128, H*W)
	} else if len(dst) != H*W {
		panic("ptychokit: metrics.MirrorShift: len(dst) != H*W")
	}
	H2, W2 := 2*H, 2*W
	ext := make([]complex128, H2*W2)
	for y := 0; y < H2; y++ {
		sy := y
		if y >= H {
			sy = H2 - 1 - y
		}
		for x := 0; x < W2; x++ {
			sx := x
			if x >= W {
				sx = W2 - 1 - x
			}
			ext[y*W2+x] = src[sy*W+sx]
		}
	}
	FourierShift(ext, ext, H2, W2, dy, dx)
	for y := 0; y < H; y++ {
		copy(dst[y*W:(y+1)*W], ext[y*W2:y*W2+W])
	}
	return dst
}
