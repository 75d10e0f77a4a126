package checkout

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ptychokit/ptychokit/kernel/internal/env"
)

// Module is the module path that marks a ptychokit checkout.
const Module = "github.com/ptychokit/ptychokit"

// Environment variables read by Root.
const (
	// NotebookDirEnv is set by GoNB to the notebook's directory.
	NotebookDirEnv = env.NotebookDirVar
	// RootEnv is set by the kernel spec to the checkout that installed it.
	RootEnv = env.RootVar
)

// Root returns the absolute path of the ptychokit checkout (see the package
// doc for the rule), or an error saying where it looked.
func Root() (string, error) {
	start := env.Get().NotebookDir
	if start == "" {
		wd, err := os.Getwd()
		if err != nil {
			return "", fmt.Errorf("checkout: working directory: %w", err)
		}
		start = wd
	}
	if root, ok := findUp(start); ok {
		return root, nil
	}
	if dir := env.Get().Root; dir != "" {
		if isCheckout(dir) {
			return filepath.Abs(dir)
		}
		return "", fmt.Errorf("checkout: $%s=%s is not a ptychokit checkout (no go.mod of module %s)", RootEnv, dir, Module)
	}
	return "", fmt.Errorf("checkout: no go.mod of module %s in %s or above, and $%s is unset (run `make kernel` in a checkout and use the \"ptychokit (Go)\" kernel)", Module, start, RootEnv)
}

// Path returns the absolute path of elem, joined, relative to Root; it
// returns an error when there is no checkout or the file does not exist.
func Path(elem ...string) (string, error) {
	root, err := Root()
	if err != nil {
		return "", err
	}
	p := filepath.Join(append([]string{root}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("checkout: %s does not exist in the checkout at %s", filepath.Join(elem...), root)
		}
		return "", fmt.Errorf("checkout: %w", err)
	}
	return p, nil
}

func findUp(dir string) (string, bool) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", false
	}
	for {
		if isCheckout(dir) {
			return dir, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

// isCheckout reports whether dir/go.mod declares Module.
func isCheckout(dir string) bool {
	f, err := os.Open(filepath.Join(dir, "go.mod"))
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "module" {
			return strings.Trim(fields[1], `"`) == Module
		}
	}
	return false
}
