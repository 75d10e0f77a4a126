package display

import (
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/protocol"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
)

// LiveCurve is a line plot shown once and redrawn in place as points arrive:
// a loss curve while training runs. It is safe to use from several goroutines.
//
//	curve := display.NewLiveCurve("training", "step", "loss")
//	for step := range steps {
//		…
//		curve.Add("train", float64(step), loss)
//	}
//	must.M(curve.Flush())
//
// Set the exported fields before the first Add.
type LiveCurve struct {
	// Title, XLabel and YLabel label the plot.
	Title, XLabel, YLabel string
	// LogY draws the y axis on a log scale (points with y ≤ 0 are then left out).
	LogY bool
	// WidthPx and HeightPx are the size of the picture in pixels.
	WidthPx, HeightPx int
	// Every is the least time between two redraws during Add (drawing costs a
	// few tens of milliseconds); 0 redraws on every Add. Flush always redraws.
	Every time.Duration

	mu       sync.Mutex
	id       string
	series   []*curveSeries
	lastDraw time.Time
	drawn    int // points drawn by the last redraw
	points   int // points added so far
	err      error
}

type curveSeries struct {
	name string
	xy   plotter.XYs
}

// NewLiveCurve returns a LiveCurve of 640×360 pixels that redraws at most
// twice a second.
func NewLiveCurve(title, xLabel, yLabel string) *LiveCurve {
	return &LiveCurve{
		Title: title, XLabel: xLabel, YLabel: yLabel,
		WidthPx: 640, HeightPx: 360,
		Every: 500 * time.Millisecond,
	}
}

// Add appends the point (x, y) to the named series (created on first use, in
// the order of first use) and redraws if Every has passed since the last
// redraw. Points with a NaN or infinite coordinate are kept out of the picture.
// A drawing error stops further redraws; Flush and Err return it.
func (c *LiveCurve) Add(series string, x, y float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.seriesLocked(series)
	if !math.IsNaN(x) && !math.IsInf(x, 0) && !math.IsNaN(y) && !math.IsInf(y, 0) {
		s.xy = append(s.xy, plotter.XY{X: x, Y: y})
		c.points++
	}
	if c.err == nil && time.Since(c.lastDraw) >= c.Every {
		c.err = c.redrawLocked()
	}
}

// Flush redraws the curve with every point added so far, and returns the
// first drawing error, if any.
func (c *LiveCurve) Flush() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil && (c.drawn != c.points || c.id == "") {
		c.err = c.redrawLocked()
	}
	return c.err
}

// Err returns the first drawing error, if any.
func (c *LiveCurve) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Points returns a copy of the points of the named series (nil if unknown).
func (c *LiveCurve) Points(series string) (xs, ys []float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, s := range c.series {
		if s.name == series {
			for _, p := range s.xy {
				xs = append(xs, p.X)
				ys = append(ys, p.Y)
			}
		}
	}
	return xs, ys
}

// PNG returns the curve as it stands, as PNG bytes (to save it to a file).
func (c *LiveCurve) PNG() ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pngLocked()
}

func (c *LiveCurve) seriesLocked(name string) *curveSeries {
	for _, s := range c.series {
		if s.name == name {
			return s
		}
	}
	s := &curveSeries{name: name}
	c.series = append(c.series, s)
	return s
}

func (c *LiveCurve) redrawLocked() error {
	b, err := c.pngLocked()
	if err != nil {
		return err
	}
	if c.id == "" {
		c.id = "ptychokit_livecurve_" + gonbui.UniqueId()
	}
	send(&protocol.DisplayData{
		Data:      map[protocol.MIMEType]any{protocol.MIMEImagePNG: b},
		DisplayID: c.id,
	})
	c.lastDraw = time.Now()
	c.drawn = c.points
	return nil
}

func (c *LiveCurve) pngLocked() ([]byte, error) {
	p := plot.New()
	p.Title.Text = c.Title
	p.X.Label.Text = c.XLabel
	p.Y.Label.Text = c.YLabel
	p.Add(plotter.NewGrid())
	shown := 0
	yMin, yMax := math.Inf(1), math.Inf(-1)
	for i, s := range c.series {
		xy := s.xy
		if c.LogY {
			xy = positiveY(xy)
		}
		if len(xy) == 0 {
			continue
		}
		shown += len(xy)
		for _, pt := range xy {
			yMin, yMax = min(yMin, pt.Y), max(yMax, pt.Y)
		}
		line, err := plotter.NewLine(xy)
		if err != nil {
			return nil, fmt.Errorf("display: live curve %q, series %q: %w", c.Title, s.name, err)
		}
		line.Color = plotutil.Color(i)
		line.Width = 1.5 * line.Width
		p.Add(line)
		if len(c.series) > 1 {
			p.Legend.Add(s.name, line)
		}
	}
	p.Legend.Top = true
	if c.LogY && shown > 0 { // a log axis with nothing on it cannot be drawn
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
		if yMin == yMax { // gonum widens an empty range by ±1, below zero
			p.Y.Min, p.Y.Max = yMin/2, yMax*2
		}
	}
	b, err := PlotPNG(p, c.WidthPx, c.HeightPx)
	if err != nil {
		return nil, fmt.Errorf("display: live curve %q: %w", c.Title, err)
	}
	return b, nil
}

func positiveY(xy plotter.XYs) plotter.XYs {
	out := make(plotter.XYs, 0, len(xy))
	for _, p := range xy {
		if p.Y > 0 {
			out = append(out, p)
		}
	}
	return out
}
