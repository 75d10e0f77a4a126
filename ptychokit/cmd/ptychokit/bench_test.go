package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBenchCLI runs a tiny 'ptychokit bench' on the pure-Go backend (one
// PtychoPINN case with a narrow network, the far field, two rPIE iterations
// on lines_N64, a peer report to compare with) and checks the JSON report:
// its keys, that every timing is a positive number, that the device is named
// and that the ratios to the peer are ours/theirs.
func TestBenchCLI(t *testing.T) {
	if _, err := os.Stat(canonicalLines); err != nil {
		t.Skipf("canonical dataset missing (make datasets): %v", err)
	}
	bin := buildCLI(t)
	dir := t.TempDir()
	peer := filepath.Join(dir, "peer.json")
	const peerTrain, peerInfer, peerIter = 10.0, 20.0, 5.0
	peerJSON := `{"tool": "test peer", "gpu": "none", "compiled": false, "tf32": false,
	  "pinn": [{"N": 64, "gridsize": 1, "batch": 1, "params": 1, "train_step_s": 0.1,
	            "train_patterns_per_s": 10, "infer_s": 0.05, "infer_patterns_per_s": 20}],
	  "solver": {"patterns": 256, "N": 64, "batch": 8, "iteration_s": 5, "cost_first": 1, "cost_last": 0.5}}`
	if err := os.WriteFile(peer, []byte(peerJSON), 0o644); err != nil {
		t.Fatal(err)
	}
	report := filepath.Join(dir, "bench.json")
	out, errOut, code := runCLI(t, bin, "bench", "--device", "cpu", "--quick", "--cases", "64x1x1",
		"--n_filters_scale", "0.125", "--train_calls", "2", "--infer_calls", "2",
		"--data", canonicalLines, "--solver_batches", "8", "--solver_iterations", "3",
		"--peers", peer, "--output_file", report)
	if code != 0 {
		t.Fatalf("bench exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if !strings.HasPrefix(out, "device: cpu (GoMLX pure-Go backend)") {
		t.Errorf("bench did not print the backend first:\n%s", out)
	}

	// Keys first, from a generic decoding: the report's contract is its JSON.
	raw, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	var generic map[string]any
	if err := json.Unmarshal(raw, &generic); err != nil {
		t.Fatalf("%s: %v", report, err)
	}
	for _, k := range []string{"tool", "device", "started", "quick", "pinn", "dft", "solver", "peers", "ratios"} {
		if _, ok := generic[k]; !ok {
			t.Errorf("report lacks key %q: %s", k, raw)
		}
	}
	pinnKeys := []string{"N", "gridsize", "batch", "patterns_per_batch", "params", "train_step_s",
		"train_patterns_per_s", "train_conv_tflop_per_s", "loss_first", "loss_last", "infer_s", "infer_patterns_per_s"}
	if ps, ok := generic["pinn"].([]any); ok && len(ps) == 1 {
		p := ps[0].(map[string]any)
		for _, k := range pinnKeys {
			if _, ok := p[k]; !ok {
				t.Errorf("pinn case lacks key %q: %v", k, p)
			}
		}
	} else {
		t.Errorf("pinn: want one case, got %v", generic["pinn"])
	}

	var rep struct {
		Tool, Device string
		Quick        bool
		PINN         []struct {
			N, Gridsize, Batch, Params int
			Patterns                   int     `json:"patterns_per_batch"`
			Step                       float64 `json:"train_step_s"`
			TrainRate                  float64 `json:"train_patterns_per_s"`
			TFLOPs                     float64 `json:"train_conv_tflop_per_s"`
			LossFirst                  float64 `json:"loss_first"`
			LossLast                   float64 `json:"loss_last"`
			Infer                      float64 `json:"infer_s"`
			InferRate                  float64 `json:"infer_patterns_per_s"`
			Error                      string
			TrainSteps                 int `json:"train_steps"`
			InferCalls                 int `json:"infer_calls"`
		}
		DFT []struct {
			N, Batch, Calls int
			Method          string
			Seconds         float64 `json:"forward_backward_s"`
			Rate            float64 `json:"patterns_per_s"`
			Error           string
		}
		Solver []struct {
			Algorithm  string
			BatchSize  int     `json:"batch_size"`
			Iteration  float64 `json:"iteration_s"`
			Iterations int
			Costs      []float64
			Decreasing bool `json:"cost_decreasing"`
			Error      string
		}
		Ratios []struct {
			What, Case          string
			Ours, Theirs, Ratio float64
		}
	}
	if err := json.Unmarshal(raw, &rep); err != nil {
		t.Fatalf("%s: %v", report, err)
	}
	if rep.Tool != "ptychokit bench" || !strings.Contains(rep.Device, "cpu") || !rep.Quick {
		t.Errorf("tool/device/quick: %q %q %v", rep.Tool, rep.Device, rep.Quick)
	}
	if len(rep.PINN) == 1 {
		p := rep.PINN[0]
		if p.N != 64 || p.Gridsize != 1 || p.Batch != 1 || p.Patterns != 1 || p.Error != "" {
			t.Errorf("pinn case: %+v", p)
		}
		if p.TrainSteps != 2 || p.InferCalls != 2 {
			t.Errorf("pinn calls: %d train steps, %d inference calls; want 2 and 2", p.TrainSteps, p.InferCalls)
		}
		for name, v := range map[string]float64{"params": float64(p.Params), "train_step_s": p.Step,
			"train_patterns_per_s": p.TrainRate, "train_conv_tflop_per_s": p.TFLOPs, "loss_first": p.LossFirst,
			"loss_last": p.LossLast, "infer_s": p.Infer, "infer_patterns_per_s": p.InferRate} {
			if !(v > 0) {
				t.Errorf("pinn %s = %v, want > 0", name, v)
			}
		}
		// One pattern a step: the rate is the inverse of the step time.
		if r := p.TrainRate * p.Step; r < 0.99 || r > 1.01 {
			t.Errorf("train rate %v × step %v s = %v, want 1", p.TrainRate, p.Step, r)
		}
	}
	if len(rep.DFT) == 0 {
		t.Errorf("no far-field timings")
	}
	for _, d := range rep.DFT {
		if d.Error != "" || !(d.Seconds > 0) || !(d.Rate > 0) || d.Calls <= 0 || d.Method == "" {
			t.Errorf("far field: %+v", d)
		}
	}
	if len(rep.Solver) != 1 {
		t.Fatalf("solver: want one case, got %+v", rep.Solver)
	}
	s := rep.Solver[0]
	if s.Algorithm != "rpie" || s.BatchSize != 8 || s.Iterations != 3 || len(s.Costs) != 3 || s.Error != "" || !(s.Iteration > 0) {
		t.Errorf("solver: %+v", s)
	}
	if !s.Decreasing || !(s.Costs[2] < s.Costs[0]) {
		t.Errorf("solver cost does not decrease: %v", s.Costs)
	}

	// Ratios: rates are ours/theirs, seconds theirs/ours.
	want := map[string]float64{}
	if len(rep.PINN) == 1 {
		want["train"] = rep.PINN[0].TrainRate / peerTrain
		want["infer"] = rep.PINN[0].InferRate / peerInfer
	}
	want["solver"] = peerIter / s.Iteration
	found := map[string]bool{}
	for _, r := range rep.Ratios {
		for key, w := range want {
			if strings.Contains(strings.ToLower(r.What), key) {
				found[key] = true
				if d := r.Ratio/w - 1; d > 1e-6 || d < -1e-6 {
					t.Errorf("ratio %s %s = %v, want %v", r.What, r.Case, r.Ratio, w)
				}
			}
		}
	}
	for key := range want {
		if !found[key] {
			t.Errorf("no %s ratio to the peer: %+v", key, rep.Ratios)
		}
	}
}

// TestBenchIOCLI: bench --io runs a tiny scan end to end for each
// --io_patterns and reports each in the table and the JSON.
func TestBenchIOCLI(t *testing.T) {
	out := filepath.Join(t.TempDir(), "io.json")
	var stdout, stderr bytes.Buffer
	if code := runMainCaptured(t, &stdout, &stderr, "bench", "--io", "--device", "cpu", "--io_patterns", "6,10", "--io_N", "16",
		"--io_iterations", "2", "--io_batch_size", "4", "--io_dir", t.TempDir(), "--output_file", out); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var report struct {
		IO []struct {
			Patterns   int     `json:"patterns"`
			Iterations int     `json:"iterations"`
			FileMB     float64 `json:"file_mb"`
			Error      string  `json:"error"`
		} `json:"io"`
	}
	if err := json.Unmarshal(b, &report); err != nil {
		t.Fatal(err)
	}
	if len(report.IO) != 2 || report.IO[0].Patterns != 6 || report.IO[1].Patterns != 10 || report.IO[1].Iterations != 2 || report.IO[1].Error != "" || !(report.IO[1].FileMB > report.IO[0].FileMB) {
		t.Errorf("report %+v", report.IO)
	}
	if !strings.Contains(stdout.String(), "10×16²") {
		t.Errorf("no table line for 10 patterns:\n%s", stdout.String())
	}
	for _, bad := range [][]string{{"--io_N", "15"}, {"--io_patterns", "x"}} {
		stdout.Reset()
		stderr.Reset()
		args := append([]string{"bench", "--io", "--device", "cpu", "--output_file", ""}, bad...)
		if code := runMainCaptured(t, &stdout, &stderr, args...); code == 0 || !strings.Contains(stderr.String(), bad[0]) {
			t.Errorf("%v: exit %d, stderr %q", bad, code, stderr.String())
		}
	}
}
