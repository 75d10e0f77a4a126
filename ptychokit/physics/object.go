package physics

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"math/rand/v2"

	"github.com/ptychokit/ptychokit/ptychokit/data"
)

// Ranges of the synthetic objects: amplitude in [ObjectAmpMin, 1], phase as
// stated per generator. A floor on the amplitude keeps the phase measurable
// everywhere.
const (
	ObjectAmpMin = 0.5
	// LinesPhaseMax is the phase of the brightest point of a 'lines' object.
	LinesPhaseMax = math.Pi / 2
	// GRFPhaseMax bounds the phase of a Gaussian-random-field object.
	GRFPhaseMax = math.Pi / 2
)

// linesBlurSigmas are the three blur scales (pixels) of the 'lines' object.
var linesBlurSigmas = [3]float64{1, 3, 8}

// LinesObject is PtychoPINN's 'lines' test object: random line segments
// blurred at three scales (σ = 1, 3, 8 px) and summed, normalised to m in
// [0, 1]; amplitude = ObjectAmpMin + (1 − ObjectAmpMin)·m in [0.5, 1] and
// phase = LinesPhaseMax·m in [0, π/2] — the phase follows the amplitude.
// One segment per 300 px² of object, lengths uniform in [4, 0.25·min(H, W)+4]
// px, random orientation, brightness uniform in [0.2, 1]. Deterministic for a seed.
func LinesObject(h, w int, seed int64) *data.ComplexImage {
	checkSize("LinesObject", h, w)
	rng := rand.New(rand.NewPCG(uint64(seed), 0x6c696e6573)) // "lines"
	margin := int(3 * linesBlurSigmas[2])
	ch, cw := h+2*margin, w+2*margin
	canvas := make([]float64, ch*cw)
	nLines := max(1, h*w/300)
	maxLen := 0.25 * float64(min(h, w))
	for range nLines {
		cy, cx := rng.Float64()*float64(ch), rng.Float64()*float64(cw)
		length := 4 + rng.Float64()*maxLen
		angle := rng.Float64() * math.Pi
		bright := 0.2 + 0.8*rng.Float64()
		dy, dx := math.Sincos(angle)
		const step = 0.25 // px along the segment; splatted bilinearly
		for s := -length / 2; s <= length/2; s += step {
			splat(canvas, ch, cw, cy+s*dy, cx+s*dx, bright*step)
		}
	}
	m := make([]float64, ch*cw)
	for _, sigma := range linesBlurSigmas {
		b := gaussianBlur(canvas, ch, cw, sigma)
		for i := range m {
			m[i] += b[i]
		}
	}
	m = crop(m, cw, margin, h, w)
	normalise01(m)
	obj := &data.ComplexImage{H: h, W: w, Pix: make([]complex64, h*w)}
	for i, v := range m {
		obj.Pix[i] = polar(ObjectAmpMin+(1-ObjectAmpMin)*v, LinesPhaseMax*v)
	}
	return obj
}

// GRFObject is an object whose amplitude and phase are two independent
// Gaussian random fields: white noise blurred by a Gaussian of σ = corrLen px,
// standardised to zero mean and unit variance (g₁, g₂), then
// amplitude = 0.75 + 0.25·tanh(g₁) in (0.5, 1) and phase = GRFPhaseMax·tanh(g₂)
// in (−π/2, π/2). Deterministic for a seed.
func GRFObject(h, w int, corrLen float64, seed int64) *data.ComplexImage {
	checkSize("GRFObject", h, w)
	if !(corrLen > 0) {
		panic(fmt.Sprintf("ptychokit: physics.GRFObject: corrLen %g must be positive", corrLen))
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x677266)) // "grf"
	margin := int(math.Ceil(3 * corrLen))
	ch, cw := h+2*margin, w+2*margin
	field := func() []float64 {
		noise := make([]float64, ch*cw)
		for i := range noise {
			noise[i] = rng.NormFloat64()
		}
		g := crop(gaussianBlur(noise, ch, cw, corrLen), cw, margin, h, w)
		standardise(g)
		return g
	}
	g1, g2 := field(), field()
	obj := &data.ComplexImage{H: h, W: w, Pix: make([]complex64, h*w)}
	for i := range g1 {
		obj.Pix[i] = polar(0.75+0.25*math.Tanh(g1[i]), GRFPhaseMax*math.Tanh(g2[i]))
	}
	return obj
}

// ImageObject turns a picture into an object: its luminance g in [0, 1]
// (Rec. 601 weights, as image/color's gray model) gives
// amplitude = ObjectAmpMin + (1 − ObjectAmpMin)·g in [0.5, 1] and
// phase = phaseMax·g. Rows are image rows (y), columns image columns (x).
func ImageObject(img image.Image, phaseMax float64) *data.ComplexImage {
	b := img.Bounds()
	h, w := b.Dy(), b.Dx()
	checkSize("ImageObject", h, w)
	obj := &data.ComplexImage{H: h, W: w, Pix: make([]complex64, h*w)}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			g := float64(color.Gray16Model.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.Gray16).Y) / 0xffff
			obj.Pix[y*w+x] = polar(ObjectAmpMin+(1-ObjectAmpMin)*g, phaseMax*g)
		}
	}
	return obj
}

func checkSize(op string, h, w int) {
	if h <= 0 || w <= 0 {
		panic(fmt.Sprintf("ptychokit: physics.%s: size %d×%d must be positive", op, h, w))
	}
}

func polar(amp, phase float64) complex64 {
	s, c := math.Sincos(phase)
	return complex(float32(amp*c), float32(amp*s))
}

// splat adds v at the real position (y, x) of an h×w canvas, bilinearly.
func splat(canvas []float64, h, w int, y, x, v float64) {
	fy, fx := math.Floor(y), math.Floor(x)
	ty, tx := y-fy, x-fx
	for a := 0; a < 2; a++ {
		for c := 0; c < 2; c++ {
			r, col := int(fy)+a, int(fx)+c
			if r < 0 || r >= h || col < 0 || col >= w {
				continue
			}
			wy, wx := 1-ty, 1-tx
			if a == 1 {
				wy = ty
			}
			if c == 1 {
				wx = tx
			}
			canvas[r*w+col] += v * wy * wx
		}
	}
}

// gaussianBlur convolves an h×w image with a normalised Gaussian of σ pixels
// (truncated at 4σ), separably, reading zero outside.
func gaussianBlur(img []float64, h, w int, sigma float64) []float64 {
	radius := int(math.Ceil(4 * sigma))
	kernel := make([]float64, 2*radius+1)
	sum := 0.0
	for i := range kernel {
		d := float64(i - radius)
		kernel[i] = math.Exp(-d * d / (2 * sigma * sigma))
		sum += kernel[i]
	}
	for i := range kernel {
		kernel[i] /= sum
	}
	rows := convolveLines(img, h, w, w, 1, kernel) // along x
	return convolveLines(rows, w, h, 1, w, kernel) // along y
}

// convolveLines convolves each of `lines` lines of `length` samples with a
// centred odd kernel, reading zero outside the line: line i's sample p is
// src[i*lineStride + p*step].
func convolveLines(src []float64, lines, length, lineStride, step int, kernel []float64) []float64 {
	radius := len(kernel) / 2
	out := make([]float64, len(src))
	for i := 0; i < lines; i++ {
		base := i * lineStride
		for p := 0; p < length; p++ {
			s := 0.0
			for k, kv := range kernel {
				if q := p + k - radius; q >= 0 && q < length {
					s += kv * src[base+q*step]
				}
			}
			out[base+p*step] = s
		}
	}
	return out
}

// crop cuts the oh×ow window at (margin, margin) out of an image w wide.
func crop(img []float64, w, margin, oh, ow int) []float64 {
	out := make([]float64, oh*ow)
	for y := 0; y < oh; y++ {
		copy(out[y*ow:(y+1)*ow], img[(y+margin)*w+margin:(y+margin)*w+margin+ow])
	}
	return out
}

// normalise01 maps v linearly onto [0, 1] (all zeros when constant).
func normalise01(v []float64) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, x := range v {
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	for i := range v {
		if hi > lo {
			v[i] = (v[i] - lo) / (hi - lo)
		} else {
			v[i] = 0
		}
	}
}

// standardise maps v to zero mean and unit variance (zeros when constant).
func standardise(v []float64) {
	mean, sq := 0.0, 0.0
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	for _, x := range v {
		sq += (x - mean) * (x - mean)
	}
	sd := math.Sqrt(sq / float64(len(v)))
	for i := range v {
		if sd > 0 {
			v[i] = (v[i] - mean) / sd
		} else {
			v[i] = 0
		}
	}
}
