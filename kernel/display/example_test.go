package display_test

import (
	"fmt"
	"math"

	"github.com/ptychokit/ptychokit/kernel/display"
	"github.com/ptychokit/ptychokit/plots"
)

// A figure from package plots, shown inline as PNG. Outside a notebook it
// draws the figure and shows nothing.
func ExampleFigure() {
	fig, err := plots.Curves([]plots.Series{{Name: "cost", Y: []float64{1, 0.3, 0.1, 0.05}}},
		plots.CurveOptions{Title: "solver", XLabel: "iteration", YLabel: "cost", LogY: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := display.Figure(fig); err != nil {
		fmt.Println(err)
	}
	// Output:
}

// A loss curve that redraws in place while a loop runs; in a notebook, Add is
// typically called from a training or solver hook.
func ExampleLiveCurve() {
	curve := display.NewLiveCurve("training", "epoch", "loss")
	curve.LogY = true
	for epoch := 1; epoch <= 20; epoch++ {
		curve.Add("train", float64(epoch), math.Exp(-float64(epoch)/5))
		curve.Add("validation", float64(epoch), 1.1*math.Exp(-float64(epoch)/6))
	}
	if err := curve.Flush(); err != nil {
		fmt.Println(err)
	}
	xs, _ := curve.Points("validation")
	fmt.Println(len(xs), "validation points")
	// Output: 20 validation points
}
