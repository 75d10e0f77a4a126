package main

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ptychokit/ptychokit/ptychokit/internal/runlock"
)

// killArgs is a short training run: the smallest network, 16 groups, 4
// epochs of 4 steps (about 3 s on 2 cores, 1 s of it starting up).
func killArgs(out string) []string {
	return []string{"train", "--train_data_file", canonicalLines, "--output_dir", out, "--n_filters_scale", "0.125",
		"--max_epochs", "4", "--n_groups", "16", "--batch_size", "4", "--gridsize", "1", "--device", "cpu", "--seed", "3"}
}

// historyWithoutSeconds is history.csv without its seconds column (wall
// time differs between runs; everything else must not).
func historyWithoutSeconds(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "history.csv"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Split(line, ",")
		out = append(out, strings.Join(append(f[:4:4], f[5:]...), ","))
	}
	return strings.Join(out, "\n")
}

// TestKillAndResumeCLI: a training run killed with SIGKILL at ten random
// moments (uniform over an uninterrupted run's wall time; seeded, the seed
// logged), each followed by the same command again, ends every time with the
// history of the run that was never interrupted.
func TestKillAndResumeCLI(t *testing.T) {
	if _, err := os.Stat(canonicalLines); err != nil {
		t.Skipf("canonical dataset missing (make datasets): %v", err)
	}
	bin := buildCLI(t)
	root := t.TempDir()
	ref := filepath.Join(root, "uninterrupted")
	start := time.Now()
	if _, errOut, code := runCLI(t, bin, killArgs(ref)...); code != 0 {
		t.Fatalf("uninterrupted run: exit %d: %s", code, errOut)
	}
	runTime := time.Since(start)
	want := historyWithoutSeconds(t, ref)
	if n := strings.Count(want, "\n"); n != 4 {
		t.Fatalf("uninterrupted history has %d epochs, want 4:\n%s", n, want)
	}
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 20))
	t.Logf("uninterrupted run %.1f s; kill moments from seed %d", runTime.Seconds(), seed)
	for trial := range 10 {
		dir := filepath.Join(root, fmt.Sprintf("trial%d", trial))
		at := time.Duration(rng.Float64() * 0.95 * float64(runTime))
		cmd := exec.Command(bin, killArgs(dir)...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(at)
		killed := cmd.Process.Signal(syscall.SIGKILL) == nil
		cmd.Wait()
		epochs := 0
		if b, err := os.ReadFile(filepath.Join(dir, "history.csv")); err == nil {
			epochs = strings.Count(strings.TrimSpace(string(b)), "\n")
		}
		_, errOut, code := runCLI(t, bin, killArgs(dir)...)
		if code != 0 || strings.Contains(errOut, "goroutine ") {
			t.Fatalf("trial %d (killed at %v): resume exit %d: %s", trial, at, code, errOut)
		}
		var found []string
		for _, line := range strings.Split(errOut, "\n") {
			if strings.Contains(line, "lock taken over") || strings.Contains(line, "checkpoint") {
				found = append(found, line)
			}
		}
		t.Logf("trial %d: killed at %.2f s (signal delivered: %v; %d epochs in history.csv); the resume said %q", trial, at.Seconds(), killed, epochs, found)
		if got := historyWithoutSeconds(t, dir); got != want {
			t.Errorf("trial %d (killed at %v): history after resume\n%s\nwant\n%s", trial, at, got, want)
		}
	}
}

// TestBusyFolderAndStaleLockCLI: while a train runs, a second train or a
// reconstruct on its output folder fails at once with one line naming the
// running one's pid; after that run is killed with SIGKILL, the next train
// recognises the stale lock, says whose it was, takes it over and resumes.
func TestBusyFolderAndStaleLockCLI(t *testing.T) {
	if _, err := os.Stat(canonicalLines); err != nil {
		t.Skipf("canonical dataset missing (make datasets): %v", err)
	}
	bin := buildCLI(t)
	dir := filepath.Join(t.TempDir(), "run")
	args := killArgs(dir)
	long := append(append([]string{}, args...), "--max_epochs", "1000")
	first := exec.Command(bin, long...)
	var firstErr bytes.Buffer
	first.Stderr = &firstErr
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	defer first.Process.Kill()
	// The lock is taken before the data are read: wait until it names the run.
	lockFile := filepath.Join(dir, runlock.FileName)
	for deadline := time.Now().Add(30 * time.Second); ; {
		if b, err := os.ReadFile(lockFile); err == nil && bytes.Contains(b, []byte(`"pid"`)) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the first run never locked %s: %s", dir, firstErr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	pid := first.Process.Pid
	for _, second := range [][]string{
		args,
		{"reconstruct", "--data", canonicalLines, "--output_dir", dir, "--iterations", "1", "--device", "cpu"},
	} {
		start := time.Now()
		_, errOut, code := runCLI(t, bin, second...)
		took := time.Since(start)
		lines := strings.Split(strings.TrimSpace(errOut), "\n")
		if code == 0 || len(lines) != 1 || !strings.Contains(errOut, fmt.Sprintf("pid %d", pid)) ||
			!strings.Contains(errOut, "is in use by ptychokit train") {
			t.Errorf("%s on a busy folder: exit %d, stderr %q: want one line naming pid %d", second[0], code, errOut, pid)
		}
		if took > 5*time.Second {
			t.Errorf("%s on a busy folder took %v to fail, want at once", second[0], took)
		}
		t.Logf("%s on a busy folder, %.2f s: %s", second[0], took.Seconds(), strings.TrimSpace(errOut))
	}
	// Let the first run reach a checkpoint, then kill it.
	for deadline := time.Now().Add(60 * time.Second); ; {
		if b, err := os.ReadFile(filepath.Join(dir, "history.csv")); err == nil && bytes.Count(b, []byte("\n")) >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the first run wrote no epoch: %s", firstErr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	first.Wait()
	_, errOut, code := runCLI(t, bin, args...)
	if code != 0 {
		t.Fatalf("train after the holder was killed: exit %d: %s", code, errOut)
	}
	note := ""
	for sc := bufio.NewScanner(strings.NewReader(errOut)); sc.Scan(); {
		if strings.HasPrefix(sc.Text(), "note: ") && strings.Contains(sc.Text(), "lock taken over") {
			note = sc.Text()
		}
	}
	if !strings.Contains(note, fmt.Sprintf("pid %d", pid)) || !strings.Contains(note, "no longer running") {
		t.Errorf("after the holder was killed: note %q, want one naming pid %d as no longer running; stderr:\n%s", note, pid, errOut)
	}
	t.Logf("stale lock: %s", note)
	if b, _ := os.ReadFile(lockFile); len(b) != 0 {
		t.Errorf("lock file after the run ended: %q, want empty", b)
	}
}
