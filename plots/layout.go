package plots

import (
	"image"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/recorder"
)

// Text sizes, in points at the natural figure size.
const (
	figureTitleSize = 14
	panelTitleSize  = 12
	axisLabelSize   = 10
	tickLabelSize   = 9
)

var sansFont = font.Font{Typeface: "Liberation", Variant: "Sans"}

func sans(size vg.Length) font.Font { return font.From(sansFont, size) }

func textStyle(size vg.Length) text.Style {
	return text.Style{
		Color:   color.Black,
		Font:    sans(size),
		XAlign:  draw.XLeft,
		YAlign:  draw.YCenter,
		Handler: plot.DefaultTextHandler,
	}
}

// newPlot returns a plot in the package's style: sans-serif text, short ticks.
func newPlot(title string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = sans(panelTitleSize)
	p.Title.Padding = vg.Points(4)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = sans(axisLabelSize)
		a.Tick.Label.Font = sans(tickLabelSize)
		a.Tick.Length = vg.Points(4)
	}
	p.Legend.TextStyle.Font = sans(axisLabelSize)
	return p
}

// newImagePlot returns a plot showing r, pixels as the axes' units, with no
// padding between the image and the axes. With axes false the axes are
// hidden (grids of small panels).
func newImagePlot(r *Raster, title string, axes bool) *plot.Plot {
	p := newPlot(title)
	p.Add(r)
	p.X.Padding, p.Y.Padding = 0, 0
	p.X.Tick.Marker = niceTicker{}
	p.Y.Tick.Marker = RowTicks{}
	if axes {
		p.X.Label.Text = "x (px)"
		p.Y.Label.Text = "y (px)"
	} else {
		p.HideAxes()
	}
	return p
}

// panel is one cell of a grid: a plot whose data area keeps an aspect ratio,
// with an optional colour bar to its right.
type panel struct {
	plot *plot.Plot
	// aspect is the data area's height/width (1 for square pixels of a
	// square image); 0 lets the data area fill the cell.
	aspect float64
	bar    *colorBar
	// raster is the image the plot shows, if any (for the tests).
	raster *Raster
}

// grid lays out rows of panels under an optional title. Every row has the
// same number of cells and colour bars in the same columns; a nil plot is an
// empty cell. sideBar, when set, is one colour bar right of the whole grid.
type grid struct {
	title   string
	rows    [][]panel
	sideBar *colorBar
	// panelWidth is the natural width of the widest panel's data area.
	panelWidth vg.Length
}

// Gaps, in points.
const (
	barGap     = 6  // between a panel's data area and its colour bar
	barWidth   = 11 // the bar itself
	cellGap    = 8  // around every cell
	titleSpace = 8  // below the figure title
)

// figure returns the grid as a Figure of its natural size.
func (g *grid) figure() *Figure {
	w, h := g.naturalSize()
	return &Figure{width: w, height: h, draw: g.draw, grid: g}
}

// decorations returns how much wider and taller than its data area the plot
// is (titles, axes, tick labels).
func decorations(p *plot.Plot) (dw, dh vg.Length) {
	c := draw.Canvas{Canvas: new(recorder.Canvas), Rectangle: vg.Rectangle{
		Max: vg.Point{X: 10 * vg.Inch, Y: 10 * vg.Inch},
	}}
	da := p.DataCanvas(c)
	return c.Size().X - da.Size().X, c.Size().Y - da.Size().Y
}

// columnWidths returns, per column, the natural width of the panel part and of
// the bar part of the cells.
func (g *grid) columnWidths() (panelW, barW []vg.Length) {
	ncol := len(g.rows[0])
	panelW, barW = make([]vg.Length, ncol), make([]vg.Length, ncol)
	for _, row := range g.rows {
		for j, cell := range row {
			if cell.plot != nil {
				dw, _ := decorations(cell.plot)
				aw := g.panelWidth
				if cell.aspect > 1 {
					aw /= vg.Length(cell.aspect)
				}
				panelW[j] = max(panelW[j], aw+dw)
			}
			if cell.bar != nil {
				barW[j] = max(barW[j], cell.bar.width())
			}
		}
	}
	return panelW, barW
}

// rowHeights returns each row's natural height.
func (g *grid) rowHeights() []vg.Length {
	hs := make([]vg.Length, len(g.rows))
	for i, row := range g.rows {
		for _, cell := range row {
			if cell.plot == nil {
				continue
			}
			_, dh := decorations(cell.plot)
			ah := g.panelWidth
			if cell.aspect > 0 && cell.aspect < 1 {
				ah *= vg.Length(cell.aspect)
			}
			hs[i] = max(hs[i], ah+dh)
		}
	}
	return hs
}

func (g *grid) titleStyle() text.Style {
	sty := textStyle(figureTitleSize)
	sty.Font.Weight = 3 // golang.org/x/image/font.WeightBold, a module we do not require directly
	sty.XAlign, sty.YAlign = draw.XCenter, draw.YTop
	return sty
}

func (g *grid) titleHeight() vg.Length {
	if g.title == "" {
		return 0
	}
	return g.titleStyle().Height(g.title) + vg.Points(titleSpace)
}

func (g *grid) naturalSize() (w, h vg.Length) {
	panelW, barW := g.columnWidths()
	for j := range panelW {
		w += panelW[j] + barW[j] + 2*vg.Points(cellGap)
	}
	if g.sideBar != nil {
		w += g.sideBar.width()
	}
	for _, rh := range g.rowHeights() {
		h += rh + 2*vg.Points(cellGap)
	}
	if g.title != "" { // a long title widens the figure rather than being clipped
		w = max(w, g.titleStyle().Width(g.title)+4*vg.Points(cellGap))
	}
	return w, h + g.titleHeight()
}

// draw lays the grid out on c: cell sizes are the natural ones scaled to fill
// c (bars keep their width), and each panel is then shrunk to its aspect and
// centred vertically; a panel with a bar is pushed right against its bar.
func (g *grid) draw(c draw.Canvas) {
	if g.title != "" {
		c.FillText(g.titleStyle(), vg.Point{X: c.Center().X, Y: c.Max.Y - vg.Points(titleSpace)/2}, g.title)
		c.Max.Y -= g.titleHeight()
	}
	if g.sideBar != nil {
		c.Max.X -= g.sideBar.width()
	}
	panelW, barW := g.columnWidths()
	rowH := g.rowHeights()
	gap := vg.Points(cellGap)
	var natPanels, fixedW vg.Length
	for j := range panelW {
		natPanels += panelW[j]
		fixedW += barW[j] + 2*gap
	}
	var natH vg.Length
	for _, h := range rowH {
		natH += h
	}
	sx := (c.Size().X - fixedW) / natPanels
	sy := (c.Size().Y - 2*gap*vg.Length(len(rowH))) / natH

	top := c.Max.Y
	var spanTop, spanBottom vg.Length = c.Min.Y, c.Max.Y
	for i, row := range g.rows {
		cellH := rowH[i] * sy
		x := c.Min.X
		for j, cell := range row {
			cellW := panelW[j] * sx
			if cell.plot != nil {
				pc := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
					Min: vg.Point{X: x + gap, Y: top - gap - cellH},
					Max: vg.Point{X: x + gap + cellW, Y: top - gap},
				}}
				pc = fitAspect(cell.plot, pc, cell.aspect, cell.bar != nil)
				cell.plot.Draw(pc)
				da := cell.plot.DataCanvas(pc)
				if cell.bar != nil {
					cell.bar.draw(c, da.Max.X+vg.Points(barGap), da.Min.Y, da.Max.Y)
				}
				spanTop = max(spanTop, da.Max.Y)
				spanBottom = min(spanBottom, da.Min.Y)
			}
			x += cellW + barW[j] + 2*gap
		}
		top -= cellH + 2*gap
	}
	if g.sideBar != nil && spanTop > spanBottom {
		g.sideBar.draw(c, c.Max.X+vg.Points(barGap), spanBottom, spanTop)
	}
}

// fitAspect shrinks c so that p's data area has height/width aspect (0: keep
// c), centring it vertically and, horizontally, centring it or pushing it to
// the right (toward a colour bar).
func fitAspect(p *plot.Plot, c draw.Canvas, aspect float64, right bool) draw.Canvas {
	if aspect <= 0 {
		return c
	}
	da := p.DataCanvas(c)
	padW, padH := c.Size().X-da.Size().X, c.Size().Y-da.Size().Y
	dw, dh := da.Size().X, da.Size().Y
	if dw <= 0 || dh <= 0 {
		return c
	}
	if dh > dw*vg.Length(aspect) {
		dh = dw * vg.Length(aspect)
	} else {
		dw = dh / vg.Length(aspect)
	}
	w, h := dw+padW, dh+padH
	spareX, spareY := c.Size().X-w, c.Size().Y-h
	c.Min.Y += spareY / 2
	c.Max.Y -= spareY / 2
	if right {
		c.Min.X += spareX
	} else {
		c.Min.X += spareX / 2
		c.Max.X -= spareX / 2
	}
	return c
}

// colorBar is a vertical colour bar with ticks and labels on its right and an
// optional label, rotated, beyond them.
type colorBar struct {
	cmap  palette.ColorMap
	label string
	// ticks are the labelled values; nil means plot.DefaultTicks' major ones.
	ticks []plot.Tick
}

func (b *colorBar) tickList() []plot.Tick {
	if b.ticks != nil {
		return b.ticks
	}
	return niceTicks(b.cmap.Min(), b.cmap.Max())
}

// niceTicks returns four to about seven labelled ticks on [lo, hi] at
// multiples of 1, 2, 2.5 or 5 × 10^k.
func niceTicks(lo, hi float64) []plot.Tick {
	if !(hi > lo) {
		return nil
	}
	const target, least = 5, 4
	mag := math.Pow(10, math.Floor(math.Log10((hi-lo)/target)))
	var steps []float64 // candidate steps, increasing
	for _, m := range []float64{0.5, 1, 2, 2.5, 5, 10, 20} {
		steps = append(steps, m*mag)
	}
	k := 0
	for k < len(steps)-1 && steps[k] < (hi-lo)/target {
		k++
	}
	ticks := ticksAt(lo, hi, steps[k])
	for k > 0 && len(ticks) < least {
		k--
		ticks = ticksAt(lo, hi, steps[k])
	}
	return ticks
}

func ticksAt(lo, hi, step float64) []plot.Tick {
	format := tickFormat(lo, hi, step)
	var ticks []plot.Tick
	for k := math.Ceil(lo/step - 1e-9); k*step <= hi+1e-9*step; k++ {
		v := k * step
		if v == 0 {
			v = 0 // no "-0"
		}
		ticks = append(ticks, plot.Tick{Value: v, Label: format(v)})
	}
	return ticks
}

// tickFormat returns a formatter with just enough digits to tell ticks step
// apart: fixed-point for ordinary magnitudes, exponent form otherwise.
func tickFormat(lo, hi, step float64) func(float64) string {
	big := math.Max(math.Abs(lo), math.Abs(hi))
	if big >= 1e-3 && big < 1e6 && step >= 1e-6 {
		decimals := 0
		for s := step; math.Abs(s-math.Round(s)) > 1e-6*s && decimals < 9; s *= 10 {
			decimals++
		}
		return func(v float64) string { return strconv.FormatFloat(v, 'f', decimals, 64) }
	}
	digits := max(1, int(math.Floor(math.Log10(big))-math.Floor(math.Log10(step)))+2)
	return func(v float64) string { return strconv.FormatFloat(v, 'g', digits, 64) }
}

// niceTicker is a plot.Ticker placing niceTicks.
type niceTicker struct{}

func (niceTicker) Ticks(lo, hi float64) []plot.Tick { return niceTicks(lo, hi) }

const (
	barTickLength = 3 // points
	barTickGap    = 2 // points between tick and label
	labelGap      = 5 // points between tick labels and the bar's label
)

// width returns the room the bar needs right of its panel's data area.
func (b *colorBar) width() vg.Length {
	sty := textStyle(tickLabelSize)
	var lw vg.Length
	for _, t := range b.tickList() {
		lw = max(lw, sty.Width(t.Label))
	}
	w := vg.Points(barGap+barWidth+barTickLength+barTickGap) + lw
	if b.label != "" {
		w += vg.Points(labelGap) + textStyle(axisLabelSize).Height(b.label)
	}
	return w + vg.Points(4)
}

// draw draws the bar with its left edge at x, from y0 (its Min) to y1 (Max).
func (b *colorBar) draw(c draw.Canvas, x, y0, y1 vg.Length) {
	if y1 <= y0 {
		return
	}
	lo, hi := b.cmap.Min(), b.cmap.Max()
	const steps = 256
	img := image.NewRGBA(image.Rect(0, 0, 1, steps))
	table := newColorTable(b.cmap)
	for i := 0; i < steps; i++ {
		v := hi - (hi-lo)*(float64(i)+0.5)/steps // row 0 is the top
		img.SetRGBA(0, i, table.at(v))
	}
	rect := vg.Rectangle{Min: vg.Point{X: x, Y: y0}, Max: vg.Point{X: x + vg.Points(barWidth), Y: y1}}
	drawCrisp(c, rect, img)

	line := draw.LineStyle{Color: color.Black, Width: vg.Points(0.5)}
	c.StrokeLines(line, []vg.Point{rect.Min, {X: rect.Max.X, Y: rect.Min.Y}, rect.Max, {X: rect.Min.X, Y: rect.Max.Y}, rect.Min})
	sty := textStyle(tickLabelSize)
	var lw vg.Length
	for _, t := range b.tickList() {
		if t.Value < lo-1e-9*(hi-lo) || t.Value > hi+1e-9*(hi-lo) {
			continue
		}
		y := y0 + (y1-y0)*vg.Length((t.Value-lo)/(hi-lo))
		xt := rect.Max.X
		c.StrokeLine2(line, xt, y, xt+vg.Points(barTickLength), y)
		c.FillText(sty, vg.Point{X: xt + vg.Points(barTickLength+barTickGap), Y: y}, t.Label)
		lw = max(lw, sty.Width(t.Label))
	}
	if b.label != "" {
		ls := textStyle(axisLabelSize)
		ls.Rotation = math.Pi / 2 // reads upwards, its top toward the bar
		ls.XAlign, ls.YAlign = draw.XCenter, draw.YTop
		c.FillText(ls, vg.Point{X: rect.Max.X + vg.Points(barTickLength+barTickGap+labelGap) + lw, Y: (y0 + y1) / 2}, b.label)
	}
}

// phaseTicks label a phase colour bar at multiples of π/2.
var phaseTicks = []plot.Tick{
	{Value: -math.Pi, Label: "−π"},
	{Value: -math.Pi / 2, Label: "−π/2"},
	{Value: 0, Label: "0"},
	{Value: math.Pi / 2, Label: "π/2"},
	{Value: math.Pi, Label: "π"},
}
