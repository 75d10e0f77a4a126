// Command ptychokit is ptychographic reconstruction from the command line:
// inspect and simulate canonical NPZ scans, train and apply PtychoPINN, run
// iterative solvers, evaluate, and benchmark.
//
// Each subcommand lives in its own file and registers itself in init; this
// file only dispatches. Flags are spelled with underscores, as PtychoPINN's are.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/ptychokit/ptychokit/ptychokit/device"
	"github.com/ptychokit/ptychokit/ptychokit/internal/runlock"
)

// command is one subcommand: its one-line summary, its long help, and run,
// which parses args itself (with newFlags) and returns an error for the user.
type command struct {
	summary string
	run     func(args []string) error
}

var commands = map[string]command{}

func register(name, summary string, run func(args []string) error) {
	if _, dup := commands[name]; dup {
		panic("ptychokit: command registered twice: " + name)
	}
	commands[name] = command{summary: summary, run: run}
}

// errHelp marks a --help request: exit 0 after the usage was printed.
var errHelp = flag.ErrHelp

func main() {
	os.Exit(runMain(os.Args[1:], os.Stdout, os.Stderr))
}

func runMain(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "ptychokit: unknown command %q (run 'ptychokit --help' for the list)\n", args[0])
		return 2
	}
	err := safeRun(cmd.run, args[1:])
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errHelp):
		return 0
	default:
		fmt.Fprintf(stderr, "ptychokit %s: %s\n", args[0], oneLine(err.Error()))
		var ec exitCoder
		if errors.As(err, &ec) {
			return ec.ExitCode()
		}
		return 1
	}
}

// exitCoder lets an error choose the exit status (inspect uses 3 for a file
// that breaks the contract).
type exitCoder interface{ ExitCode() int }

// safeRun turns a panic into an error, so that a user sees one sentence, never
// a stack trace.
func safeRun(run func([]string) error, args []string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error: %v", r)
		}
	}()
	return run(args)
}

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

func usage(w io.Writer) {
	fmt.Fprintf(w, `ptychokit — ptychographic reconstruction (PtychoPINN and iterative solvers) on GoMLX

Usage: ptychokit COMMAND [flags]     (ptychokit COMMAND --help for its flags)

Commands:
`)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-12s %s\n", n, commands[n].summary)
	}
	fmt.Fprintf(w, `
Data are canonical NPZ files: 'diffraction' (n,N,N) float32 amplitudes, centred;
'probeGuess', 'objectGuess' complex; 'xcoords', 'ycoords' patch centres in object
pixels. Devices: --device cpu (pure Go, default), gpu (XLA + CUDA plugin), auto.
`)
}

// deviceFlag adds the --device flag every computing command shares; its
// default is $PTYCHOKIT_DEVICE, else "cpu".
func deviceFlag(fs *flag.FlagSet) *string {
	def := device.Env().Device
	if def == "" {
		def = "cpu"
	}
	return fs.String("device", def, "compute device: cpu (pure Go) | gpu (XLA + CUDA plugin) | auto (gpu when found); default $"+device.EnvVar+" or cpu")
}

// lockOutputDir takes the run lock of an output folder for the whole
// command (internal/runlock): a folder in use by another run is refused at
// once, naming it; the lock of a run that died is taken over, with a note.
func lockOutputDir(dir, command string) (*runlock.Lock, error) {
	lock, err := runlock.Acquire(dir, command)
	if err != nil {
		return nil, fmt.Errorf("--output_dir %w", err)
	}
	if note := lock.Note(dir); note != "" {
		fmt.Fprintln(os.Stderr, note)
	}
	return lock, nil
}

// newFlags returns a FlagSet for a subcommand whose --help prints the summary,
// an explanation, and the flags; parse errors come back as errors.
func newFlags(name, usageLine, explanation string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		w := os.Stdout
		fmt.Fprintf(w, "Usage: ptychokit %s %s\n\n%s\n\nFlags:\n", name, usageLine, strings.TrimSpace(explanation))
		fs.SetOutput(w)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	return fs
}

// parseFlags parses args; on --help (usage printed by the FlagSet) it returns errHelp.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp // the FlagSet has already printed its Usage
		}
		return err
	}
	return nil
}
