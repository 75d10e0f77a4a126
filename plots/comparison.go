package plots

import (
	"fmt"
	"math"

	"github.com/ptychokit/ptychokit/ptychokit/data"
	"gonum.org/v1/plot/vg"
)

// Panel is one named image of a comparison row.
type Panel struct {
	Title string
	Pix   []float64
}

// ComparisonRow is one row of a comparison grid: images side by side on one
// colour range, then an optional error image.
type ComparisonRow struct {
	// Label names the row (e.g. "amplitude"); it is written left of the row.
	Label string
	// Phase puts the row's images on the cyclic phase map over [-π, π]
	// (values wrapped); otherwise they share one linear colour range, the
	// range of all of them.
	Phase bool
	// Panels are the images, left to right (e.g. ground truth, PINN,
	// iterative).
	Panels []Panel
	// Error, when non-nil, is drawn last on a diverging map symmetric about
	// zero, with its own colour bar.
	Error *Panel
	// Unit, when set, follows the colour bars' labels, e.g. "rad". A Phase
	// row without one gets "rad".
	Unit string
}

// ComparisonOptions style a comparison grid. The zero value is usable.
type ComparisonOptions struct {
	// Title is drawn above the grid; empty for none.
	Title string
	// Crop, when non-nil, shows only that rectangle of every image.
	Crop *data.Rect
}

// Comparison draws rows of h×w images: each row shares one colour range and
// colour bar, and its error image (if any) has its own diverging one. Every
// row must have the same number of panels and all or none an error image, so
// that columns line up.
func Comparison(rows []ComparisonRow, h, w int, opts ComparisonOptions) (*Figure, error) {
	if len(rows) == 0 {
		return nil, fmt.Errorf("plots: comparison: no rows")
	}
	region := data.Rect{X1: w, Y1: h}
	if opts.Crop != nil {
		region = *opts.Crop
		if err := region.Within(h, w); err != nil {
			return nil, err
		}
	}
	ncol, withError := len(rows[0].Panels), rows[0].Error != nil
	var cells [][]panel
	for _, row := range rows {
		if len(row.Panels) == 0 || len(row.Panels) != ncol || (row.Error != nil) != withError {
			return nil, fmt.Errorf("plots: comparison: row %q has %d panels (error: %v); row %q has %d (error: %v)",
				row.Label, len(row.Panels), row.Error != nil, rows[0].Label, ncol, withError)
		}
		images := make([][]float64, len(row.Panels))
		for j, pan := range row.Panels {
			if err := checkImage(row.Label+": "+pan.Title, pan.Pix, h, w); err != nil {
				return nil, err
			}
			images[j] = cropImage(pan.Pix, w, region)
			if row.Phase {
				for i, v := range images[j] {
					images[j][i] = data.WrapPhase(v)
				}
			}
		}
		unit := row.Unit
		if unit == "" && row.Phase {
			unit = "rad"
		}
		withUnit := func(s string) string {
			if unit == "" {
				return s
			}
			return s + " (" + unit + ")"
		}
		var bar *colorBar
		if row.Phase {
			bar = &colorBar{cmap: PhaseMap(), label: withUnit(row.Label), ticks: phaseTicks}
		} else {
			lo, hi := colorRange(images...)
			bar = &colorBar{cmap: AmplitudeMap(lo, hi), label: withUnit(row.Label)}
		}
		var line []panel
		for j, pan := range row.Panels {
			cell, err := imagePanel(images[j], region, bar.cmap, pan.Title, false)
			if err != nil {
				return nil, err
			}
			if j == 0 {
				cell.plot.Y.Label.Text = row.Label
			}
			line = append(line, cell)
		}
		line[len(line)-1].bar = bar
		if row.Error != nil {
			if err := checkImage(row.Label+": "+row.Error.Title, row.Error.Pix, h, w); err != nil {
				return nil, err
			}
			e := cropImage(row.Error.Pix, w, region)
			lo, hi := minMax(e)
			m := math.Max(math.Abs(lo), math.Abs(hi))
			if m == 0 {
				m = 1 // an exact match: any symmetric range shows it white
			}
			cell, err := imagePanel(e, region, ErrorMap(m), row.Error.Title, false)
			if err != nil {
				return nil, err
			}
			cell.bar = &colorBar{cmap: ErrorMap(m), label: withUnit("error")}
			line = append(line, cell)
		}
		cells = append(cells, line)
	}
	g := &grid{title: opts.Title, rows: cells, panelWidth: 2.4 * vg.Inch}
	return g.figure(), nil
}

// ComplexPanel is one named complex image (h×w, row-major).
type ComplexPanel struct {
	Title string
	Pix   []complex64
}

// CompareComplex builds the usual comparison: an amplitude row and a phase
// row showing truth and then each reconstruction, with the error of the first
// reconstruction against the truth (amplitude difference; phase difference
// wrapped into (-π, π]). The phase row uses the cyclic map over [-π, π] when
// the phases span more than π (they may wrap); otherwise, like the amplitude
// row, one linear range shared by its images, which shows small phase
// contrast far better. Align the reconstructions first (global phase,
// phase ramp, amplitude scale; package metrics does it): this draws what it
// is given.
func CompareComplex(truth ComplexPanel, recons []ComplexPanel, h, w int, opts ComparisonOptions) (*Figure, error) {
	if len(recons) == 0 {
		return nil, fmt.Errorf("plots: compare complex: no reconstruction")
	}
	all := append([]ComplexPanel{truth}, recons...)
	ampRow := ComparisonRow{Label: "amplitude"}
	phaseRow := ComparisonRow{Label: "phase", Unit: "rad"}
	amps := make([][]float64, len(all))
	phases := make([][]float64, len(all))
	for i, c := range all {
		if len(c.Pix) != h*w {
			return nil, fmt.Errorf("plots: compare complex: %q has %d pixels for %d×%d", c.Title, len(c.Pix), h, w)
		}
		amps[i], phases[i] = AmpPhase(c.Pix)
		ampRow.Panels = append(ampRow.Panels, Panel{Title: c.Title, Pix: amps[i]})
		phaseRow.Panels = append(phaseRow.Panels, Panel{Title: c.Title, Pix: phases[i]})
	}
	lo, hi := colorRange(phases...)
	phaseRow.Phase = hi-lo > math.Pi
	ampErr := make([]float64, h*w)
	phaseErr := make([]float64, h*w)
	for i := range ampErr {
		ampErr[i] = amps[1][i] - amps[0][i]
		phaseErr[i] = data.WrapPhase(phases[1][i] - phases[0][i])
	}
	title := fmt.Sprintf("%s − %s", recons[0].Title, truth.Title)
	ampRow.Error = &Panel{Title: title, Pix: ampErr}
	phaseRow.Error = &Panel{Title: title, Pix: phaseErr}
	return Comparison([]ComparisonRow{ampRow, phaseRow}, h, w, opts)
}
