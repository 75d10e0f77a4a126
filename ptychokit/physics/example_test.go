package physics_test

import (
	"fmt"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/ptychokit/ptychokit/ptychokit/device"
	"github.com/ptychokit/ptychokit/ptychokit/physics"
)

// The far field of a plane wave through a uniform patch is a single bright
// pixel at the centre (N/2, N/2), holding all the energy Σ|ψ|² = N².
func ExampleFarFieldIntensity() {
	const n = 4
	ones := make([]float32, n*n)
	for i := range ones {
		ones[i] = 1
	}
	intensity := MustExecOnce(device.CPU(), func(g *Graph) *Node {
		one := Const(g, tensors.FromFlatDataAndDimensions(ones, n, n))
		probe := physics.NewField(one, ZerosLike(one))
		patch := physics.NewField(Reshape(one, 1, n, n), ZerosLike(Reshape(one, 1, n, n)))
		return physics.FarFieldIntensity(probe, patch)
	})
	for _, row := range intensity.Value().([][][]float32)[0] {
		fmt.Printf("%3.0f\n", row)
	}
	// Output:
	// [  0   0   0   0]
	// [  0   0   0   0]
	// [  0   0  16   0]
	// [  0   0   0   0]
}

// A raster scan keeps every patch inside the object.
func ExampleRasterPositions() {
	x, y := physics.RasterPositions(48, 64, 32, 10)
	fmt.Println(x)
	fmt.Println(y)
	// Output:
	// [17 27 37 47 17 27 37 47]
	// [19 19 19 19 29 29 29 29]
}

// A noiseless simulation stores far-field amplitudes of the true object and probe.
func ExampleSimulate() {
	const n = 16
	obj := physics.LinesObject(40, 40, 1)
	x, y := physics.RasterPositions(obj.H, obj.W, n, 8)
	ds, err := physics.Simulate(physics.SimOptions{
		Object: obj, Probe: physics.DiskProbe(n, physics.DefaultProbeDiameter(n)),
		X: x, Y: y, NPhotons: 1e6, Seed: 1,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(ds.Count, "patterns of", ds.N, "×", ds.N)
	// Output: 16 patterns of 16 × 16
}
