package stitch

import (
	"fmt"
	"testing"
)

// BenchmarkStitch places n patches of 64×64, keeping the central 20×20
// (PtychoPINN's default) or the whole patch, at fractional positions.
func BenchmarkStitch(b *testing.B) {
	const N, n = 64, 2048
	rng := newRNG(9)
	patches := make([]complex64, n*N*N)
	for i := range patches {
		patches[i] = complex(rng.Float32(), rng.Float32())
	}
	x, y := make([]float64, n), make([]float64, n)
	for i := range x {
		x[i], y[i] = 40+400*rng.Float64(), 40+400*rng.Float64()
	}
	H, W, offX, offY := Canvas(x, y, N)
	for i := range x {
		x[i] += offX
		y[i] += offY
	}
	for _, keep := range []int{DefaultKeep, 0} {
		b.Run(fmt.Sprintf("keep=%d", keep), func(b *testing.B) {
			for b.Loop() {
				if _, err := Stitch(patches, N, x, y, H, W, Options{Keep: keep}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
