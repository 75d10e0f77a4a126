package main

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ptychokit/ptychokit/ptychokit/data"
	"github.com/ptychokit/ptychokit/ptychokit/solvers"
)

// TestReconstructDeviceMemory: reconstruct with --device_memory of the
// working set of a batch and a quarter of the scan's diffraction streams
// the diffraction, says so in one line, records it in summary.json, and
// writes the object and positions of the run without a budget, bit for bit
// (position correction on); a budget too small is a one-line error naming
// the flag; a malformed one names it too.
func TestReconstructDeviceMemory(t *testing.T) {
	dir := t.TempDir()
	scan := writeSmallScan(t, dir)
	// The working set of a batch of 10 (49 positions: 5 batches of 10, a
	// fifth of the scan each), as the solver estimates it.
	ds, err := data.Load(scan, data.LoadOptions{RequireDiffraction: true, SkipPatches: true})
	if err != nil {
		t.Fatal(err)
	}
	r, err := solvers.New(ds, solvers.Options{Algorithm: "rpie", BatchSize: 10, DeviceMemory: 1 << 40,
		Positions: solvers.PositionOptions{Correct: true}})
	if err != nil {
		t.Fatal(err)
	}
	plan := r.Memory()
	budget := plan.Working + plan.Diffraction/4
	common := []string{"reconstruct", "--algo", "rpie", "--data", scan, "--iterations", "4", "--batch_size", "10",
		"--position_correction", "--position_start", "1", "--device", "cpu"}
	run := func(name string, extra ...string) (string, map[string]data.Entry) {
		out := filepath.Join(dir, name)
		var stdout, stderr bytes.Buffer
		if code := runMainCaptured(t, &stdout, &stderr, append(append(common, "--output_dir", out), extra...)...); code != 0 {
			t.Fatalf("%s: exit %d: %s", name, code, stderr.String())
		}
		arrays, err := data.ReadArrays(filepath.Join(out, reconstructionFile))
		if err != nil {
			t.Fatal(err)
		}
		summary, err := os.ReadFile(filepath.Join(out, summaryFile))
		if err != nil {
			t.Fatal(err)
		}
		return stdout.String() + string(summary), arrays
	}
	_, resident := run("resident")
	said, streamed := run("streamed", "--device_memory", strconv.FormatInt(budget, 10))
	for _, line := range strings.Split(said, "\n") {
		if strings.Contains(line, "streamed") {
			t.Logf("budget %d bytes: %s", budget, strings.TrimSpace(line))
		}
	}
	if !strings.Contains(said, "diffraction streamed from host memory: ") || !strings.Contains(said, `"diffraction_streamed": true`) {
		t.Errorf("--device_memory %d: output does not say the diffraction is streamed:\n%s", budget, said)
	}
	for _, key := range []string{"object", "probe", "xcoords", "ycoords"} {
		if !equalValues(resident[key].Value, streamed[key].Value) {
			t.Errorf("%s differs between the resident and the streamed run", key)
		}
	}

	for _, tc := range []struct{ budget, want string }{
		{"100kB", "--device_memory"},
		{strconv.FormatInt(plan.Working, 10), "give --batch_size"},
		{"2 parsecs", "device_memory"},
	} {
		var stdout, stderr bytes.Buffer
		code := runMainCaptured(t, &stdout, &stderr, append(append(common, "--output_dir", filepath.Join(dir, "small")), "--device_memory", tc.budget)...)
		msg := strings.TrimSpace(stderr.String())
		if code == 0 || !strings.Contains(msg, tc.want) || strings.Contains(msg, "\n") {
			t.Errorf("--device_memory %s: exit %d, stderr %q; want a one-line error mentioning %q", tc.budget, code, msg, tc.want)
		}
	}
}

func equalValues(a, b any) bool {
	switch a := a.(type) {
	case []complex64:
		return slices.Equal(a, b.([]complex64))
	case []float64:
		return slices.Equal(a, b.([]float64))
	}
	panic(fmt.Sprintf("equalValues: %T", a))
}

// TestInferDeviceMemory: infer with a budget that holds a forward pass of a
// few groups but not of the 8 asked cuts the batches, says so in one line,
// and writes the object of the run without a budget (to float32 rounding:
// see pinn.TestInferBatchForMemory); a budget below one group is a
// one-line error naming the flag.
func TestInferDeviceMemory(t *testing.T) {
	if _, err := os.Stat(keptModel); err != nil {
		t.Skip(err)
	}
	bin := buildCLI(t)
	dir := t.TempDir()
	infer := func(name string, extra ...string) (string, *data.Reconstruction) {
		out := filepath.Join(dir, name)
		stdout, stderr, code := runCLI(t, bin, append([]string{"infer", "--model_path", keptModel, "--test_data", canonicalLines,
			"--output_dir", out, "--n_images", "8", "--device", "cpu"}, extra...)...)
		if code != 0 {
			t.Fatalf("%s: exit %d\n%s%s", name, code, stdout, stderr)
		}
		rec, err := data.ReadReconstruction(filepath.Join(out, "reconstruction.npz"))
		if err != nil {
			t.Fatal(err)
		}
		return stdout, rec
	}
	_, whole := infer("whole")
	// Seen for this model (N = 64, gridsize 2, filters 16-32-64) on the
	// pure-Go backend: 5.75 MB for one group, 3 groups in 20 MB.
	said, cut := infer("cut", "--device_memory", "20MB")
	m := regexp.MustCompile(`inference batches of (\d+) groups \(of the 8 asked\)`).FindStringSubmatch(said)
	if m == nil {
		t.Fatalf("--device_memory 20MB: no line on the batches:\n%s", said)
	}
	if k, _ := strconv.Atoi(m[1]); k < 1 || k >= 8 || !strings.Contains(said, fmt.Sprintf("batches of %s groups;", m[1])) {
		t.Errorf("--device_memory 20MB: %s", said)
	}
	for i, v := range whole.Object.Pix {
		if d := cut.Object.Pix[i] - v; math.Hypot(float64(real(d)), float64(imag(d))) > 1e-6 {
			t.Fatalf("pixel %d: %v without a budget, %v with", i, v, cut.Object.Pix[i])
		}
	}
	_, stderr, code := runCLI(t, bin, "infer", "--model_path", keptModel, "--test_data", canonicalLines,
		"--output_dir", filepath.Join(dir, "small"), "--n_images", "8", "--device", "cpu", "--device_memory", "1MB")
	if msg := strings.TrimSpace(stderr); code == 0 || !strings.Contains(msg, "--device_memory") || strings.Contains(msg, "\n") {
		t.Errorf("--device_memory 1MB: exit %d, stderr %q; want a one-line error naming the flag", code, msg)
	}
}
