package checkout

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ptychokit/ptychokit/kernel/internal/env"
)

// fakeCheckout makes dir/go.mod declaring module.
func fakeCheckout(t *testing.T, dir, module string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("// a comment\nmodule "+module+"\n\ngo 1.26\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestRoot(t *testing.T) {
	tmp, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	mine := filepath.Join(tmp, "mine")
	fakeCheckout(t, mine, Module)
	notebooks := filepath.Join(mine, "notebooks", "deep")
	if err := os.MkdirAll(notebooks, 0o755); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(tmp, "other") // another module: not a checkout
	fakeCheckout(t, other, "example.com/other")
	quoted := filepath.Join(tmp, "quoted")
	fakeCheckout(t, quoted, `"`+Module+`"`)
	outside := filepath.Join(tmp, "outside")
	if err := os.MkdirAll(outside, 0o755); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name, notebookDir, rootEnv string
		want, wantErr              string
	}{
		{name: "notebook inside the checkout", notebookDir: notebooks, want: mine},
		{name: "notebook dir is the root", notebookDir: mine, want: mine},
		{name: "the notebook's checkout wins over the kernel's", notebookDir: notebooks, rootEnv: quoted, want: mine},
		{name: "quoted module path", notebookDir: quoted, want: quoted},
		{name: "outside: kernel's checkout", notebookDir: outside, rootEnv: mine, want: mine},
		{name: "other module is skipped", notebookDir: other, rootEnv: mine, want: mine},
		{name: "outside, no env", notebookDir: outside, wantErr: "PTYCHOKIT_ROOT is unset"},
		{name: "env not a checkout", notebookDir: outside, rootEnv: other, wantErr: "is not a ptychokit checkout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			setenv(t, NotebookDirEnv, tc.notebookDir)
			setenv(t, RootEnv, tc.rootEnv)
			got, err := Root()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Root() = %q, %v; want error containing %q", got, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("Root() = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestPath(t *testing.T) {
	tmp, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	fakeCheckout(t, tmp, Module)
	if err := os.MkdirAll(filepath.Join(tmp, "datasets"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(tmp, "datasets", "a.npz"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	setenv(t, NotebookDirEnv, tmp)
	setenv(t, RootEnv, "")
	if got, err := Path("datasets", "a.npz"); err != nil || got != filepath.Join(tmp, "datasets", "a.npz") {
		t.Errorf("Path(datasets, a.npz) = %q, %v", got, err)
	}
	if _, err := Path("datasets/missing.npz"); err == nil || !strings.Contains(err.Error(), "missing.npz does not exist") {
		t.Errorf("Path of a missing file: err = %v", err)
	}
}

// TestThisCheckout finds the checkout this test runs in, from the working
// directory (go test runs in the package directory).
func TestThisCheckout(t *testing.T) {
	setenv(t, NotebookDirEnv, "")
	setenv(t, RootEnv, "")
	root, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "kernel", "checkout", "checkout.go")); err != nil {
		t.Errorf("Root() = %s, which does not hold this package: %v", root, err)
	}
}

// setenv sets an environment variable for the test and has env.Get read it.
func setenv(t *testing.T, key, value string) {
	t.Setenv(key, value)
	env.Reset()
	t.Cleanup(env.Reset)
}
