package solvers

import (
	"math/rand/v2"
	"testing"

	"github.com/ptychokit/ptychokit/ptychokit/data"
)

// BenchmarkIteration times one iteration (one pass over every position) at
// the Siemens star's sizes: N=128, 128 positions on a 500×500 object.
func BenchmarkIteration(b *testing.B) {
	const n, count, side = 128, 128, 500
	rng := rand.New(rand.NewPCG(1, 1))
	ds := &data.Dataset{N: n, Count: count, Diffraction: make([]float32, count*n*n)}
	for i := range ds.Diffraction {
		ds.Diffraction[i] = rng.Float32()
	}
	ds.Probe = &data.ComplexImage{H: n, W: n, Pix: make([]complex64, n*n)}
	for i := range ds.Probe.Pix {
		ds.Probe.Pix[i] = complex(rng.Float32(), rng.Float32())
	}
	for range count {
		ds.XCoords = append(ds.XCoords, float64(n/2)+rng.Float64()*float64(side-n-2))
		ds.YCoords = append(ds.YCoords, float64(n/2)+rng.Float64()*float64(side-n-2))
	}
	for _, algo := range Names() {
		b.Run(algo, func(b *testing.B) {
			r, err := New(ds, Options{Algorithm: algo, BatchSize: 32, Probe: ProbeOptions{Refine: true}})
			if err != nil {
				b.Fatal(err)
			}
			if err := r.Iterate(1); err != nil { // compile
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				if err := r.Iterate(1); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
