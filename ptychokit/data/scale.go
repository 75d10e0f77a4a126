package data

import (
	"fmt"
	"math"
)

// InputScale is PtychoPINN's input normalisation of a set of diffraction
// amplitudes [n, N, N] (n = len(diffraction)/(N·N)):
//
//	scale = sqrt( (N/2)² / mean over patterns of Σ_pixels d² )
//
// so that the scaled data d·scale have a mean pattern energy Σ d² of (N/2)².
// Sums run in float64. It returns 0 when there is no pattern or no energy (no
// scale exists); Dataset.InputScale reports that as an error.
func InputScale(diffraction []float32, N int) float64 {
	size := N * N
	if size == 0 || len(diffraction) < size {
		return 0
	}
	n := len(diffraction) / size
	var energy float64
	for _, v := range diffraction[:n*size] {
		energy += float64(v) * float64(v)
	}
	mean := energy / float64(n)
	if mean == 0 || math.IsNaN(mean) || math.IsInf(mean, 0) {
		return 0
	}
	half := float64(N) / 2
	return math.Sqrt(half * half / mean)
}

// InputScale is InputScale of d's diffraction, or an error when d has none or
// its patterns carry no energy.
func (d *Dataset) InputScale() (float64, error) {
	if d.Diffraction == nil {
		return 0, fmt.Errorf("%s: input scale: no diffraction", d.errPrefix("read"))
	}
	s := InputScale(d.Diffraction, d.N)
	if s == 0 {
		return 0, fmt.Errorf("%s: input scale: the %d patterns carry no (finite) energy", d.errPrefix("read"), d.Count)
	}
	return s, nil
}
