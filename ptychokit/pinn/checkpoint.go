package pinn

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/gomlx/gomlx/pkg/ml/context/checkpoints"

	"github.com/ptychokit/ptychokit/ptychokit/atomicfile"
	"github.com/ptychokit/ptychokit/ptychokit/pinn/internal/runfiles"
)

// Checkpoint integrity. GoMLX writes a checkpoint as two files (NAME.bin, the
// variables' bytes, then NAME.json, their names, shapes and offsets), in
// place and without fsync: a kill or a full disk during Save leaves a
// truncated pair, and GoMLX loads the newest pair it finds. So after every
// Save the two files are fsynced and a side file NAME.sums (sizes and
// CRC-32C of both, written atomically) vouches for them; at resume the
// newest checkpoint that its sums (or, for checkpoints of earlier versions
// without them, its own metadata) show intact is the one GoMLX is left to
// load, and the damaged newer ones are moved to checkpoints/damaged/ with a
// note saying so.
const (
	// DamagedDir, under the checkpoints folder, receives checkpoints found
	// damaged at resume (kept for inspection, never loaded).
	DamagedDir = "damaged"
)

// checkpointNames lists the checkpoints of dir (the base names GoMLX lists:
// "checkpoint-…" with a .json), oldest first.
func checkpointNames(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		n := e.Name()
		if !e.IsDir() && strings.HasPrefix(n, "checkpoint-") && strings.HasSuffix(n, checkpoints.JsonNameSuffix) {
			names = append(names, strings.TrimSuffix(n, checkpoints.JsonNameSuffix))
		}
	}
	slices.Sort(names) // GoMLX's names carry a zero-padded counter: oldest first
	return names, nil
}

// saveCheckpoint saves a checkpoint and vouches for it with its sums, then
// removes the sums of checkpoints GoMLX rotated away. When the save fails
// (a full disk), the partial files it left are removed, so the previous
// checkpoint stays the newest, and the error says so.
func saveCheckpoint(ckpt *checkpoints.Handler, dir string, epoch int) error {
	before, _ := checkpointNames(dir)
	err := ckpt.Save()
	if err == nil {
		err = writeSums(dir, before)
	}
	if err != nil {
		removeNewFiles(dir, before)
		prev := "no earlier checkpoint exists"
		if epoch > 1 {
			prev = fmt.Sprintf("the checkpoint of epoch %d in %s is intact", epoch-1, dir)
		}
		hint := "run the same command again to resume"
		if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) || strings.Contains(err.Error(), "no space left") {
			hint = "free space there and run the same command again to resume"
		}
		return fmt.Errorf("epoch %d: checkpoint not saved (%v); %s: %s", epoch, oneLine(err), prev, hint)
	}
	return nil
}

// writeSums syncs the checkpoint Save just wrote (the one not in before)
// and writes its sums; sums whose checkpoint is gone are removed.
func writeSums(dir string, before []string) error {
	after, err := checkpointNames(dir)
	if err != nil {
		return err
	}
	for _, name := range after {
		if slices.Contains(before, name) {
			continue
		}
		var s runfiles.Sums
		for _, f := range []struct {
			suffix string
			bytes  *int64
			crc    *uint32
		}{{checkpoints.BinDataSuffix, &s.BinBytes, &s.BinCRC}, {checkpoints.JsonNameSuffix, &s.JSONBytes, &s.JSONCRC}} {
			path := filepath.Join(dir, name+f.suffix)
			if err := atomicfile.SyncFile(path); err != nil {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			*f.bytes, *f.crc = int64(len(b)), runfiles.CRC(b)
		}
		js, _ := json.Marshal(s)
		if err := atomicfile.WriteFile(filepath.Join(dir, name+runfiles.SumsSuffix), append(js, '\n')); err != nil {
			return err
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), runfiles.SumsSuffix); ok && !slices.Contains(after, name) {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
	return atomicfile.SyncDir(dir)
}

// removeNewFiles removes the files of checkpoints not in before (what a
// failed Save left), sums included.
func removeNewFiles(dir string, before []string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || !strings.HasPrefix(n, "checkpoint-") {
			continue
		}
		base := n
		for _, suffix := range []string{checkpoints.BinDataSuffix, checkpoints.JsonNameSuffix, runfiles.SumsSuffix} {
			base = strings.TrimSuffix(base, suffix)
		}
		if !slices.Contains(before, base) {
			os.Remove(filepath.Join(dir, n))
		}
	}
}

// vetCheckpoints checks the checkpoints of dir from the newest down and moves
// each damaged one (and bin files without metadata, which a kill during Save
// leaves) to dir/damaged, stopping at the first intact one; when none is
// left, the checkpoint of best/ (beside dir) is copied in. It returns the
// lines that tell the user what was found and done.
func vetCheckpoints(dir string) ([]string, error) {
	names, err := checkpointNames(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	var notes []string
	moveAside := func(files ...string) error {
		damaged := filepath.Join(dir, DamagedDir)
		if err := os.MkdirAll(damaged, 0o755); err != nil {
			return err
		}
		for _, f := range files {
			if err := os.Rename(filepath.Join(dir, f), filepath.Join(damaged, f)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
		}
		return nil
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		base, ok := strings.CutSuffix(e.Name(), checkpoints.BinDataSuffix)
		if ok && strings.HasPrefix(base, "checkpoint-") && !slices.Contains(names, base) {
			if err := moveAside(e.Name(), base+runfiles.SumsSuffix); err != nil {
				return nil, err
			}
			notes = append(notes, fmt.Sprintf("%s: checkpoint %s was never completed (no metadata; a run stopped while saving it): moved to %s/", dir, base, DamagedDir))
		}
	}
	damaged := false
	for i := len(names) - 1; i >= 0; i-- {
		name := names[i]
		why := checkpointDamage(dir, name)
		if why == nil {
			if damaged {
				notes = append(notes, fmt.Sprintf("%s: resuming from the previous checkpoint, %s", dir, name))
			}
			return notes, atomicfile.SyncDir(dir)
		}
		damaged = true
		if err := moveAside(name+checkpoints.BinDataSuffix, name+checkpoints.JsonNameSuffix, name+runfiles.SumsSuffix); err != nil {
			return nil, err
		}
		notes = append(notes, fmt.Sprintf("%s: latest checkpoint %s is damaged (%v): moved to %s/", dir, name, why, DamagedDir))
	}
	if !damaged {
		return notes, nil
	}
	// None left: the best checkpoint is an earlier state of the same run,
	// from which a resume is as exact as from any other.
	best := filepath.Join(filepath.Dir(dir), BestDir)
	if bestNames, _ := checkpointNames(best); len(bestNames) > 0 {
		name := bestNames[len(bestNames)-1]
		if checkpointDamage(best, name) == nil {
			for _, suffix := range []string{checkpoints.BinDataSuffix, checkpoints.JsonNameSuffix, runfiles.SumsSuffix} {
				b, err := os.ReadFile(filepath.Join(best, name+suffix))
				if errors.Is(err, os.ErrNotExist) && suffix == runfiles.SumsSuffix {
					continue
				}
				if err == nil {
					err = atomicfile.WriteFile(filepath.Join(dir, name+suffix), b)
				}
				if err != nil {
					return nil, err
				}
			}
			return append(notes, fmt.Sprintf("%s: no intact checkpoint left; resuming from the best one, %s/%s", dir, BestDir, name)), nil
		}
	}
	return append(notes, fmt.Sprintf("%s: no intact checkpoint left, in %s/ either: training starts afresh", dir, BestDir)), nil
}

// checkpointDamage says what is wrong with checkpoint name of dir, or nil.
func checkpointDamage(dir, name string) error {
	read := func(suffix string) ([]byte, error) { return os.ReadFile(filepath.Join(dir, name+suffix)) }
	meta, err := read(checkpoints.JsonNameSuffix)
	if err != nil {
		return err
	}
	bin, err := read(checkpoints.BinDataSuffix)
	if err != nil {
		return err
	}
	sums, err := read(runfiles.SumsSuffix)
	if errors.Is(err, os.ErrNotExist) {
		sums, err = nil, nil
	}
	if err != nil {
		return err
	}
	return runfiles.CheckCheckpoint(meta, bin, sums)
}

// oneLine keeps the first line of an error's text.
func oneLine(err error) string {
	s, _, _ := strings.Cut(strings.TrimSpace(err.Error()), "\n")
	return s
}
