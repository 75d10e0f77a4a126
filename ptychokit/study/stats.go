package study

import (
	"math"
	"slices"
)

// Stats are the minimum, median and maximum of one score over the runs of a
// study, and how many runs had it (non-finite values are left out).
type Stats struct {
	N      int     `json:"n"`
	Min    float64 `json:"min"`
	Median float64 `json:"median"`
	Max    float64 `json:"max"`
}

// Summarize returns the Stats of values, ignoring NaN and ±Inf. The median
// of an even count is the mean of the two middle values. With no finite
// value it returns the zero Stats (N = 0).
func Summarize(values []float64) Stats {
	v := make([]float64, 0, len(values))
	for _, x := range values {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			v = append(v, x)
		}
	}
	if len(v) == 0 {
		return Stats{}
	}
	slices.Sort(v)
	n := len(v)
	median := v[n/2]
	if n%2 == 0 {
		median = (v[n/2-1] + v[n/2]) / 2
	}
	return Stats{N: n, Min: v[0], Median: median, Max: v[n-1]}
}
