// Package env is the one place the kernel's packages and programs read
// their environment variables: Get reads them once per process.
package env

import (
	"os"
	"sync"
)

// The variables Get reads.
const (
	// NotebookDirVar is set by GoNB to the notebook's directory.
	NotebookDirVar = "GONB_DIR"
	// RootVar is set by the kernel spec to the checkout that installed it.
	RootVar = "PTYCHOKIT_ROOT"
	// WidgetsVar turns a notebook's controls off when "off".
	WidgetsVar = "PTYCHOKIT_WIDGETS"
	// JupyterVar and ChromiumVar name the programs the notebook runners use.
	JupyterVar, ChromiumVar = "JUPYTER", "CHROMIUM"
)

// Settings are the values of the variables ("" when unset).
type Settings struct {
	NotebookDir, Root, Widgets, Jupyter, Chromium string
}

var (
	mu       sync.Mutex
	loaded   bool
	settings Settings
)

// Get returns the settings, read from the environment on the first call.
func Get() Settings {
	mu.Lock()
	defer mu.Unlock()
	if !loaded {
		settings = Settings{
			NotebookDir: os.Getenv(NotebookDirVar),
			Root:        os.Getenv(RootVar),
			Widgets:     os.Getenv(WidgetsVar),
			Jupyter:     os.Getenv(JupyterVar),
			Chromium:    os.Getenv(ChromiumVar),
		}
		loaded = true
	}
	return settings
}

// Reset has the next Get read the environment again (for tests that set
// variables).
func Reset() {
	mu.Lock()
	loaded = false
	mu.Unlock()
}
