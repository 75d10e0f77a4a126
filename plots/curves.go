package plots

import (
	"fmt"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/brewer"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/recorder"
)

// Series is one named curve. X nil means 1, 2, …, len(Y) (epochs,
// iterations).
type Series struct {
	Name string
	X, Y []float64
}

// CurveOptions style a curve figure.
type CurveOptions struct {
	Title, XLabel, YLabel string
	// LogY puts the y axis on a log scale; every y must then be > 0.
	LogY bool
}

// curveColors is a qualitative palette (ColorBrewer Dark2): distinct
// colours for several runs on one axes.
var curveColors = func() []color.Color {
	p, err := brewer.GetPalette(brewer.TypeQualitative, "Dark2", 8)
	if err != nil {
		panic("ptychokit: brewer Dark2: " + err.Error())
	}
	return p.Colors()
}()

// Curves draws several series on one axes with a legend: loss per epoch,
// solver cost per iteration, and the like.
func Curves(series []Series, opts CurveOptions) (*Figure, error) {
	p, err := curvePlot(series, opts)
	if err != nil {
		return nil, err
	}
	return plotFigure(p), nil
}

// LossCurves draws training and validation loss per epoch (epochs from 1) on
// a log axis; validation may be nil.
func LossCurves(training, validation []float64, title string) (*Figure, error) {
	series := []Series{{Name: "training", Y: training}}
	if validation != nil {
		series = append(series, Series{Name: "validation", Y: validation})
	}
	return Curves(series, CurveOptions{Title: title, XLabel: "epoch", YLabel: "loss", LogY: true})
}

// FRCThresholds are the two resolution criteria drawn on FRC plots: the 0.5
// (FRC50) and the 1/7 thresholds.
var FRCThresholds = []float64{0.5, 1.0 / 7}

// FRC draws Fourier ring correlation curves (X spatial frequency, Y the
// correlation) with the 0.5 and 1/7 thresholds as dashed lines in the legend.
// Empty labels default to "spatial frequency (1/px)" and "FRC".
func FRC(curves []Series, opts CurveOptions) (*Figure, error) {
	if opts.XLabel == "" {
		opts.XLabel = "spatial frequency (1/px)"
	}
	if opts.YLabel == "" {
		opts.YLabel = "FRC"
	}
	opts.LogY = false
	p, err := curvePlot(curves, opts)
	if err != nil {
		return nil, err
	}
	names := []string{"0.5", "1/7"}
	for i, th := range FRCThresholds {
		l, err := plotter.NewLine(plotter.XYs{{X: p.X.Min, Y: th}, {X: p.X.Max, Y: th}})
		if err != nil {
			return nil, fmt.Errorf("plots: FRC: %w", err)
		}
		l.LineStyle = draw.LineStyle{Color: color.Gray{Y: 0x40 + 0x30*uint8(i)}, Width: vg.Points(1), Dashes: []vg.Length{vg.Points(5), vg.Points(3)}}
		p.Add(l)
		p.Legend.Add(names[i]+" threshold", l)
	}
	p.Y.Min = math.Min(p.Y.Min, 0)
	p.Y.Max = math.Max(p.Y.Max, 1.02)
	return plotFigure(p), nil
}

func curvePlot(series []Series, opts CurveOptions) (*plot.Plot, error) {
	if len(series) == 0 {
		return nil, fmt.Errorf("plots: curves %q: no series", opts.Title)
	}
	p := newPlot(opts.Title)
	p.X.Label.Text, p.Y.Label.Text = opts.XLabel, opts.YLabel
	p.X.Tick.Marker, p.Y.Tick.Marker = niceTicker{}, niceTicker{}
	p.Legend.Padding = vg.Points(3)
	if opts.LogY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = logTicks{}
	}
	grid := plotter.NewGrid()
	grid.Vertical.Color = color.Gray{Y: 0xe0}
	grid.Horizontal.Color = color.Gray{Y: 0xe0}
	p.Add(grid)
	for k, s := range series {
		if len(s.Y) == 0 {
			return nil, fmt.Errorf("plots: curves: series %q is empty", s.Name)
		}
		if s.X != nil && len(s.X) != len(s.Y) {
			return nil, fmt.Errorf("plots: curves: series %q has %d x and %d y", s.Name, len(s.X), len(s.Y))
		}
		pts := make(plotter.XYs, len(s.Y))
		for i, y := range s.Y {
			x := float64(i + 1)
			if s.X != nil {
				x = s.X[i]
			}
			if math.IsNaN(x) || math.IsInf(x, 0) || math.IsNaN(y) || math.IsInf(y, 0) {
				return nil, fmt.Errorf("plots: curves: series %q point %d is (%v, %v)", s.Name, i, x, y)
			}
			if opts.LogY && y <= 0 {
				return nil, fmt.Errorf("plots: curves: series %q point %d: y = %g cannot go on a log axis", s.Name, i, y)
			}
			pts[i] = plotter.XY{X: x, Y: y}
		}
		line, err := plotter.NewLine(pts)
		if err != nil {
			return nil, fmt.Errorf("plots: curves: series %q: %w", s.Name, err)
		}
		line.LineStyle = draw.LineStyle{Color: curveColors[k%len(curveColors)], Width: vg.Points(1.5)}
		p.Add(line)
		if len(pts) <= 40 { // few points: mark them, so that each epoch is visible
			sc, err := plotter.NewScatter(pts)
			if err != nil {
				return nil, fmt.Errorf("plots: curves: series %q: %w", s.Name, err)
			}
			sc.GlyphStyle = draw.GlyphStyle{Color: line.LineStyle.Color, Radius: vg.Points(2), Shape: draw.CircleGlyph{}}
			p.Add(sc)
			p.Legend.Add(s.Name, line, sc)
		} else {
			p.Legend.Add(s.Name, line)
		}
	}
	if opts.LogY && p.Y.Min == p.Y.Max {
		// A constant curve: gonum would widen the range by ±1, through zero.
		p.Y.Min, p.Y.Max = p.Y.Min/2, p.Y.Max*2
	}
	if p.X.Min == p.X.Max {
		// One x (the first point of a live curve): gonum would show x ± 1;
		// the curve grows to the right.
		p.X.Max = p.X.Min + 1
	}
	return p, nil
}

// plotFigure wraps a single plot with no aspect constraint: 6×4 inches plus
// room for the legend, which goes right of the axes so that it never hides a
// curve.
func plotFigure(p *plot.Plot) *Figure {
	legend := p.Legend
	p.Legend = plot.NewLegend()
	legend.Left, legend.Top = true, true
	probe := draw.Canvas{Canvas: new(recorder.Canvas), Rectangle: vg.Rectangle{Max: vg.Point{X: vg.Inch, Y: vg.Inch}}}
	lw := legend.Rectangle(probe).Size().X
	if lw > 0 {
		lw += vg.Points(legendGap)
	}
	return &Figure{width: 6*vg.Inch + lw, height: 4 * vg.Inch, draw: func(c draw.Canvas) {
		pc := draw.Crop(c, vg.Points(4), -vg.Points(10)-lw, vg.Points(4), -vg.Points(6))
		p.Draw(pc)
		if lw > 0 {
			da := p.DataCanvas(pc)
			legend.Draw(draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
				Min: vg.Point{X: pc.Max.X + vg.Points(legendGap), Y: da.Min.Y},
				Max: vg.Point{X: c.Max.X, Y: da.Max.Y},
			}})
		}
	}}
}

// legendGap is the room, in points, between the axes and the legend.
const legendGap = 12

// logTicks labels a log axis: powers of ten when it spans two decades or
// more, otherwise also 2× and 5× them, so that a short loss curve still has
// labels (and every tick when that still gives fewer than two).
type logTicks struct{}

// Ticks implements plot.Ticker.
func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	labelled := map[int]bool{1: true}
	if hi/lo < 100 {
		labelled[2], labelled[5] = true, true
	}
	var ticks []plot.Tick
	for e := int(math.Floor(math.Log10(lo))); e <= int(math.Ceil(math.Log10(hi))); e++ {
		for m := 1; m < 10; m++ {
			v := float64(m) * math.Pow10(e)
			if v < lo*(1-1e-9) || v > hi*(1+1e-9) {
				continue
			}
			t := plot.Tick{Value: v}
			if labelled[m] {
				t.Label = strconv.FormatFloat(v, 'g', 3, 64)
			}
			ticks = append(ticks, t)
		}
	}
	if n := countLabels(ticks); n < 2 { // within one decade between 1-2-5 steps
		for i := range ticks {
			ticks[i].Label = strconv.FormatFloat(ticks[i].Value, 'g', 3, 64)
		}
	}
	return ticks
}

func countLabels(ticks []plot.Tick) (n int) {
	for _, t := range ticks {
		if t.Label != "" {
			n++
		}
	}
	return n
}
