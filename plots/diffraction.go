package plots

import (
	"fmt"
	"math"
	"strconv"

	"github.com/ptychokit/ptychokit/ptychokit/data"
	"gonum.org/v1/plot/vg"
)

// DiffractionOptions style a diffraction figure. The zero value is usable.
type DiffractionOptions struct {
	// Title is drawn above the patterns; empty for none.
	Title string
	// Indices chooses the patterns to show (indices into the count
	// patterns); nil shows up to four spread evenly over the scan.
	Indices []int
	// Columns is the number of patterns per row; 0 means up to 4.
	Columns int
	// Amplitude shows log10(amplitude + Eps); the default is the intensity
	// (amplitude², proportional to counts), log10(intensity + Eps).
	Amplitude bool
	// Eps is added before the logarithm so that zeros stay finite. Zero (or
	// negative) picks the smallest positive value among the shown patterns,
	// so that a zero sits a little below the faintest signal (1 if none is
	// positive).
	Eps float64
}

// Diffraction draws diffraction patterns on a log scale with one shared
// colour range and colour bar. patterns holds count patterns of n×n, row-major
// and centred (as data.Dataset.Diffraction: [count, n, n] amplitudes). Zeros
// are fine (see Eps); negative, NaN or ±Inf values are errors.
func Diffraction(patterns []float32, count, n int, opts DiffractionOptions) (*Figure, error) {
	if count <= 0 || n <= 0 || len(patterns) != count*n*n {
		return nil, fmt.Errorf("plots: diffraction: %d values for %d patterns of %d×%d", len(patterns), count, n, n)
	}
	indices := opts.Indices
	if indices == nil {
		k := min(count, 4)
		for i := 0; i < k; i++ {
			if k == 1 {
				indices = append(indices, 0)
			} else {
				indices = append(indices, i*(count-1)/(k-1))
			}
		}
	}
	if len(indices) == 0 {
		return nil, fmt.Errorf("plots: diffraction: no pattern chosen")
	}
	shown := make([][]float64, len(indices))
	for k, idx := range indices {
		if idx < 0 || idx >= count {
			return nil, fmt.Errorf("plots: diffraction: pattern index %d outside [0, %d)", idx, count)
		}
		p := make([]float64, n*n)
		for i, v := range patterns[idx*n*n : (idx+1)*n*n] {
			x := float64(v)
			if !(x >= 0) || math.IsInf(x, 0) {
				return nil, fmt.Errorf("plots: diffraction: pattern %d pixel (y=%d, x=%d) is %v (must be finite and ≥ 0)",
					idx, i/n, i%n, x)
			}
			if !opts.Amplitude {
				x *= x
			}
			p[i] = x
		}
		shown[k] = p
	}
	eps := opts.Eps
	if !(eps > 0) {
		eps = math.Inf(1)
		for _, p := range shown {
			for _, x := range p {
				if x > 0 && x < eps {
					eps = x
				}
			}
		}
		if math.IsInf(eps, 1) {
			eps = 1
		}
	}
	for _, p := range shown {
		for i, x := range p {
			p[i] = math.Log10(x + eps)
		}
	}
	lo, hi := colorRange(shown...)

	cols := opts.Columns
	if cols <= 0 {
		cols = min(4, len(shown))
	}
	var rows [][]panel
	for k, p := range shown {
		if k%cols == 0 {
			rows = append(rows, make([]panel, cols))
		}
		pan, err := imagePanel(p, data.Rect{X1: n, Y1: n}, AmplitudeMap(lo, hi), "pattern "+strconv.Itoa(indices[k]), false)
		if err != nil {
			return nil, err
		}
		rows[len(rows)-1][k%cols] = pan
	}
	quantity := "I"
	if opts.Amplitude {
		quantity = "A"
	}
	bar := &colorBar{cmap: AmplitudeMap(lo, hi),
		label: fmt.Sprintf("log10(%s + %s)", quantity, strconv.FormatFloat(eps, 'g', 3, 64))}
	g := &grid{title: opts.Title, rows: rows, sideBar: bar, panelWidth: 2.2 * vg.Inch}
	return g.figure(), nil
}
