package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ptychokit/ptychokit/ptychokit/config"
	"github.com/ptychokit/ptychokit/ptychokit/data"
)

// TestPtychoPINNCommandVerbatim runs the command line of PtychoPINN's own
// integration test, word for word (F = the canonical lines scan), on
// PtychoPINN's full network: it must be accepted and leave a usable run.
// It takes minutes on 2 cores (measured 157–340 s, depending on what else
// the machine ran; about 60 % training, 40 % reconstructing all 256
// patterns), so -short skips it.
func TestPtychoPINNCommandVerbatim(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: PtychoPINN's full network trains for minutes on a CPU")
	}
	if _, err := os.Stat(canonicalLines); err != nil {
		t.Skipf("canonical dataset missing (make datasets): %v", err)
	}
	bin := buildCLI(t)
	dir := t.TempDir()
	start := time.Now()
	out, errOut, code := runCLI(t, bin, strings.Fields(
		"train --train_data_file "+canonicalLines+" --test_data_file "+canonicalLines+" --output_dir "+dir+
			" --max_epochs 2 --n_images 64 --gridsize 1 --batch_size 4 --device cpu --disable_mlflow")...)
	t.Logf("PtychoPINN's command took %.0f s", time.Since(start).Seconds())
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	cfg, err := config.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	// lines_N64 was simulated at 1e9 photons (datasets/make.sh): with
	// --nphotons left out, that is what the data say.
	if cfg.Data.NImages != 64 || cfg.Model.Gridsize != 1 || cfg.Training.NEpochs != 2 || cfg.Training.BatchSize != 4 ||
		math.Abs(cfg.Training.NPhotons/1e9-1) > 1e-3 {
		t.Errorf("config.json does not hold the command: %+v", cfg)
	}
	if !strings.Contains(errOut, fmt.Sprintf("nphotons %.6g: read from the data", cfg.Training.NPhotons)) { // the estimate, ~1e9
		t.Errorf("no line saying where nphotons came from:\n%s", errOut)
	}
	if rows := readCSV(t, filepath.Join(dir, "history.csv")); len(rows) != 3 || rows[1][0] != "1" || rows[2][0] != "2" {
		t.Errorf("history.csv: %v, want a header and epochs 1 and 2", rows)
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "best", "checkpoint-*.json")); len(files) != 1 {
		t.Errorf("best/: %v, want one checkpoint", files)
	}
	arrays, err := data.ReadArrays(filepath.Join(dir, "reconstruction.npz"))
	if err != nil {
		t.Fatal(err)
	}
	if obj, ok := arrays["object"].Value.([]complex64); !ok || len(obj) == 0 {
		t.Errorf("reconstruction.npz: object %T", arrays["object"].Value)
	}
}

// TestPtychoPINNFlags: PtychoPINN's sampling options reach config.json
// under their own names, infer reads the model back, and misuse gives one
// line naming the flag.
func TestPtychoPINNFlags(t *testing.T) {
	if _, err := os.Stat(canonicalLines); err != nil {
		t.Skipf("canonical dataset missing (make datasets): %v", err)
	}
	bin := buildCLI(t)
	dir := t.TempDir()
	model := filepath.Join(dir, "model")
	out, errOut, code := runCLI(t, bin, "train", "--train_data_file", canonicalLines, "--output_dir", model,
		"--n_groups", "12", "--n_subsample", "40", "--subsample_seed", "3", "--sequential_sampling", "--nphotons", "1e6",
		"--max_epochs", "1", "--batch_size", "4", "--n_filters_scale", "0.125", "--device", "cpu", "--disable_mlflow")
	if code != 0 {
		t.Fatalf("train exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	cfg, err := config.Load(model)
	if err != nil {
		t.Fatal(err)
	}
	if d := cfg.Data; d.NImages != 12 || d.NSubsample != 40 || d.SubsampleSeed != 3 || !d.SequentialSampling || cfg.Training.NPhotons != 1e6 {
		t.Errorf("config.json: data %+v, nphotons %g", d, cfg.Training.NPhotons)
	}
	for _, want := range []string{"n_subsample: training on 40 of the 256 scan points (subsample_seed 3)", "warning: nphotons 1e+06 is 1e+03× below"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	b, _ := os.ReadFile(filepath.Join(model, config.FileName))
	for _, key := range []string{`"n_groups": 12`, `"n_subsample": 40`, `"subsample_seed": 3`, `"sequential_sampling": true`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("config.json lacks %s", key)
		}
	}
	rec := filepath.Join(dir, "rec")
	if out, errOut, code := runCLI(t, bin, "infer", "--model_path", model, "--test_data", canonicalLines, "--output_dir", rec,
		"--n_groups", "5", "--device", "cpu"); code != 0 || !strings.Contains(out, "reconstructed 5 patches") {
		t.Errorf("infer --n_groups 5: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--n_groups", "8", "--n_images", "9"}, "--n_groups 8 was given too"},
		{[]string{"--n_images", "8", "--n_groups", "9"}, "--n_images 8 was given too"},
		{[]string{"--n_groups", "many"}, "-n_groups: want a whole number"},
		{[]string{"--n_subsample", "-1"}, "--n_subsample = -1"},
		{[]string{"--nphotons", "-5"}, "--nphotons = -5"},
		{[]string{"--disable_mlflow=maybe"}, "disable_mlflow"},
	} {
		args := append([]string{"train", "--train_data_file", canonicalLines, "--output_dir", filepath.Join(dir, "bad")}, c.args...)
		_, errOut, code := runCLI(t, bin, args...)
		if lines := strings.Split(strings.TrimSpace(errOut), "\n"); code == 0 || len(lines) != 1 || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, stderr %q: want one line naming %q", c.args, code, errOut, c.want)
		}
	}
	help, _, _ := runCLI(t, bin, "train", "--help")
	for _, want := range []string{"-disable_mlflow", "does nothing", "-n_groups", "deprecated alias of --n_groups: the same number", "-n_subsample",
		"-subsample_seed", "-sequential_sampling", "read from the training data"} {
		if !strings.Contains(help, want) {
			t.Errorf("train --help lacks %q", want)
		}
	}
}
