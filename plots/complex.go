package plots

import (
	"fmt"
	"image/color"
	"math"

	"github.com/ptychokit/ptychokit/ptychokit/data"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/vg"
)

// ComplexOptions style a complex-image figure. The zero value is usable.
type ComplexOptions struct {
	// Title is drawn above both panels; empty for none.
	Title string
	// AmplitudeTitle and PhaseTitle name the panels; empty gives
	// "amplitude" and "phase".
	AmplitudeTitle, PhaseTitle string
	// Crop, when non-nil, shows only that rectangle (e.g. data.ScanRegion);
	// the axes keep the full image's pixel coordinates.
	Crop *data.Rect
	// AmplitudeMin and AmplitudeMax fix the amplitude colour range; when
	// both are zero it is the range of the shown pixels.
	AmplitudeMin, AmplitudeMax float64
	// HideAxes drops the pixel axes.
	HideAxes bool
	// PhaseThreshold, when > 0, greys out the phase wherever the amplitude
	// is below PhaseThreshold × the largest shown amplitude, where the phase
	// is noise (e.g. 0.01 outside a probe).
	PhaseThreshold float64
	// Hue draws the field's complex view in one panel instead of two: the
	// hue is the phase (the cyclic map over [-π, π]), the brightness the
	// amplitude (black at 0, full at the largest shown amplitude). It suits
	// probes, whose phase matters only where they are bright.
	Hue bool
	// FitPhase colours the phase over its own range, on the amplitude's
	// sequential map, instead of the cyclic map over [-π, π]: for a phase of
	// small range, whose detail the full wheel would hide. Ignored with Hue.
	FitPhase bool
}

// hiddenGrey marks pixels whose value means nothing (phase without
// amplitude): a light neutral grey, distinct from every colour of the maps.
var hiddenGrey = color.RGBA{R: 0xd8, G: 0xd8, B: 0xd8, A: 0xff}

// ComplexImage draws amplitude and phase of an h×w complex image side by
// side, each with its colour bar: amplitude on the viridis-like map, phase on
// the cyclic map over [-π, π] (phases outside are wrapped). amp and phase are
// row-major h×w (AmpPhase makes them from complex64 pixels). It returns an
// error for mismatched sizes, NaN or ±Inf pixels, or a bad crop.
func ComplexImage(amp, phase []float64, h, w int, opts ComplexOptions) (*Figure, error) {
	if err := checkImage("amplitude", amp, h, w); err != nil {
		return nil, err
	}
	if err := checkImage("phase", phase, h, w); err != nil {
		return nil, err
	}
	region := data.Rect{X1: w, Y1: h}
	if opts.Crop != nil {
		region = *opts.Crop
		if err := region.Within(h, w); err != nil {
			return nil, err
		}
	}
	amp = cropImage(amp, w, region)
	phase = cropImage(phase, w, region)
	for i, p := range phase {
		phase[i] = data.WrapPhase(p)
	}

	lo, hi := opts.AmplitudeMin, opts.AmplitudeMax
	if lo == 0 && hi == 0 {
		lo, hi = colorRange(amp)
	} else if !(hi > lo) || math.IsInf(hi-lo, 0) {
		return nil, fmt.Errorf("plots: amplitude colour range [%g, %g] is empty or not finite", lo, hi)
	}
	if opts.Hue {
		_, top := minMax(amp)
		return hueFigure(amp, phase, region, top, opts)
	}
	ampPanel, err := imagePanel(amp, region, AmplitudeMap(lo, hi), firstNonEmpty(opts.AmplitudeTitle, "amplitude"), !opts.HideAxes)
	if err != nil {
		return nil, err
	}
	ampPanel.bar = &colorBar{cmap: AmplitudeMap(lo, hi)}
	var phaseMap palette.ColorMap = PhaseMap()
	phaseBar := &colorBar{cmap: phaseMap, label: "rad", ticks: phaseTicks}
	if opts.FitPhase {
		plo, phi := colorRange(phase)
		phaseMap = AmplitudeMap(plo, phi)
		phaseBar = &colorBar{cmap: phaseMap, label: "rad"}
	}
	phasePanel, err := imagePanel(phase, region, phaseMap, firstNonEmpty(opts.PhaseTitle, "phase"), !opts.HideAxes)
	if err != nil {
		return nil, err
	}
	phasePanel.bar = phaseBar
	if t := opts.PhaseThreshold; t > 0 {
		_, top := minMax(amp)
		hidden := make([]bool, len(amp))
		for i, a := range amp {
			hidden[i] = a < t*top
		}
		phasePanel.raster.Hidden, phasePanel.raster.HiddenColor = hidden, hiddenGrey
	} else if math.IsNaN(t) {
		return nil, fmt.Errorf("plots: phase threshold is NaN")
	}
	g := &grid{title: opts.Title, rows: [][]panel{{ampPanel, phasePanel}}, panelWidth: 3.6 * vg.Inch}
	return g.figure(), nil
}

// hueFigure is ComplexImage's one-panel complex view: the phase through the
// cyclic map, each pixel darkened in proportion to its amplitude over top.
func hueFigure(amp, phase []float64, region data.Rect, top float64, opts ComplexOptions) (*Figure, error) {
	p, err := imagePanel(phase, region, PhaseMap(), firstNonEmpty(opts.PhaseTitle, "phase (hue), amplitude (brightness)"), !opts.HideAxes)
	if err != nil {
		return nil, err
	}
	shade := make([]float64, len(amp))
	for i, a := range amp {
		if top > 0 {
			shade[i] = math.Max(0, math.Min(1, a/top))
		}
	}
	p.raster.Shade = shade
	p.bar = &colorBar{cmap: PhaseMap(), label: "rad", ticks: phaseTicks}
	g := &grid{title: opts.Title, rows: [][]panel{{p}}, panelWidth: 3.6 * vg.Inch}
	return g.figure(), nil
}

// imagePanel returns a panel drawing pix (the pixels of region, already
// cropped) through cm, with square pixels.
func imagePanel(pix []float64, region data.Rect, cm palette.ColorMap, title string, axes bool) (panel, error) {
	r, err := NewRaster(pix, region.Dy(), region.Dx(), cm)
	if err != nil {
		return panel{}, fmt.Errorf("plots: %s: %w", title, err)
	}
	r.Col0, r.Row0 = region.X0, region.Y0
	return panel{plot: newImagePlot(r, title, axes), aspect: float64(region.Dy()) / float64(region.Dx()), raster: r}, nil
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
