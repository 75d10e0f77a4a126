package pinn

import (
	"strings"
	"testing"

	"github.com/ptychokit/ptychokit/ptychokit/data"
	"github.com/ptychokit/ptychokit/ptychokit/device"
	"github.com/ptychokit/ptychokit/ptychokit/physics"
)

// TestGeometryNote: training records its scan's step and spread; a
// gridsize-2 model warns about a scan spaced twice as wide and about random
// points of about the same step, not about a raster spaced alike, and a
// gridsize-1 model never does.
func TestGeometryNote(t *testing.T) {
	ds := synthDataset(64, 4, 6, 1, 3) // a 4×4 raster, 6 px apart
	cfg := tinyConfig(t.TempDir(), 2)
	cfg.Training.NEpochs = 1
	if _, err := TrainOn(device.CPU(), cfg, ds, TrainOptions{}); err != nil {
		t.Fatal(err)
	}
	m, err := Load(device.CPU(), cfg.Data.OutputDir)
	if err != nil {
		t.Fatal(err)
	}
	if got, spread := m.Config.Data.TrainScanStep, m.Config.Data.TrainScanSpread; got != 6 || spread != 0 {
		t.Fatalf("train_scan_step %g, spread %g; want the raster's 6 and 0", got, spread)
	}
	scan := func(step float64) *data.Dataset {
		x, y := physics.RasterPositions(200, 200, 64, step)
		return &data.Dataset{Path: "scan.npz", XCoords: x, YCoords: y}
	}
	if note := GeometryNote(m, scan(7)); note != "" {
		t.Errorf("a 7-px scan: %q, want no note", note)
	}
	note := GeometryNote(m, scan(12))
	if !strings.Contains(note, "scan.npz") || !strings.Contains(note, "12 px apart") || !strings.Contains(note, "6 px") || !strings.Contains(note, "--gridsize 1") {
		t.Errorf("a 12-px scan: %q", note)
	}
	// Random points of about the raster's mean step: spaced alike, laid out
	// otherwise (the case measured on the H200).
	rx, ry := physics.RandomPositions(200, 200, 64, 128, 5)
	random := &data.Dataset{Path: "random.npz", XCoords: rx, YCoords: ry}
	if step, spread := data.NeighbourSteps(rx, ry); step < 4 || step > 9 || spread < 0.3 {
		t.Fatalf("the random scan's step %.3g, spread %.3g: not the case this test means", step, spread)
	}
	if note := GeometryNote(m, random); !strings.Contains(note, "random.npz") || !strings.Contains(note, "layout") {
		t.Errorf("random points of about the same step: %q", note)
	}
	one := &Model{Config: m.Config}
	one.Config.Model.Gridsize = 1
	if note := GeometryNote(one, scan(12)); note != "" {
		t.Errorf("gridsize 1: %q, want no note", note)
	}
	old := &Model{Config: m.Config}
	old.Config.Data.TrainScanStep = 0 // a model trained before the step was recorded
	if note := GeometryNote(old, scan(12)); note != "" {
		t.Errorf("no recorded step: %q", note)
	}
}
