package data

import (
	"fmt"
	"math"
)

// PhotonEstimate is what EstimatePhotons read from a set of diffraction
// amplitudes.
type PhotonEstimate struct {
	// OK says the amplitudes are quantised — d = sqrt(counts)·Unit with
	// whole counts — so NPhotons and Unit are measured. When false, Reason
	// says why and NPhotons is 0.
	OK     bool
	Reason string
	// NPhotons is the mean over patterns of Σ d²/Unit²: photons a pattern.
	NPhotons float64
	// Unit is u, the amplitude of one photon.
	Unit float64
	// Checked is the number of dim sampled pixels the integer test used;
	// Integral the fraction of them within photonIntegerTol of a whole count.
	Checked  int
	Integral float64
}

// String says in one line what was found.
func (e PhotonEstimate) String() string {
	if !e.OK {
		return "photons: no estimate (" + e.Reason + ")"
	}
	return fmt.Sprintf("photons: %.4g a pattern (one photon = amplitude %.4g; %.1f%% of %d dim pixels hold whole counts)",
		e.NPhotons, e.Unit, 100*e.Integral, e.Checked)
}

// The integer test. Float32 amplitudes resolve whole counts far beyond
// photonMaxCount (d² carries a relative error of ~1.2e-7, 1.2e-4 of a count
// at 1000), so only pixels of at most photonMaxCount counts are tested: the
// dim edges of a pattern, which every real pattern has. A value that is not
// quantised lands within photonIntegerTol of a whole number
// 2·photonIntegerTol of the time (10 %); quantised data do so always.
const (
	photonMaxCount     = 1000
	photonIntegerTol   = 0.05
	photonMinIntegral  = 0.95
	photonMinChecked   = 100
	photonMaxDivisor   = 8       // the smallest non-zero value may hold up to 8 photons
	photonSampleValues = 1 << 20 // pixels sampled for the test: whole patterns, evenly spaced
)

// EstimatePhotons estimates the photons a pattern of diffraction amplitudes
// [n, N, N] (n = len(diffraction)/(N·N)) hold, from the data alone.
//
// Measured amplitudes are d = sqrt(counts)·u for an unknown unit u (files
// are often rescaled: divided by the largest amplitude, or simulated in
// the units of the far-field model). Poisson counts are whole numbers, so
// d²/u² must be near-integers. The smallest non-zero d² in a sample of
// patterns is m·u² for a small whole m (one photon, unless the data are so
// bright that no sampled pixel holds a single one); the estimate takes the
// smallest m ≤ 8 for which at least 95 % of the sampled pixels of at most
// 1000 counts are within 0.05 of a whole count, refines u² by least squares
// over those pixels, and returns NPhotons = mean over all patterns of
// Σ d²/u². Data that are not quantised — a noise-free simulation, processed
// or background-subtracted measurements — fail the test: OK is false and
// Reason says why, and the caller falls back on a value of its own.
//
// The test reads at most about 10⁶ pixels (whole patterns, evenly spaced);
// the mean reads every pattern.
func EstimatePhotons(diffraction []float32, N int) PhotonEstimate {
	size := N * N
	if size <= 0 || len(diffraction) < size {
		return PhotonEstimate{Reason: "no diffraction patterns"}
	}
	count := len(diffraction) / size
	sample := min(count, max(1, photonSampleValues/size))
	patterns := make([]int, sample)
	for i := range patterns {
		patterns[i] = i * count / sample
	}

	smallest := math.Inf(1)
	for _, p := range patterns {
		for _, d := range diffraction[p*size : (p+1)*size] {
			if v := float64(d) * float64(d); v > 0 && v < smallest {
				smallest = v
			}
		}
	}
	if math.IsInf(smallest, 1) {
		return PhotonEstimate{Reason: "every sampled amplitude is zero"}
	}
	// ratios holds d²/smallest for the sampled pixels that could be tested
	// at some divisor m (m·ratio ≤ photonMaxCount).
	var ratios []float64
	for _, p := range patterns {
		for _, d := range diffraction[p*size : (p+1)*size] {
			if r := float64(d) * float64(d) / smallest; r > 0 && r <= photonMaxCount {
				ratios = append(ratios, r)
			}
		}
	}

	var best PhotonEstimate
	for m := 1; m <= photonMaxDivisor; m++ {
		var checked, whole int
		var sumD2, sumCounts float64
		levels := map[float64]bool{}
		for _, r := range ratios {
			k := float64(m) * r
			if k > photonMaxCount {
				continue
			}
			checked++
			if kr := math.Round(k); math.Abs(k-kr) <= photonIntegerTol {
				whole++
				sumD2 += r * smallest
				sumCounts += kr
				if len(levels) < 2 {
					levels[kr] = true
				}
			}
		}
		if checked < photonMinChecked {
			if m == 1 {
				return PhotonEstimate{Reason: fmt.Sprintf("not quantised, or too few dim pixels to tell: %d sampled pixels lie within %d× the smallest non-zero d² (want %d)",
					checked, photonMaxCount, photonMinChecked)}
			}
			break
		}
		frac := float64(whole) / float64(checked)
		if frac < photonMinIntegral {
			if frac >= best.Integral {
				best.Checked, best.Integral = checked, frac
				best.Reason = fmt.Sprintf("not quantised: at best %.0f%% of %d dim sampled pixels hold whole photon counts (want %.0f%%) — noise-free, processed, or no pixel holds fewer than %d photons",
					100*frac, checked, 100*photonMinIntegral, photonMaxDivisor+1)
			}
			continue
		}
		if len(levels) < 2 {
			return PhotonEstimate{Reason: "every sampled non-zero pixel has the same value: cannot tell one photon from the data's unit"}
		}
		unit2 := sumD2 / sumCounts
		var energy float64
		for _, d := range diffraction[:count*size] {
			energy += float64(d) * float64(d)
		}
		return PhotonEstimate{OK: true, NPhotons: energy / float64(count) / unit2, Unit: math.Sqrt(unit2),
			Checked: checked, Integral: frac}
	}
	return best
}

// EstimatePhotons is EstimatePhotons of d's diffraction.
func (d *Dataset) EstimatePhotons() PhotonEstimate {
	if d.Diffraction == nil {
		return PhotonEstimate{Reason: "no diffraction"}
	}
	return EstimatePhotons(d.Diffraction, d.N)
}
