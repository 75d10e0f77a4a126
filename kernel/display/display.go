package display

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"io"
	"strings"

	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/protocol"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// PNGWriter is a figure that writes itself as a widthPx × heightPx PNG (a side
// ≤ 0 meaning its natural size). *plots.Figure is one.
type PNGWriter interface {
	WritePNG(w io.Writer, widthPx, heightPx int) error
}

// SVGWriter is a figure that writes itself as SVG of widthPx × heightPx CSS
// pixels (a side ≤ 0 meaning its natural size). *plots.Figure is one.
type SVGWriter interface {
	WriteSVG(w io.Writer, widthPx, heightPx int) error
}

// CSSPixelsPerInch is the resolution at which gonum plots are drawn here: one
// CSS pixel is 1/96 inch, so a PNG and an SVG of the same size look alike.
const CSSPixelsPerInch = 96

// send delivers one output to the notebook and waits until GoNB took it.
// Tests replace it to see what would be displayed.
var send = func(data *protocol.DisplayData) {
	if !gonbui.IsNotebook {
		return
	}
	gonbui.SendData(data)
	gonbui.Sync()
}

// PNG shows PNG-encoded bytes as an image/png output.
func PNG(pngBytes []byte) {
	send(&protocol.DisplayData{Data: map[protocol.MIMEType]any{protocol.MIMEImagePNG: pngBytes}})
}

// SVG shows an SVG document. GoNB's convention is followed: it arrives as
// text/html, the <svg> inside a <div> (with any XML prolog before the <svg>
// dropped, as HTML has no use for it). gonum's SVG names its font by family
// alone ("Liberation Sans"), which a browser without that font replaces by
// its default, often a serif face; the family is given sans-serif fallbacks
// so the text looks like the PNGs' (drawn with the font itself).
func SVG(svg []byte) {
	s := string(svg)
	if i := strings.Index(s, "<svg"); i > 0 {
		s = s[i:]
	}
	HTML("<div>" + svgFontFallback.Replace(s) + "</div>")
}

var svgFontFallback = strings.NewReplacer(
	"font-family:Liberation Sans", "font-family:'Liberation Sans',Arimo,'DejaVu Sans',Arial,Helvetica,sans-serif",
	"font-family:Liberation Serif", "font-family:'Liberation Serif',Tinos,'DejaVu Serif','Times New Roman',serif",
)

// init makes gonum plots that a notebook builds itself use the sans-serif
// face of the project's figures (package plots), not gonum's serif default.
func init() {
	plot.DefaultFont = font.Font{Typeface: "Liberation", Variant: "Sans"}
}

// HTML shows an HTML fragment as a text/html output.
func HTML(html string) {
	send(&protocol.DisplayData{Data: map[protocol.MIMEType]any{protocol.MIMETextHTML: html}})
}

// Markdown shows Markdown (with $…$ maths) as a text/markdown output.
func Markdown(markdown string) {
	send(&protocol.DisplayData{Data: map[protocol.MIMEType]any{protocol.MIMETextMarkdown: markdown}})
}

// Image shows an image as PNG.
func Image(img image.Image) error {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return fmt.Errorf("display: encode %v image as PNG: %w", img.Bounds().Size(), err)
	}
	PNG(buf.Bytes())
	return nil
}

// Figure shows f as a PNG of its natural size.
func Figure(f PNGWriter) error { return FigureSized(f, 0, 0) }

// FigureSized shows f as a widthPx × heightPx PNG; a side ≤ 0 is taken from
// f's natural size.
func FigureSized(f PNGWriter, widthPx, heightPx int) error {
	var buf bytes.Buffer
	if err := f.WritePNG(&buf, widthPx, heightPx); err != nil {
		return fmt.Errorf("display: draw figure as PNG: %w", err)
	}
	PNG(buf.Bytes())
	return nil
}

// FigureSVG shows f as SVG of its natural size (as text/html, see SVG).
func FigureSVG(f SVGWriter) error { return FigureSVGSized(f, 0, 0) }

// FigureSVGSized shows f as SVG of widthPx × heightPx CSS pixels; a side ≤ 0
// is taken from f's natural size.
func FigureSVGSized(f SVGWriter, widthPx, heightPx int) error {
	var buf bytes.Buffer
	if err := f.WriteSVG(&buf, widthPx, heightPx); err != nil {
		return fmt.Errorf("display: draw figure as SVG: %w", err)
	}
	SVG(buf.Bytes())
	return nil
}

// Plot shows a gonum plot as a widthPx × heightPx PNG.
func Plot(p *plot.Plot, widthPx, heightPx int) error {
	b, err := PlotPNG(p, widthPx, heightPx)
	if err != nil {
		return err
	}
	PNG(b)
	return nil
}

// PlotSVG shows a gonum plot as SVG of widthPx × heightPx CSS pixels.
func PlotSVG(p *plot.Plot, widthPx, heightPx int) error {
	if err := checkSize(widthPx, heightPx); err != nil {
		return err
	}
	c := vgsvg.New(pxToLength(widthPx), pxToLength(heightPx))
	if err := drawPlot(p, c); err != nil {
		return err
	}
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return fmt.Errorf("display: write plot as SVG: %w", err)
	}
	SVG(buf.Bytes())
	return nil
}

// PlotPNG draws a gonum plot as a widthPx × heightPx PNG at 96 pixels per
// inch and returns its bytes.
func PlotPNG(p *plot.Plot, widthPx, heightPx int) ([]byte, error) {
	if err := checkSize(widthPx, heightPx); err != nil {
		return nil, err
	}
	c := vgimg.NewWith(vgimg.UseWH(pxToLength(widthPx), pxToLength(heightPx)), vgimg.UseDPI(CSSPixelsPerInch))
	if err := drawPlot(p, c); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("display: encode plot as PNG: %w", err)
	}
	return buf.Bytes(), nil
}

func checkSize(widthPx, heightPx int) error {
	if widthPx <= 0 || heightPx <= 0 {
		return fmt.Errorf("display: plot size %d×%d pixels: both sides must be positive", widthPx, heightPx)
	}
	return nil
}

func pxToLength(px int) vg.Length { return vg.Length(px) * vg.Inch / CSSPixelsPerInch }

// drawPlot draws p on c, turning a panic inside gonum/plot (it panics on some
// degenerate data, such as a log axis with no positive values) into an error.
func drawPlot(p *plot.Plot, c vg.CanvasSizer) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("display: draw plot: %v", r)
		}
	}()
	p.Draw(draw.New(c))
	return nil
}
