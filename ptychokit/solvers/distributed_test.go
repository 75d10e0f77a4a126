package solvers

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/ptychokit/ptychokit/ptychokit/device"
	"github.com/ptychokit/ptychokit/ptychokit/device/devicetest"
)

// The pure-Go backend has one device and no sharded compilation. These tests
// check what the sharded path adds on the host — padded batches, the
// replicated state, the input shardings — that padding a batch to a multiple
// of the devices leaves the result as it was, and run the whole sharded path
// on two devices emulated over the pure-Go backend (devicetest.Emulated).
// XLA's partitioning of the graphs needs several GPUs (docs/multi-gpu.md).

func TestShardedStateSetUp(t *testing.T) {
	scan := newSmallScan(5)
	opts := Options{Algorithm: "rpie", Iterations: 1, BatchSize: 16, Devices: device.AllDevices,
		Backend: devicetest.Claiming(device.CPU(), 2)}
	r, err := New(scan.ds, opts)
	if err != nil {
		t.Fatal(err)
	}
	// 49 positions in batches of ≤ 16: 4 batches of 13, padded to 14 for two devices.
	if r.sharded == nil || r.batches != 4 || r.batchSize != 14 {
		t.Fatalf("sharded %v, %d batches of %d; want 4 of 14", r.sharded != nil, r.batches, r.batchSize)
	}
	if r.exec.NumDevices() != 2 {
		t.Fatalf("step executor on %d devices, want 2", r.exec.NumDevices())
	}
	s := r.sharded
	for name, pair := range map[string][2]*tensors.Tensor{"object": r.object, "probe": r.probe} {
		want := tensors.MustCopyFlatData[float32](pair[0])
		dist := s.object[0]
		if name == "probe" {
			dist = s.probe[0]
		}
		if !dist.ShardingSpec().IsReplicated() || len(dist.Shards()) != 2 {
			t.Fatalf("%s: spec %s with %d shards, want replicated on 2", name, dist.ShardingSpec(), len(dist.Shards()))
		}
		for i, shard := range dist.Shards() {
			if !slices.Equal(tensors.MustCopyFlatData[float32](shard), want) {
				t.Fatalf("%s: device %d's copy differs", name, i)
			}
		}
	}
	// stepGraph reads 11 inputs: their shardings, with the batch's indices
	// and mask (inputs 7 and 8) the only split ones.
	specs := stepInputSpecs(s.mesh.ReplicatedSpec(), s.mesh.BatchSpec(), false)
	if len(specs) != 11 {
		t.Fatalf("%d input shardings, stepGraph takes 11", len(specs))
	}
	for i, spec := range specs {
		if spec.IsReplicated() != (i != 7 && i != 8) {
			t.Fatalf("input %d: sharding %s", i, spec)
		}
	}

	// More devices than the backend has is an error naming the flag.
	opts.Devices, opts.Backend = 2, device.CPU()
	if _, err := New(scan.ds, opts); err == nil || !strings.Contains(err.Error(), "--devices 2") {
		t.Fatalf("two devices on the pure-Go backend: %v", err)
	}
}

// TestDevicePaddingKeepsTheResult: a batch padded with masked positions to a
// multiple of the device count (what Devices > 1 does) reconstructs the same
// object as the unpadded batch, up to float32 rounding.
func TestDevicePaddingKeepsTheResult(t *testing.T) {
	scan := newSmallScan(6)
	opts := Options{Algorithm: "rpie", Iterations: 2, BatchSize: 16, Probe: ProbeOptions{Refine: true, StartIteration: 1}}
	plain, err := New(scan.ds, opts)
	if err != nil {
		t.Fatal(err)
	}
	padded, err := New(scan.ds, opts)
	if err != nil {
		t.Fatal(err)
	}
	padded.batchSize = 16 // 13 positions a batch, padded as for 4 (or 8, 16) devices
	for _, r := range []*Solver{plain, padded} {
		if err := r.Iterate(opts.Iterations); err != nil {
			t.Fatal(err)
		}
	}
	a, err := plain.Result()
	if err != nil {
		t.Fatal(err)
	}
	b, err := padded.Result()
	if err != nil {
		t.Fatal(err)
	}
	// Masked positions add exact zeros: the pure-Go backend gives identical
	// numbers; the tolerance allows a backend that reassociates the sums.
	sameResult(t, a, b, 1e-6, "unpadded", "padded")
}

// sameResult fails t unless a and b (named as given) agree in every object
// and probe pixel to tolerance, and in every iteration's cost to tolerance
// relative.
func sameResult(t *testing.T, a, b *Result, tolerance float64, nameA, nameB string) {
	t.Helper()
	for what, pix := range map[string][2][]complex64{"object": {a.Object.Pix, b.Object.Pix}, "probe": {a.Probe.Pix, b.Probe.Pix}} {
		for i := range pix[0] {
			if d := pix[0][i] - pix[1][i]; math.Hypot(float64(real(d)), float64(imag(d))) > tolerance {
				t.Fatalf("%s pixel %d: %v %s, %v %s", what, i, pix[0][i], nameA, pix[1][i], nameB)
			}
		}
	}
	for i := range a.History {
		if ca, cb := a.History[i].Cost, b.History[i].Cost; math.Abs(ca-cb) > tolerance*ca {
			t.Fatalf("iteration %d cost: %g %s, %g %s", i+1, ca, nameA, cb, nameB)
		}
	}
}

// TestShardedSolversOnEmulatedDevices runs every solver with its batches
// split over two devices emulated over the pure-Go backend
// (devicetest.Emulated), and rPIE over three: the replicated state, the
// sharded indices and mask, DistributedExec and the state kept on the devices
// between iterations. The result is the one-device reconstruction's (batches
// of 13 padded to 14, or 15).
func TestShardedSolversOnEmulatedDevices(t *testing.T) {
	scan := newSmallScan(7)
	for _, tc := range []struct {
		algo    string
		devices int
	}{{"epie", 2}, {"rpie", 2}, {"lsqml", 2}, {"rpie", 3}} {
		algo := tc.algo
		t.Run(fmt.Sprintf("%s/%d", algo, tc.devices), func(t *testing.T) {
			opts := Options{Algorithm: algo, Iterations: 2, BatchSize: 16, Probe: ProbeOptions{Refine: true, StartIteration: 1}}
			plain, err := Reconstruct(scan.ds, opts)
			if err != nil {
				t.Fatal(err)
			}
			opts.Backend, opts.Devices = devicetest.Emulated(device.CPU(), tc.devices), tc.devices
			two, err := Reconstruct(scan.ds, opts)
			if err != nil {
				t.Fatalf("%d emulated devices: %v", tc.devices, err)
			}
			sameResult(t, plain, two, 1e-5, "on one device", fmt.Sprintf("on %d", tc.devices))
		})
	}
}
