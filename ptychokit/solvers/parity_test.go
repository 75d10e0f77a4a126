package solvers

import (
	"math"
	"math/cmplx"
	"testing"

	"github.com/ptychokit/ptychokit/ptychokit/device"
)

// backendCostTol is the relative agreement asked of the pure-Go and XLA
// backends. Seen on an H200: 6e-4 on the Siemens star's first-iteration cost
// (XLA's GPU matmuls round float32 differently), less here.
const backendCostTol = 2e-3

// TestBackendsAgree runs the same reconstruction on the pure-Go backend and
// on XLA (skipped where no CUDA PJRT plugin is found) and compares the cost
// histories and the objects.
func TestBackendsAgree(t *testing.T) {
	gpu, err := device.GPU()
	if err != nil {
		t.Skipf("no XLA backend here: %v", err)
	}
	scan := newSmallScan(6)
	run := func(opts Options) *Result {
		res, err := Reconstruct(scan.ds, opts)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	for _, algo := range Names() {
		t.Run(algo, func(t *testing.T) {
			opts := DefaultOptions(algo)
			opts.Iterations, opts.BatchSize, opts.Seed = 8, 10, 6
			cpu := run(opts)
			opts.Backend = gpu
			xla := run(opts)
			for i := range cpu.History {
				c, g := cpu.History[i].Cost, xla.History[i].Cost
				if math.Abs(c-g) > backendCostTol*c {
					t.Errorf("iteration %d: cost %.6g on the pure-Go backend, %.6g on XLA", i+1, c, g)
				}
			}
			var diff, norm float64
			for i, v := range cpu.Object.Pix {
				d := cmplx.Abs(complex128(v - xla.Object.Pix[i]))
				diff += d * d
				norm += cmplx.Abs(complex128(v)) * cmplx.Abs(complex128(v))
			}
			if rel := math.Sqrt(diff / norm); rel > 10*backendCostTol {
				t.Errorf("objects differ by %.3g (relative)", rel)
			}
		})
	}
}
