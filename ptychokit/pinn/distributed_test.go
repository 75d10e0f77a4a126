package pinn

import (
	"errors"
	"io"
	"math"
	"math/cmplx"
	"slices"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/distributed"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/train"

	"github.com/ptychokit/ptychokit/ptychokit/device"
	"github.com/ptychokit/ptychokit/ptychokit/device/devicetest"
)

// The pure-Go backend has one device and no sharded compilation: these tests
// check the host side of the sharded path — batch splitting, padding, the
// checks — against the plain path's batches, and run training and
// inference end to end on two devices emulated over the pure-Go backend
// (devicetest.Emulated). XLA's partitioning of the graphs needs several GPUs
// (docs/multi-gpu.md).

// TestShardedBatchesSplitThePlainBatches: streamed over two (emulated)
// devices, each step's batch arrives split into consecutive per-device
// shards of the plain batch, inputs and labels, each shard on its device.
func TestShardedBatchesSplitThePlainBatches(t *testing.T) {
	ds := synthDataset(64, 4, 6, 1, 3)
	cfg := tinyConfig(t.TempDir(), 2)
	cfg.Data.NImages = 11
	groups, err := MakeGroups(ds, cfg, cfg.Data.NImages, false)
	if err != nil {
		t.Fatal(err)
	}
	order := []int{10, 3, 7, 0, 5, 1, 9, 2, 8, 4, 6}
	two := devicetest.Emulated(device.CPU(), 2)
	mesh, err := device.OpenMesh(two, 2)
	if err != nil {
		t.Fatal(err)
	}
	fd := (&feeder{backend: two, mesh: mesh, g: groups}).pass(&batches{name: "train", g: groups, order: slices.Clone(order), batchSize: 4})
	defer fd.Reset()
	dd, ok := fd.(train.DistributedDataset)
	if !ok {
		t.Fatalf("feeder.pass on a mesh gave %T, not a distributed dataset", fd)
	}
	if dd.Strategy() != distributed.AutoSharding || !slices.Equal(dd.DeviceAssignment(), []backends.DeviceNum{0, 1}) {
		t.Fatalf("strategy %v, assignment %v", dd.Strategy(), dd.DeviceAssignment())
	}
	if steps := fd.(*shardedPass).steps(); steps != 3 {
		t.Fatalf("%d steps, want 3 (batches of 4, 4, 3 padded to 4)", steps)
	}
	plain := &batches{name: "train", g: groups, order: order, batchSize: 4, devices: 2}
	for step := 0; ; step++ {
		_, in, lab, err := dd.DistributedYield()
		wantIn, wantLab, wantErr := plainBatch(plain)
		if errors.Is(wantErr, io.EOF) {
			if !errors.Is(err, io.EOF) {
				t.Fatalf("step %d: plain batches ended, sharded gave %v", step, err)
			}
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		for i, d := range append(in, lab...) {
			want := append(wantIn, wantLab...)[i]
			if len(d.Shards()) != 2 || d.Shards()[0].Shape().Dimensions[0]*2 != want.Shape().Dimensions[0] {
				t.Fatalf("step %d tensor %d: shards %v of %s", step, i, d.ShardShape(), want.Shape())
			}
			for dev, shard := range d.Shards() {
				if got, err := shard.Device(); err != nil || int(got) != dev {
					t.Fatalf("step %d tensor %d: shard %d on device %d (%v)", step, i, dev, got, err)
				}
			}
			merged, err := d.Merge()
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(tensors.MustCopyFlatData[float32](merged), tensors.MustCopyFlatData[float32](want)) {
				t.Fatalf("step %d tensor %d: sharded batch differs from the plain one", step, i)
			}
		}
	}
}

func TestTrainMeshChecks(t *testing.T) {
	two := devicetest.Claiming(device.CPU(), 2)
	for _, tc := range []struct {
		name           string
		backend        backends.Backend
		devices, batch int
		wantDevices    int
		wantErr        string
	}{
		{"one device", device.CPU(), device.AllDevices, 5, 1, ""},
		{"two devices", two, device.AllDevices, 8, 2, ""},
		{"odd batch", two, 2, 5, 0, "--batch_size 5 does not split evenly over 2 devices"},
		{"more than the backend", device.CPU(), 2, 4, 0, "has 1 device"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mesh, err := trainMesh(tc.backend, tc.devices, tc.batch)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got %v, want an error containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || mesh.Devices() != tc.wantDevices {
				t.Fatalf("got %d devices, %v; want %d", mesh.Devices(), err, tc.wantDevices)
			}
		})
	}
}

func TestPadBatchAndUseDevices(t *testing.T) {
	in := tensors.FromFlatDataAndDimensions([]float32{1, 2, 3, 4, 5, 6}, 3, 2)
	got, err := padBatch(in, 5)
	if err != nil {
		t.Fatal(err)
	}
	if d := got.Shape().Dimensions; !slices.Equal(d, []int{5, 2}) ||
		!slices.Equal(tensors.MustCopyFlatData[float32](got), []float32{1, 2, 3, 4, 5, 6, 5, 6, 5, 6}) {
		t.Fatalf("padBatch: %s %v", got.Shape(), tensors.MustCopyFlatData[float32](got))
	}
	if same, _ := padBatch(in, 3); same != in {
		t.Fatal("padBatch to the same size copied")
	}
	if _, err := padBatch(in, 2); err == nil {
		t.Fatal("padBatch to a smaller size: no error")
	}

	m := &Model{backend: device.CPU()}
	if err := m.UseDevices(device.AllDevices); err != nil || m.mesh != nil {
		t.Fatalf("all devices of the pure-Go backend: mesh %v, %v; want the plain path", m.mesh, err)
	}
	if err := m.UseDevices(2); err == nil || !strings.Contains(err.Error(), "--devices 2") {
		t.Fatalf("two devices on the pure-Go backend: %v", err)
	}
}

// TestShardedPathOnTwoEmulatedDevices runs the whole sharded code path — the
// distributed dataset through Loop.RunSteps, the AutoSharding train step with
// its replicated weights, sharded inference with padding and merging — on two
// devices emulated over the pure-Go backend (devicetest.Emulated), against the
// plain one-device path: the same loss history, checkpoints that resume
// across the two, and the same predictions.
func TestShardedPathOnTwoEmulatedDevices(t *testing.T) {
	two := devicetest.Emulated(device.CPU(), 2)
	ds := synthDataset(64, 4, 6, 4, 3)
	cfg := tinyConfig(t.TempDir(), 2)
	cfg.Training.EarlyStopPatience = 0
	cfg.Data.NImages = 10 // 8 training groups (batches of 4: 2 a device), 2 for validation
	plainDir := cfg.Data.OutputDir
	plain, err := TrainOn(device.CPU(), cfg, ds, TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// The emulation runs the unpartitioned graph, so only the order of a few
	// float32 sums may differ from the plain run. Both ways of feeding the
	// devices: the groups resident (replicated, indices split) and every
	// batch split and uploaded.
	closeTo := func(a, b float64) bool { return math.Abs(a-b) <= 1e-5*math.Max(math.Abs(a), math.Abs(b))+1e-7 }
	for _, resident := range []int64{0, -1} {
		shardedCfg := cfg
		shardedCfg.Data.OutputDir = t.TempDir()
		got, err := TrainOn(two, shardedCfg, ds, TrainOptions{Devices: 2, ResidentBytes: resident})
		if err != nil {
			t.Fatalf("training on two emulated devices (ResidentBytes %d): %v", resident, err)
		}
		if len(got.History) != len(plain.History) {
			t.Fatalf("sharded ran %d epochs, plain %d", len(got.History), len(plain.History))
		}
		for i := range plain.History {
			p, s := plain.History[i], got.History[i]
			if !closeTo(p.TrainLoss, s.TrainLoss) || !closeTo(p.ValLoss, s.ValLoss) {
				t.Fatalf("ResidentBytes %d, epoch %d: plain loss %g / val %g, sharded %g / %g", resident, i+1, p.TrainLoss, p.ValLoss, s.TrainLoss, s.ValLoss)
			}
		}
	}

	// A run started on two devices and resumed on one ends where the plain
	// run did: the checkpoints are the same variables.
	mixedCfg := cfg
	mixedCfg.Data.OutputDir = t.TempDir()
	if _, err := TrainOn(two, mixedCfg, ds, TrainOptions{Devices: 2, StopAfter: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := TrainOn(device.CPU(), mixedCfg, ds, TrainOptions{}); err != nil {
		t.Fatalf("resuming a two-device run on one: %v", err)
	}
	a, b := allVariables(t, plainDir), allVariables(t, mixedCfg.Data.OutputDir)
	if len(a) == 0 || len(a) != len(b) {
		t.Fatalf("variables: %d plain vs %d resumed", len(a), len(b))
	}
	for name, va := range a {
		for i, v := range b[name] {
			if !closeTo(float64(va[i]), float64(v)) {
				t.Fatalf("%s[%d]: plain %g, two devices then one %g", name, i, va[i], v)
			}
		}
	}

	// Inference split over two and three devices (the last batch is padded)
	// gives the plain predictions.
	m, err := Load(device.CPU(), plainDir)
	if err != nil {
		t.Fatal(err)
	}
	want, err := m.Reconstruct(ds, ReconstructOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{2, 3} {
		ms, err := Load(devicetest.Emulated(device.CPU(), n), plainDir)
		if err != nil {
			t.Fatal(err)
		}
		if err := ms.UseDevices(device.AllDevices); err != nil || ms.mesh.Devices() != n {
			t.Fatalf("UseDevices(all) on %d emulated devices: %v", n, err)
		}
		rec, err := ms.Reconstruct(ds, ReconstructOptions{BatchSize: 5})
		if err != nil {
			t.Fatalf("inference on %d emulated devices: %v", n, err)
		}
		for i, v := range rec.Object.Pix {
			w := want.Object.Pix[i]
			if d := cmplx.Abs(complex128(v - w)); d > 1e-5*(1+cmplx.Abs(complex128(w))) {
				t.Fatalf("%d devices, object pixel %d: %v, plain %v", n, i, v, w)
			}
		}
	}
}
