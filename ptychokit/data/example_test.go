package data_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/ptychokit/ptychokit/ptychokit/data"
)

// Write a two-pattern scan of 4×4 amplitudes and load it back.
func ExampleLoad() {
	dir, err := os.MkdirTemp("", "example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "scan.npz")

	const N = 4
	scan := &data.Dataset{
		N: N, Count: 2,
		Diffraction: make([]float32, 2*N*N),
		Probe:       &data.ComplexImage{H: N, W: N, Pix: make([]complex64, N*N)},
		XCoords:     []float64{10, 12.5},
		YCoords:     []float64{10, 10},
	}
	scan.Diffraction[0], scan.Diffraction[N*N] = 2, 1 // one bright pixel in each
	if err := data.Write(path, scan); err != nil {
		log.Fatal(err)
	}

	d, err := data.Load(path, data.LoadOptions{RequireDiffraction: true})
	if err != nil {
		log.Fatal(err)
	}
	scale, _ := d.InputScale()
	fmt.Printf("%d patterns of %d×%d, probe %d×%d, x %v\n", d.Count, d.N, d.N, d.Probe.H, d.Probe.W, d.XCoords)
	fmt.Printf("input scale %.4f (mean pattern energy 2.5 → (N/2)² = 4)\n", scale)
	fmt.Println("warnings:", len(d.Warnings))
	// Output:
	// 2 patterns of 4×4, probe 4×4, x [10 12.5]
	// input scale 1.2649 (mean pattern energy 2.5 → (N/2)² = 4)
	// warnings: 0
}

// Groups of gridsize 2 on a 3×3 raster: each point with its three nearest.
func ExampleGroups() {
	x := []float64{0, 1, 2, 0, 1, 2, 0, 1, 2}
	y := []float64{0, 0, 0, 1, 1, 1, 2, 2, 2}
	g, err := data.Groups(x, y, 2, 4, 0, 1)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(g.Len(), "groups; first:", g.Index[0], "offsets x", g.OffsetX[0], "y", g.OffsetY[0])
	// Output:
	// 9 groups; first: [0 1 3 4] offsets x [-0.5 0.5 -0.5 0.5] y [-0.5 -0.5 0.5 0.5]
}

// The part of the object a scan saw: the box of the patch centres grown by
// N/2 (a negative margin grows it, a positive one keeps the well-overlapped
// centre).
func ExampleScanRegion() {
	xcoords := []float64{40, 50, 60}
	ycoords := []float64{32, 32, 48}
	r, err := data.ScanRegion(xcoords, ycoords, -16, 100, 100) // N = 32
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("columns %d–%d, rows %d–%d\n", r.X0, r.X1, r.Y0, r.Y1)
	// Output: columns 24–77, rows 16–65
}
