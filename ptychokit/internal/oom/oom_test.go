package oom

import (
	"errors"
	"strings"
	"testing"
)

func TestExplain(t *testing.T) {
	t.Parallel()
	// The error XLA gave on the H200 when nearest Interpolate's gradient ran
	// out of memory (../shared/FACTS.md), and a plain one.
	xla := errors.New("epoch 1: RESOURCE_EXHAUSTED: Out of memory while trying to allocate 34359738368 bytes. CUDA_ERROR_OUT_OF_MEMORY launching input_scatter_fusion")
	for _, tc := range []struct {
		err   error
		batch int
		want  string // "" means unchanged
	}{
		{xla, 256, "ran out of memory at --batch_size 256: try --batch_size 128"},
		{xla, 3, "try --batch_size 1"},
		{xla, 1, "do not fit this device"},
		{errors.New("read x.npz: key \"diffraction\": missing"), 16, ""},
		{nil, 16, ""},
	} {
		got := Explain(tc.err, tc.batch)
		if tc.want == "" {
			if got != tc.err {
				t.Errorf("Explain(%v) = %v, want it unchanged", tc.err, got)
			}
			continue
		}
		if !strings.Contains(got.Error(), tc.want) || !errors.Is(got, tc.err) || strings.Contains(got.Error(), "\n") {
			t.Errorf("Explain(%q, %d) = %q, want one line with %q wrapping the original", tc.err, tc.batch, got, tc.want)
		}
	}
}
