package pinn

import (
	"math"
	"strings"
	"testing"

	"github.com/ptychokit/ptychokit/ptychokit/device"
)

// TestInferBatchForMemory: a device budget that holds a forward pass of 3
// groups, not of the 9 asked, cuts inference into batches of 3, and the
// object is the one of batches of 9 to float32 rounding (each group is
// predicted on its own, but not bit for bit: seen, 1 ulp in a few pixels
// even with one stitching accumulator, so the pure-Go backend's products
// round differently at another batch size); a budget below one group is an
// error naming the flag; the estimate grows with the batch.
func TestInferBatchForMemory(t *testing.T) {
	ds := synthDataset(64, 3, 6, 3, 3)
	dir := t.TempDir()
	cfg := tinyConfig(dir, 1)
	cfg.Training.NEpochs = 1
	cfg.Data.NImages = 8
	if _, err := TrainOn(device.CPU(), cfg, ds, TrainOptions{}); err != nil {
		t.Fatal(err)
	}
	m, err := Load(device.CPU(), dir)
	if err != nil {
		t.Fatal(err)
	}
	opts := ReconstructOptions{BatchSize: 9}
	whole, err := m.Reconstruct(ds, opts)
	if err != nil {
		t.Fatal(err)
	}
	if p := m.LastMemory(); p.Batch != 9 || p.Budget != 0 || !strings.Contains(p.String(), "no device budget") {
		t.Fatalf("no budget: %+v", p)
	}
	const pad = 1 // gridsize 1: offsets 0
	need1, err1 := m.forwardBytes(1, pad)
	need3, err3 := m.forwardBytes(3, pad)
	need4, err4 := m.forwardBytes(4, pad)
	if err1 != nil || err3 != nil || err4 != nil {
		t.Fatal(err1, err3, err4)
	}
	t.Logf("forward pass on the pure-Go backend, N=64, filters 4-8-16: %d bytes at batch 1, %d a group more", need1, (need4-need1)/3)
	if !(need1 < need3 && need3 < need4) {
		t.Fatalf("estimates %d, %d, %d for batches 1, 3, 4: want them growing", need1, need3, need4)
	}

	if err := m.SetDeviceMemory((need3 + need4) / 2); err != nil {
		t.Fatal(err)
	}
	cut, err := m.Reconstruct(ds, opts)
	if err != nil {
		t.Fatal(err)
	}
	p := m.LastMemory()
	if p.Batch != 3 || p.Asked != 9 || p.Need != need3 || m.LastTiming().Batches != 3 {
		t.Fatalf("budget %d: %+v, %d batches; want 3 batches of 3", p.Budget, p, m.LastTiming().Batches)
	}
	t.Log(p)
	for i, v := range whole.Object.Pix {
		if d := cut.Object.Pix[i] - v; math.Hypot(float64(real(d)), float64(imag(d))) > 1e-6 {
			t.Fatalf("pixel %d: %v in batches of 9, %v in batches of 3", i, v, cut.Object.Pix[i])
		}
	}

	if err := m.SetDeviceMemory(need1 - 1); err != nil {
		t.Fatal(err)
	}
	_, err = m.Reconstruct(ds, opts)
	if err == nil || !strings.Contains(err.Error(), "--device_memory") || !strings.Contains(err.Error(), "one group") {
		t.Fatalf("a budget below one group: %v", err)
	}
	t.Log(err)
	if err := m.SetDeviceMemory(-1); err == nil {
		t.Error("a negative budget was accepted")
	}
}
