package plots

import (
	"bytes"
	"encoding/xml"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"math/cmplx"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ptychokit/ptychokit/ptychokit/data"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
)

// colorTol is the largest per-channel difference (8-bit) accepted between a
// rendered pixel and the colour map's own colour for its value: the 1024-entry
// table moves a colour by under one level, PNG is lossless, and pixel centres
// are far from the bilinear seams at pixel edges; 3 leaves room for rounding
// in the canvas' compositing.
const colorTol = 3

func near(a, b color.Color, tol int) bool {
	ar, ag, ab, aa := a.RGBA()
	br, bg, bb, ba := b.RGBA()
	d := func(x, y uint32) int { return int(math.Abs(float64(int(x>>8) - int(y>>8)))) }
	return d(ar, br) <= tol && d(ag, bg) <= tol && d(ab, bb) <= tol && d(aa, ba) <= tol
}

func mapColor(t *testing.T, cm palette.ColorMap, v float64) color.Color {
	t.Helper()
	c, err := cm.At(v)
	if err != nil {
		t.Fatalf("colour map at %g: %v", v, err)
	}
	return c
}

// renderPNG writes f as a PNG of the given size and decodes it back.
func renderPNG(t *testing.T, f *Figure, w, h int) image.Image {
	t.Helper()
	var buf bytes.Buffer
	if err := f.WritePNG(&buf, w, h); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatalf("decoding our PNG: %v", err)
	}
	return img
}

// pixelAt returns the rendered colour at the centre of image pixel (y, x) of
// raster r, drawn into the PNG img.
func pixelAt(img image.Image, r *Raster, y, x int) color.Color {
	xmin, ymin, xmax, ymax := r.drawnDots[0], r.drawnDots[1], r.drawnDots[2], r.drawnDots[3]
	px := xmin + (float64(x)+0.5)/float64(r.W)*(xmax-xmin)
	pyUp := ymax - (float64(y)+0.5)/float64(r.H)*(ymax-ymin)
	b := img.Bounds()
	return img.At(int(px), b.Dy()-1-int(pyUp))
}

func panelRasters(t *testing.T, f *Figure) []*Raster {
	t.Helper()
	var rs []*Raster
	for _, row := range f.grid.rows {
		for _, c := range row {
			if c.raster != nil {
				rs = append(rs, c.raster)
			}
		}
	}
	return rs
}

func TestColorMaps(t *testing.T) {
	t.Run("viridis ends", func(t *testing.T) {
		cm := AmplitudeMap(0, 1)
		// Published viridis end colours, #440154 and #fde725.
		if c := mapColor(t, cm, 0); !near(c, color.NRGBA{0x44, 0x01, 0x54, 0xff}, 2) {
			t.Errorf("amplitude map at min = %v, want #440154", c)
		}
		if c := mapColor(t, cm, 1); !near(c, color.NRGBA{0xfd, 0xe7, 0x25, 0xff}, 2) {
			t.Errorf("amplitude map at max = %v, want #fde725", c)
		}
	})
	t.Run("amplitude luminance increases", func(t *testing.T) {
		cm := AmplitudeMap(0, 1)
		prev := -1.0
		for i := 0; i <= 20; i++ {
			r, g, b, _ := mapColor(t, cm, float64(i)/20).RGBA()
			// Rec. 709 luma of the (gamma-encoded) colour: monotonic is enough.
			l := 0.2126*float64(r) + 0.7152*float64(g) + 0.0722*float64(b)
			if l <= prev {
				t.Fatalf("luma not increasing at %d/20", i)
			}
			prev = l
		}
	})
	t.Run("phase is cyclic", func(t *testing.T) {
		cm := PhaseMap()
		lo, hi := mapColor(t, cm, -math.Pi), mapColor(t, cm, math.Pi)
		if !near(lo, hi, 0) {
			t.Errorf("phase -π → %v, +π → %v: want the same colour", lo, hi)
		}
		if mid := mapColor(t, cm, 0); near(mid, lo, 40) {
			t.Errorf("phase 0 → %v is too close to ±π → %v", mid, lo)
		}
		// Just inside the ends, colours are close to the end colour from both sides.
		const d = 1e-3
		if !near(mapColor(t, cm, -math.Pi+d), mapColor(t, cm, math.Pi-d), 2) {
			t.Error("colours either side of ±π differ: the wheel has a seam")
		}
		pal := cm.Palette(16).Colors()
		if !near(pal[0], pal[15], 0) {
			t.Error("cyclic palette's first and last colours differ")
		}
		if _, err := cm.At(math.NaN()); !errors.Is(err, palette.ErrNaN) {
			t.Errorf("At(NaN) error = %v, want palette.ErrNaN", err)
		}
		if _, err := cm.At(4); !errors.Is(err, palette.ErrOverflow) {
			t.Errorf("At(4) error = %v, want palette.ErrOverflow", err)
		}
	})
	t.Run("error map diverges from white-ish zero", func(t *testing.T) {
		cm := ErrorMap(2)
		r, g, b, _ := mapColor(t, cm, 0).RGBA()
		if r>>8 < 0xd0 || g>>8 < 0xd0 || b>>8 < 0xd0 {
			t.Errorf("error map at 0 = (%d,%d,%d), want light grey", r>>8, g>>8, b>>8)
		}
		lr, _, lb, _ := mapColor(t, cm, -2).RGBA()
		hr, _, hb, _ := mapColor(t, cm, 2).RGBA()
		if !(lb > lr && hr > hb) {
			t.Error("error map should be blue at -max and red at +max")
		}
	})
}

// TestComplexImagePixels renders an image whose every pixel has its own value
// and checks, for each pixel, that its centre in the PNG has the colour map's
// colour for that value: placement, orientation (row 0 on top), colour and
// crop at once.
func TestComplexImagePixels(t *testing.T) {
	const h, w = 6, 10
	amp := make([]float64, h*w)
	phase := make([]float64, h*w)
	for i := range amp {
		amp[i] = float64(i) / float64(h*w-1) // a ramp, row-major
		phase[i] = -math.Pi + 2*math.Pi*float64(i)/float64(h*w-1)
	}
	crop := data.Rect{X0: 1, Y0: 2, X1: 9, Y1: 6}
	for _, tc := range []struct {
		name string
		crop *data.Rect
		w, h int
	}{
		{"natural size", nil, 0, 0},
		{"square canvas", nil, 900, 900},
		{"crop", &crop, 700, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := ComplexImage(amp, phase, h, w, ComplexOptions{Title: "ramp", Crop: tc.crop})
			if err != nil {
				t.Fatal(err)
			}
			img := renderPNG(t, f, tc.w, tc.h)
			region := data.Rect{X1: w, Y1: h}
			if tc.crop != nil {
				region = *tc.crop
			}
			// The amplitude map's range is the shown pixels' range.
			lo, hi := amp[region.Y0*w+region.X0], amp[(region.Y1-1)*w+region.X1-1]
			rs := panelRasters(t, f)
			if len(rs) != 2 {
				t.Fatalf("%d rasters, want 2", len(rs))
			}
			maps := []palette.ColorMap{AmplitudeMap(lo, hi), PhaseMap()}
			values := [][]float64{amp, phase}
			for k, r := range rs {
				sx := (r.drawnDots[2] - r.drawnDots[0]) / float64(r.W)
				sy := (r.drawnDots[3] - r.drawnDots[1]) / float64(r.H)
				if math.Abs(sx-sy) > 1e-6*sx {
					t.Errorf("panel %d: pixel is %.4f × %.4f device pixels, want square", k, sx, sy)
				}
				for y := region.Y0; y < region.Y1; y++ {
					for x := region.X0; x < region.X1; x++ {
						v := values[k][y*w+x]
						if k == 1 {
							v = data.WrapPhase(v)
						}
						got := pixelAt(img, r, y-region.Y0, x-region.X0)
						if want := mapColor(t, maps[k], v); !near(got, want, colorTol) {
							t.Fatalf("panel %d pixel (y=%d, x=%d) value %.3f: PNG has %v, colour map %v", k, y, x, v, got, want)
						}
					}
				}
			}
		})
	}
}

func TestBrightPixel(t *testing.T) {
	const h, w = 9, 9
	amp := make([]float64, h*w)
	amp[3*w+5] = 2 // one bright pixel at row 3, column 5
	phase := make([]float64, h*w)
	f, err := ComplexImage(amp, phase, h, w, ComplexOptions{})
	if err != nil {
		t.Fatal(err)
	}
	img := renderPNG(t, f, 800, 0)
	r := panelRasters(t, f)[0]
	cm := AmplitudeMap(0, 2)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			want := mapColor(t, cm, amp[y*w+x])
			if got := pixelAt(img, r, y, x); !near(got, want, colorTol) {
				t.Errorf("pixel (y=%d, x=%d): %v, want %v", y, x, got, want)
			}
		}
	}
}

func TestPhaseEndsSameColourInPNG(t *testing.T) {
	const h, w = 4, 4
	amp := make([]float64, h*w)
	phase := make([]float64, h*w)
	for i := range phase {
		amp[i] = 1
		phase[i] = math.Pi
		if i%w < w/2 {
			phase[i] = -math.Pi
		}
	}
	f, err := ComplexImage(amp, phase, h, w, ComplexOptions{})
	if err != nil {
		t.Fatal(err)
	}
	img := renderPNG(t, f, 600, 0)
	r := panelRasters(t, f)[1]
	left, right := pixelAt(img, r, 1, 0), pixelAt(img, r, 1, w-1)
	if !near(left, right, 0) {
		t.Errorf("phase -π drawn %v, +π drawn %v: want the same colour", left, right)
	}
}

func TestDiffractionLogScale(t *testing.T) {
	const n = 8
	const a = 3.0 // amplitude of the one bright pixel; the rest are zero
	pat := make([]float32, 2*n*n)
	pat[n*n+4*n+4] = a
	t.Run("zeros", func(t *testing.T) {
		// Pattern 0 is all zeros: log must stay finite.
		f, err := Diffraction(pat, 2, n, DiffractionOptions{Indices: []int{0, 1}})
		if err != nil {
			t.Fatal(err)
		}
		img := renderPNG(t, f, 0, 0)
		rs := panelRasters(t, f)
		for _, r := range rs {
			if err := checkFinite("log pattern", r.Pix); err != nil {
				t.Fatal(err)
			}
		}
		// Eps defaults to the smallest positive intensity, a²: zeros map to
		// log10(a²), the bright pixel to log10(2a²), the two ends of the map.
		lo, hi := math.Log10(a*a), math.Log10(2*a*a)
		cm := AmplitudeMap(lo, hi)
		if got, want := pixelAt(img, rs[1], 4, 4), mapColor(t, cm, hi); !near(got, want, colorTol) {
			t.Errorf("bright pixel drawn %v, want %v", got, want)
		}
		if got, want := pixelAt(img, rs[0], 0, 0), mapColor(t, cm, lo); !near(got, want, colorTol) {
			t.Errorf("zero pixel drawn %v, want %v", got, want)
		}
	})
	t.Run("all zero", func(t *testing.T) {
		f, err := Diffraction(pat[:n*n], 1, n, DiffractionOptions{})
		if err != nil {
			t.Fatal(err)
		}
		renderPNG(t, f, 300, 0)
	})
	t.Run("amplitude with explicit eps", func(t *testing.T) {
		f, err := Diffraction(pat, 2, n, DiffractionOptions{Indices: []int{1}, Amplitude: true, Eps: 1})
		if err != nil {
			t.Fatal(err)
		}
		r := panelRasters(t, f)[0]
		if got, want := r.Pix[4*n+4], math.Log10(a+1); math.Abs(got-want) > 1e-12 {
			t.Errorf("log10(A+1) at the bright pixel = %g, want %g", got, want)
		}
		if r.Pix[0] != 0 {
			t.Errorf("log10(0+1) = %g, want 0", r.Pix[0])
		}
	})
}

func TestPNGSize(t *testing.T) {
	amp, phase := testObject(16, 32)
	f, err := ComplexImage(amp, phase, 16, 32, ComplexOptions{})
	if err != nil {
		t.Fatal(err)
	}
	nw, nh := f.Size()
	for _, tc := range []struct{ w, h, wantW, wantH int }{
		{0, 0, nw, nh},
		{640, 480, 640, 480},
		{1200, 0, 1200, int(math.Round(1200 * float64(nh) / float64(nw)))},
		{0, 300, int(math.Round(300 * float64(nw) / float64(nh))), 300},
		{333, 777, 333, 777},
	} {
		cfg, err := png.DecodeConfig(bytes.NewReader(mustPNG(t, f, tc.w, tc.h)))
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Width != tc.wantW || cfg.Height != tc.wantH {
			t.Errorf("asked %d×%d: got %d×%d, want %d×%d", tc.w, tc.h, cfg.Width, cfg.Height, tc.wantW, tc.wantH)
		}
	}
}

func mustPNG(t *testing.T, f *Figure, w, h int) []byte {
	t.Helper()
	b, err := f.PNG(w, h)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// allFigures returns one figure of every kind, from small seeded inputs.
func allFigures(t *testing.T) map[string]*Figure {
	t.Helper()
	rng := rand.New(rand.NewPCG(4, 2))
	const h, w = 24, 32
	amp, phase := testObject(h, w)
	truth := make([]complex64, h*w)
	recon := make([]complex64, h*w)
	for i := range truth {
		truth[i] = complex64(cmplx.Rect(amp[i], phase[i]))
		recon[i] = truth[i] + complex64(complex(0.05*rng.NormFloat64(), 0.05*rng.NormFloat64()))
	}
	const n = 16
	pat := make([]float32, 3*n*n)
	for i := range pat {
		pat[i] = float32(rng.ExpFloat64())
	}
	xs, ys := []float64{8, 16, 24, 8, 16, 24}, []float64{8, 8, 8, 16, 16, 16}
	fig := map[string]*Figure{}
	var err error
	add := func(name string, f *Figure, e error) {
		if e != nil {
			t.Fatalf("%s: %v", name, e)
		}
		fig[name] = f
	}
	f, err := ComplexImage(amp, phase, h, w, ComplexOptions{Title: "object"})
	add("complex", f, err)
	f, err = Diffraction(pat, 3, n, DiffractionOptions{Title: "patterns"})
	add("diffraction", f, err)
	f, err = ScanPositions(xs, ys, ScanOptions{Title: "scan", ObjectWidth: w, ObjectHeight: h, ProbeRadius: 6, ColorByIndex: true, Background: amp})
	add("scan", f, err)
	f, err = LossCurves([]float64{1, 0.5, 0.25}, []float64{1.2, 0.7, 0.4}, "loss")
	add("loss", f, err)
	f, err = FRC([]Series{{Name: "PINN", X: []float64{0, 0.25, 0.5}, Y: []float64{1, 0.6, 0.1}}}, CurveOptions{Title: "FRC"})
	add("frc", f, err)
	f, err = CompareComplex(ComplexPanel{"truth", truth}, []ComplexPanel{{"noisy", recon}}, h, w, ComparisonOptions{Title: "cmp"})
	add("comparison", f, err)
	return fig
}

func TestSVGIsXML(t *testing.T) {
	for name, f := range allFigures(t) {
		t.Run(name, func(t *testing.T) {
			b, err := f.SVG(640, 0)
			if err != nil {
				t.Fatal(err)
			}
			dec := xml.NewDecoder(bytes.NewReader(b))
			var root string
			for {
				tok, err := dec.Token()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("SVG is not well-formed XML: %v", err)
				}
				if se, ok := tok.(xml.StartElement); ok && root == "" {
					root = se.Name.Local
				}
			}
			if root != "svg" {
				t.Errorf("root element %q, want svg", root)
			}
			if !bytes.Contains(b, []byte("<image")) && name != "loss" && name != "frc" {
				t.Errorf("SVG of %s has no embedded image", name)
			}
		})
	}
}

func TestEveryFigureRenders(t *testing.T) {
	for name, f := range allFigures(t) {
		img, err := png.Decode(bytes.NewReader(mustPNG(t, f, 500, 0)))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		// Not blank: a drawn figure has many colours.
		seen := map[color.Color]bool{}
		b := img.Bounds()
		for y := b.Min.Y; y < b.Max.Y; y += 3 {
			for x := b.Min.X; x < b.Max.X; x += 3 {
				seen[img.At(x, y)] = true
			}
		}
		if len(seen) < 10 {
			t.Errorf("%s: only %d colours: nothing drawn?", name, len(seen))
		}
	}
}

func TestRejectsBadInput(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	good := []float64{1, 2, 3, 4}
	bad := []float64{1, nan, 3, 4}
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"complex NaN amplitude", second(ComplexImage(bad, good, 2, 2, ComplexOptions{})), "amplitude: pixel (y=0, x=1) is NaN"},
		{"complex Inf phase", second(ComplexImage(good, []float64{0, 0, inf, 0}, 2, 2, ComplexOptions{})), "phase: pixel (y=1, x=0) is +Inf"},
		{"complex size", second(ComplexImage(good, good, 3, 2, ComplexOptions{})), "4 pixels for a 3×2 image"},
		{"complex crop", second(ComplexImage(good, good, 2, 2, ComplexOptions{Crop: &data.Rect{X1: 3, Y1: 2}})), "outside the 2×2 image"},
		{"complex amplitude range", second(ComplexImage(good, good, 2, 2, ComplexOptions{AmplitudeMin: 2, AmplitudeMax: 1})), "colour range"},
		{"raster NaN", second(NewRaster(bad, 2, 2, AmplitudeMap(0, 1))), "is NaN"},
		{"raster empty range", second(NewRaster(good, 2, 2, AmplitudeMap(1, 1))), "range is empty"},
		{"diffraction NaN", second(Diffraction([]float32{0, float32(nan), 1, 1}, 1, 2, DiffractionOptions{})), "is NaN"},
		{"diffraction negative", second(Diffraction([]float32{0, -1, 1, 1}, 1, 2, DiffractionOptions{})), "must be finite and ≥ 0"},
		{"diffraction size", second(Diffraction([]float32{0, 1, 1}, 1, 2, DiffractionOptions{})), "3 values for 1 patterns of 2×2"},
		{"diffraction index", second(Diffraction([]float32{0, 1, 1, 1}, 1, 2, DiffractionOptions{Indices: []int{1}})), "index 1 outside"},
		{"scan NaN", second(ScanPositions(bad, good, ScanOptions{})), "xcoords: element 1 is NaN"},
		{"scan lengths", second(ScanPositions(good, good[:3], ScanOptions{})), "4 x and 3 y"},
		{"scan background size", second(ScanPositions(good, good, ScanOptions{Background: good})), "needs ObjectWidth"},
		{"curves NaN", second(Curves([]Series{{Name: "a", Y: bad}}, CurveOptions{})), `series "a" point 1`},
		{"curves log zero", second(Curves([]Series{{Name: "a", Y: []float64{1, 0}}}, CurveOptions{LogY: true})), "log axis"},
		{"curves x/y", second(Curves([]Series{{Name: "a", X: good, Y: good[:2]}}, CurveOptions{})), "4 x and 2 y"},
		{"FRC Inf", second(FRC([]Series{{Name: "a", Y: []float64{1, inf}}}, CurveOptions{})), "+Inf"},
		{"comparison NaN", second(Comparison([]ComparisonRow{{Label: "amp", Panels: []Panel{{"t", bad}}}}, 2, 2, ComparisonOptions{})), "amp: t: pixel (y=0, x=1) is NaN"},
		{"comparison ragged", second(Comparison([]ComparisonRow{{Panels: []Panel{{"t", good}}}, {Panels: []Panel{{"t", good}, {"u", good}}}}, 2, 2, ComparisonOptions{})), "has 2 panels"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.err == nil {
				t.Fatalf("no error, want one containing %q", tc.want)
			}
			if !strings.Contains(tc.err.Error(), tc.want) {
				t.Errorf("error %q, want it to contain %q", tc.err, tc.want)
			}
		})
	}
}

func second[T any](_ T, err error) error { return err }

func TestAmpPhaseAndWrap(t *testing.T) {
	z := []complex64{1, 1i, -1, -1i, complex(3, 4)}
	amp, phase := AmpPhase(z)
	want := []struct{ a, p float64 }{{1, 0}, {1, math.Pi / 2}, {1, math.Pi}, {1, -math.Pi / 2}, {5, math.Atan2(4, 3)}}
	const tol = 1e-6 // complex64 input
	for i, w := range want {
		if math.Abs(amp[i]-w.a) > tol || math.Abs(phase[i]-w.p) > tol {
			t.Errorf("z=%v: amp %g phase %g, want %g %g", z[i], amp[i], phase[i], w.a, w.p)
		}
	}
	for _, tc := range []struct{ in, want float64 }{
		{0, 0}, {math.Pi, math.Pi}, {-math.Pi, math.Pi}, {3 * math.Pi / 2, -math.Pi / 2}, {-5 * math.Pi / 2, -math.Pi / 2}, {7, 7 - 2*math.Pi},
	} {
		if got := data.WrapPhase(tc.in); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("data.WrapPhase(%g) = %g, want %g", tc.in, got, tc.want)
		}
	}
}

func TestSaveAtomic(t *testing.T) {
	dir := t.TempDir()
	f := allFigures(t)["loss"]
	path := filepath.Join(dir, "loss.png")
	if err := f.SavePNG(path, 300, 200); err != nil {
		t.Fatal(err)
	}
	if err := f.SaveSVG(filepath.Join(dir, "loss.svg"), 300, 200); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Errorf("directory holds %d entries, want 2 (no temporary files left)", len(entries))
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if cfg, err := png.DecodeConfig(bytes.NewReader(b)); err != nil || cfg.Width != 300 || cfg.Height != 200 {
		t.Errorf("saved PNG: %v, %+v", err, cfg)
	}
	if err := f.SavePNG(filepath.Join(dir, "missing", "x.png"), 0, 0); err == nil {
		t.Error("saving into a missing directory succeeded")
	}
}

func TestLogTicks(t *testing.T) {
	labels := func(lo, hi float64) []string {
		var s []string
		for _, tk := range (logTicks{}).Ticks(lo, hi) {
			if tk.Label != "" {
				s = append(s, tk.Label)
			}
		}
		return s
	}
	for _, tc := range []struct {
		lo, hi float64
		want   string
	}{
		{0.1, 1.1, "0.1 0.2 0.5 1"},
		{1e-3, 10, "0.001 0.01 0.1 1 10"},
		{0.31, 0.45, "0.4"}, // 0.4 is the only 1-2-5 tick inside, so every tick is labelled
	} {
		got := strings.Join(labels(tc.lo, tc.hi), " ")
		if got != tc.want {
			t.Errorf("[%g, %g]: labels %q, want %q", tc.lo, tc.hi, got, tc.want)
		}
	}
}

func TestNiceTicks(t *testing.T) {
	labels := func(ticks []plot.Tick) string {
		var s []string
		for _, tk := range ticks {
			s = append(s, tk.Label)
		}
		return strings.Join(s, " ")
	}
	for _, tc := range []struct {
		lo, hi float64
		want   string
	}{
		{0, 127, "0 25 50 75 100 125"},
		{-2.98, -0.01, "-2.5 -2.0 -1.5 -1.0 -0.5"}, // at least four labels
		{0.5, 1.5, "0.6 0.8 1.0 1.2 1.4"},
		{-math.Pi, math.Pi, "-3 -2 -1 0 1 2 3"},
		{1e-6, 1.0001e-6, "1e-06 1.000025e-06 1.00005e-06 1.000075e-06 1.0001e-06"},
	} {
		if got := labels(niceTicks(tc.lo, tc.hi)); got != tc.want {
			t.Errorf("niceTicks(%g, %g) = %q, want %q", tc.lo, tc.hi, got, tc.want)
		}
	}
	// Rows grow downwards: the tick for row 100 sits at y = -100.
	for _, tk := range (RowTicks{}).Ticks(-500, 0) {
		if want := strconv.FormatFloat(-tk.Value, 'f', 0, 64); tk.Label != want {
			t.Errorf("row tick at y=%g labelled %q, want %q", tk.Value, tk.Label, want)
		}
	}
}

func TestPhaseThreshold(t *testing.T) {
	const h, w = 4, 4
	amp := make([]float64, h*w)
	phase := make([]float64, h*w)
	for i := range amp {
		phase[i] = 1
		if i%w >= w/2 {
			amp[i] = 1 // right half bright; left half has no amplitude
		}
	}
	amp[0] = 0.02 // above a 1% threshold: its phase stays visible
	f, err := ComplexImage(amp, phase, h, w, ComplexOptions{PhaseThreshold: 0.01})
	if err != nil {
		t.Fatal(err)
	}
	img := renderPNG(t, f, 600, 0)
	r := panelRasters(t, f)[1]
	want := mapColor(t, PhaseMap(), 1)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			got := pixelAt(img, r, y, x)
			hidden := amp[y*w+x] < 0.01
			if hidden && !near(got, hiddenGrey, colorTol) {
				t.Errorf("pixel (y=%d, x=%d) without amplitude drawn %v, want grey", y, x, got)
			}
			if !hidden && !near(got, want, colorTol) {
				t.Errorf("pixel (y=%d, x=%d) drawn %v, want phase colour %v", y, x, got, want)
			}
		}
	}
}

func TestCurvesEdgeCases(t *testing.T) {
	for _, tc := range []struct {
		name   string
		series []Series
		logY   bool
	}{
		{"constant on log axis", []Series{{Name: "flat", Y: []float64{0.3, 0.3, 0.3}}}, true},
		{"single point", []Series{{Name: "one", Y: []float64{2}}}, false},
		{"single point on log axis", []Series{{Name: "one", Y: []float64{2}}}, true},
		{"many series", []Series{{Name: "a", Y: []float64{1, 2}}, {Name: "b", Y: []float64{2, 1}}, {Name: "c", Y: []float64{1, 1}},
			{Name: "d", Y: []float64{3, 1}}, {Name: "e", Y: []float64{1, 3}}, {Name: "f", Y: []float64{2, 2}},
			{Name: "g", Y: []float64{4, 1}}, {Name: "h", Y: []float64{1, 4}}, {Name: "i", Y: []float64{5, 5}}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Curves(tc.series, CurveOptions{Title: tc.name, LogY: tc.logY})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.PNG(300, 200); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestTinyAndFlatImages(t *testing.T) {
	for _, tc := range []struct{ h, w int }{{1, 1}, {1, 50}, {50, 1}, {3, 3}} {
		amp := make([]float64, tc.h*tc.w) // all zero: a flat image still gets a colour range
		phase := make([]float64, tc.h*tc.w)
		f, err := ComplexImage(amp, phase, tc.h, tc.w, ComplexOptions{Title: "flat"})
		if err != nil {
			t.Fatalf("%d×%d: %v", tc.h, tc.w, err)
		}
		if _, err := f.PNG(400, 0); err != nil {
			t.Fatalf("%d×%d: %v", tc.h, tc.w, err)
		}
		if _, err := f.SVG(400, 0); err != nil {
			t.Fatalf("%d×%d SVG: %v", tc.h, tc.w, err)
		}
	}
	f, err := Diffraction([]float32{0}, 1, 1, DiffractionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.PNG(0, 0); err != nil {
		t.Fatal(err)
	}
	f, err = ScanPositions([]float64{5}, []float64{5}, ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.PNG(0, 0); err != nil {
		t.Fatal(err)
	}
}

// TestCurveFirstFrame: the first point of a live curve gets a log axis of a
// factor 2 either side of it and an x range of one unit to its right, not
// gonum's ±1 round each coordinate (a linear −1…1 y axis for a loss of 2).
func TestCurveFirstFrame(t *testing.T) {
	p, err := curvePlot([]Series{{Name: "loss", X: []float64{0}, Y: []float64{2}}}, CurveOptions{LogY: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, isLog := p.Y.Scale.(plot.LogScale); !isLog {
		t.Errorf("y scale %T, want plot.LogScale", p.Y.Scale)
	}
	if p.Y.Min != 1 || p.Y.Max != 4 {
		t.Errorf("y range [%g, %g], want [1, 4]", p.Y.Min, p.Y.Max)
	}
	if p.X.Min != 0 || p.X.Max != 1 {
		t.Errorf("x range [%g, %g], want [0, 1]", p.X.Min, p.X.Max)
	}
}

// TestComplexHue: one panel whose pixels have the phase's hue at a brightness
// proportional to the amplitude (full at the largest, black at zero).
func TestComplexHue(t *testing.T) {
	const h, w = 4, 4
	amp := make([]float64, h*w)
	phase := make([]float64, h*w)
	for i := range amp {
		amp[i] = float64(i%w) / (w - 1) // 0, ⅓, ⅔, 1 across
		phase[i] = 1
	}
	f, err := ComplexImage(amp, phase, h, w, ComplexOptions{Hue: true})
	if err != nil {
		t.Fatal(err)
	}
	rasters := panelRasters(t, f)
	if len(rasters) != 1 {
		t.Fatalf("%d panels, want 1", len(rasters))
	}
	img := renderPNG(t, f, 500, 0)
	full := color.RGBAModel.Convert(mapColor(t, PhaseMap(), 1)).(color.RGBA)
	for x := 0; x < w; x++ {
		s := amp[x]
		want := color.RGBA{R: uint8(s*float64(full.R) + 0.5), G: uint8(s*float64(full.G) + 0.5), B: uint8(s*float64(full.B) + 0.5), A: 255}
		if got := pixelAt(img, rasters[0], 1, x); !near(got, want, colorTol) {
			t.Errorf("column %d (amplitude %.2f) drawn %v, want %v", x, s, got, want)
		}
	}
}

// TestFitPhase: a phase of small range spans the whole sequential map.
func TestFitPhase(t *testing.T) {
	const h, w = 2, 2
	amp := []float64{1, 1, 1, 1}
	phase := []float64{0.1, 0.2, 0.2, 0.3}
	f, err := ComplexImage(amp, phase, h, w, ComplexOptions{FitPhase: true})
	if err != nil {
		t.Fatal(err)
	}
	img := renderPNG(t, f, 500, 0)
	r := panelRasters(t, f)[1]
	for _, tc := range []struct {
		y, x int
		v    float64
	}{{0, 0, 0.1}, {1, 1, 0.3}} {
		want := mapColor(t, AmplitudeMap(0.1, 0.3), tc.v)
		if got := pixelAt(img, r, tc.y, tc.x); !near(got, want, colorTol) {
			t.Errorf("phase %.1f drawn %v, want %v (an end of the fitted map)", tc.v, got, want)
		}
	}
}
