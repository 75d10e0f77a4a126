package plots

import (
	"bytes"
	"flag"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden PNGs in testdata/")

// Golden comparison tolerances: a pixel differs when a channel moves by more
// than goldenLevel (8-bit); the picture matches when at most goldenFraction
// of its pixels differ (text anti-aliasing may shift with gonum/plot or Go
// versions; a layout or colour change moves far more).
const (
	goldenLevel    = 8
	goldenFraction = 0.005
)

// TestGolden compares small renderings of every figure type with the PNGs
// in testdata/ (regenerate with: go test ./plots -run Golden -update).
func TestGolden(t *testing.T) {
	for name, f := range allFigures(t) {
		t.Run(name, func(t *testing.T) {
			got := mustPNG(t, f, 480, 0)
			path := filepath.Join("testdata", name+"_golden.png")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (regenerate with -update)", err)
			}
			a, err := png.Decode(bytes.NewReader(got))
			if err != nil {
				t.Fatal(err)
			}
			b, err := png.Decode(bytes.NewReader(want))
			if err != nil {
				t.Fatal(err)
			}
			if a.Bounds() != b.Bounds() {
				t.Fatalf("size %v, golden %v", a.Bounds(), b.Bounds())
			}
			if n, total := differing(a, b), a.Bounds().Dx()*a.Bounds().Dy(); float64(n) > goldenFraction*float64(total) {
				t.Errorf("%d of %d pixels differ from %s", n, total, path)
			}
		})
	}
}

func differing(a, b image.Image) (n int) {
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if !near(a.At(x, y), b.At(x, y), goldenLevel) {
				n++
			}
		}
	}
	return n
}
