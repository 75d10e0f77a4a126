package solvers

import (
	"slices"
	"strings"
	"testing"

	"github.com/ptychokit/ptychokit/ptychokit/device"
	"github.com/ptychokit/ptychokit/ptychokit/device/devicetest"
)

// TestStreamedIsResident: with a device budget of 30% of the scan's
// diffraction (plus the working set of an update; one batch is 20–27% of
// it), the patterns are
// streamed from host memory, batch by batch, and the reconstruction is the
// one with every pattern on the device, bit for bit on the pure-Go backend:
// rPIE with position correction and probe refinement, LSQ-ML (Poisson),
// and ePIE with two probe modes.
func TestStreamedIsResident(t *testing.T) {
	scan := newSmallScan(8)
	for _, opts := range []Options{
		{Algorithm: "rpie", Iterations: 3, BatchSize: 10, Seed: 3,
			Probe: ProbeOptions{Refine: true, StartIteration: 1}, Positions: PositionOptions{Correct: true, StartIteration: 1}},
		{Algorithm: "lsqml", Iterations: 2, BatchSize: 16, Noise: Poisson, Probe: ProbeOptions{Refine: true, StartIteration: 1}},
		{Algorithm: "epie", Iterations: 2, BatchSize: 16, Probe: ProbeOptions{Refine: true, Modes: 2}},
	} {
		t.Run(opts.Algorithm, func(t *testing.T) {
			resident, err := New(scan.ds, opts)
			if err != nil {
				t.Fatal(err)
			}
			opts.DeviceMemory = budgetFor(t, resident, 0.3)
			streamed, err := New(scan.ds, opts)
			if err != nil {
				t.Fatal(err)
			}
			plan := streamed.Memory()
			if !plan.Streamed || streamed.measured != nil {
				t.Fatalf("budget %d: %v; want the diffraction streamed", opts.DeviceMemory, plan)
			}
			if !strings.HasPrefix(plan.String(), "diffraction streamed from host memory: ") {
				t.Errorf("plan says %q", plan)
			}
			t.Log(plan)
			a, b := iterateResult(t, resident, opts.Iterations), iterateResult(t, streamed, opts.Iterations)
			sameResult(t, a, b, 0, "resident", "streamed")
			if !slices.Equal(a.XCoords, b.XCoords) || !slices.Equal(a.YCoords, b.YCoords) {
				t.Error("the refined positions differ")
			}
		})
	}
}

// budgetFor is a budget that holds r's working set of an update (on each
// device) and the given fraction of its diffraction.
func budgetFor(t *testing.T, r *Solver, fraction float64) int64 {
	t.Helper()
	working, err := r.workingBytes(r.plan.Batch)
	if err != nil {
		t.Fatal(err)
	}
	return working + int64(fraction*float64(r.count*r.n*r.n*4))
}

func iterateResult(t *testing.T, r *Solver, iterations int) *Result {
	t.Helper()
	if err := r.Iterate(iterations); err != nil {
		t.Fatal(err)
	}
	res, err := r.Result()
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestStreamedOnEmulatedDevices: streamed over two emulated devices, each
// batch's patterns split over them, rPIE gives the one-device result.
func TestStreamedOnEmulatedDevices(t *testing.T) {
	scan := newSmallScan(7)
	opts := Options{Algorithm: "rpie", Iterations: 2, BatchSize: 16, Probe: ProbeOptions{Refine: true, StartIteration: 1}}
	plain, err := Reconstruct(scan.ds, opts)
	if err != nil {
		t.Fatal(err)
	}
	opts.Backend, opts.Devices = devicetest.Emulated(device.CPU(), 2), 2
	r, err := New(scan.ds, opts)
	if err != nil {
		t.Fatal(err)
	}
	opts.DeviceMemory = budgetFor(t, r, 0.3)
	r, err = New(scan.ds, opts)
	if err != nil {
		t.Fatal(err)
	}
	if p := r.Memory(); !p.Streamed || p.Batch != 7 {
		t.Fatalf("%v; want streamed batches of 7 a device", p)
	}
	two := iterateResult(t, r, opts.Iterations)
	sameResult(t, plain, two, 1e-5, "on one device", "streamed on two")
}

// TestDeviceMemoryPlans: no budget keeps the diffraction on the device
// without estimating; a budget that holds it keeps it there; one too small
// for the batch names the largest batch that fits, which then runs; one too
// small for a single pattern says what one needs.
func TestDeviceMemoryPlans(t *testing.T) {
	scan := newSmallScan(5)
	opts := Options{Algorithm: "rpie", Iterations: 1, BatchSize: 16}
	r, err := New(scan.ds, opts)
	if err != nil {
		t.Fatal(err)
	}
	if p := r.Memory(); p.Streamed || p.Working != 0 || p.Diffraction != 49*32*32*4 || !strings.Contains(p.String(), "no device budget") {
		t.Fatalf("no budget: %+v %q", p, p)
	}
	opts.DeviceMemory = budgetFor(t, r, 1)
	if r, err = New(scan.ds, opts); err != nil || r.Memory().Streamed || r.measured == nil {
		t.Fatalf("budget for everything: %v, %v", err, r.Memory())
	}

	// 49 positions in batches of ≤ 16 are 4 batches of 13; a budget for
	// batches of 6 (and the next one's patterns).
	working6, err := r.workingBytes(6)
	if err != nil {
		t.Fatal(err)
	}
	opts.DeviceMemory = working6 + 6*32*32*4
	_, err = New(scan.ds, opts)
	if err == nil || !strings.Contains(err.Error(), "--device_memory") || !strings.Contains(err.Error(), "give --batch_size 6,") {
		t.Fatalf("budget for batches of 6: %v", err)
	}
	t.Log(err)
	opts.BatchSize = 6
	if r, err = New(scan.ds, opts); err != nil || !r.Memory().Streamed {
		t.Fatalf("--batch_size 6 in its budget: %v", err)
	}
	if err := r.Iterate(1); err != nil {
		t.Fatal(err)
	}

	opts.DeviceMemory = 100 << 10 // 100 KiB: less than the 90×90 object's pair of images and their updates
	_, err = New(scan.ds, opts)
	if err == nil || !strings.Contains(err.Error(), "even one pattern a batch needs") {
		t.Fatalf("100 KiB: %v", err)
	}
	t.Log(err)
	opts.DeviceMemory = -1
	if _, err := New(scan.ds, opts); err == nil {
		t.Fatal("a negative budget was accepted")
	}
}

// TestWorkingSetEstimate logs the estimated working set of an update per
// pattern and per object pixel (the figures quoted in memory.go) and checks
// that it grows with both, and that it holds at least the object and probe
// in and out and the batch's patches, exit waves and far fields.
func TestWorkingSetEstimate(t *testing.T) {
	scan := newSmallScan(5)
	for _, algo := range []string{"epie", "rpie", "lsqml"} {
		r, err := New(scan.ds, Options{Algorithm: algo, Iterations: 1})
		if err != nil {
			t.Fatal(err)
		}
		w1, err1 := r.workingBytes(1)
		w33, err33 := r.workingBytes(33)
		if err1 != nil || err33 != nil {
			t.Fatal(err1, err33)
		}
		perPattern := float64(w33-w1) / 32
		n2 := float64(r.n * r.n)
		objectPixels := float64(r.h * r.w)
		t.Logf("%s: %d + %.0f bytes a pattern (%.1f floats a pattern pixel); %d×%d object: %.1f bytes an object pixel at batch 1",
			algo, w1, perPattern, perPattern/4/n2, r.h, r.w, float64(w1)/objectPixels)
		// Patches, exit waves and far fields, re and im: 6 floats a pixel
		// at least; the object and its update, re and im: 16 bytes a pixel.
		if perPattern < 6*4*n2 || float64(w1) < 16*objectPixels {
			t.Errorf("%s: estimate %d + %.0f a pattern is too small to be true", algo, w1, perPattern)
		}
	}
}
