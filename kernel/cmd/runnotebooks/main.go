// Command runnotebooks executes notebooks headless through Jupyter itself and
// checks them: `make notebooks` runs it on every notebook in notebooks/.
//
//	go run ./kernel/cmd/runnotebooks [flags] notebooks [more.ipynb …]
//
// For each notebook (a directory stands for its *.ipynb, in name order) it
//
//  1. checks that the committed file carries no outputs (see -strip);
//  2. runs `jupyter nbconvert --to notebook --execute` on it with the
//     "ptychokit (Go)" kernel (kernel/setup.sh installs it), errors allowed so
//     that every cell runs and the report can name the failing one;
//  3. checks the executed copy (package kernel/internal/nbcheck): no error
//     output, no panic on stderr, every code cell run, and every cell tagged
//     "figure" drew an image;
//  4. prints its wall time and its slowest cell.
//
// It exits 1 if any notebook failed, after one line per failure naming the
// notebook and the cell. The kernel starts in the notebook's directory, so
// notebooks find the checkout from there (package kernel/checkout).
//
// With -strip it instead removes outputs from the named notebooks in place.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/ptychokit/ptychokit/kernel/interact"
	"github.com/ptychokit/ptychokit/kernel/internal/env"
	"github.com/ptychokit/ptychokit/kernel/internal/nbcheck"
	"github.com/ptychokit/ptychokit/kernel/internal/procgroup"
	"github.com/ptychokit/ptychokit/ptychokit/atomicfile"
)

var (
	flagKernel  = flag.String("kernel", "ptychokit", "Jupyter kernel name to execute the notebooks with")
	flagJupyter = flag.String("jupyter", defaultJupyter(), "the jupyter program (Debian's, not a pyenv shim); $JUPYTER sets the default")
	flagOut     = flag.String("out", "", "directory to keep the executed notebooks in (default: a temporary directory, removed)")
	flagCellTO  = flag.Duration("cell_timeout", 10*time.Minute, "longest a single cell may run")
	flagNbTO    = flag.Duration("timeout", 15*time.Minute, "longest a whole notebook may run")
	flagStrip   = flag.Bool("strip", false, "strip outputs from the notebooks in place, then exit")
	flagCheck   = flag.Bool("check", false, "only check that the committed notebooks carry no outputs; execute nothing")
	flagVerbose = flag.Bool("v", false, "print every cell's execution time")
)

func defaultJupyter() string {
	if j := env.Get().Jupyter; j != "" {
		return j
	}
	if _, err := os.Stat("/usr/bin/jupyter"); err == nil {
		return "/usr/bin/jupyter"
	}
	return "jupyter"
}

func main() {
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: runnotebooks [flags] DIR|NOTEBOOK.ipynb ...\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	paths, err := nbcheck.Paths(flag.Args())
	if err != nil {
		fail(err)
	}
	switch {
	case *flagStrip:
		for _, p := range paths {
			if err := strip(p); err != nil {
				fail(err)
			}
		}
		return
	case *flagCheck:
		ok := true
		for _, p := range paths {
			if _, err := readStripped(p); err != nil {
				fmt.Fprintf(os.Stderr, "runnotebooks: %v\n", err)
				ok = false
			}
		}
		if !ok {
			os.Exit(1)
		}
		fmt.Printf("runnotebooks: %d notebooks stripped\n", len(paths))
		return
	}

	if _, err := exec.LookPath(*flagJupyter); err != nil {
		fail(fmt.Errorf("%s not found (%v): run `make kernel` (kernel/setup.sh) first", *flagJupyter, err))
	}
	outDir := *flagOut
	if outDir == "" {
		d, err := os.MkdirTemp("", "runnotebooks-")
		if err != nil {
			fail(err)
		}
		defer os.RemoveAll(d)
		outDir = d
	} else if err := os.MkdirAll(outDir, 0o755); err != nil {
		fail(err)
	}

	var failures []string
	start := time.Now()
	for _, p := range paths {
		t0 := time.Now()
		report, err := run(p, outDir)
		elapsed := time.Since(t0).Round(100 * time.Millisecond)
		if err != nil {
			fmt.Printf("FAIL %s  %v\n", p, elapsed)
			failures = append(failures, fmt.Sprintf("%s: %v", p, err))
			continue
		}
		fmt.Printf("ok   %s  %v  %s\n", p, elapsed, report)
	}
	fmt.Printf("runnotebooks: %d notebooks, %d failed, %v\n", len(paths), len(failures), time.Since(start).Round(100*time.Millisecond))
	for _, f := range failures {
		fmt.Fprintf(os.Stderr, "runnotebooks: %s\n", f)
	}
	if len(failures) > 0 {
		os.Exit(1)
	}
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "runnotebooks: %v\n", err)
	os.Exit(1)
}

func readStripped(path string) (*nbcheck.Notebook, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	nb, err := nbcheck.Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := nbcheck.CheckStripped(nb); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return nb, nil
}

func strip(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	out, changed, err := nbcheck.Strip(b)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if !changed {
		return nil
	}
	if err := atomicfile.WriteFile(path, out); err != nil {
		return err
	}
	fmt.Printf("stripped %s\n", path)
	return nil
}

// run executes one notebook and checks it; the report says how many cells ran
// and which was slowest.
func run(path, outDir string) (string, error) {
	if _, err := readStripped(path); err != nil {
		return "", errors.New(strings.TrimPrefix(err.Error(), path+": "))
	}
	name := strings.TrimSuffix(filepath.Base(path), ".ipynb")
	executed := filepath.Join(outDir, name+".ipynb")
	_ = os.Remove(executed)

	ctx, cancel := context.WithTimeout(context.Background(), *flagNbTO)
	defer cancel()
	cmd := exec.CommandContext(ctx, *flagJupyter, "nbconvert",
		"--to", "notebook", "--execute",
		"--ExecutePreprocessor.kernel_name="+*flagKernel,
		fmt.Sprintf("--ExecutePreprocessor.timeout=%d", int(flagCellTO.Seconds())),
		"--ExecutePreprocessor.allow_errors=True",
		"--output-dir", outDir, "--output", name,
		path)
	procgroup.Set(cmd)
	// No browser runs the page's JavaScript here, so cells with controls
	// (package interact) run as scripts instead of waiting for one.
	cmd.Env = append(os.Environ(), interact.EnvVar+"=off")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return "", fmt.Errorf("stopped after %v (-timeout)", *flagNbTO)
		}
		return "", fmt.Errorf("jupyter nbconvert: %v: %s", err, lastLines(stderr.String(), 3))
	}
	b, err := os.ReadFile(executed)
	if err != nil {
		return "", fmt.Errorf("executed notebook: %w", err)
	}
	nb, err := nbcheck.Parse(b)
	if err != nil {
		return "", fmt.Errorf("executed notebook %s: %w", executed, err)
	}
	if err := nbcheck.CheckExecuted(nb); err != nil {
		return "", err
	}

	var cells, figures int
	var slowest time.Duration
	slowestCell := 0
	for i := range nb.Cells {
		c := &nb.Cells[i]
		if c.CellType != "code" {
			continue
		}
		cells++
		if c.HasTag(nbcheck.FigureTag) {
			figures++
		}
		d, ok := c.Duration()
		if !ok {
			continue
		}
		if *flagVerbose {
			fmt.Printf("     cell %2d  %6.1fs  %s\n", i+1, d.Seconds(), c.Summary())
		}
		if d > slowest {
			slowest, slowestCell = d, i+1
		}
	}
	return fmt.Sprintf("(%d code cells, %d figure cells; slowest: cell %d, %.1fs)", cells, figures, slowestCell, slowest.Seconds()), nil
}

// lastLines returns the last n non-blank lines of s, joined by " | ".
func lastLines(s string, n int) string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
