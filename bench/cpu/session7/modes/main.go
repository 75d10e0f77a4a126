// Command modes follows a mixed-state rPIE reconstruction of a partially
// coherent scan (simulate --mode_powers, which keeps the true modes as
// probe_modes_true): every --every iterations, the recovered modes' shares of
// power against the truth's and the object's SSIM against the truth, scored
// as 'ptychokit eval' scores.
//
//	go run ./bench/cpu/session7/modes --data out/session7_modes/modes.npz --modes 3 [flags]
package main

import (
	"flag"
	"fmt"
	"log"

	"github.com/ptychokit/ptychokit/ptychokit/data"
	"github.com/ptychokit/ptychokit/ptychokit/metrics"
	"github.com/ptychokit/ptychokit/ptychokit/solvers"
)

func main() {
	dataPath := flag.String("data", "", "partially coherent scan (simulate --mode_powers)")
	modes := flag.Int("modes", 3, "probe modes")
	startPower := flag.Float64("start_power", solvers.DefaultExtraModePower, "each added starting mode's power, as a fraction of the probe's")
	iterations := flag.Int("iterations", 100, "rPIE iterations")
	every := flag.Int("every", 25, "report every this many iterations")
	finalProbeStep := flag.Float64("final_probe_step", 0, "if > 0: the probe step β of the last --final_iterations iterations (rPIE's β = 1 is ePIE's step)")
	finalIterations := flag.Int("final_iterations", 0, "iterations at --final_probe_step, counted in --iterations")
	flag.Parse()
	ds, err := data.Load(*dataPath, data.LoadOptions{RequireDiffraction: true})
	if err != nil {
		log.Fatal(err)
	}
	arrays, err := data.ReadArrays(*dataPath)
	if err != nil {
		log.Fatal(err)
	}
	if truth, ok := arrays["probe_modes_true"]; ok {
		if im, err := truth.Images(); err == nil {
			fmt.Printf("true mode powers %.3f\n", solvers.ModePowers(im))
		}
	}
	opts := solvers.DefaultOptions("rpie")
	opts.Probe.Modes = *modes
	opts.Probe.InitialModes = solvers.StartingModes(ds.Probe, *modes, *startPower)
	rec, err := solvers.New(ds, opts)
	if err != nil {
		log.Fatal(err)
	}
	for done := 0; done < *iterations; {
		k := min(*every, *iterations-done)
		if *finalProbeStep > 0 {
			switch switchAt := *iterations - *finalIterations; {
			case done == switchAt:
				if err := rec.SetSteps(opts.Object.Step, *finalProbeStep); err != nil {
					log.Fatal(err)
				}
			case done < switchAt:
				k = min(k, switchAt-done)
			}
		}
		if err := rec.Iterate(k); err != nil {
			log.Fatal(err)
		}
		done += k
		res, err := rec.Result()
		if err != nil {
			log.Fatal(err)
		}
		h, w := min(res.Object.H, ds.Object.H), min(res.Object.W, ds.Object.W)
		rep, err := metrics.Compare(res.Object.TopLeft(h, w), ds.Object.TopLeft(h, w), metrics.CompareOptions{ScanX: res.XCoords, ScanY: res.YCoords})
		if err != nil {
			log.Fatal(err)
		}
		last := res.History[len(res.History)-1]
		fmt.Printf("it %3d  cost %.3e  %.2f s/it  amp SSIM %.4f  phase SSIM %.4f  mode powers %.3f\n", done, last.Cost, last.Seconds,
			rep.Amplitude.SSIM, rep.Phase.SSIM, res.ModePowers)
	}
}
