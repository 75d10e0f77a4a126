package pinn

import (
	"fmt"
	"os"

	"github.com/ptychokit/ptychokit/ptychokit/atomicfile"
	"github.com/ptychokit/ptychokit/ptychokit/pinn/internal/runfiles"
)

// EpochStats is one row of history.csv (runfiles.Epoch mirrors it field
// for field: change both).
type EpochStats struct {
	Epoch     int     // 1-based
	TrainLoss float64 // mean of the epoch's batch losses
	ValLoss   float64 // mean loss on the validation groups (NaN without any)
	LR        float64 // learning rate used in the epoch
	Seconds   float64 // wall time of the epoch, validation included
	// AmpContrast and PhaseSpread measure how far the validation
	// predictions are from a flat object (diagnostics.go); NaN without
	// validation groups.
	AmpContrast, PhaseSpread float64
	// LogScale is the learned log intensity scale after the epoch.
	LogScale float64
}

// writeHistory rewrites history.csv atomically.
func writeHistory(path string, history []EpochStats) error {
	rows := make([]runfiles.Epoch, len(history))
	for i, h := range history {
		rows[i] = runfiles.Epoch(h)
	}
	return atomicfile.WriteFile(path, runfiles.FormatHistory(rows))
}

// ReadHistory reads a history.csv written by Train (also the five-column
// files of earlier versions, whose diagnostics read as NaN).
func ReadHistory(path string) ([]EpochStats, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := runfiles.ParseHistory(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	h := make([]EpochStats, len(rows))
	for i, r := range rows {
		h[i] = EpochStats(r)
	}
	return h, nil
}

// readHistory returns the rows up to epoch (the checkpoint's), or nothing
// for a fresh run.
func readHistory(path string, epoch int) ([]EpochStats, error) {
	if epoch == 0 {
		return nil, nil
	}
	h, err := ReadHistory(path)
	if err != nil {
		return nil, fmt.Errorf("resume: %w", err)
	}
	var out []EpochStats
	for _, r := range h {
		if r.Epoch <= epoch {
			out = append(out, r)
		}
	}
	return out, nil
}

// costs is the training loss of every epoch of the model's history (the
// reconstruction's costs, as a solver's are its iterations' costs), nil
// without a history.
func (m *Model) costs() []float64 {
	var c []float64
	for _, h := range m.History {
		c = append(c, h.TrainLoss)
	}
	return c
}
