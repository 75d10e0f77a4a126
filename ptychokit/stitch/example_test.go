package stitch_test

import (
	"fmt"

	"github.com/ptychokit/ptychokit/ptychokit/data"
	"github.com/ptychokit/ptychokit/ptychokit/stitch"
)

// Two 4×4 patches, one of ones and one of threes, overlap by two columns;
// with uniform weights (mode Keep) the overlap is their mean. Canvas sizes
// the object and says how to move the positions into its frame.
func ExampleStitch() {
	const N = 4
	patches := make([]complex64, 2*N*N)
	for i := range patches {
		patches[i] = 1
		if i >= N*N {
			patches[i] = 3
		}
	}
	x, y := []float64{10, 12}, []float64{-5, -5}
	H, W, offX, offY := stitch.Canvas(x, y, N)
	fmt.Printf("canvas %d×%d, offsets (%g, %g)\n", H, W, offX, offY)
	for i := range x {
		x[i] += offX
		y[i] += offY
	}
	object, err := stitch.Stitch(patches, N, x, y, H, W, stitch.Options{Mode: stitch.Keep})
	if err != nil {
		fmt.Println(err)
		return
	}
	for c := 0; c < W; c++ {
		fmt.Print(real(object.Pix[c]), " ")
	}
	fmt.Println()
	// Output:
	// canvas 4×6, offsets (-8, 7)
	// 1 1 2 2 3 3
}

// A sparse 3×3 raster of 16×16 patches, 10 px apart: PtychoPINN's central
// part (here 6×6) leaves gaps between the squares; the default Gaussian
// window covers the whole scanned region.
func ExampleAccumulator_CoverageIn() {
	const N = 16
	var x, y []float64
	for row := 0; row < 3; row++ {
		for col := 0; col < 3; col++ {
			x, y = append(x, float64(8+10*col)), append(y, float64(8+10*row))
		}
	}
	patches := make([]complex64, len(x)*N*N)
	H, W, _, _ := stitch.Canvas(x, y, N)
	region, err := data.ScanRegion(x, y, 0, H, W)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, opts := range []stitch.Options{{Mode: stitch.Keep, Keep: 6}, {}} {
		a, err := stitch.NewAccumulator(H, W, N, opts)
		if err != nil {
			fmt.Println(err)
			return
		}
		if err := a.Add(patches, x, y); err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%-5s covers %.0f%% of the scanned %v\n", a.Options().Mode, 100*a.CoverageIn(region), region)
	}
	// Output:
	// keep  covers 38% of the scanned rows 8:29, cols 8:29
	// gauss covers 100% of the scanned rows 8:29, cols 8:29
}

// Options describe themselves; an Accumulator's have the defaults filled in.
func ExampleOptions_String() {
	fmt.Println(stitch.Options{})
	fmt.Println(stitch.Options{Mode: stitch.Keep, Keep: stitch.DefaultKeep})
	a, err := stitch.NewAccumulator(100, 100, 64, stitch.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(a.Options())
	// Output:
	// gauss: σ = N/12 over the whole patch
	// keep: 1 over the central 20×20
	// gauss: σ = 5.33 px over the central 64×64
}
