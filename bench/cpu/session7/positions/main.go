// Command positions measures position correction on a simulated scan whose
// positions are off (simulate --position_error, which keeps the true ones as
// xcoords_true/ycoords_true): rPIE with the given options, then the refined
// positions' RMS distance to the truth (mean offset removed, the one shift a
// ptychographic scan cannot observe) and the object's amplitude and phase
// SSIM against the error-free truth, scored as 'ptychokit eval' scores.
//
//	go run ./bench/cpu/session7/positions --data out/s7/err.npz --truth out/s7/clean.npz [flags]
package main

import (
	"flag"
	"fmt"
	"log"
	"math"
	"sort"

	"github.com/ptychokit/ptychokit/ptychokit/data"
	"github.com/ptychokit/ptychokit/ptychokit/metrics"
	"github.com/ptychokit/ptychokit/ptychokit/solvers"
)

func main() {
	dataPath := flag.String("data", "", "scan with xcoords_true/ycoords_true")
	truthPath := flag.String("truth", "", "scan whose objectGuess is the truth")
	iterations := flag.Int("iterations", 60, "rPIE iterations")
	correct := flag.Bool("correct", true, "position correction")
	start := flag.Int("start", 5, "first iteration that moves positions")
	maxStep := flag.Float64("max_step", 0.5, "most a position moves per update, px")
	probe := flag.Bool("probe", true, "refine the probe")
	affine := flag.Float64("affine", 0, "affine constraint weight")
	every := flag.Int("every", 10, "report every this many iterations")
	worst := flag.Int("worst", 0, "list this many worst positions at the end")
	flag.Parse()

	ds, err := data.Load(*dataPath, data.LoadOptions{RequireDiffraction: true})
	if err != nil {
		log.Fatal(err)
	}
	truth, err := data.Load(*truthPath, data.LoadOptions{})
	if err != nil {
		log.Fatal(err)
	}
	arrays, err := data.ReadArrays(*dataPath)
	if err != nil {
		log.Fatal(err)
	}
	tx, _ := arrays["xcoords_true"].Value.([]float64)
	ty, _ := arrays["ycoords_true"].Value.([]float64)
	if len(tx) != ds.Count {
		tx, ty = truth.XCoords, truth.YCoords
	}
	opts := solvers.DefaultOptions("rpie")
	opts.Probe.Refine = *probe
	opts.Positions = solvers.PositionOptions{Correct: *correct, StartIteration: *start, MaxStep: *maxStep, Affine: *affine}
	rec, err := solvers.New(ds, opts)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("given: %s\n", positionError(ds.XCoords, ds.YCoords, tx, ty))
	for done := 0; done < *iterations; {
		k := min(*every, *iterations-done)
		if err := rec.Iterate(k); err != nil {
			log.Fatal(err)
		}
		done += k
		res, err := rec.Result()
		if err != nil {
			log.Fatal(err)
		}
		rep, err := metrics.Compare(res.Object.TopLeft(min(res.Object.H, truth.Object.H), min(res.Object.W, truth.Object.W)),
			truth.Object.TopLeft(min(res.Object.H, truth.Object.H), min(res.Object.W, truth.Object.W)),
			metrics.CompareOptions{ScanX: res.XCoords, ScanY: res.YCoords})
		if err != nil {
			log.Fatal(err)
		}
		h := res.History[len(res.History)-1]
		if *affine > 0 {
			fmt.Printf("affine %v\n", res.Affine)
		}
		if done == *iterations && *worst > 0 {
			printWorst(res.XCoords, res.YCoords, tx, ty, truth.Object, ds.N, *worst)
		}
		fmt.Printf("it %3d  cost %.3e  %.2f s/it  amp SSIM %.4f  phase SSIM %.4f  positions %s\n", done, h.Cost, h.Seconds,
			rep.Amplitude.SSIM, rep.Phase.SSIM, positionError(res.XCoords, res.YCoords, tx, ty))
	}
}

// positionError is the RMS and median distance of (x, y) to the truth after
// removing the mean offset.
func positionError(x, y, tx, ty []float64) string {
	n := float64(len(x))
	var mx, my float64
	for i := range x {
		mx += (x[i] - tx[i]) / n
		my += (y[i] - ty[i]) / n
	}
	d := make([]float64, len(x))
	s := 0.0
	for i := range x {
		d[i] = math.Hypot(x[i]-tx[i]-mx, y[i]-ty[i]-my)
		s += d[i] * d[i]
	}
	sort.Float64s(d)
	return fmt.Sprintf("RMS %.3f px, median %.3f, 90%% %.3f, max %.3f (offset %.2f, %.2f)", math.Sqrt(s/n), d[len(d)/2], d[len(d)*9/10], d[len(d)-1], mx, my)
}

// printWorst lists the k positions farthest from the truth, with the object's
// texture there: the mean |∇O|² of the truth over the central N/3 disk.
func printWorst(x, y, tx, ty []float64, obj *data.ComplexImage, n, k int) {
	type row struct {
		i          int
		d, texture float64
	}
	var mx, my float64
	for i := range x {
		mx += (x[i] - tx[i]) / float64(len(x))
		my += (y[i] - ty[i]) / float64(len(y))
	}
	rows := make([]row, len(x))
	for i := range x {
		t, c := 0.0, 0.0
		for dy := -n / 6; dy <= n/6; dy++ {
			for dx := -n / 6; dx <= n/6; dx++ {
				if dx*dx+dy*dy > n*n/36 {
					continue
				}
				yy, xx := int(ty[i])+dy, int(tx[i])+dx
				if yy < 1 || xx < 1 || yy >= obj.H-1 || xx >= obj.W-1 {
					continue
				}
				gx := obj.Pix[yy*obj.W+xx+1] - obj.Pix[yy*obj.W+xx-1]
				gy := obj.Pix[(yy+1)*obj.W+xx] - obj.Pix[(yy-1)*obj.W+xx]
				t += float64(real(gx)*real(gx) + imag(gx)*imag(gx) + real(gy)*real(gy) + imag(gy)*imag(gy))
				c++
			}
		}
		rows[i] = row{i, math.Hypot(x[i]-tx[i]-mx, y[i]-ty[i]-my), t / c}
	}
	sort.Slice(rows, func(a, b int) bool { return rows[a].d > rows[b].d })
	tex := make([]float64, len(rows))
	for i, r := range rows {
		tex[i] = r.texture
	}
	sort.Float64s(tex)
	fmt.Printf("median texture %.4g\n", tex[len(tex)/2])
	for _, r := range rows[:k] {
		fmt.Printf("  #%d at (%.1f, %.1f): off %.2f px, texture %.4g\n", r.i, tx[r.i], ty[r.i], r.d, r.texture)
	}
}
