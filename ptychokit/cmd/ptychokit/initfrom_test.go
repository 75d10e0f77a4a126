package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

// TestTrainInitFromFlags: a fine-tune takes the model options of
// --init_from; a model flag given with another value is refused in one line
// naming it, before anything trains; one given with the same value is fine
// (checked by getting past the options to the missing data file).
func TestTrainInitFromFlags(t *testing.T) {
	model := filepath.Join("..", "..", "..", "datasets", "models", "lines_demo")
	for _, tc := range []struct {
		name  string
		flags []string
		want  string
	}{
		{"other gridsize", []string{"--gridsize", "1"}, "--gridsize: the model in --init_from"},
		{"other width", []string{"--n_filters_scale", "2"}, "--n_filters_scale: the model in --init_from"},
		{"same gridsize", []string{"--gridsize", "2"}, "no-such-file.npz"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			args := append([]string{"train", "--init_from", model, "--train_data_file", filepath.Join(t.TempDir(), "no-such-file.npz"),
				"--output_dir", t.TempDir(), "--device", "cpu"}, tc.flags...)
			code := runMainCaptured(t, &stdout, &stderr, args...)
			msg := strings.TrimSpace(stderr.String())
			if code == 0 || !strings.Contains(msg, tc.want) || strings.Count(msg, "\n") > 0 {
				t.Errorf("exit %d, stderr %q: want one line with %q", code, msg, tc.want)
			}
		})
	}
}
