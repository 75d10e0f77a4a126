package display

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/janpfeifer/gonb/gonbui/protocol"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
)

// capture replaces send for the test and returns what was displayed.
func capture(t *testing.T) *[]*protocol.DisplayData {
	t.Helper()
	var got []*protocol.DisplayData
	old := send
	send = func(d *protocol.DisplayData) { got = append(got, d) }
	t.Cleanup(func() { send = old })
	return &got
}

func decodePNG(t *testing.T, d *protocol.DisplayData) image.Image {
	t.Helper()
	b, ok := d.Data[protocol.MIMEImagePNG].([]byte)
	if !ok {
		t.Fatalf("display data has no image/png: %v", keys(d))
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("image/png does not decode: %v", err)
	}
	return img
}

func keys(d *protocol.DisplayData) []protocol.MIMEType {
	var k []protocol.MIMEType
	for m := range d.Data {
		k = append(k, m)
	}
	return k
}

// fakeFigure writes a PNG of the size asked (natural size 30×20) and a
// minimal SVG, or fails.
type fakeFigure struct{ fail bool }

func (f fakeFigure) WritePNG(w io.Writer, widthPx, heightPx int) error {
	if f.fail {
		return errors.New("cannot draw")
	}
	if widthPx <= 0 {
		widthPx = 30
	}
	if heightPx <= 0 {
		heightPx = 20
	}
	return png.Encode(w, image.NewGray(image.Rect(0, 0, widthPx, heightPx)))
}

func (f fakeFigure) WriteSVG(w io.Writer, widthPx, heightPx int) error {
	if f.fail {
		return errors.New("cannot draw")
	}
	_, err := io.WriteString(w, `<?xml version="1.0"?>`+"\n"+`<svg xmlns="http://www.w3.org/2000/svg" width="30" height="20"></svg>`)
	return err
}

func TestFigure(t *testing.T) {
	got := capture(t)
	if err := Figure(fakeFigure{}); err != nil {
		t.Fatal(err)
	}
	if err := FigureSized(fakeFigure{}, 64, 48); err != nil {
		t.Fatal(err)
	}
	if len(*got) != 2 {
		t.Fatalf("displayed %d outputs, want 2", len(*got))
	}
	for i, want := range []image.Point{{30, 20}, {64, 48}} {
		if size := decodePNG(t, (*got)[i]).Bounds().Size(); size != want {
			t.Errorf("output %d: PNG of %v, want %v", i, size, want)
		}
	}
	if err := Figure(fakeFigure{fail: true}); err == nil || !strings.Contains(err.Error(), "cannot draw") {
		t.Errorf("Figure of a failing figure: err = %v, want the figure's error", err)
	}
	if len(*got) != 2 {
		t.Errorf("a failing figure displayed something")
	}
}

func TestFigureSVG(t *testing.T) {
	got := capture(t)
	if err := FigureSVG(fakeFigure{}); err != nil {
		t.Fatal(err)
	}
	html, _ := (*got)[0].Data[protocol.MIMETextHTML].(string)
	if !strings.HasPrefix(html, "<div><svg ") || !strings.HasSuffix(html, "</svg></div>") {
		t.Errorf("SVG display = %q, want <div><svg …></svg></div> without the XML prolog", html)
	}
	if err := FigureSVG(fakeFigure{fail: true}); err == nil {
		t.Error("FigureSVG of a failing figure: no error")
	}
}

func TestImage(t *testing.T) {
	got := capture(t)
	img := image.NewRGBA(image.Rect(0, 0, 5, 3))
	img.Set(4, 2, color.RGBA{R: 200, A: 255})
	if err := Image(img); err != nil {
		t.Fatal(err)
	}
	back := decodePNG(t, (*got)[0])
	if r, _, _, _ := back.At(4, 2).RGBA(); r>>8 != 200 {
		t.Errorf("pixel (4,2) red = %d, want 200", r>>8)
	}
}

func linePlot(t *testing.T) *plot.Plot {
	t.Helper()
	p := plot.New()
	l, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 1}})
	if err != nil {
		t.Fatal(err)
	}
	p.Add(l)
	return p
}

func TestPlot(t *testing.T) {
	got := capture(t)
	if err := Plot(linePlot(t), 320, 200); err != nil {
		t.Fatal(err)
	}
	if size := decodePNG(t, (*got)[0]).Bounds().Size(); size != (image.Point{320, 200}) {
		t.Errorf("PNG of %v, want 320×200", size)
	}
	if err := PlotSVG(linePlot(t), 320, 200); err != nil {
		t.Fatal(err)
	}
	html, _ := (*got)[1].Data[protocol.MIMETextHTML].(string)
	// vgsvg sizes the picture in points: 320 CSS px = 240 pt.
	if !strings.HasPrefix(html, "<div><svg") || !strings.Contains(html, `width="240pt"`) {
		t.Errorf("PlotSVG = %.120q…, want an <svg> 240pt wide in a <div>", html)
	}
	for _, size := range [][2]int{{0, 100}, {100, -1}} {
		if err := Plot(linePlot(t), size[0], size[1]); err == nil {
			t.Errorf("Plot at %v: no error", size)
		}
	}
}

func TestPlotPanicBecomesError(t *testing.T) {
	capture(t)
	p := linePlot(t) // y from 0: no log axis can show it
	p.Y.Scale = plot.LogScale{}
	if err := Plot(p, 100, 100); err == nil {
		t.Error("log axis over y = 0: no error")
	}
}

func TestLiveCurve(t *testing.T) {
	got := capture(t)
	c := NewLiveCurve("loss", "step", "loss")
	c.Every = 0 // redraw on every Add
	c.WidthPx, c.HeightPx = 200, 120
	c.Add("train", 0, 1)
	c.Add("train", 1, math.NaN())
	c.Add("train", 2, 0.5)
	c.Add("validation", 2, 0.7)
	if len(*got) != 4 {
		t.Fatalf("4 Adds with Every = 0 displayed %d times, want 4", len(*got))
	}
	id := (*got)[0].DisplayID
	if id == "" {
		t.Fatal("live curve output has no display id, so it cannot update in place")
	}
	for i, d := range *got {
		if d.DisplayID != id {
			t.Errorf("output %d: display id %q, want %q (the same block)", i, d.DisplayID, id)
		}
		if size := decodePNG(t, d).Bounds().Size(); size != (image.Point{200, 120}) {
			t.Errorf("output %d: PNG of %v, want 200×120", i, size)
		}
	}
	xs, ys := c.Points("train")
	if want := []float64{0, 2}; !slices.Equal(xs, want) || !slices.Equal(ys, []float64{1, 0.5}) {
		t.Errorf("train points (%v, %v), want x %v, y [1 0.5] (NaN left out)", xs, ys, want)
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	if len(*got) != 4 {
		t.Errorf("Flush with nothing new redrew (%d outputs)", len(*got))
	}
	if xs, _ := c.Points("nonesuch"); xs != nil {
		t.Errorf("unknown series has points %v", xs)
	}
}

func TestLiveCurveThrottles(t *testing.T) {
	got := capture(t)
	c := NewLiveCurve("loss", "step", "loss")
	c.Every = 1e6 * 3600e9 // far longer than the test: only the first Add draws
	for i := range 10 {
		c.Add("train", float64(i), 1/float64(i+1))
	}
	if len(*got) != 1 {
		t.Fatalf("10 Adds within Every displayed %d times, want 1", len(*got))
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	if len(*got) != 2 || (*got)[1].DisplayID != (*got)[0].DisplayID {
		t.Errorf("Flush after throttled Adds: %d outputs, want 2 on one display id", len(*got))
	}
}

func TestLiveCurveLogY(t *testing.T) {
	capture(t)
	c := NewLiveCurve("loss", "step", "loss")
	c.Every, c.LogY = 0, true
	if err := c.Flush(); err != nil { // nothing yet: an empty picture, not an error
		t.Fatalf("empty log curve: %v", err)
	}
	c.Add("train", 0, 0) // cannot be shown on a log axis
	c.Add("train", 1, -1)
	c.Add("train", 2, 1e-3)
	c.Add("train", 3, 1e3)
	if err := c.Flush(); err != nil {
		t.Fatalf("log curve with non-positive points: %v", err)
	}
}

func TestLiveCurveSet(t *testing.T) {
	got := capture(t)
	c := NewLiveCurve("loss", "epoch", "loss")
	c.Every = 0
	c.Add("train", 0, 5)
	c.Set("train", []float64{1, 2, 3}, []float64{0.5, math.Inf(1), 0.25, 99})
	xs, ys := c.Points("train")
	if !slices.Equal(xs, []float64{1, 3}) || !slices.Equal(ys, []float64{0.5, 0.25}) {
		t.Errorf("after Set: (%v, %v), want x [1 3], y [0.5 0.25] (the old point gone, Inf dropped, the extra y ignored)", xs, ys)
	}
	if len(*got) != 2 {
		t.Errorf("Add then Set with Every = 0 displayed %d times, want 2", len(*got))
	}
	if err := c.Flush(); err != nil || len(*got) != 2 {
		t.Errorf("Flush after Set: err %v, %d outputs; want no redraw", err, len(*got))
	}
	c.Set("train", nil, nil)
	if xs, _ := c.Points("train"); len(xs) != 0 {
		t.Errorf("Set to nothing left %v", xs)
	}
}

func TestLiveCurveFirstFrameIsLog(t *testing.T) {
	capture(t)
	c := NewLiveCurve("loss", "step", "loss")
	c.LogY = true
	c.Add("train", 0, 2)
	if !c.optionsLocked().LogY {
		t.Error("first frame of a LogY curve drawn on a linear axis")
	}
}

func TestSVGFontFallback(t *testing.T) {
	got := capture(t)
	if err := PlotSVG(linePlot(t), 200, 100); err != nil {
		t.Fatal(err)
	}
	html, _ := (*got)[0].Data[protocol.MIMETextHTML].(string)
	if !strings.Contains(html, "font-family:'Liberation Sans',") || !strings.Contains(html, "sans-serif") {
		t.Errorf("SVG text without a sans-serif fallback: %.300q…", html[strings.Index(html, "font-family"):])
	}
	if strings.Contains(html, "Liberation Serif") {
		t.Error("a notebook's own gonum plot drawn in gonum's serif default")
	}
}
