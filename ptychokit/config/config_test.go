package config

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestDefaultsArePtychoPINNs(t *testing.T) {
	r := Defaults()
	if err := r.Validate(); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
	enc, dec := r.Model.Filters()
	// PtychoPINN, N=64, n_filters_scale 2: encoder 64-128-256, decoders 128-64.
	if got, want := enc, []int{64, 128, 256}; !slices.Equal(got, want) {
		t.Errorf("encoder filters %v, want %v", got, want)
	}
	if got, want := dec, []int{128, 64}; !slices.Equal(got, want) {
		t.Errorf("decoder filters %v, want %v", got, want)
	}
	r.Model.N = 128
	enc, dec = r.Model.Filters()
	if got, want := enc, []int{32, 64, 128, 256}; !slices.Equal(got, want) {
		t.Errorf("N=128 encoder filters %v, want %v", got, want)
	}
	if got, want := dec, []int{128, 64, 32}; !slices.Equal(got, want) {
		t.Errorf("N=128 decoder filters %v, want %v", got, want)
	}
	r.Model.N = 64
	r.Model.NFiltersScale = 0.25
	enc, _ = r.Model.Filters()
	if got, want := enc, []int{8, 16, 32}; !slices.Equal(got, want) {
		t.Errorf("n_filters_scale 0.25: %v, want %v", got, want)
	}
}

func TestValidateNamesTheKey(t *testing.T) {
	cases := []struct {
		name string
		edit func(*Run)
		key  string
	}{
		{"N", func(r *Run) { r.Model.N = 48 }, "N = 48"},
		{"gridsize", func(r *Run) { r.Model.Gridsize = 0 }, "gridsize"},
		{"nfs", func(r *Run) { r.Model.NFiltersScale = -1 }, "n_filters_scale"},
		{"type", func(r *Run) { r.Model.ModelType = "gan" }, "model_type"},
		{"nphotons", func(r *Run) { r.Training.NPhotons = -1 }, "nphotons"},
		{"n_groups", func(r *Run) { r.Data.NImages = -1 }, "n_groups"},
		{"n_subsample", func(r *Run) { r.Data.NSubsample = -2 }, "n_subsample"},
		{"batch", func(r *Run) { r.Training.BatchSize = 0 }, "batch_size"},
		{"epochs", func(r *Run) { r.Training.NEpochs = 0 }, "nepochs"},
		{"split", func(r *Run) { r.Training.ValidationSplit = 1 }, "validation_split"},
		{"emptyloss", func(r *Run) { r.Training.NLLWeight = 0 }, "nll_weight"},
		{"supervised", func(r *Run) { r.Model.ModelType = ModelSupervised }, "realspace_mae_weight"},
		{"neighbours", func(r *Run) { r.Model.Gridsize = 3 }, "neighbor_count"},
		{"architecture", func(r *Run) { r.Model.Architecture = "unet" }, "architecture = unet: want cnn, fno, ffno or fno_vanilla"},
		{"fno_modes", func(r *Run) { r.Model.FNOModes = 33 }, "fno_modes = 33: want 1 to N/2 = 32"},
		{"fno_width", func(r *Run) { r.Model.FNOWidth = 0 }, "fno_width"},
		{"fno_blocks", func(r *Run) { r.Model.FNOBlocks = 0 }, "fno_blocks"},
		{"fno_cnn_blocks", func(r *Run) { r.Model.FNOCNNBlocks = -1 }, "fno_cnn_blocks"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := Defaults()
			c.edit(&r)
			err := r.Validate()
			if err == nil || !strings.Contains(err.Error(), c.key) {
				t.Fatalf("Validate() = %v, want an error naming %q", err, c.key)
			}
		})
	}
}

func TestSaveLoadRoundTrip(t *testing.T) {
	dir := t.TempDir()
	r := Defaults()
	r.Model.Gridsize = 2
	r.Model.NFiltersScale = 0.5
	r.Data.TrainDataFile = "x.npz"
	if err := r.Save(dir); err != nil {
		t.Fatal(err)
	}
	got, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if string(got.Marshal()) != string(r.Marshal()) {
		t.Fatalf("round trip changed the config:\n%s\nvs\n%s", got.Marshal(), r.Marshal())
	}
	if d := SameModel(r, got); d != "" {
		t.Fatalf("SameModel after round trip: %s", d)
	}
	other := got
	other.Model.ProbeBig = false
	if d := SameModel(r, other); !strings.Contains(d, "probe_big") {
		t.Fatalf("SameModel = %q, want it to name probe_big", d)
	}
	other = got
	other.Training.NEpochs = 99
	if d := SameModel(r, other); d != "" {
		t.Fatalf("SameModel differs on nepochs only: %q", d)
	}
}

func TestLoadRejects(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, text, want string
	}{
		{"version", strings.Replace(string(Defaults().Marshal()), fmt.Sprintf(`"format_version": %d`, FormatVersion), `"format_version": 99`, 1), "format_version 99"},
		{"version 0", strings.Replace(string(Defaults().Marshal()), fmt.Sprintf(`"format_version": %d`, FormatVersion), `"format_version": 0`, 1), "format_version 0"},
		{"unknown", strings.Replace(string(Defaults().Marshal()), `"gridsize"`, `"grid_size"`, 1), "grid_size"},
		{"truncated", string(Defaults().Marshal())[:40], "not a ptychokit configuration"},
		{"noversion", `{"model":{}}`, "no format_version"},
		{"invalid", strings.Replace(string(Defaults().Marshal()), `"batch_size": 16`, `"batch_size": -3`, 1), "batch_size"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, c.name+".json")
			if err := os.WriteFile(path, []byte(c.text), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Load(path)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("Load = %v, want an error naming %s and %q", err, path, c.want)
			}
		})
	}
	if _, err := Load(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("Load of a missing file: no error")
	}
}

// TestLoadVersion1: a configuration of format version 1 (the model shipped
// in datasets/models, and a gridsize-1 run) reads as version 2 with the same
// meaning: n_images is n_groups, and gridsize 1 took the first scan points.
func TestLoadVersion1(t *testing.T) {
	shipped, err := Load(filepath.Join("..", "..", "datasets", "models", "lines_N64_gs2"))
	if err != nil {
		t.Fatal(err)
	}
	if shipped.FormatVersion != FormatVersion || shipped.Model.Gridsize != 2 || shipped.Data.NImages != 512 ||
		shipped.Data.SequentialSampling || shipped.Data.NSubsample != 0 || shipped.Training.NPhotons != 1e9 {
		t.Errorf("shipped version 1 model read as %+v", shipped)
	}

	b, err := os.ReadFile(filepath.Join("..", "..", "datasets", "models", "lines_N64_gs2", FileName))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(b), `"gridsize": 2`, `"gridsize": 1`, 1)
	text = strings.Replace(text, `"n_images": 512`, `"n_images": 64`, 1)
	got, err := Unmarshal([]byte(text))
	if err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	if got.FormatVersion != FormatVersion || got.Data.NImages != 64 || !got.Data.SequentialSampling || got.Model.Gridsize != 1 {
		t.Errorf("gridsize-1 version 1 read as %+v", got.Data)
	}
}

// A configuration written before the generators existed (no architecture)
// reads as the CNN with the default FNO fields, so its model equals one of
// today's defaults and --init_from and resume accept it.
func TestLegacyConfigIsTheCNN(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "datasets", "models", "lines_demo", FileName))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "architecture") {
		t.Fatal("the kept demo model's config.json names an architecture: this test wants one written before")
	}
	r, err := Unmarshal(b)
	if err != nil {
		t.Fatal(err)
	}
	if r.Model.Architecture != ArchCNN {
		t.Errorf("architecture %q, want %q", r.Model.Architecture, ArchCNN)
	}
	now := Defaults().Model
	now.Gridsize, now.NFiltersScale = r.Model.Gridsize, r.Model.NFiltersScale
	now.Init, now.InputTransform, now.ProbeBig = r.Model.Init, r.Model.InputTransform, r.Model.ProbeBig
	if d := SameModel(Run{Model: r.Model}, Run{Model: now}); d != "" {
		t.Errorf("the legacy model differs from today's defaults: %s", d)
	}
	fno := r
	fno.Model.Architecture = ArchFFNO
	back, err := Unmarshal(fno.Marshal())
	if err != nil || back.Model != fno.Model {
		t.Errorf("round trip of an ffno model: %v, %+v", err, back.Model)
	}
}
