// Package runlock keeps two runs from writing one output folder at once.
//
// A run holds an exclusive flock(2) on FileName in its folder for as long as
// it writes there; the file also says who holds it (pid, command, host,
// start time), so that a second run refused at once can name the first. The
// kernel drops a flock when its process dies, however it dies (kill -9
// included), so a lock file whose lock nobody holds is stale: the next run
// takes it over and says whose it was. Release empties the file rather than
// removing it: removing a lock file that another process has just opened
// would let two runs lock two different files of the same name.
//
// flock is advisory and local: it does not keep out programs that ignore it,
// and over NFS it depends on the server.
package runlock

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// FileName is the lock file in a locked folder.
const FileName = ".ptychokit.lock"

// Owner is what a lock file says about the run that holds (or held) it.
type Owner struct {
	PID     int       `json:"pid"`
	Command string    `json:"command"`
	Host    string    `json:"host"`
	Started time.Time `json:"started"`
}

func (o Owner) String() string {
	return fmt.Sprintf("ptychokit %s, pid %d on %s, started %s", o.Command, o.PID, o.Host, o.Started.Format("2006-01-02 15:04:05"))
}

// Lock is a held lock; Release it when the run ends.
type Lock struct {
	f *os.File
	// Stale is the owner of a lock left by a run that died, taken over by
	// this one; nil when the folder was free.
	Stale *Owner
}

// BusyError says that another live run holds the folder.
type BusyError struct {
	Dir   string
	Owner Owner // zero when the lock file could not be read
}

func (e *BusyError) Error() string {
	who := "another ptychokit run"
	if e.Owner.PID != 0 {
		who = e.Owner.String()
	}
	return fmt.Sprintf("%s is in use by %s: wait for it to finish, or choose another output folder", e.Dir, who)
}

// Acquire locks dir (creating it) for command ("train", "reconstruct"), or
// fails at once with a *BusyError when a live run holds it.
func Acquire(dir, command string) (*Lock, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	path := filepath.Join(dir, FileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	held, err := tryLock(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if !held {
		owner, _ := readOwner(f)
		f.Close()
		return nil, &BusyError{Dir: dir, Owner: owner}
	}
	l := &Lock{f: f}
	if old, err := readOwner(f); err == nil {
		l.Stale = &old
	}
	host, _ := os.Hostname()
	b, _ := json.Marshal(Owner{PID: os.Getpid(), Command: command, Host: host, Started: time.Now()})
	if err := errors.Join(f.Truncate(0), writeAt0(f, append(b, '\n')), f.Sync()); err != nil {
		l.Release()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return l, nil
}

// Note is the line to show when the lock was taken over from a dead run
// ("" otherwise).
func (l *Lock) Note(dir string) string {
	if l.Stale == nil {
		return ""
	}
	return fmt.Sprintf("note: %s was locked by %s, which is no longer running: lock taken over", dir, l.Stale)
}

// Release empties the lock file and drops the lock. It is safe to call on a
// nil Lock and more than once.
func (l *Lock) Release() {
	if l == nil || l.f == nil {
		return
	}
	_ = l.f.Truncate(0)
	_ = unlock(l.f)
	l.f.Close()
	l.f = nil
}

func writeAt0(f *os.File, b []byte) error {
	_, err := f.WriteAt(b, 0)
	return err
}

// readOwner reads the owner a lock file names; an error when it names none.
func readOwner(f *os.File) (Owner, error) {
	var o Owner
	b := make([]byte, 4096)
	n, _ := f.ReadAt(b, 0)
	text := strings.TrimSpace(string(b[:n]))
	if text == "" {
		return o, errors.New("empty")
	}
	if err := json.Unmarshal([]byte(text), &o); err != nil {
		return o, err
	}
	return o, nil
}
