package stitch_test

import (
	"fmt"

	"github.com/ptychokit/ptychokit/ptychokit/stitch"
)

// Two 4×4 patches, one of ones and one of threes, overlap by two columns;
// the overlap is their mean. Canvas sizes the object and says how to move
// the positions into its frame.
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
	object, err := stitch.Stitch(patches, N, x, y, H, W, stitch.Options{})
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
