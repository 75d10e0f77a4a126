package plots

import (
	"bytes"
	"fmt"
	"image"
	"io"
	"math"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/ptychokit/ptychokit/ptychokit/atomicfile"
)

// DefaultDPI is the resolution of a PNG written at the figure's natural size
// (width and height 0): a 10-inch figure is 1000 pixels wide.
const DefaultDPI = 100

// svgPxPerInch is the CSS pixel: SVG sizes given in pixels are 1/96 inch.
const svgPxPerInch = 96

// Figure is a finished drawing: one or more panels with titles, axes and
// colour bars. Every view in this package returns one, so notebooks and the
// command line write PNG and SVG the same way. A figure has a natural size
// (Size); drawn at another size it keeps its layout and scales its text with
// the picture, and images keep square pixels.
type Figure struct {
	// natural size
	width, height vg.Length
	draw          func(c draw.Canvas)
	// grid is the layout behind draw, when there is one (for the tests).
	grid *grid
}

// Size returns the figure's natural size in pixels at DefaultDPI.
func (f *Figure) Size() (widthPx, heightPx int) {
	return int(math.Round(float64(f.width/vg.Inch) * DefaultDPI)), int(math.Round(float64(f.height/vg.Inch) * DefaultDPI))
}

// pixels resolves a requested size: zero or negative sides come from the
// natural size (one given side keeps the natural aspect).
func (f *Figure) pixels(widthPx, heightPx int) (int, int) {
	nw, nh := f.Size()
	switch {
	case widthPx <= 0 && heightPx <= 0:
		return nw, nh
	case widthPx <= 0:
		return max(1, int(math.Round(float64(heightPx)*float64(nw)/float64(nh)))), heightPx
	case heightPx <= 0:
		return widthPx, max(1, int(math.Round(float64(widthPx)*float64(nh)/float64(nw))))
	}
	return widthPx, heightPx
}

// scale is the factor from the natural size to a w×h-inch picture: the
// largest that fits, so that text grows and shrinks with the picture.
func (f *Figure) scale(wIn, hIn float64) float64 {
	return math.Min(wIn/float64(f.width/vg.Inch), hIn/float64(f.height/vg.Inch))
}

// Draw draws the figure on c, filling c's rectangle. It turns a panic inside
// gonum/plot into an error.
func (f *Figure) Draw(c draw.Canvas) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("plots: drawing figure: %v", r)
		}
	}()
	f.draw(c)
	return nil
}

// WritePNG writes the figure as a widthPx × heightPx PNG. A side ≤ 0 is taken
// from the natural size (Size), keeping its aspect when the other side is
// given. The resolution (and so the size of text) follows the picture: a
// figure drawn twice as wide has text twice as large in pixels.
func (f *Figure) WritePNG(w io.Writer, widthPx, heightPx int) error {
	wpx, hpx := f.pixels(widthPx, heightPx)
	if wpx > 1<<15 || hpx > 1<<15 {
		return fmt.Errorf("plots: PNG size %d×%d is too large", wpx, hpx)
	}
	dpi := max(1, int(math.Round(DefaultDPI*f.scale(float64(wpx)/DefaultDPI, float64(hpx)/DefaultDPI))))
	canvas := vgimg.NewWith(vgimg.UseImage(image.NewRGBA(image.Rect(0, 0, wpx, hpx))), vgimg.UseDPI(dpi))
	if err := f.Draw(draw.New(canvas)); err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: canvas}).WriteTo(w); err != nil {
		return fmt.Errorf("plots: writing PNG: %w", err)
	}
	return nil
}

// WriteSVG writes the figure as SVG, widthPx × heightPx CSS pixels (1/96
// inch); sides ≤ 0 as in WritePNG. Images inside are embedded as PNG.
func (f *Figure) WriteSVG(w io.Writer, widthPx, heightPx int) error {
	wpx, hpx := f.pixels(widthPx, heightPx)
	wIn, hIn := float64(wpx)/svgPxPerInch, float64(hpx)/svgPxPerInch
	s := f.scale(wIn, hIn)
	canvas := vgsvg.New(vg.Length(wIn)*vg.Inch, vg.Length(hIn)*vg.Inch)
	// Draw at the natural scale on a canvas scaled by s, so that text keeps
	// its proportion to the picture, as in WritePNG.
	canvas.Scale(s, s)
	dc := draw.Canvas{Canvas: canvas, Rectangle: vg.Rectangle{
		Max: vg.Point{X: vg.Length(wIn/s) * vg.Inch, Y: vg.Length(hIn/s) * vg.Inch},
	}}
	if err := f.Draw(dc); err != nil {
		return err
	}
	var buf bytes.Buffer
	if _, err := canvas.WriteTo(&buf); err != nil {
		return fmt.Errorf("plots: writing SVG: %w", err)
	}
	// vgsvg embeds images as PNG but labels them image/jpg; browsers sniff
	// the bytes, stricter renderers (librsvg) drop the image. Say PNG.
	out := bytes.ReplaceAll(buf.Bytes(), []byte(`"data:image/jpg;base64,`), []byte(`"data:image/png;base64,`))
	if _, err := w.Write(out); err != nil {
		return fmt.Errorf("plots: writing SVG: %w", err)
	}
	return nil
}

// PNG returns the figure as PNG bytes (see WritePNG), for inline display in a
// notebook.
func (f *Figure) PNG(widthPx, heightPx int) ([]byte, error) {
	var b bytes.Buffer
	err := f.WritePNG(&b, widthPx, heightPx)
	return b.Bytes(), err
}

// SVG returns the figure as SVG bytes (see WriteSVG).
func (f *Figure) SVG(widthPx, heightPx int) ([]byte, error) {
	var b bytes.Buffer
	err := f.WriteSVG(&b, widthPx, heightPx)
	return b.Bytes(), err
}

// SavePNG writes the figure as PNG to path, atomically: to a temporary file
// in the same directory, renamed into place once complete.
func (f *Figure) SavePNG(path string, widthPx, heightPx int) error {
	return saveAtomic(path, func(w io.Writer) error { return f.WritePNG(w, widthPx, heightPx) })
}

// SaveSVG writes the figure as SVG to path, atomically (see SavePNG).
func (f *Figure) SaveSVG(path string, widthPx, heightPx int) error {
	return saveAtomic(path, func(w io.Writer) error { return f.WriteSVG(w, widthPx, heightPx) })
}

func saveAtomic(path string, write func(io.Writer) error) error {
	if err := atomicfile.Write(path, write); err != nil {
		return fmt.Errorf("plots: save: %w", err)
	}
	return nil
}
