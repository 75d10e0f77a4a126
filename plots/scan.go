package plots

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// ScanOptions style a scan-positions figure. The zero value is usable.
type ScanOptions struct {
	// Title is drawn above the plot (lines split at "\n"); empty for none.
	Title string
	// ObjectWidth and ObjectHeight are the object's size in pixels, drawn as
	// the plot's frame; zero fits the frame to the footprints.
	ObjectWidth, ObjectHeight int
	// ProbeRadius, when > 0, draws a circle of that radius (object pixels)
	// round every position: the probe's footprint, to judge the overlap.
	ProbeRadius float64
	// ColorByIndex colours positions (and footprints) by their index, i.e.
	// scan order, with a colour bar; otherwise they are one colour.
	ColorByIndex bool
	// Background, when non-nil, is an ObjectHeight×ObjectWidth image (e.g.
	// the object's amplitude) drawn in grey under the positions.
	Background []float64
}

// ScanPositions draws scan positions (patch centres: xcoords the column,
// ycoords the row, in object pixels) over the object's extent, y growing
// downwards as in the image views, with one pixel square.
func ScanPositions(xcoords, ycoords []float64, opts ScanOptions) (*Figure, error) {
	n := len(xcoords)
	if n == 0 || len(ycoords) != n {
		return nil, fmt.Errorf("plots: scan positions: %d x and %d y coordinates", n, len(ycoords))
	}
	if err := checkFinite("xcoords", xcoords); err != nil {
		return nil, err
	}
	if err := checkFinite("ycoords", ycoords); err != nil {
		return nil, err
	}
	if math.IsNaN(opts.ProbeRadius) || math.IsInf(opts.ProbeRadius, 0) || opts.ProbeRadius < 0 {
		return nil, fmt.Errorf("plots: scan positions: probe radius %v", opts.ProbeRadius)
	}
	if opts.ObjectWidth < 0 || opts.ObjectHeight < 0 {
		return nil, fmt.Errorf("plots: scan positions: object size %d×%d", opts.ObjectHeight, opts.ObjectWidth)
	}

	p := newPlot("")
	p.X.Label.Text, p.Y.Label.Text = "x (px)", "y (px)"
	p.X.Tick.Marker = niceTicker{}
	p.Y.Tick.Marker = RowTicks{}
	p.X.Padding, p.Y.Padding = 0, 0

	xmin, xmax := minMax(xcoords)
	ymin, ymax := minMax(ycoords)
	r := opts.ProbeRadius
	x0, x1, y0, y1 := xmin-r, xmax+r, ymin-r, ymax+r
	if opts.ObjectWidth > 0 && opts.ObjectHeight > 0 {
		x0, x1, y0, y1 = 0, float64(opts.ObjectWidth), 0, float64(opts.ObjectHeight)
	}
	if x1-x0 < 1 {
		x0, x1 = x0-0.5, x1+0.5
	}
	if y1-y0 < 1 {
		y0, y1 = y0-0.5, y1+0.5
	}

	if opts.Background != nil {
		if opts.ObjectWidth <= 0 || opts.ObjectHeight <= 0 {
			return nil, fmt.Errorf("plots: scan positions: a background needs ObjectWidth and ObjectHeight")
		}
		lo, hi := colorRange(opts.Background)
		bg, err := NewRaster(opts.Background, opts.ObjectHeight, opts.ObjectWidth, greyMap(lo, hi))
		if err != nil {
			return nil, fmt.Errorf("plots: scan positions: background: %w", err)
		}
		p.Add(bg)
	}

	index := AmplitudeMap(0, math.Max(1, float64(n-1)))
	table := newColorTable(index)
	colorOf := func(i int) color.Color {
		if opts.ColorByIndex {
			return table.at(float64(i))
		}
		return color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff} // the tab10 red: visible on grey and on viridis
	}
	if r > 0 {
		p.Add(&footprints{x: xcoords, y: ycoords, radius: r, color: colorOf})
	}
	pts := make(plotter.XYs, n)
	for i := range pts {
		pts[i] = plotter.XY{X: xcoords[i], Y: -ycoords[i]}
	}
	sc, err := plotter.NewScatter(pts)
	if err != nil {
		return nil, fmt.Errorf("plots: scan positions: %w", err)
	}
	sc.GlyphStyleFunc = func(i int) draw.GlyphStyle {
		return draw.GlyphStyle{Color: colorOf(i), Radius: vg.Points(1.6), Shape: draw.CircleGlyph{}}
	}
	frame, err := plotter.NewLine(plotter.XYs{{X: x0, Y: -y0}, {X: x1, Y: -y0}, {X: x1, Y: -y1}, {X: x0, Y: -y1}, {X: x0, Y: -y0}})
	if err != nil {
		return nil, fmt.Errorf("plots: scan positions: %w", err)
	}
	frame.LineStyle = draw.LineStyle{Color: color.Gray{Y: 0x60}, Width: vg.Points(0.5)}
	p.Add(frame, sc)
	p.X.Min, p.X.Max = x0, x1
	p.Y.Min, p.Y.Max = -y1, -y0

	cell := panel{plot: p, aspect: (y1 - y0) / (x1 - x0)}
	if opts.ColorByIndex {
		cell.bar = &colorBar{cmap: index, label: "scan index"}
	}
	g := &grid{title: opts.Title, rows: [][]panel{{cell}}, panelWidth: 5 * vg.Inch}
	return g.figure(), nil
}

// greyMap is a light grey ramp on [min, max], for backgrounds under other
// marks.
func greyMap(min, max float64) palette.ColorMap {
	cm, err := moreland.NewLuminance([]color.Color{color.Gray{Y: 0x50}, color.Gray{Y: 0xf0}})
	if err != nil {
		panic("ptychokit: grey ramp: " + err.Error()) // constant controls, increasing luminance
	}
	cm.SetMin(min)
	cm.SetMax(max)
	return cm
}

// footprints draws a circle of a radius in data units round each point.
type footprints struct {
	x, y   []float64
	radius float64
	color  func(i int) color.Color
}

// Plot implements plot.Plotter.
func (f *footprints) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	// Translucent, so that overlap reads as density; fainter for long scans,
	// whose circles would otherwise fill the plot.
	alpha := uint8(math.Max(16, math.Min(80, 80*math.Sqrt(100/float64(len(f.x))))))
	for i := range f.x {
		cx, cy := trX(f.x[i]), trY(-f.y[i])
		rad := trX(f.x[i]+f.radius) - cx
		var path vg.Path
		path.Move(vg.Point{X: cx + rad, Y: cy})
		path.Arc(vg.Point{X: cx, Y: cy}, rad, 0, 2*math.Pi)
		path.Close()
		r, g, b, _ := f.color(i).RGBA()
		c.SetLineStyle(draw.LineStyle{Color: color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: alpha}, Width: vg.Points(0.6)})
		c.Stroke(path)
	}
}
