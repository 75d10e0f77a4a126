package physics

import (
	"math"

	"github.com/ptychokit/ptychokit/ptychokit/data"
)

type complexImage = data.ComplexImage

// PatchesCPU is ExtractPatches in plain Go: n = len(x) patches of N×N from obj
// at centres (x[b], y[b]), bilinear with zero fill, returned flat [n, N, N].
func PatchesCPU(obj *data.ComplexImage, x, y []float64, n int) []complex64 {
	out := make([]complex64, len(x)*n*n)
	for b := range x {
		oy, ox := y[b]-float64(n/2), x[b]-float64(n/2)
		fy, fx := math.Floor(oy), math.Floor(ox)
		ty, tx := float32(oy-fy), float32(ox-fx)
		wy := [2]float32{1 - ty, ty}
		wx := [2]float32{1 - tx, tx}
		for i := 0; i < n; i++ {
			for j := 0; j < n; j++ {
				var s complex64
				for a := 0; a < 2; a++ {
					r := int(fy) + i + a
					if r < 0 || r >= obj.H {
						continue
					}
					for c := 0; c < 2; c++ {
						col := int(fx) + j + c
						if col < 0 || col >= obj.W {
							continue
						}
						s += complex(wy[a]*wx[c], 0) * obj.Pix[r*obj.W+col]
					}
				}
				out[(b*n+i)*n+j] = s
			}
		}
	}
	return out
}
