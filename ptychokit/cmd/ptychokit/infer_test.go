package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ptychokit/ptychokit/ptychokit/data"
)

var keptModel = filepath.Join("..", "..", "..", "datasets", "models", "lines_N64_gs2")

// TestInferStitchCLI: --stitch and --stitch_keep reach the stitching and are
// recorded in stitch.json; bad values are one-line errors naming the flag.
func TestInferStitchCLI(t *testing.T) {
	if _, err := os.Stat(keptModel); err != nil {
		t.Skip(err)
	}
	bin := buildCLI(t)
	dir := t.TempDir()
	type record struct {
		Mode      string  `json:"mode"`
		Keep      int     `json:"keep"`
		Sigma     float64 `json:"sigma"`
		Covered   float64 `json:"scanned_region_covered"`
		MinWeight float64 `json:"min_weight"`
	}
	runs := []struct {
		name  string
		flags []string
		want  record
	}{
		{"default", []string{"--compress", "--product", filepath.Join(dir, "product.npz"), "--pixel_size_m", "2e-8", "--energy_ev", "9000"},
			record{Mode: "gauss", Keep: 64, Sigma: 64.0 / 12, MinWeight: 1e-6}},
		{"keep", []string{"--stitch", "keep"}, record{Mode: "keep", Keep: 20, MinWeight: 1e-6}},
		{"probe 32", []string{"--stitch", "probe", "--stitch_keep", "32"}, record{Mode: "probe", Keep: 32, MinWeight: 1e-6}},
	}
	covered := map[string]float64{}
	for _, r := range runs {
		out := filepath.Join(dir, r.name)
		// 8 groups of 4: a sparse scan, where the modes' coverage differs.
		args := append([]string{"infer", "--model_path", keptModel, "--test_data", canonicalLines,
			"--output_dir", out, "--n_images", "8", "--device", "cpu"}, r.flags...)
		stdout, stderr, code := runCLI(t, bin, args...)
		if code != 0 {
			t.Fatalf("%s: exit %d\n%s%s", r.name, code, stdout, stderr)
		}
		b, err := os.ReadFile(filepath.Join(out, "stitch.json"))
		if err != nil {
			t.Fatal(err)
		}
		var got record
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("%s: stitch.json: %v", r.name, err)
		}
		covered[r.name] = got.Covered
		got.Covered = 0
		if got != r.want {
			t.Errorf("%s: stitch.json %+v, want %+v", r.name, got, r.want)
		}
		if !strings.Contains(stdout, "of the scanned region covered") {
			t.Errorf("%s: stdout does not report the coverage:\n%s", r.name, stdout)
		}
	}
	if !(covered["keep"] < covered["default"]) || covered["default"] <= 0 || covered["default"] > 1 {
		t.Errorf("scanned region covered: keep 20 %g, default %g; want 0 < keep < default ≤ 1", covered["keep"], covered["default"])
	}
	// The ptychodus product holds the result written beside it (deflated
	// here, by --compress).
	rec, err := data.ReadReconstruction(filepath.Join(dir, "default", "reconstruction.npz"))
	if err != nil {
		t.Fatal(err)
	}
	prod, err := data.ReadProduct(filepath.Join(dir, "product.npz"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(prod.Object.Pix, rec.Object.Pix) || !slices.Equal(prod.Probe.Pix, rec.Probe.Pix) || prod.ProbeEnergyEV != 9000 || len(prod.XCoords) != len(rec.XCoords) {
		t.Errorf("the product does not hold the reconstruction (energy %g, %d positions for %d)", prod.ProbeEnergyEV, len(prod.XCoords), len(rec.XCoords))
	}
	for _, c := range []struct {
		flags []string
		want  string
	}{
		{[]string{"--product", filepath.Join(dir, "p.npz"), "--pixel_size_m", "1e-8"}, "--energy_ev"},
		{[]string{"--stitch", "hann"}, `--stitch "hann": want gauss | probe | keep`},
		{[]string{"--stitch_keep", "-1"}, "--stitch_keep -1"},
		{[]string{"--stitch_keep", "65"}, "--stitch_keep 65"},
	} {
		args := append([]string{"infer", "--model_path", keptModel, "--test_data", canonicalLines,
			"--output_dir", filepath.Join(dir, "bad"), "--device", "cpu"}, c.flags...)
		_, stderr, code := runCLI(t, bin, args...)
		if code == 0 || !strings.Contains(stderr, c.want) || strings.Contains(strings.TrimSpace(stderr), "\n") {
			t.Errorf("%v: exit %d, stderr %q; want a one-line error mentioning %q", c.flags, code, stderr, c.want)
		}
	}
}
