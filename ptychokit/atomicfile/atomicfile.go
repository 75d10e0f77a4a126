// Package atomicfile is the one way ptychokit writes a file: the whole of it
// or nothing. Every writer of the project (NPZ, config.json, PNG and SVG
// figures, CSV and JSON records, the side files of checkpoints) goes through
// Write or WriteFile.
//
// The content goes to a temporary file in the destination's folder (so that
// the rename stays within one file system), which is flushed, given its
// mode, fsynced and closed; it is then renamed over the destination and the
// folder is fsynced so that the rename itself survives a crash. A reader
// sees the old file or the new one, never a part; on any error (a full disk
// included) the destination is untouched and no temporary file remains.
//
// Mode: an existing destination keeps its permission bits; a new one gets
// 0644. (os.CreateTemp makes 0600 files: without the explicit mode a figure
// or dataset written this way would be unreadable to the rest of a group.)
package atomicfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
)

// NewFileMode is the permission of a file that did not exist before.
const NewFileMode os.FileMode = 0o644

// Write writes path with what write produces, atomically (see the package
// documentation). Errors read "write PATH: …".
func Write(path string, write func(w io.Writer) error) (err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("write %s: %w", path, err)
		}
	}()
	dir := filepath.Dir(path)
	mode := NewFileMode
	if st, err := os.Stat(path); err == nil {
		if !st.Mode().IsRegular() {
			return errors.New("exists and is not a regular file")
		}
		mode = st.Mode().Perm()
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp, closed := f.Name(), false
	defer func() {
		if err != nil {
			if !closed {
				f.Close()
			}
			os.Remove(tmp)
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<20)
	if err := write(bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := f.Chmod(mode); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	closed = true
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	return SyncDir(dir)
}

// WriteFile writes b to path atomically (see Write).
func WriteFile(path string, b []byte) error {
	return Write(path, func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}

// SyncDir fsyncs a folder, making the renames and removals in it durable.
// File systems that cannot sync a folder (EINVAL) are not an error: the
// files' data are already synced.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return err
	}
	return nil
}

// SyncFile fsyncs a file written by someone else (GoMLX's checkpoints),
// so that what is vouched for afterwards is on disk.
func SyncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
