package physics

import (
	"fmt"
	"math"
)

// CountStats describes the counts of a measured pattern against its
// noiseless twin: what photon noise does to one pattern.
type CountStats struct {
	// Counts is the number of photons recorded, Σk.
	Counts float64
	// Brightest is the largest count in one pixel.
	Brightest float64
	// ZeroFraction is the fraction of pixels that recorded nothing.
	ZeroFraction float64
	// AmplitudeError is ‖A − A₀‖ / ‖A₀‖, the relative error of the measured
	// amplitude A against the noiseless A₀.
	AmplitudeError float64
}

// CountStatistics compares measured amplitudes with the noiseless amplitudes
// of the same pattern (equal lengths), nphotons being the photon count that
// the noiseless pattern holds. The counts are recovered as Simulate made
// them: k = s·A², with s = nphotons / ΣA₀².
func CountStatistics(measured, noiseless []float32, nphotons float64) (CountStats, error) {
	if len(measured) != len(noiseless) || len(measured) == 0 {
		return CountStats{}, fmt.Errorf("physics: count statistics: %d measured and %d noiseless pixels", len(measured), len(noiseless))
	}
	var energy float64
	for _, a := range noiseless {
		energy += float64(a) * float64(a)
	}
	if !(energy > 0) || !(nphotons > 0) {
		return CountStats{}, fmt.Errorf("physics: count statistics: noiseless energy %g and nphotons %g must be positive", energy, nphotons)
	}
	s := nphotons / energy
	var st CountStats
	var diff2 float64
	zeros := 0
	for i, a := range measured {
		k := math.Round(s * float64(a) * float64(a))
		st.Counts += k
		st.Brightest = max(st.Brightest, k)
		if k == 0 {
			zeros++
		}
		d := float64(a - noiseless[i])
		diff2 += d * d
	}
	st.ZeroFraction = float64(zeros) / float64(len(measured))
	st.AmplitudeError = math.Sqrt(diff2 / energy)
	return st, nil
}
