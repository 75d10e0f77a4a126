package runfiles

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Epoch is one row of history.csv, field for field pinn.EpochStats (which
// documents them), so that the two convert into each other.
type Epoch struct {
	Epoch                    int
	TrainLoss                float64
	ValLoss                  float64
	LR                       float64
	Seconds                  float64
	AmpContrast, PhaseSpread float64
	LogScale                 float64
}

// Columns are the columns of history.csv; files written before the
// flatness diagnostics have only the first five.
var Columns = []string{"epoch", "train_loss", "val_loss", "lr", "seconds", "amp_contrast", "phase_spread", "log_scale"}

// FormatHistory is history.csv's text.
func FormatHistory(history []Epoch) []byte {
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.Write(Columns)
	for _, h := range history {
		_ = w.Write([]string{strconv.Itoa(h.Epoch), FormatFloat(h.TrainLoss), FormatFloat(h.ValLoss), FormatFloat(h.LR),
			strconv.FormatFloat(h.Seconds, 'f', 3, 64), FormatFloat(h.AmpContrast), FormatFloat(h.PhaseSpread), FormatFloat(h.LogScale)})
	}
	w.Flush()
	return []byte(b.String())
}

// FormatFloat writes a number as history.csv does: 9 significant digits.
func FormatFloat(v float64) string { return strconv.FormatFloat(v, 'g', 9, 64) }

// ParseHistory reads history.csv text: the header, then one row an epoch,
// epochs 1, 2, 3… in order (as Train writes them; a resume keeps that).
func ParseHistory(r io.Reader) ([]Epoch, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, errors.New("empty: not a ptychokit history")
	}
	if err != nil {
		return nil, err
	}
	cols := 0
	switch strings.Join(header, ",") {
	case strings.Join(Columns, ","):
		cols = len(Columns)
	case strings.Join(Columns[:5], ","):
		cols = 5
	default:
		return nil, fmt.Errorf("not a ptychokit history (header %.80q)", strings.Join(header, ","))
	}
	var out []Epoch
	for line := 2; ; line++ {
		row, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if len(row) != cols {
			return nil, fmt.Errorf("row %d has %d fields, want %d", line, len(row), cols)
		}
		epoch, err := strconv.Atoi(row[0])
		if err != nil || epoch != len(out)+1 {
			return nil, fmt.Errorf("row %d: epoch %.20q, want %d", line, row[0], len(out)+1)
		}
		vals := []float64{0, 0, 0, 0, math.NaN(), math.NaN(), math.NaN()}
		for j := 1; j < cols; j++ {
			if vals[j-1], err = strconv.ParseFloat(row[j], 64); err != nil {
				return nil, fmt.Errorf("row %d, %s: %.20q is not a number", line, Columns[j], row[j])
			}
		}
		out = append(out, Epoch{Epoch: epoch, TrainLoss: vals[0], ValLoss: vals[1], LR: vals[2], Seconds: vals[3],
			AmpContrast: vals[4], PhaseSpread: vals[5], LogScale: vals[6]})
	}
}
