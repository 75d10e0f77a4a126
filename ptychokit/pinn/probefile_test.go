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
	cfg.Data.Probe = probeFile
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
	cfg.Data.Probe, cfg.Data.OutputDir = small, filepath.Join(dir, "run2")
	if _, err := TrainOn(device.CPU(), cfg, ds, TrainOptions{}); err == nil || !strings.Contains(err.Error(), "--probe") || !strings.Contains(err.Error(), "2×2") {
		t.Errorf("a 2×2 probe: %v; want an error naming --probe and the size", err)
	}
}

// TestProbeAuto: on a file of initial guesses (a constant objectGuess)
// probe "auto" refines the probe with rPIE before training, writes that
// reconstruction and trains with its probe, and a resumed run reads it back;
// "guess" trains with the probeGuess as it is; a file with a real
// objectGuess is left alone.
func TestProbeAuto(t *testing.T) {
	ds := synthDataset(64, 4, 6, 1, 3)
	guesses := *ds
	guesses.Object = &data.ComplexImage{H: ds.Object.H, W: ds.Object.W, Pix: make([]complex64, len(ds.Object.Pix))}
	for i := range guesses.Object.Pix {
		guesses.Object.Pix[i] = 1
	}
	if !GuessFile(&guesses) || GuessFile(ds) {
		t.Fatal("GuessFile does not tell a constant objectGuess from a real one")
	}
	dir := t.TempDir()
	var log strings.Builder
	cfg := tinyConfig(filepath.Join(dir, "auto"), 2)
	cfg.Training.NEpochs = 1
	got, err := resolveProbe(device.CPU(), &guesses, cfg, &log)
	if err != nil {
		t.Fatal(err)
	}
	refined, err := data.ReadProbe(filepath.Join(cfg.Data.OutputDir, RefinedProbeFile))
	if err != nil {
		t.Fatalf("no %s: %v", RefinedProbeFile, err)
	}
	if got == &guesses || guesses.Probe != ds.Probe || correlation(got.Probe.Pix, refined.Pix) != 1 {
		t.Errorf("auto did not train with the refined probe (or modified its input)")
	}
	if c := correlation(refined.Pix, ds.Probe.Pix); c > 0.99999 {
		t.Errorf("the refined probe is the guess itself (correlation %.6f)", c)
	}
	if !strings.Contains(log.String(), "refined by 100 rPIE iterations") {
		t.Errorf("log: %q", log.String())
	}
	log.Reset()
	again, err := resolveProbe(device.CPU(), &guesses, cfg, &log)
	if err != nil || !strings.Contains(log.String(), "the one refined before") || correlation(again.Probe.Pix, refined.Pix) != 1 {
		t.Errorf("resume: %v, log %q", err, log.String())
	}
	for _, c := range []struct {
		probe string
		ds    *data.Dataset
		note  string
	}{
		{"guess", &guesses, "--probe auto refines it"},
		{"auto", ds, ""},
	} {
		log.Reset()
		cfg.Data.Probe = c.probe
		same, err := resolveProbe(device.CPU(), c.ds, cfg, &log)
		if err != nil || same != c.ds || (c.note == "") != (log.Len() == 0) || !strings.Contains(log.String(), c.note) {
			t.Errorf("--probe %s: %v, same dataset %v, log %q", c.probe, err, same == c.ds, log.String())
		}
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
