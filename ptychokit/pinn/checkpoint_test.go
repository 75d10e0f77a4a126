package pinn

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/ml/context/checkpoints"

	"github.com/ptychokit/ptychokit/ptychokit/config"
	"github.com/ptychokit/ptychokit/ptychokit/data"
	"github.com/ptychokit/ptychokit/ptychokit/device"
	"github.com/ptychokit/ptychokit/ptychokit/pinn/internal/runfiles"
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

// trainTwoEpochs trains two epochs into a fresh folder, keeping both
// checkpoints, and returns the folder, the configuration and the dataset.
func trainTwoEpochs(t *testing.T, dir string, keep int) (config.Run, *data.Dataset) {
	t.Helper()
	ds := synthDataset(64, 4, 6, 1, 3)
	cfg := tinyConfig(dir, 1)
	cfg.Training.EarlyStopPatience = 0
	cfg.Training.KeepCheckpoints = keep
	if _, err := TrainOn(device.CPU(), cfg, ds, TrainOptions{}); err != nil {
		t.Fatal(err)
	}
	return cfg, ds
}

// TestDamagedLatestCheckpoint: a latest checkpoint truncated (as a kill
// during the write leaves it) or changed by hand is detected at resume,
// moved to checkpoints/damaged/, the previous intact one is used — or best/
// when no other is left — the user is told, and the resumed run ends with
// the history of a run never interrupted.
func TestDamagedLatestCheckpoint(t *testing.T) {
	straightDir := t.TempDir()
	cfg, ds := trainTwoEpochs(t, straightDir, 2)
	// GoMLX's own checkpoints pass the check that needs no sums (its
	// metadata's variables tile the uncompressed data exactly).
	for _, name := range must(checkpointNames(filepath.Join(straightDir, CheckpointDir))) {
		base := filepath.Join(straightDir, CheckpointDir, name)
		meta, bin := must(os.ReadFile(base+checkpoints.JsonNameSuffix)), must(os.ReadFile(base+checkpoints.BinDataSuffix))
		if err := runfiles.CheckCheckpoint(meta, bin, nil); err != nil {
			t.Errorf("%s without its sums: %v", name, err)
		}
	}
	cfg.Training.NEpochs = 3
	straight, err := TrainOn(device.CPU(), cfg, ds, TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	damage := map[string]func(bin string) error{
		"truncated": func(bin string) error {
			st, err := os.Stat(bin)
			if err != nil {
				return err
			}
			return os.Truncate(bin, st.Size()/2)
		},
		"one byte changed": func(bin string) error {
			b, err := os.ReadFile(bin)
			if err != nil {
				return err
			}
			b[len(b)/3] ^= 0x40
			// A new file (as an editor writes one): best/ may hard-link the old.
			os.Remove(bin)
			return os.WriteFile(bin, b, 0o644)
		},
	}
	for name, spoil := range damage {
		for _, keep := range []int{2, 1} {
			if keep == 1 && name != "truncated" {
				continue // the fresh start is the same for any damage
			}
			t.Run(fmt.Sprintf("%s/keep%d", name, keep), func(t *testing.T) {
				dir := t.TempDir()
				cfg, ds := trainTwoEpochs(t, dir, keep)
				ckptDir := filepath.Join(dir, CheckpointDir)
				names, _ := checkpointNames(ckptDir)
				latest := names[len(names)-1]
				if keep == 1 {
					// Make best/ an earlier state than the latest: epoch 1's.
					if err := os.RemoveAll(filepath.Join(dir, BestDir)); err != nil {
						t.Fatal(err)
					}
				}
				if err := spoil(filepath.Join(ckptDir, latest+checkpoints.BinDataSuffix)); err != nil {
					t.Fatal(err)
				}
				if keep == 1 {
					// best/ gone too: nothing intact is left, a fresh start is said.
					cfg.Training.NEpochs = 3
					var progress strings.Builder
					res, err := TrainOn(device.CPU(), cfg, ds, TrainOptions{Progress: &progress})
					if err != nil {
						t.Fatal(err)
					}
					if res.ResumedFrom != 0 || !strings.Contains(progress.String(), "training starts afresh") {
						t.Fatalf("resumed from %d; progress:\n%s", res.ResumedFrom, progress.String())
					}
					sameHistory(t, straight.History, res.History)
					return
				}
				cfg.Training.NEpochs = 3
				var progress strings.Builder
				res, err := TrainOn(device.CPU(), cfg, ds, TrainOptions{Progress: &progress})
				if err != nil {
					t.Fatal(err)
				}
				if res.ResumedFrom != 1 {
					t.Errorf("resumed from epoch %d, want 1 (the previous checkpoint)", res.ResumedFrom)
				}
				text := strings.Join(res.Warnings, "\n")
				if !strings.Contains(text, latest+" is damaged") || !strings.Contains(text, "resuming from the previous checkpoint, "+names[0]) ||
					!strings.Contains(progress.String(), "warning: ") {
					t.Errorf("warnings %q, progress:\n%s", res.Warnings, progress.String())
				}
				if _, err := os.Stat(filepath.Join(ckptDir, DamagedDir, latest+checkpoints.BinDataSuffix)); err != nil {
					t.Errorf("damaged checkpoint not kept in %s/: %v", DamagedDir, err)
				}
				sameHistory(t, straight.History, res.History)
			})
		}
	}
	t.Run("best used when none is left", func(t *testing.T) {
		dir := t.TempDir()
		cfg, ds := trainTwoEpochs(t, dir, 1)
		ckptDir := filepath.Join(dir, CheckpointDir)
		names, _ := checkpointNames(ckptDir)
		bestNames, _ := checkpointNames(filepath.Join(dir, BestDir))
		if len(names) != 1 || len(bestNames) != 1 {
			t.Fatalf("checkpoints %v, best %v", names, bestNames)
		}
		// Replace the latest's data by a new, shorter file (best/ keeps its own).
		bin := filepath.Join(ckptDir, names[0]+checkpoints.BinDataSuffix)
		os.Remove(bin)
		if err := os.WriteFile(bin, []byte("not weights"), 0o644); err != nil {
			t.Fatal(err)
		}
		cfg.Training.NEpochs = 3
		res, err := TrainOn(device.CPU(), cfg, ds, TrainOptions{})
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Join(res.Warnings, "\n")
		if !strings.Contains(text, "resuming from the best one, best/"+bestNames[0]) {
			t.Errorf("warnings %q", res.Warnings)
		}
		if res.ResumedFrom != 2 {
			t.Errorf("resumed from %d, want 2 (best's epoch)", res.ResumedFrom)
		}
		sameHistory(t, straight.History, res.History)
	})
}

// sameHistory compares two histories as history.csv writes them (a resumed
// run reads its first rows back from there), the seconds apart.
func sameHistory(t *testing.T, want, got []EpochStats) {
	t.Helper()
	if len(want) != len(got) {
		t.Fatalf("history of %d epochs, want %d", len(got), len(want))
	}
	row := func(h EpochStats) string {
		return fmt.Sprint(h.Epoch, runfiles.FormatFloat(h.TrainLoss), runfiles.FormatFloat(h.ValLoss), runfiles.FormatFloat(h.LR),
			runfiles.FormatFloat(h.AmpContrast), runfiles.FormatFloat(h.PhaseSpread), runfiles.FormatFloat(h.LogScale))
	}
	for i := range want {
		if row(want[i]) != row(got[i]) {
			t.Fatalf("history row %d: %s, want %s", i+1, row(got[i]), row(want[i]))
		}
	}
}

// smallDisk mounts a tmpfs of the given size (in KiB) at a new folder and
// unmounts it at the end of the test; it skips the test, saying why, where
// mounting is not allowed (not root, or a container without the right).
func smallDisk(t *testing.T, kib int) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("the full-disk test mounts a small tmpfs, which needs root")
	}
	dir := filepath.Join(t.TempDir(), "disk")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%dk", kib), "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small tmpfs here (%v: %s): the full-disk test needs one", err, bytes.TrimSpace(out))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// TestFullDiskDuringCheckpoint: on a file system with room for one
// checkpoint but not two (GoMLX writes the new one before removing the old),
// the checkpoint of epoch 2 fails for want of space: training stops with an
// error that says so and that epoch 1's checkpoint is intact; that one is
// intact, nothing half-written is left; once there is room the same call
// resumes from epoch 1 and ends as a run never interrupted.
func TestFullDiskDuringCheckpoint(t *testing.T) {
	// Sizes measured for tinyConfig: a checkpoint is 175 KB of data and 27 KB
	// of metadata; after epoch 1 the folder holds about 240 KB (4 KiB pages).
	disk := smallDisk(t, 320)
	straightCfg, ds := trainTwoEpochs(t, t.TempDir(), 1)
	straight, err := ReadHistory(filepath.Join(straightCfg.Data.OutputDir, HistoryFile))
	if err != nil {
		t.Fatal(err)
	}
	cfg := straightCfg
	cfg.Data.OutputDir = filepath.Join(disk, "run")
	_, err = TrainOn(device.CPU(), cfg, ds, TrainOptions{})
	if err == nil {
		t.Fatal("training on a full disk succeeded")
	}
	msg := err.Error()
	t.Logf("the error: %s", msg)
	for _, want := range []string{"epoch 2: checkpoint not saved", "no space left on device", "the checkpoint of epoch 1", "is intact", "free space there"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q: want %q in it", msg, want)
		}
	}
	if strings.Contains(msg, "\n") {
		t.Errorf("error of more than one line: %q", msg)
	}
	ckptDir := filepath.Join(cfg.Data.OutputDir, CheckpointDir)
	names, _ := checkpointNames(ckptDir)
	if len(names) != 1 || !strings.HasSuffix(names[0], "-step-00000003") {
		t.Fatalf("checkpoints left %v, want only epoch 1's (step 3)", names)
	}
	if why := checkpointDamage(ckptDir, names[0]); why != nil {
		t.Errorf("epoch 1's checkpoint damaged: %v", why)
	}
	entries, _ := os.ReadDir(ckptDir)
	if len(entries) != 3 {
		t.Errorf("checkpoints/ holds %d files, want epoch 1's .bin, .json and .sums: %v", len(entries), entries)
	}
	for _, sub := range []string{".", CheckpointDir, BestDir} {
		tmps, _ := filepath.Glob(filepath.Join(cfg.Data.OutputDir, sub, ".*.tmp"))
		if len(tmps) > 0 {
			t.Errorf("temporary files left: %v", tmps)
		}
	}
	if out, err := exec.Command("mount", "-o", "remount,size=4m", disk).CombinedOutput(); err != nil {
		t.Fatalf("growing the tmpfs: %v: %s", err, out)
	}
	res, err := TrainOn(device.CPU(), cfg, ds, TrainOptions{})
	if err != nil {
		t.Fatalf("resume once there is room: %v", err)
	}
	if res.ResumedFrom != 1 {
		t.Errorf("resumed from epoch %d, want 1", res.ResumedFrom)
	}
	sameHistory(t, straight, res.History)
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
