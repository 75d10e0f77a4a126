package plots

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"math/cmplx"

	"github.com/ptychokit/ptychokit/ptychokit/data"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// AmpPhase splits a complex image into its amplitude |z| and phase arg z in
// (-π, π], as float64 slices of the same length.
func AmpPhase(pix []complex64) (amp, phase []float64) {
	amp = make([]float64, len(pix))
	phase = make([]float64, len(pix))
	for i, z := range pix {
		c := complex128(z)
		amp[i] = cmplx.Abs(c)
		phase[i] = cmplx.Phase(c)
	}
	return amp, phase
}

// checkFinite returns an error naming the first NaN or ±Inf in v.
func checkFinite(name string, v []float64) error {
	for i, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("plots: %s: element %d is %v", name, i, x)
		}
	}
	return nil
}

// checkImage returns an error unless pix is a finite h×w image.
func checkImage(name string, pix []float64, h, w int) error {
	if h <= 0 || w <= 0 {
		return fmt.Errorf("plots: %s: image size %d×%d is empty", name, h, w)
	}
	if len(pix) != h*w {
		return fmt.Errorf("plots: %s: %d pixels for a %d×%d image", name, len(pix), h, w)
	}
	for i, x := range pix {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("plots: %s: pixel (y=%d, x=%d) is %v", name, i/w, i%w, x)
		}
	}
	return nil
}

// cropImage returns the pixels of r from an h×w image (a copy).
func cropImage(pix []float64, w int, r data.Rect) []float64 {
	out := make([]float64, 0, r.Dx()*r.Dy())
	for y := r.Y0; y < r.Y1; y++ {
		out = append(out, pix[y*w+r.X0:y*w+r.X1]...)
	}
	return out
}

func minMax(v []float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, x := range v {
		lo = math.Min(lo, x)
		hi = math.Max(hi, x)
	}
	return lo, hi
}

// colorRange returns a non-empty colour range covering v: a constant image
// gets [c-½, c+½] (or [c-|c|/2, c+|c|/2] when that is wider) so it still has a
// colour bar.
func colorRange(v ...[]float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, s := range v {
		l, h := minMax(s)
		lo, hi = math.Min(lo, l), math.Max(hi, h)
	}
	if hi > lo {
		return lo, hi
	}
	d := math.Max(0.5, math.Abs(lo)/2)
	return lo - d, hi + d
}

// Raster is a plot.Plotter that draws a real image through a colour map, one
// data unit per pixel: pixel (row y, column x) of the image covers
// [Col0+x, Col0+x+1] horizontally and rows Row0+y … Row0+y+1 counted
// downwards, which on the plot's Y axis is [-(Row0+y+1), -(Row0+y)] (label the
// axis with RowTicks to show row numbers). Values outside the colour map's
// range are clamped to its ends.
//
// The image is coloured through a table sampled from ColorMap and drawn with
// nearest-neighbour resampling to the output's pixel grid, so pixels stay
// crisp and there are no seams between them. Draw it on a plot whose aspect
// keeps pixels square (the views in this package do).
type Raster struct {
	// Pix is the image, row-major, H rows of W pixels.
	Pix  []float64
	H, W int
	// Col0 and Row0 are the pixel coordinates of the image's top-left pixel
	// in the picture it was cut from (non-zero for a crop), so that axes show
	// the original coordinates.
	Col0, Row0 int
	// ColorMap maps pixel values to colours; its Min and Max are the colour
	// range.
	ColorMap palette.ColorMap
	// Hidden, when non-nil (H×W), marks pixels drawn in HiddenColor instead
	// of their value's colour: e.g. the phase where there is no amplitude.
	Hidden      []bool
	HiddenColor color.RGBA
	// Shade, when non-nil (H×W, values in [0, 1]), scales each pixel's
	// colour towards black: the brightness of a complex view.
	Shade []float64

	// drawnDots is where the last Plot on a raster canvas put the image, in
	// device pixels (x right, y up): xmin, ymin, xmax, ymax. The tests read it.
	drawnDots [4]float64
}

var (
	_ plot.Plotter    = (*Raster)(nil)
	_ plot.DataRanger = (*Raster)(nil)
)

// NewRaster returns a Raster of the h×w image pix coloured by cm. It returns
// an error when the sizes disagree, a pixel is NaN or ±Inf, or cm's range is
// empty.
func NewRaster(pix []float64, h, w int, cm palette.ColorMap) (*Raster, error) {
	if err := checkImage("raster", pix, h, w); err != nil {
		return nil, err
	}
	if cm == nil || !(cm.Max() > cm.Min()) || math.IsInf(cm.Max()-cm.Min(), 0) {
		return nil, fmt.Errorf("plots: raster: colour map range is empty or infinite")
	}
	return &Raster{Pix: pix, H: h, W: w, ColorMap: cm}, nil
}

// DataRange implements plot.DataRanger.
func (r *Raster) DataRange() (xmin, xmax, ymin, ymax float64) {
	return float64(r.Col0), float64(r.Col0 + r.W), -float64(r.Row0 + r.H), -float64(r.Row0)
}

// Plot implements plot.Plotter.
func (r *Raster) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	xmin, xmax, ymin, ymax := r.DataRange()
	rect := vg.Rectangle{
		Min: vg.Point{X: trX(xmin), Y: trY(ymin)},
		Max: vg.Point{X: trX(xmax), Y: trY(ymax)},
	}
	if dpi, ok := canvasDPI(c); ok {
		r.drawnDots = [4]float64{rect.Min.X.Dots(dpi), rect.Min.Y.Dots(dpi), rect.Max.X.Dots(dpi), rect.Max.Y.Dots(dpi)}
	}
	drawCrisp(c, rect, r.colored())
}

// colored returns the image coloured through the colour map, row 0 on top.
func (r *Raster) colored() *image.RGBA {
	table := newColorTable(r.ColorMap)
	img := image.NewRGBA(image.Rect(0, 0, r.W, r.H))
	for y := 0; y < r.H; y++ {
		row := img.Pix[y*img.Stride : y*img.Stride+4*r.W]
		for x, v := range r.Pix[y*r.W : (y+1)*r.W] {
			c := table.at(v)
			if r.Hidden != nil && r.Hidden[y*r.W+x] {
				c = r.HiddenColor
			}
			if r.Shade != nil {
				f := r.Shade[y*r.W+x]
				c.R, c.G, c.B = uint8(f*float64(c.R)+0.5), uint8(f*float64(c.G)+0.5), uint8(f*float64(c.B)+0.5)
			}
			row[4*x], row[4*x+1], row[4*x+2], row[4*x+3] = c.R, c.G, c.B, c.A
		}
	}
	return img
}

// vectorDPI is the resolution at which images are embedded in vector output
// (SVG), where the canvas has no pixel grid: two image pixels per point.
const vectorDPI = 144

// maxCrispSide bounds the resampled image's side, so that a huge output size
// cannot allocate without limit.
const maxCrispSide = 8192

// drawCrisp draws img into rect on c. When rect covers more device pixels than
// img has, img is first resampled by nearest neighbour to the device grid, so
// that the canvas' own (bilinear) scaling is nearly 1:1 and pixels keep sharp
// edges. Smaller targets get img as it is.
func drawCrisp(c draw.Canvas, rect vg.Rectangle, img *image.RGBA) {
	dpi, ok := canvasDPI(c)
	if !ok {
		dpi = vectorDPI
	}
	size := rect.Size()
	tw := int(math.Round(size.X.Dots(dpi)))
	th := int(math.Round(size.Y.Dots(dpi)))
	sw, sh := img.Bounds().Dx(), img.Bounds().Dy()
	if tw > sw && th > sh && tw <= maxCrispSide && th <= maxCrispSide {
		img = resampleNearest(img, tw, th)
	}
	c.DrawImage(rect, img)
}

// canvasDPI returns the resolution of the raster canvas under c, if it is
// one. gonum/plot nests draw.Canvas values (padding, cropping), so it unwraps
// them first.
func canvasDPI(c draw.Canvas) (float64, bool) {
	var v vg.Canvas = c.Canvas
	for {
		switch w := v.(type) {
		case draw.Canvas:
			v = w.Canvas
		case *draw.Canvas:
			v = w.Canvas
		case interface{ DPI() float64 }:
			return w.DPI(), true
		default:
			return 0, false
		}
	}
}

// resampleNearest returns src scaled to tw×th by nearest neighbour.
func resampleNearest(src *image.RGBA, tw, th int) *image.RGBA {
	sw, sh := src.Bounds().Dx(), src.Bounds().Dy()
	dst := image.NewRGBA(image.Rect(0, 0, tw, th))
	colOf := make([]int, tw)
	for x := range colOf {
		colOf[x] = 4 * ((2*x + 1) * sw / (2 * tw)) // source column of the centre of x
	}
	for y := 0; y < th; y++ {
		sy := (2*y + 1) * sh / (2 * th)
		srow := src.Pix[sy*src.Stride:]
		drow := dst.Pix[y*dst.Stride : y*dst.Stride+4*tw]
		for x, sx := range colOf {
			d, s := drow[4*x:4*x+4:4*x+4], srow[sx:sx+4:sx+4]
			d[0], d[1], d[2], d[3] = s[0], s[1], s[2], s[3]
		}
	}
	return dst
}

// RowTicks labels a vertical axis whose data coordinate is minus the image
// row (as Raster uses), so that ticks read as row numbers growing downwards.
type RowTicks struct{}

var _ plot.Ticker = RowTicks{}

// Ticks implements plot.Ticker.
func (RowTicks) Ticks(min, max float64) []plot.Tick {
	ticks := niceTicks(-max, -min)
	for i := range ticks {
		ticks[i].Value = -ticks[i].Value
	}
	return ticks
}
