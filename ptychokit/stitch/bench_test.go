package stitch

import (
	"testing"
)

// BenchmarkStitch places n patches of 64×64 at fractional positions with
// PtychoPINN's central 20×20, the whole patch with uniform weight, and the
// whole patch with the default Gaussian and with the probe's intensity.
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
	for _, c := range []struct {
		name string
		opts Options
	}{
		{"keep=20", Options{Mode: Keep, Keep: DefaultKeep}},
		{"keep=0", Options{Mode: Keep}},
		{"gauss", Options{}},
		{"probe", Options{Mode: Probe, Probe: diskProbe(N)}},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := Stitch(patches, N, x, y, H, W, c.opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
