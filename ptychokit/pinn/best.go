package pinn

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/gomlx/gomlx/pkg/ml/context/checkpoints"

	"github.com/ptychokit/ptychokit/ptychokit/atomicfile"
	"github.com/ptychokit/ptychokit/ptychokit/pinn/internal/runfiles"
)

// linkAtomic makes to a hard link of from, replacing any file there in one
// step (a link under a temporary name, then renamed).
func linkAtomic(from, to string) error {
	tmp := to + ".link-tmp"
	os.Remove(tmp)
	if err := os.Link(from, tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, to); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// copyLatestCheckpoint replaces the checkpoint in dst with the latest of src.
func copyLatestCheckpoint(src, dst string) error {
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	latest := ""
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, "checkpoint-") && strings.HasSuffix(name, checkpoints.JsonNameSuffix) {
			latest = max(latest, strings.TrimSuffix(name, checkpoints.JsonNameSuffix))
		}
	}
	if latest == "" {
		return fmt.Errorf("%s: no checkpoint to copy", src)
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	old, _ := os.ReadDir(dst)
	for _, suffix := range []string{checkpoints.BinDataSuffix, checkpoints.JsonNameSuffix, runfiles.SumsSuffix} {
		from, to := filepath.Join(src, latest+suffix), filepath.Join(dst, latest+suffix)
		if _, err := os.Stat(from); suffix == runfiles.SumsSuffix && err != nil {
			continue // a checkpoint of a version without sums
		}
		// The weights (tens of MB) are hard-linked when the file system
		// allows: GoMLX never rewrites a checkpoint file, it writes new ones
		// and removes old ones, so the link keeps the bytes best/ needs.
		if suffix == checkpoints.BinDataSuffix && linkAtomic(from, to) == nil {
			continue
		}
		b, err := os.ReadFile(from)
		if err != nil {
			return err
		}
		if err := atomicfile.WriteFile(to, b); err != nil {
			return err
		}
	}
	for _, e := range old {
		if !strings.HasPrefix(e.Name(), latest) {
			os.Remove(filepath.Join(dst, e.Name()))
		}
	}
	return nil
}
