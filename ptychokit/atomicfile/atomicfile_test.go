package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWrite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "a.txt")
	if err := WriteFile(path, []byte("one")); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != NewFileMode {
		t.Errorf("new file mode %v, want %v", st.Mode().Perm(), NewFileMode)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, []byte("two")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "two" {
		t.Errorf("content %q, want \"two\"", b)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("rewritten file mode %v, want the old 0600 kept", st.Mode().Perm())
	}
	// A failing writer leaves the old content and no temporary file.
	err := Write(path, func(w io.Writer) error {
		io.WriteString(w, "half")
		return errors.New("broken")
	})
	if err == nil || !strings.Contains(err.Error(), "write "+path) || !strings.Contains(err.Error(), "broken") {
		t.Fatalf("error %v, want it to name the file and the cause", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "two" {
		t.Errorf("after a failed write: %q, want \"two\"", b)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("files left: %v", entries)
	}
	if err := WriteFile(dir, []byte("x")); err == nil {
		t.Error("writing over a folder succeeded")
	}
}
