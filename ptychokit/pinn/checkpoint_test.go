package pinn

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/gomlx/gomlx/pkg/ml/context/checkpoints"
)

// TestCopyLatestCheckpointSurvivesRotation: best/ keeps the bytes of the
// checkpoint it copied (hard-linked or not) after checkpoints/ removes that
// checkpoint and writes newer ones, and holds only the latest copy.
func TestCopyLatestCheckpointSurvivesRotation(t *testing.T) {
	src, dst := filepath.Join(t.TempDir(), "checkpoints"), filepath.Join(t.TempDir(), "best")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name string, data []byte) {
		for _, suffix := range []string{checkpoints.BinDataSuffix, checkpoints.JsonNameSuffix} {
			if err := os.WriteFile(filepath.Join(src, name+suffix), append([]byte(suffix), data...), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	write("checkpoint-n0000001-20261129-000000", []byte("first weights"))
	if err := copyLatestCheckpoint(src, dst); err != nil {
		t.Fatal(err)
	}
	write("checkpoint-n0000002-20261129-000001", []byte("second weights"))
	if err := copyLatestCheckpoint(src, dst); err != nil {
		t.Fatal(err)
	}
	// checkpoints/ rotates: the copied one goes, a newer one comes.
	for _, suffix := range []string{checkpoints.BinDataSuffix, checkpoints.JsonNameSuffix} {
		if err := os.Remove(filepath.Join(src, "checkpoint-n0000002-20261129-000001"+suffix)); err != nil {
			t.Fatal(err)
		}
	}
	write("checkpoint-n0000003-20261129-000002", []byte("third weights"))
	entries, err := os.ReadDir(dst)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Fatalf("best/ holds %d files, want the 2 of one checkpoint", len(entries))
	}
	for _, suffix := range []string{checkpoints.BinDataSuffix, checkpoints.JsonNameSuffix} {
		b, err := os.ReadFile(filepath.Join(dst, "checkpoint-n0000002-20261129-000001"+suffix))
		if err != nil {
			t.Fatal(err)
		}
		if want := append([]byte(suffix), "second weights"...); !bytes.Equal(b, want) {
			t.Errorf("best/%s: %q, want %q", suffix, b, want)
		}
	}
}
