package plots_test

import (
	"bytes"
	"fmt"
	"image/png"
	"log"
	"math"

	"github.com/ptychokit/ptychokit/plots"
)

// A complex object as amplitude and phase side by side, written as a PNG of
// a chosen size (in a notebook: display the bytes of f.PNG(w, h)).
func ExampleComplexImage() {
	const h, w = 64, 96
	object := make([]complex64, h*w)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			amp := 0.5 + 0.5*float64(x)/w
			phase := 2 * math.Pi * float64(y) / h
			object[y*w+x] = complex64(complex(amp*math.Cos(phase), amp*math.Sin(phase)))
		}
	}
	amp, phase := plots.AmpPhase(object)
	f, err := plots.ComplexImage(amp, phase, h, w, plots.ComplexOptions{Title: "object"})
	if err != nil {
		log.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.WritePNG(&buf, 640, 480); err != nil {
		log.Fatal(err)
	}
	cfg, err := png.DecodeConfig(&buf)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d×%d PNG\n", cfg.Width, cfg.Height)
	// Output: 640×480 PNG
}

// NaN in the input is an error, not a broken picture.
func ExampleCurves() {
	_, err := plots.Curves([]plots.Series{{Name: "cost", Y: []float64{3, 2, math.NaN()}}},
		plots.CurveOptions{Title: "solver cost", LogY: true})
	fmt.Println(err)
	// Output: plots: curves: series "cost" point 2 is (3, NaN)
}
