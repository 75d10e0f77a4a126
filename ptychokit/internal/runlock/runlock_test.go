package runlock

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestHelperHoldLock is not a test: run by TestBusyAndStale as a separate
// process, it takes the lock of $RUNLOCK_HOLD, says so, and waits to be killed.
func TestHelperHoldLock(t *testing.T) {
	dir := os.Getenv("RUNLOCK_HOLD")
	if dir == "" {
		t.Skip("helper process of TestBusyAndStale")
	}
	if _, err := Acquire(dir, "train"); err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("locked")
	time.Sleep(time.Minute)
	os.Exit(0)
}

// TestBusyAndStale: a folder locked by a live process is refused at once
// with an error naming that process; once it is killed with SIGKILL, its
// lock is recognised as stale and taken over, naming the dead run.
func TestBusyAndStale(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	holder := exec.Command(os.Args[0], "-test.run=^TestHelperHoldLock$")
	holder.Env = append(os.Environ(), "RUNLOCK_HOLD="+dir)
	stdout, err := holder.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	defer holder.Process.Kill()
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	if strings.TrimSpace(line) != "locked" {
		t.Fatalf("helper: %q", line)
	}
	pid := holder.Process.Pid

	start := time.Now()
	_, err = Acquire(dir, "reconstruct")
	var busy *BusyError
	if !errors.As(err, &busy) {
		t.Fatalf("second run on a busy folder: %v, want a BusyError", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("refusing took %v, want at once", took)
	}
	msg := err.Error()
	if !strings.Contains(msg, fmt.Sprintf("pid %d", pid)) || !strings.Contains(msg, "ptychokit train") ||
		!strings.Contains(msg, dir) || strings.Contains(msg, "\n") {
		t.Errorf("busy error %q: want one line naming the folder, the command and pid %d", msg, pid)
	}

	if err := holder.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	holder.Wait()
	l, err := Acquire(dir, "train")
	if err != nil {
		t.Fatalf("after the holder was killed: %v", err)
	}
	if l.Stale == nil || l.Stale.PID != pid {
		t.Errorf("stale owner %+v, want pid %d", l.Stale, pid)
	}
	// Held by this process now: a second lock in the same process is refused
	// too (flock belongs to the open file, not the process).
	if _, err := Acquire(dir, "train"); !errors.As(err, &busy) || busy.Owner.PID != os.Getpid() {
		t.Errorf("second lock in one process: %v", err)
	}
	l.Release()
	l.Release()
	again, err := Acquire(dir, "train")
	if err != nil || again.Stale != nil {
		t.Fatalf("after a clean release: %v, stale %+v (want none)", err, again.Stale)
	}
	again.Release()
}
