package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ptychokit/ptychokit/ptychokit/data"
)

// TestReconstructConfigAndModes: reconstruct --config takes flags from a
// YAML file, the command line overrides it, flags.json records the
// effective values, a two-mode probe is written as 2×N×N, and a bad file is
// one line naming the file and the key.
func TestReconstructConfigAndModes(t *testing.T) {
	dir := t.TempDir()
	scan := writeSmallScan(t, dir)
	cfg := filepath.Join(dir, "run.yaml")
	if err := os.WriteFile(cfg, []byte("iterations: 5\nsolver:\n  algo: epie\n  probe_modes: 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	var stdout, stderr bytes.Buffer
	if code := runMainCaptured(t, &stdout, &stderr, "reconstruct", "--data", scan, "--output_dir", out, "--config", cfg, "--iterations", "2"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	b, err := os.ReadFile(filepath.Join(out, "flags.json"))
	if err != nil {
		t.Fatal(err)
	}
	var flags map[string]any
	if err := json.Unmarshal(b, &flags); err != nil {
		t.Fatal(err)
	}
	if flags["iterations"] != 2.0 || flags["algo"] != "epie" || flags["probe_modes"] != 2.0 || flags["data"] != scan {
		t.Errorf("flags.json: %s", b)
	}
	res, err := data.ReadReconstruction(filepath.Join(out, reconstructionFile))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.ProbeModes) != 2 || !strings.Contains(stdout.String(), "probe mode powers") {
		t.Errorf("%d probe modes written; stdout:\n%s", len(res.ProbeModes), stdout.String())
	}

	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"probe_modes": "two"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout.Reset()
	stderr.Reset()
	code := runMainCaptured(t, &stdout, &stderr, "reconstruct", "--data", scan, "--output_dir", filepath.Join(dir, "bad"), "--config", bad)
	msg := strings.TrimSpace(stderr.String())
	if code == 0 || !strings.Contains(msg, bad) || !strings.Contains(msg, `"probe_modes"`) || strings.Contains(msg, "\n") {
		t.Errorf("exit %d, stderr %q", code, msg)
	}
}
