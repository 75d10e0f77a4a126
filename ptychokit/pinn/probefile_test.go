package pinn

import (
	"math"
	"math/cmplx"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ptychokit/ptychokit/ptychokit/data"
	"github.com/ptychokit/ptychokit/ptychokit/device"
)

// TestProbeFile: with --probe the model is trained with that file's probe,
// not the data's probeGuess; a probe of another size is refused naming the
// flag.
func TestProbeFile(t *testing.T) {
	ds := synthDataset(64, 4, 6, 1, 3)
	N := ds.Probe.H
	// Another probe: the data's with a phase ramp (a different field).
	other := &data.ComplexImage{H: N, W: N, Pix: make([]complex64, N*N)}
	for y := range N {
		for x := range N {
			other.Pix[y*N+x] = ds.Probe.Pix[y*N+x] * complex64(cmplx.Exp(complex(0, 0.3*float64(x))))
		}
	}
	dir := t.TempDir()
	probeFile := filepath.Join(dir, "reconstruction.npz")
	if err := data.WriteArrays(probeFile, []data.Entry{{Name: "probe", Shape: []int{N, N}, Value: other.Pix}}); err != nil {
		t.Fatal(err)
	}
	cfg := tinyConfig(filepath.Join(dir, "run"), 2)
	cfg.Training.NEpochs = 1
	cfg.Data.ProbeFile = probeFile
	if _, err := TrainOn(device.CPU(), cfg, ds, TrainOptions{}); err != nil {
		t.Fatal(err)
	}
	m, err := Load(device.CPU(), cfg.Data.OutputDir)
	if err != nil {
		t.Fatal(err)
	}
	got := m.Probe()
	if c := correlation(got.Pix, other.Pix); c < 0.9999 {
		t.Errorf("the model's probe correlates %.5f with the --probe file's", c)
	}
	if c := correlation(got.Pix, ds.Probe.Pix); c > 0.99 {
		t.Errorf("the model's probe correlates %.5f with the data's probeGuess: --probe was not used", c)
	}

	small := filepath.Join(dir, "small.npz")
	if err := data.WriteArrays(small, []data.Entry{{Name: "probeGuess", Shape: []int{2, 2}, Value: make([]complex64, 4)}}); err != nil {
		t.Fatal(err)
	}
	cfg.Data.ProbeFile, cfg.Data.OutputDir = small, filepath.Join(dir, "run2")
	if _, err := TrainOn(device.CPU(), cfg, ds, TrainOptions{}); err == nil || !strings.Contains(err.Error(), "--probe") || !strings.Contains(err.Error(), "2×2") {
		t.Errorf("a 2×2 probe: %v; want an error naming --probe and the size", err)
	}
}

// correlation is |<a, b>| / (|a| |b|).
func correlation(a, b []complex64) float64 {
	var num complex128
	var ea, eb float64
	for i := range a {
		num += complex128(a[i]) * cmplx.Conj(complex128(b[i]))
		ea += real(complex128(a[i]) * cmplx.Conj(complex128(a[i])))
		eb += real(complex128(b[i]) * cmplx.Conj(complex128(b[i])))
	}
	return cmplx.Abs(num) / math.Sqrt(ea*eb)
}
