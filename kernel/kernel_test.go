package kernel

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ptychokit/ptychokit/kernel/internal/nbcheck"
)

// KernelName is the kernel spec setup.sh installs, which notebooks name.
const KernelName = "ptychokit"

// useCheckoutCell is what every notebook's first code cell runs.
const useCheckoutCell = "/kernel/use_checkout.sh"

// maxCellLines is the longest a code cell may be: a cell is read on one
// screen; longer work belongs in a library call or a cell of its own.
const maxCellLines = 25

// handRolled are calls that a notebook cell should not make itself: each has
// a library call that does the whole job (data.ReadReconstruction or
// Reconstruction.Write instead of reading or writing NPZ arrays; metrics.Align
// instead of cropping and aligning by hand).
var handRolled = []string{"data.ReadArrays", "data.WriteArrays", "data.Crop(", "metrics.RemovePhasePlane", "metrics.AmplitudeScale", "metrics.AlignMeanPhase"}

// TestCommittedNotebooks checks every notebook in notebooks/ without running
// it: stripped of outputs, on our kernel, first code cell pointing the kernel
// at the checkout, at least one cell that must draw, no code cell longer than
// maxCellLines, and none of the handRolled calls.
func TestCommittedNotebooks(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("..", "notebooks", "*.ipynb"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatal("no notebooks in ../notebooks")
	}
	for _, p := range paths {
		t.Run(filepath.Base(p), func(t *testing.T) {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			nb, err := nbcheck.Parse(b)
			if err != nil {
				t.Fatal(err)
			}
			if err := nbcheck.CheckStripped(nb); err != nil {
				t.Error(err)
			}
			if _, changed, err := nbcheck.Strip(b); err != nil || changed {
				t.Errorf("not in Jupyter's own format (run go run ./kernel/cmd/runnotebooks -strip %s): err=%v", p, err)
			}
			if ks := nb.Metadata.KernelSpec; ks.Name != KernelName {
				t.Errorf("kernelspec name %q, want %q", ks.Name, KernelName)
			}
			figures := 0
			first := true
			for i := range nb.Cells {
				c := &nb.Cells[i]
				if c.CellType != "code" {
					continue
				}
				if first && !strings.Contains(string(c.Source), useCheckoutCell) {
					t.Errorf("first code cell (cell %d) does not run %s: %q", i+1, useCheckoutCell, c.Source)
				}
				first = false
				if c.HasTag(nbcheck.FigureTag) {
					figures++
				}
				if lines := strings.Count(strings.TrimRight(string(c.Source), "\n"), "\n") + 1; lines > maxCellLines {
					t.Errorf("cell %d (%s): %d lines, want at most %d", i+1, c.Summary(), lines, maxCellLines)
				}
				for _, call := range handRolled {
					if strings.Contains(string(c.Source), call) {
						t.Errorf("cell %d (%s) calls %s: use the library call that does the whole job", i+1, c.Summary(), call)
					}
				}
			}
			if figures == 0 {
				t.Errorf("no cell tagged %q: the runner cannot check that it draws", nbcheck.FigureTag)
			}
		})
	}
}

// TestUseCheckout runs use_checkout.sh the way a notebook's first cell does,
// in a fresh module like GoNB's, and checks that Go then resolves the
// checkout's packages and GoNB's gonbui with no network (GOPROXY=off) and no
// change to go.mod (-mod=readonly).
func TestUseCheckout(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	work := filepath.Join(t.TempDir(), "gonb_test")
	if err := os.Mkdir(work, 0o700); err != nil {
		t.Fatal(err)
	}
	goCmd := func(env []string, args ...string) string {
		t.Helper()
		cmd := exec.Command("go", args...)
		cmd.Dir = work
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	goCmd(nil, "mod", "init", "gonb_test")
	main := `package main

import (
	"github.com/janpfeifer/gonb/gonbui"
	"github.com/ptychokit/ptychokit/kernel/display"
	"github.com/ptychokit/ptychokit/ptychokit/device"
)

func main() { _, _, _ = gonbui.IsNotebook, display.Figure, device.FromEnv }
`
	if err := os.WriteFile(filepath.Join(work, "main.go"), []byte(main), 0o644); err != nil {
		t.Fatal(err)
	}

	useCheckout := func(env ...string) string {
		t.Helper()
		cmd := exec.Command("bash", filepath.Join(root, "kernel", "use_checkout.sh"))
		cmd.Dir = work
		cmd.Env = append(os.Environ(), append([]string{"GONB_TMP_DIR=" + work}, env...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("use_checkout.sh with %v: %v\n%s", env, err, out)
		}
		return string(out)
	}
	// A notebook in the checkout's notebooks/ finds it by walking up, even
	// with no PTYCHOKIT_ROOT.
	if out := useCheckout("GONB_DIR="+filepath.Join(root, "notebooks"), "PTYCHOKIT_ROOT="); !strings.Contains(out, " at "+root+" ") {
		t.Errorf("notebook in %s/notebooks: use_checkout.sh said %q", root, out)
	}
	// A notebook outside any checkout: the kernel's PTYCHOKIT_ROOT is used.
	if out := useCheckout("GONB_DIR="+t.TempDir(), "PTYCHOKIT_ROOT="+root); !strings.Contains(out, "Cells build against github.com/ptychokit/ptychokit at "+root+" ") {
		t.Errorf("notebook outside: use_checkout.sh said %q", out)
	}
	// Neither: a clear error.
	cmd := exec.Command("bash", filepath.Join(root, "kernel", "use_checkout.sh"))
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "GONB_TMP_DIR="+work, "GONB_DIR="+t.TempDir(), "PTYCHOKIT_ROOT=")
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "PTYCHOKIT_ROOT is unset") {
		t.Errorf("no checkout anywhere: err=%v, output %q; want a failure naming PTYCHOKIT_ROOT", err, out)
	}

	offline := []string{"GOPROXY=off", "GOFLAGS=-mod=readonly", "GOWORK=off"}
	got := goCmd(offline, "list", "-deps", "-f", "{{with .Module}}{{.Path}} {{.Version}}{{with .Replace}} => {{.Dir}}{{end}}{{end}}", ".")
	wantLines := []string{
		"github.com/ptychokit/ptychokit v0.0.0-00010101000000-000000000000 => " + root,
		"github.com/janpfeifer/gonb v0.11.1",
		"github.com/gomlx/gomlx v0.26.0",
	}
	for _, w := range wantLines {
		if !strings.Contains(got, w+"\n") {
			t.Errorf("go list -deps lacks %q; got:\n%s", w, got)
		}
	}
	if mod := goCmd(nil, "mod", "edit", "-json"); !strings.Contains(mod, `"Path": "gonb_test"`) || strings.Contains(mod, `"Tool": [`) {
		t.Errorf("go.mod after use_checkout.sh: want module gonb_test and no tool directives:\n%s", mod)
	}
}

// TestScriptsParse checks the shell scripts at least parse (bash -n).
func TestScriptsParse(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	for _, s := range []string{"setup.sh", "use_checkout.sh"} {
		if out, err := exec.Command("bash", "-n", s).CombinedOutput(); err != nil {
			t.Errorf("bash -n %s: %v\n%s", s, err, out)
		}
	}
}
