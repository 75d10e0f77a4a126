package benchkit

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"github.com/ptychokit/ptychokit/ptychokit/device"
)

// TestRunIO runs a tiny end-to-end case, stored and deflated, and checks what
// does not depend on the machine: the sizes, the iterations, the files left
// behind (none) and the table line.
func TestRunIO(t *testing.T) {
	dir := t.TempDir()
	for _, compress := range []bool{false, true} {
		res, err := RunIO(device.CPU(), IOCase{Patterns: 12, N: 16, Dir: dir, Compress: compress, Algorithm: "rpie", BatchSize: 4, Iterations: 2, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		// The file holds the diffraction (4 bytes a pixel), Y (8) and more.
		if want := 12.0 * 16 * 16 * 4 / 1e6; res.DiffractionMB != want || !(res.FileMB > 2*want) && !compress {
			t.Errorf("diffraction %g MB (want %g), file %g MB", res.DiffractionMB, want, res.FileMB)
		}
		if res.Iterations != 2 || res.Compressed != compress || res.BatchSize != 4 || !(res.SimulateSeconds > 0) || !(res.LoadAllMBps > 0) {
			t.Errorf("result %+v", res)
		}
	}
	// Inference of an untrained network on a scan of its own size (64²).
	res, err := RunIO(device.CPU(), IOCase{Patterns: 12, N: 16, Dir: dir, Algorithm: "rpie", BatchSize: 4, Iterations: 2, Seed: 3,
		InferGridsize: 1, InferN: 64, InferBatch: 5})
	if err != nil {
		t.Fatal(err)
	}
	if res.InferGridsize != 1 || res.InferN != 64 || res.InferBatch != 5 || !(res.InferSeconds > 0) || !(res.InferPatternsPerSecond > 0) || !(res.InferWriteSeconds > 0) {
		t.Errorf("inference %+v", res)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("%d files left in the folder, want none", len(left))
	}
	r := &Report{Device: "cpu", IO: []IOResult{{Patterns: 12, N: 16, Compressed: true}, res}}
	var b bytes.Buffer
	if err := r.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "12×16² deflated") || !strings.Contains(b.String(), "(gs1)") {
		t.Errorf("table:\n%s", b.String())
	}
	if _, err := RunIO(device.CPU(), IOCase{Patterns: 4, N: 15, Dir: dir, Algorithm: "rpie"}); err == nil || !strings.Contains(err.Error(), "even N") {
		t.Errorf("odd N: %v", err)
	}
}
