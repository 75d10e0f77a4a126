package main

import (
	"fmt"
	"os"

	"github.com/ptychokit/ptychokit/ptychokit/data"
)

func init() {
	register("inspect", "summarise an NPZ scan and check it against the canonical contract", runInspect)
}

// contractError makes inspect exit with status 3 when the file breaks the
// contract, after the report was printed.
type contractError struct{ path string }

func (e contractError) Error() string {
	return fmt.Sprintf("%s breaks the canonical NPZ contract (see the failed rules above)", e.path)
}
func (contractError) ExitCode() int { return 3 }

func runInspect(args []string) error {
	fs := newFlags("inspect", "FILE.npz", `
Prints what a ptychography NPZ holds — keys, shapes, dtypes, N and n, amplitude
statistics, the photons a pattern (read from the amplitudes when they are whole
counts times a unit, as 'train' uses them; otherwise why not), scan extent —
checks every rule of the canonical contract, and says
what the file can be used for (training and reconstruction, simulation input,
ground truth for evaluation). Exit status 0 when the file meets the contract,
3 when it breaks it, 1 when it cannot be read at all.`)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("want exactly one FILE.npz, got %d arguments", fs.NArg())
	}
	path := fs.Arg(0)
	report, err := data.Inspect(path)
	if err != nil {
		return err
	}
	fmt.Fprint(os.Stdout, report.String())
	if !report.OK() {
		return contractError{path}
	}
	return nil
}
