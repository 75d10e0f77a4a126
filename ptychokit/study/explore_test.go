package study

import (
	"fmt"
	"math"
	"testing"

	"github.com/ptychokit/ptychokit/ptychokit/data"
	"github.com/ptychokit/ptychokit/ptychokit/device"
	"github.com/ptychokit/ptychokit/ptychokit/metrics"
	"github.com/ptychokit/ptychokit/ptychokit/pinn"
)

func blur(img *data.ComplexImage, sigma float64) *data.ComplexImage {
	r := int(math.Ceil(3 * sigma))
	k := make([]float64, 2*r+1)
	s := 0.0
	for i := range k {
		x := float64(i - r)
		k[i] = math.Exp(-x * x / (2 * sigma * sigma))
		s += k[i]
	}
	for i := range k {
		k[i] /= s
	}
	H, W := img.H, img.W
	tmp := make([]complex128, H*W)
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			var acc complex128
			for i := -r; i <= r; i++ {
				xx := min(max(x+i, 0), W-1)
				acc += complex(k[i+r], 0) * complex128(img.Pix[y*W+xx])
			}
			tmp[y*W+x] = acc
		}
	}
	out := &data.ComplexImage{H: H, W: W, Pix: make([]complex64, H*W)}
	for y := 0; y < H; y++ {
		for x := 0; x < W; x++ {
			var acc complex128
			for i := -r; i <= r; i++ {
				yy := min(max(y+i, 0), H-1)
				acc += complex(k[i+r], 0) * tmp[yy*W+x]
			}
			out.Pix[y*W+x] = complex64(acc)
		}
	}
	return out
}

func TestExplore(t *testing.T) {
	for _, f := range []string{"../../datasets/lines_N64.npz", "../../datasets/run1084_N64.npz"} {
		ds, err := data.Load(f, data.LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		r, _ := metrics.ScanRegion(ds.XCoords, ds.YCoords, 0, ds.Object.H, ds.Object.W)
		c0, _ := AmplitudeContrast(ds.Object, r)
		fmt.Println(f, "truth contrast", c0, r)
		for _, s := range []float64{1, 2, 4, 8} {
			b := blur(ds.Object, s)
			c, _ := AmplitudeContrast(b, r)
			rep, _ := metrics.Compare(b, ds.Object, metrics.CompareOptions{ScanX: ds.XCoords, ScanY: ds.YCoords})
			fmt.Printf("  blur %g: ratio %.3f amp ssim %.3f phase ssim %.3f\n", s, c/c0, rep.Amplitude.SSIM, rep.Phase.SSIM)
		}
		flat := &data.ComplexImage{H: ds.Object.H, W: ds.Object.W, Pix: make([]complex64, len(ds.Object.Pix))}
		for i := range flat.Pix {
			flat.Pix[i] = 1
		}
		rep, _ := metrics.Compare(flat, ds.Object, metrics.CompareOptions{ScanX: ds.XCoords, ScanY: ds.YCoords})
		fmt.Printf("  flat: amp ssim %.3f phase ssim %.3f\n", rep.Amplitude.SSIM, rep.Phase.SSIM)
	}
	ds, _ := data.Load("../../datasets/lines_N64.npz", data.LoadOptions{})
	m, err := pinn.Load(device.CPU(), "../../datasets/models/lines_N64_gs2")
	if err != nil {
		t.Fatal(err)
	}
	rec, err := m.Reconstruct(ds, pinn.ReconstructOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rep, _ := metrics.Compare(rec.Object, ds.Object, metrics.CompareOptions{ScanX: rec.XCoords, ScanY: rec.YCoords})
	col, _ := JudgeCollapse(rec.Object, ds.Object, rep.Region)
	fmt.Printf("model: %+v amp %.3f phase %.3f\n", col, rep.Amplitude.SSIM, rep.Phase.SSIM)
}
