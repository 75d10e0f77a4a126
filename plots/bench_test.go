package plots

import (
	"image"
	"io"
	"math"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// testObject returns an h×w amplitude and phase with structure at every
// scale (a chirp and a vortex), for benchmarks and the gallery-like tests.
func testObject(h, w int) (amp, phase []float64) {
	amp = make([]float64, h*w)
	phase = make([]float64, h*w)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			r := math.Hypot(float64(x-w/2), float64(y-h/2))
			amp[y*w+x] = 0.6 + 0.4*math.Cos(r*r/float64(4*w))
			phase[y*w+x] = math.Atan2(float64(y-h/2), float64(x-w/2))
		}
	}
	return amp, phase
}

// grid512 adapts an image to plotter.GridXYZ for the heat-map variants.
type gridImage struct {
	pix  []float64
	h, w int
}

func (g gridImage) Dims() (c, r int)   { return g.w, g.h }
func (g gridImage) Z(c, r int) float64 { return g.pix[(g.h-1-r)*g.w+c] }
func (g gridImage) X(c int) float64    { return float64(c) + 0.5 }
func (g gridImage) Y(r int) float64    { return float64(r) + 0.5 - float64(g.h) }

// BenchmarkImage512 draws one 512×512 image panel to an 800×800 PNG, four
// ways: gonum's HeatMap drawn as vectors (one rectangle a pixel) and
// rasterised, plotter.NewImage of a pre-coloured image.RGBA, and this
// package's Raster (pre-coloured through a table, nearest-neighbour resampled
// to the device grid). Run: go test -run '^$' -bench Image512 -benchtime 3x ./plots
func BenchmarkImage512(b *testing.B) {
	const n = 512
	amp, _ := testObject(n, n)
	cm := AmplitudeMap(colorRange(amp))
	render := func(b *testing.B, plotter plot.Plotter) {
		p := newPlot("amplitude")
		p.Add(plotter)
		c := vgimg.NewWith(vgimg.UseImage(image.NewRGBA(image.Rect(0, 0, 800, 800))), vgimg.UseDPI(DefaultDPI))
		p.Draw(draw.New(c))
		if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("heatmap-vector", func(b *testing.B) {
		for b.Loop() {
			hm := plotter.NewHeatMap(gridImage{amp, n, n}, cm.Palette(tableSize))
			render(b, hm)
		}
	})
	b.Run("heatmap-rasterized", func(b *testing.B) {
		for b.Loop() {
			hm := plotter.NewHeatMap(gridImage{amp, n, n}, cm.Palette(tableSize))
			hm.Rasterized = true
			render(b, hm)
		}
	})
	b.Run("image-plotter", func(b *testing.B) {
		for b.Loop() {
			r := &Raster{Pix: amp, H: n, W: n, ColorMap: cm}
			render(b, plotter.NewImage(r.colored(), 0, -n, n, 0))
		}
	})
	b.Run("raster", func(b *testing.B) {
		for b.Loop() {
			r, err := NewRaster(amp, n, n, cm)
			if err != nil {
				b.Fatal(err)
			}
			render(b, r)
		}
	})
}

// BenchmarkComplexImage512 is the whole amplitude+phase figure of a 512×512
// object as a PNG at its natural size (about 1000 px wide), reporting the
// PNG's size. Run: go test -run '^$' -bench ComplexImage512 ./plots
func BenchmarkComplexImage512(b *testing.B) {
	amp, phase := testObject(512, 512)
	var size countingWriter
	for b.Loop() {
		f, err := ComplexImage(amp, phase, 512, 512, ComplexOptions{Title: "object"})
		if err != nil {
			b.Fatal(err)
		}
		size = 0
		if err := f.WritePNG(&size, 0, 0); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(size), "png-bytes")
}

type countingWriter int

func (w *countingWriter) Write(p []byte) (int, error) {
	*w += countingWriter(len(p))
	return len(p), nil
}
