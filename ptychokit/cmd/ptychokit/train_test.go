package main

import (
	"bytes"
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ptychokit/ptychokit/ptychokit/config"
	"github.com/ptychokit/ptychokit/ptychokit/data"
)

// canonicalLines is the project's simulated 'lines' scan (datasets/make.sh).
var canonicalLines = filepath.Join("..", "..", "..", "datasets", "lines_N64.npz")

// buildCLI builds the command once per test binary into a temporary folder.
func buildCLI(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "ptychokit")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func runCLI(t *testing.T, bin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var o, e bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	code = 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return o.String(), e.String(), code
}

// TestTrainInferCLI is the end-to-end test: train → save → load → infer
// through the command line as a user runs it, on the pure-Go backend, for
// gridsize 1 and 2, with a small network (--n_filters_scale 0.125: filters
// 4-8-16) so that it runs in about a minute on 2 cores.
func TestTrainInferCLI(t *testing.T) {
	if _, err := os.Stat(canonicalLines); err != nil {
		t.Skipf("canonical dataset missing (make datasets): %v", err)
	}
	bin := buildCLI(t)
	for _, gridsize := range []string{"1", "2"} {
		t.Run("gridsize"+gridsize, func(t *testing.T) {
			dir := t.TempDir()
			model := filepath.Join(dir, "model")
			out, errOut, code := runCLI(t, bin, "train", "--train_data_file", canonicalLines, "--test_data_file", canonicalLines,
				"--output_dir", model, "--max_epochs", "2", "--n_images", "64", "--gridsize", gridsize, "--batch_size", "4",
				"--device", "cpu", "--n_filters_scale", "0.125")
			if code != 0 {
				t.Fatalf("train exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
			}
			if !strings.Contains(out, "device: cpu (GoMLX pure-Go backend)") {
				t.Errorf("train did not print the backend first:\n%s", out)
			}
			cfg, err := config.Load(model)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Model.Gridsize != int(gridsize[0]-'0') || cfg.Training.NEpochs != 2 || cfg.Data.NImages != 64 || cfg.Training.BatchSize != 4 {
				t.Errorf("config.json does not hold the flags: %+v", cfg)
			}
			rows := readCSV(t, filepath.Join(model, "history.csv"))
			if len(rows) != 3 || strings.Join(rows[0], ",") != "epoch,train_loss,val_loss,lr,seconds,amp_contrast,phase_spread,log_scale" {
				t.Errorf("history.csv: %v", rows)
			}
			for _, sub := range []string{"checkpoints", "best"} {
				files, _ := filepath.Glob(filepath.Join(model, sub, "checkpoint-*.json"))
				if len(files) != 1 {
					t.Errorf("%s/: %d checkpoints, want 1", sub, len(files))
				} else if b, _ := os.ReadFile(files[0]); !bytes.Contains(b, []byte("ptychokit_config")) {
					t.Errorf("%s does not carry the configuration", files[0])
				}
			}

			recDir := filepath.Join(dir, "rec")
			out, errOut, code = runCLI(t, bin, "infer", "--model_path", model, "--test_data", canonicalLines,
				"--output_dir", recDir, "--device", "cpu")
			if code != 0 {
				t.Fatalf("infer exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
			}
			arrays, err := data.ReadArrays(filepath.Join(recDir, "reconstruction.npz"))
			if err != nil {
				t.Fatal(err)
			}
			truth, err := data.Load(canonicalLines, data.LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			want := map[string][]int{"object": {truth.Object.H, truth.Object.W}, "probe": {64, 64},
				"xcoords": {truth.Count}, "ycoords": {truth.Count}}
			for key, shape := range want {
				e, ok := arrays[key]
				if !ok || len(e.Shape) != len(shape) || e.Shape[0] != shape[0] || e.Shape[len(shape)-1] != shape[len(shape)-1] {
					t.Errorf("reconstruction.npz %s: %v, want shape %v", key, e.Shape, shape)
				}
			}
			if _, ok := arrays["object"].Value.([]complex64); !ok {
				t.Errorf("object is %T, want complex64", arrays["object"].Value)
			}
			for _, png := range []string{"amplitude_phase.png", "comparison.png"} {
				b, err := os.ReadFile(filepath.Join(recDir, png))
				if err != nil || !bytes.HasPrefix(b, []byte("\x89PNG")) {
					t.Errorf("%s: not a PNG (%v)", png, err)
				}
			}
		})
	}
}

// TestTrainInferCLIErrors: bad input gives a one-line error that names the
// flag or file, never a stack trace.
func TestTrainInferCLIErrors(t *testing.T) {
	bin := buildCLI(t)
	dir := t.TempDir()
	brokenModel := filepath.Join(dir, "broken")
	os.MkdirAll(filepath.Join(brokenModel, "checkpoints"), 0o755)
	cfg := config.Defaults()
	cfg.Save(brokenModel)
	os.WriteFile(filepath.Join(brokenModel, "checkpoints", "checkpoint-n0000001-x.json"), []byte("{truncated"), 0o644)
	os.WriteFile(filepath.Join(brokenModel, "checkpoints", "checkpoint-n0000001-x.bin"), []byte("xx"), 0o644)
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no data", []string{"train", "--output_dir", dir}, "--train_data_file"},
		{"missing file", []string{"train", "--train_data_file", filepath.Join(dir, "nope.npz"), "--output_dir", dir}, "nope.npz"},
		{"bad gridsize", []string{"train", "--train_data_file", "x.npz", "--output_dir", dir, "--gridsize", "0"}, "gridsize"},
		{"bad device", []string{"train", "--train_data_file", "x.npz", "--output_dir", dir, "--device", "tpu"}, "--device"},
		{"bad architecture", []string{"train", "--train_data_file", "x.npz", "--output_dir", dir, "--architecture", "unet"}, "--architecture = unet: want cnn, fno, ffno or fno_vanilla"},
		{"bad fno_modes", []string{"train", "--train_data_file", "x.npz", "--output_dir", dir, "--architecture", "ffno", "--fno_modes", "40"}, "--fno_modes = 40: want 1 to N/2 = 32"},
		{"no model", []string{"infer", "--model_path", filepath.Join(dir, "none"), "--test_data", "x.npz", "--output_dir", dir}, "--model_path"},
		{"corrupted checkpoint", []string{"infer", "--model_path", brokenModel, "--test_data", "x.npz", "--output_dir", dir}, "unreadable checkpoint"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, errOut, code := runCLI(t, bin, c.args...)
			if code == 0 {
				t.Fatalf("exit 0, want an error; stdout %s", out)
			}
			lines := strings.Split(strings.TrimSpace(errOut), "\n")
			if len(lines) != 1 || !strings.Contains(errOut, c.want) || strings.Contains(errOut, "goroutine") {
				t.Fatalf("stderr %q: want one line naming %q", errOut, c.want)
			}
		})
	}
	out, _, code := runCLI(t, bin, "train", "--help")
	if code != 0 || !strings.Contains(out, "--n_filters_scale") || !strings.Contains(out, "history.csv") {
		t.Errorf("train --help: exit %d\n%s", code, out)
	}
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}
