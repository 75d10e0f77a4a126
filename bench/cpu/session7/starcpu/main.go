// Command starcpu is the notebook 06 comparison outside the notebook, to time
// it and pick its settings: the measured Siemens star's scan points within
// the central FRAC of the scan's extent on each side of its centre, rPIE for
// ITERATIONS on the even and odd halves, plain / + position correction / + 2
// probe modes / + both, and the two-half FRC of each. With "crop" the object
// frame is cut down to the region too.
//
//	go run ./bench/cpu/session7/starcpu FRAC ITERATIONS crop|no
package main

import (
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/ptychokit/ptychokit/ptychokit/data"
	"github.com/ptychokit/ptychokit/ptychokit/metrics"
	"github.com/ptychokit/ptychokit/ptychokit/solvers"
)

func main() {
	frac, _ := strconv.ParseFloat(os.Args[1], 64)
	its, _ := strconv.Atoi(os.Args[2])
	ds, _ := data.Load("/work/shared/datasets/siemens_star_tike.npz", data.LoadOptions{RequireDiffraction: true})
	cx, cy := (slices.Min(ds.XCoords)+slices.Max(ds.XCoords))/2, (slices.Min(ds.YCoords)+slices.Max(ds.YCoords))/2
	rx, ry := (slices.Max(ds.XCoords)-slices.Min(ds.XCoords))*frac, (slices.Max(ds.YCoords)-slices.Min(ds.YCoords))*frac
	var keep []int
	for i := range ds.Count {
		if math.Abs(ds.XCoords[i]-cx) <= rx && math.Abs(ds.YCoords[i]-cy) <= ry {
			keep = append(keep, i)
		}
	}
	ds, _ = ds.Select(keep)
	if os.Args[3] == "crop" {
		mx, my := slices.Min(ds.XCoords)-float64(ds.N/2), slices.Min(ds.YCoords)-float64(ds.N/2)
		for i := range ds.XCoords {
			ds.XCoords[i] -= math.Floor(mx)
			ds.YCoords[i] -= math.Floor(my)
		}
		h, w := int(slices.Max(ds.YCoords))+ds.N/2+2, int(slices.Max(ds.XCoords))+ds.N/2+2
		ds.Object = ds.Object.TopLeft(h, w)
	}
	fmt.Println(ds.Count, "patterns")
	for _, v := range []struct {
		c bool
		m int
	}{{false, 1}, {true, 1}, {false, 2}, {true, 2}} {
		opts := solvers.DefaultOptions("rpie")
		opts.Iterations, opts.Probe.Modes = its, v.m
		opts.Positions = solvers.PositionOptions{Correct: v.c, StartIteration: 5}
		start := time.Now()
		var halves [2]*solvers.Result
		for i, odd := range []bool{false, true} {
			h, _ := ds.Half(odd)
			halves[i], _ = solvers.Reconstruct(h, opts)
		}
		frc, _, _ := metrics.HalfDatasetFRC(halves[0].Object, halves[1].Object,
			metrics.CompareOptions{ScanX: halves[0].XCoords, ScanY: halves[0].YCoords, CropMargin: float64(ds.N) / 4})
		fmt.Printf("%v %d: FRC50 %.3f FRC1/7 %.3f  %.1f s (%.2f s/it)\n", v.c, v.m, frc.Crossing(metrics.FRCHalf).Nyquist, frc.Crossing(metrics.FRCOneSeventh).Nyquist, time.Since(start).Seconds(), halves[0].History[its-1].Seconds)
	}
}
