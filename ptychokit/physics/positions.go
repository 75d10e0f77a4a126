package physics

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// RasterPositions is a rectangular scan with the given step (pixels) whose
// N×N patches lie inside an H×W object: centres x in [N/2, W − N/2] and y in
// [N/2, H − N/2] (see the patch convention in package ptychokit), the grid
// centred in that range, row by row (y outer, x inner). Empty when N > H or
// N > W.
func RasterPositions(h, w, n int, step float64) (x, y []float64) {
	if !(step > 0) || n <= 0 {
		panic(fmt.Sprintf("ptychokit: physics.RasterPositions: step %g and N %d must be positive", step, n))
	}
	axis := func(size int) []float64 {
		span := float64(size - n)
		if span < 0 {
			return nil
		}
		count := int(math.Floor(span/step+1e-9)) + 1
		start := float64(n/2) + (span-float64(count-1)*step)/2
		c := make([]float64, count)
		for i := range c {
			c[i] = start + float64(i)*step
		}
		return c
	}
	xs, ys := axis(w), axis(h)
	for _, yy := range ys {
		for _, xx := range xs {
			x, y = append(x, xx), append(y, yy)
		}
	}
	return x, y
}

// RandomPositions draws count centres uniformly in [N/2, W − N/2] × [N/2, H − N/2],
// so every N×N patch lies inside the H×W object. Deterministic for a seed.
func RandomPositions(h, w, n, count int, seed int64) (x, y []float64) {
	if n <= 0 || count < 0 || h < n || w < n {
		panic(fmt.Sprintf("ptychokit: physics.RandomPositions: no N=%d patch fits a %d×%d object (or count %d < 0)", n, h, w, count))
	}
	rng := rand.New(rand.NewPCG(uint64(seed), 0x706f73)) // "pos"
	x, y = make([]float64, count), make([]float64, count)
	for i := range x {
		x[i] = float64(n/2) + rng.Float64()*float64(w-n)
		y[i] = float64(n/2) + rng.Float64()*float64(h-n)
	}
	return x, y
}
