package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/ptychokit/ptychokit/ptychokit/data"
	"github.com/ptychokit/ptychokit/ptychokit/physics"
)

// writeSmallScan simulates a noiseless scan (N=32, 72×72 GRF object, raster
// step 6) into dir and returns its path.
func writeSmallScan(t *testing.T, dir string) string {
	t.Helper()
	const n, side = 32, 72
	object := physics.GRFObject(side, side, 3, 1)
	x, y := physics.RasterPositions(side, side, n, 6)
	ds, err := physics.Simulate(physics.SimOptions{
		Object: object, Probe: physics.DiskProbe(n, 14), X: x, Y: y, Noiseless: true})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "scan.npz")
	if err := data.Write(path, ds); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestReconstructThenEval runs the commands as a user would: reconstruct a
// small simulated scan, check every output, then score it against the truth.
func TestReconstructThenEval(t *testing.T) {
	dir := t.TempDir()
	scan := writeSmallScan(t, dir)
	out := filepath.Join(dir, "rec")
	const iterations = 15
	var stdout, stderr bytes.Buffer
	code := runMainCaptured(t, &stdout, &stderr, "reconstruct", "--algo", "rpie", "--data", scan,
		"--iterations", strconv.Itoa(iterations), "--batch_size", "16", "--output_dir", out, "--device", "cpu")
	if code != 0 {
		t.Fatalf("reconstruct exited %d: %s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "device: cpu") || !strings.Contains(stdout.String(), "cost ") {
		t.Errorf("reconstruct's output lacks the device or the cost:\n%s", stdout.String())
	}
	for _, f := range []string{reconstructionFile, historyFile, objectPNG, probePNG, costPNG, summaryFile} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("output %s missing or empty (%v)", f, err)
		}
	}

	entries, err := data.ReadArrays(filepath.Join(out, reconstructionFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"object", "probe", "xcoords", "ycoords"} {
		if _, ok := entries[key]; !ok {
			t.Errorf("%s lacks key %q", reconstructionFile, key)
		}
	}
	if got := entries["probe"].Shape; len(got) != 2 || got[0] != 32 || got[1] != 32 {
		t.Errorf("probe shape %v, want [32 32]", got)
	}

	csv, err := os.ReadFile(filepath.Join(out, historyFile))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(csv)), "\n")
	if lines[0] != "iteration,cost,seconds" || len(lines) != iterations+1 {
		t.Fatalf("history.csv: header %q and %d lines, want iteration,cost,seconds and %d", lines[0], len(lines), iterations+1)
	}
	first := csvCost(t, lines[1])
	last := csvCost(t, lines[len(lines)-1])
	// Seen: 0.16 → 2e-3 for this noiseless scan; demand a factor 10.
	if !(last < first/10) {
		t.Errorf("cost fell only from %g to %g", first, last)
	}

	stdout.Reset()
	evalDir := filepath.Join(dir, "eval")
	code = runMainCaptured(t, &stdout, &stderr, "eval", "--reconstruction", filepath.Join(out, reconstructionFile),
		"--truth", scan, "--output_dir", evalDir)
	if code != 0 {
		t.Fatalf("eval exited %d: %s", code, stderr.String())
	}
	var report struct {
		Phase struct {
			SSIM float64 `json:"ssim"`
		} `json:"phase"`
		FRC50 float64 `json:"frc50"`
	}
	js, err := os.ReadFile(filepath.Join(evalDir, metricsFile))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(js, &report); err != nil {
		t.Fatal(err)
	}
	t.Logf("phase SSIM %.3f, FRC50 %.3f\n%s", report.Phase.SSIM, report.FRC50, stdout.String())
	// A noiseless scan after 15 rPIE iterations: the phase must look like the
	// truth (seen: phase SSIM 0.954, FRC50 0.97 of Nyquist).
	const minPhaseSSIM = 0.8
	if report.Phase.SSIM < minPhaseSSIM {
		t.Errorf("phase SSIM %.3f < %g", report.Phase.SSIM, minPhaseSSIM)
	}
	if _, err := os.Stat(filepath.Join(evalDir, frcPNG)); err != nil {
		t.Error(err)
	}
}

func csvCost(t *testing.T, line string) float64 {
	t.Helper()
	fields := strings.Split(line, ",")
	if len(fields) != 3 {
		t.Fatalf("history.csv line %q: want 3 fields", line)
	}
	v, err := strconv.ParseFloat(fields[1], 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// runMainCaptured runs the command with os.Stdout redirected into stdout
// (the commands print there directly).
func runMainCaptured(t *testing.T, stdout, stderr *bytes.Buffer, args ...string) int {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stdout
	os.Stdout = w
	done := make(chan struct{})
	go func() { stdout.ReadFrom(r); close(done) }()
	code := runMain(args, w, stderr)
	w.Close()
	os.Stdout = saved
	<-done
	return code
}

func TestReconstructAndEvalFlagErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no data", []string{"reconstruct", "--output_dir", dir}, "--data is required"},
		{"no output", []string{"reconstruct", "--data", "x.npz"}, "--output_dir is required"},
		{"bad algo", []string{"reconstruct", "--data", "x.npz", "--output_dir", dir, "--algo", "dm"}, `--algo "dm"`},
		{"zero iterations", []string{"reconstruct", "--data", "x.npz", "--output_dir", dir, "--iterations", "0"}, "--iterations 0"},
		{"missing file", []string{"reconstruct", "--data", filepath.Join(dir, "none.npz"), "--output_dir", dir}, "none.npz"},
		{"eval no truth", []string{"eval", "--reconstruction", "r.npz"}, "--truth is required"},
		{"eval missing file", []string{"eval", "--reconstruction", filepath.Join(dir, "r.npz"), "--truth", "t.npz"}, "r.npz"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := runMainCaptured(t, &stdout, &stderr, tc.args...)
			msg := strings.TrimSpace(stderr.String())
			if code == 0 || !strings.Contains(msg, tc.want) || strings.Count(msg, "\n") > 0 {
				t.Fatalf("exit %d, stderr %q: want a one-line error mentioning %q", code, msg, tc.want)
			}
		})
	}
}

// TestReconstructInitFrom: --init_from continues a reconstruction — its first
// iteration starts where the earlier run ended, not from a flat object — and
// a result that does not fit the scan is refused in one line naming the key.
func TestReconstructInitFrom(t *testing.T) {
	if _, err := os.Stat(canonicalLines); err != nil {
		t.Skipf("canonical dataset missing (make datasets): %v", err)
	}
	dir := t.TempDir()
	run := func(out string, extra ...string) (first, last float64) {
		t.Helper()
		args := append([]string{"reconstruct", "--data", canonicalLines, "--iterations", "2", "--device", "cpu", "--output_dir", filepath.Join(dir, out)}, extra...)
		var stdout, stderr bytes.Buffer
		if code := runMainCaptured(t, &stdout, &stderr, args...); code != 0 {
			t.Fatalf("%v: exit %d\n%s", args, code, stderr.String())
		}
		for _, l := range strings.Split(stdout.String(), "\n") {
			if _, err := fmt.Sscanf(l, "cost %g → %g", &first, &last); err == nil {
				return first, last
			}
		}
		t.Fatalf("no cost line in:\n%s", stdout.String())
		return 0, 0
	}
	product := filepath.Join(dir, "a_product.npz")
	first1, last1 := run("a", "--product", product, "--pixel_size_m", "1e-8", "--energy_ev", "8000")
	first2, last2 := run("b", "--init_from", filepath.Join(dir, "a", "reconstruction.npz"))
	if !(first2 < first1/10 && first2 < 2*last1 && last2 < last1) {
		t.Errorf("first run cost %.4g → %.4g, continued %.4g → %.4g: the continuation did not start where the first ended", first1, last1, first2, last2)
	}
	// The ptychodus product holds the same result; continuing from it is
	// continuing from the reconstruction file.
	rec, err := data.ReadReconstruction(filepath.Join(dir, "a", "reconstruction.npz"))
	if err != nil {
		t.Fatal(err)
	}
	prod, err := data.ReadProduct(product)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(prod.Object.Pix, rec.Object.Pix) || !slices.Equal(prod.Probe.Pix, rec.Probe.Pix) || len(prod.Losses) != 2 ||
		prod.PixelWidthM != 1e-8 || prod.ProbeEnergyEV != 8000 {
		t.Errorf("product: object/probe equal %v/%v, %d losses, pixel %g, energy %g",
			slices.Equal(prod.Object.Pix, rec.Object.Pix), slices.Equal(prod.Probe.Pix, rec.Probe.Pix), len(prod.Losses), prod.PixelWidthM, prod.ProbeEnergyEV)
	}
	for i := range rec.XCoords {
		if math.Abs(prod.XCoords[i]-rec.XCoords[i]) > 1e-9 || math.Abs(prod.YCoords[i]-rec.YCoords[i]) > 1e-9 {
			t.Fatalf("product position %d: (%g, %g), want (%g, %g)", i, prod.XCoords[i], prod.YCoords[i], rec.XCoords[i], rec.YCoords[i])
		}
	}
	first3, _ := run("c", "--init_from", product)
	if math.Abs(first3-first2) > 1e-6*first2 {
		t.Errorf("continued from the product: first cost %.6g, from the reconstruction file %.6g", first3, first2)
	}

	noObject := filepath.Join(dir, "probe_only.npz")
	if err := data.WriteArrays(noObject, []data.Entry{{Name: "probe", Shape: []int{1, 1}, Value: []complex64{1}}}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no object", []string{"--init_from", noObject}, `key "object"`},
		{"other subset", []string{"--init_from", filepath.Join(dir, "a", "reconstruction.npz"), "--subset", "even"}, `key "xcoords"`},
		{"missing", []string{"--init_from", filepath.Join(dir, "none.npz")}, "none.npz"},
		{"product without pixel size", []string{"--product", filepath.Join(dir, "p.npz"), "--energy_ev", "8000"}, "--pixel_size_m"},
		{"product without energy", []string{"--product", filepath.Join(dir, "p.npz"), "--pixel_size_m", "1e-8"}, "--energy_ev"},
		{"negative distance", []string{"--detector_distance_m", "-1"}, "--detector_distance_m -1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			args := append([]string{"reconstruct", "--data", canonicalLines, "--iterations", "1", "--device", "cpu", "--output_dir", filepath.Join(dir, "bad")}, tc.args...)
			code := runMainCaptured(t, &stdout, &stderr, args...)
			msg := strings.TrimSpace(stderr.String())
			if code == 0 || !strings.Contains(msg, tc.want) || strings.Contains(msg, "\n") {
				t.Errorf("exit %d, stderr %q: want one line naming %q", code, msg, tc.want)
			}
		})
	}
}
