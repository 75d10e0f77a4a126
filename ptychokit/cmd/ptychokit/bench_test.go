package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBenchCLI runs a tiny `ptychokit bench` on the pure-Go backend (small
// network, two calls a case, two solver iterations on the canonical lines
// scan; a few seconds) and checks the JSON report: the device is named, every
// case the flags asked for is there with positive timings and rates, and the
// solver cost decreases.
func TestBenchCLI(t *testing.T) {
	if _, err := os.Stat(canonicalLines); err != nil {
		t.Skipf("canonical dataset missing (make datasets): %v", err)
	}
	bin := buildCLI(t)
	report := filepath.Join(t.TempDir(), "bench.json")
	out, errOut, code := runCLI(t, bin, "bench", "--quick", "--device", "cpu", "--cases", "64x1x2,64x2x1",
		"--n_filters_scale", "0.125", "--train_calls", "2", "--infer_calls", "2",
		"--data", canonicalLines, "--solver_batches", "16", "--solver_iterations", "2", "--output_file", report)
	if code != 0 {
		t.Fatalf("bench exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if !strings.HasPrefix(out, "device: cpu (GoMLX pure-Go backend)") {
		t.Errorf("bench did not print the device first:\n%s", out)
	}
	raw, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	// Decode into generic maps so that the test checks the key names the
	// JSON really has, not the Go field names.
	var r map[string]any
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("%s: %v", report, err)
	}
	if r["tool"] != "ptychokit bench" || r["device"] != "cpu (GoMLX pure-Go backend)" || r["quick"] != true {
		t.Errorf("report header: tool %v, device %v, quick %v", r["tool"], r["device"], r["quick"])
	}
	if s, _ := r["started"].(string); s == "" {
		t.Errorf("report has no start time")
	}
	list := func(key string) []map[string]any {
		items, ok := r[key].([]any)
		if !ok {
			t.Fatalf("report has no list %q", key)
		}
		var ms []map[string]any
		for _, it := range items {
			m, ok := it.(map[string]any)
			if !ok {
				t.Fatalf("%q holds a %T", key, it)
			}
			if e, ok := m["error"]; ok {
				t.Errorf("%q entry failed: %v", key, e)
			}
			ms = append(ms, m)
		}
		return ms
	}
	positive := func(what string, m map[string]any, keys ...string) {
		for _, k := range keys {
			v, ok := m[k].(float64)
			if !ok || !(v > 0) {
				t.Errorf("%s: %q = %v, want a positive number", what, k, m[k])
			}
		}
	}

	pinn := list("pinn")
	want := []struct{ gridsize, batch, patterns float64 }{{1, 2, 2}, {2, 1, 4}}
	if len(pinn) != len(want) {
		t.Fatalf("pinn: %d cases, want %d", len(pinn), len(want))
	}
	for i, w := range want {
		p := pinn[i]
		if p["N"] != 64.0 || p["gridsize"] != w.gridsize || p["batch"] != w.batch || p["patterns_per_batch"] != w.patterns ||
			p["n_filters_scale"] != 0.125 || p["steps_per_call"] != 1.0 || p["train_steps"] != 2.0 || p["infer_calls"] != 2.0 {
			t.Errorf("pinn case %d does not hold the flags: %v", i, p)
		}
		positive("pinn", p, "params", "train_compile_s", "train_step_s", "train_patterns_per_s", "train_conv_tflop_per_s",
			"loss_first", "loss_last", "infer_compile_s", "infer_s", "infer_patterns_per_s")
		// The rate is the batch's patterns over the step time.
		step, _ := p["train_step_s"].(float64)
		rate, _ := p["train_patterns_per_s"].(float64)
		if step > 0 && (rate*step < 0.99*w.patterns || rate*step > 1.01*w.patterns) {
			t.Errorf("pinn case %d: %g patterns/s × %g s = %g, want %g patterns", i, rate, step, rate*step, w.patterns)
		}
	}

	dft := list("dft")
	if len(dft) == 0 {
		t.Errorf("dft: no far-field timings")
	}
	for _, d := range dft {
		if m, _ := d["method"].(string); m == "" {
			t.Errorf("dft entry without a method: %v", d)
		}
		positive("dft", d, "N", "batch", "forward_backward_s", "patterns_per_s", "calls")
	}

	solver := list("solver")
	if len(solver) != 1 {
		t.Fatalf("solver: %d entries, want 1", len(solver))
	}
	s := solver[0]
	if s["algorithm"] != "rpie" || s["batch_size"] != 16.0 || s["iterations"] != 2.0 || s["N"] != 64.0 {
		t.Errorf("solver entry does not hold the flags: %v", s)
	}
	positive("solver", s, "patterns", "first_iteration_s", "iteration_s")
	costs, _ := s["costs"].([]any)
	if len(costs) != 2 || s["cost_decreasing"] != true {
		t.Errorf("solver costs %v, decreasing %v: want 2 decreasing costs", costs, s["cost_decreasing"])
	}
}
