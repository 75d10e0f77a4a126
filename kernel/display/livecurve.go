package display

import (
	"bytes"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/protocol"
	"gonum.org/v1/plot/plotter"

	"github.com/ptychokit/ptychokit/plots"
)

// LiveCurve is a line plot shown once and redrawn in place as points arrive:
// a loss curve while training runs. It draws with plots.Curves, so it looks
// like the project's other curves. It is safe to use from several goroutines.
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
	// LogY draws the y axis on a log scale from the first frame (points
	// with y ≤ 0 are then left out).
	LogY bool
	// WidthPx and HeightPx are the size of the picture in pixels; 0 takes
	// the natural size of a plots.Curves figure.
	WidthPx, HeightPx int
	// Every is the least time between two redraws during Add (drawing costs a
	// few tens of milliseconds); 0 redraws on every Add. Flush always redraws.
	Every time.Duration

	mu       sync.Mutex
	id       string
	series   []*curveSeries
	lastDraw time.Time
	drawn    int // version drawn by the last redraw
	version  int // bumped by every change of the points
	err      error
}

type curveSeries struct {
	name string
	xy   plotter.XYs
}

// NewLiveCurve returns a LiveCurve of the natural size of plots.Curves that
// redraws at most twice a second.
func NewLiveCurve(title, xLabel, yLabel string) *LiveCurve {
	return &LiveCurve{Title: title, XLabel: xLabel, YLabel: yLabel, Every: 500 * time.Millisecond}
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
		c.version++
	}
	if c.err == nil && time.Since(c.lastDraw) >= c.Every {
		c.err = c.redrawLocked()
	}
}

// Set replaces the points of the named series by (x[i], y[i]) — for hooks
// that hand over the whole history each time, such as a training loop's
// per-epoch callback — and redraws as Add does. x and y must have equal
// lengths; extra values of the longer one are ignored.
func (c *LiveCurve) Set(series string, x, y []float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.seriesLocked(series)
	s.xy = s.xy[:0]
	for i := range min(len(x), len(y)) {
		if !math.IsNaN(x[i]) && !math.IsInf(x[i], 0) && !math.IsNaN(y[i]) && !math.IsInf(y[i], 0) {
			s.xy = append(s.xy, plotter.XY{X: x[i], Y: y[i]})
		}
	}
	c.version++
	if c.err == nil && time.Since(c.lastDraw) >= c.Every {
		c.err = c.redrawLocked()
	}
}

// Flush redraws the curve with every point added so far, and returns the
// first drawing error, if any.
func (c *LiveCurve) Flush() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil && (c.drawn != c.version || c.id == "") {
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

// PNG returns the curve as it stands, as PNG bytes (to save it to a file);
// nil before there is a point to draw.
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
	if err != nil || b == nil {
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
	c.drawn = c.version
	return nil
}

// figureLocked draws the points so far with plots.Curves, in the project's
// style. It returns nil when there is nothing to draw yet.
func (c *LiveCurve) figureLocked() (*plots.Figure, error) {
	var series []plots.Series
	for _, s := range c.series {
		xy := s.xy
		if c.LogY {
			xy = positiveY(xy)
		}
		if len(xy) == 0 {
			continue
		}
		ps := plots.Series{Name: s.name}
		for _, p := range xy {
			ps.X = append(ps.X, p.X)
			ps.Y = append(ps.Y, p.Y)
		}
		series = append(series, ps)
	}
	if len(series) == 0 {
		return nil, nil
	}
	fig, err := plots.Curves(series, c.optionsLocked())
	if err != nil {
		return nil, fmt.Errorf("display: live curve %q: %w", c.Title, err)
	}
	return fig, nil
}

// optionsLocked are the options of the figure. LogY holds from the first
// frame: plots.Curves gives a single point or a constant curve a range of a
// factor 2 either side on a log axis, and one point an x range of one unit.
func (c *LiveCurve) optionsLocked() plots.CurveOptions {
	return plots.CurveOptions{Title: c.Title, XLabel: c.XLabel, YLabel: c.YLabel, LogY: c.LogY}
}

func (c *LiveCurve) pngLocked() ([]byte, error) {
	fig, err := c.figureLocked()
	if err != nil || fig == nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := fig.WritePNG(&buf, c.WidthPx, c.HeightPx); err != nil {
		return nil, fmt.Errorf("display: live curve %q: %w", c.Title, err)
	}
	return buf.Bytes(), nil
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
