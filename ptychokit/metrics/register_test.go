package metrics

import (
	"math"
	"math/cmplx"
	"strings"
	"testing"

	"github.com/ptychokit/ptychokit/ptychokit/data"
)

// registerTol is the accuracy the brief asks of sub-pixel registration.
const registerTol = 0.05

func TestRegisterPeriodicShift(t *testing.T) {
	t.Parallel()
	H, W := 64, 96
	ref := smoothObject(newRNG(10), H, W, 0.08)
	cases := []struct {
		name        string
		dy, dx      float64
		globalPhase float64
		upsample    int
	}{
		{"brief", 3.37, -1.62, 0, 0},
		{"half pixel", -0.5, 0.25, 0, 0},
		{"large", 20.01, -40.93, 0, 0},
		{"global phase", 3.37, -1.62, 2.2, 0},
		{"zero", 0, 0, 0, 0},
		{"upsample 20", 1.73, 2.36, 0, 20},
		{"whole pixels", 4.2, -3.7, 0, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			moving := FourierShift(nil, ref, H, W, c.dy, c.dx)
			rot := cmplx.Exp(complex(0, c.globalPhase))
			for i := range moving {
				moving[i] *= rot
			}
			dy, dx, err := Register(ref, moving, H, W, RegisterOptions{Upsample: c.upsample})
			if err != nil {
				t.Fatal(err)
			}
			tol := registerTol
			if c.upsample == 1 {
				tol = 0.5
			}
			if math.Abs(dy-c.dy) > tol || math.Abs(dx-c.dx) > tol {
				t.Errorf("got (%.4f, %.4f), want (%.4f, %.4f) ± %g", dy, dx, c.dy, c.dx, tol)
			}
		})
	}
}

// A shift between two cut-outs of a larger scene: the borders differ, as
// they do between a reconstruction and its truth.
func TestRegisterCutOutWithTaper(t *testing.T) {
	t.Parallel()
	const big, size, at = 192, 128, 32
	scene := smoothObject(newRNG(11), big, big, 0.06)
	for _, s := range [][2]float64{{3.37, -1.62}, {-6.81, 0.44}} {
		shifted := FourierShift(nil, scene, big, big, s[0], s[1])
		r := data.Rect{Y0: at, X0: at, Y1: at + size, X1: at + size}
		ref, _ := data.Crop(scene, big, big, r)
		moving, _ := data.Crop(shifted, big, big, r)
		dy, dx, err := Register(ref, moving, size, size, RegisterOptions{Taper: DefaultTaper})
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("shift %v: found (%.4f, %.4f)", s, dy, dx)
		if math.Abs(dy-s[0]) > registerTol || math.Abs(dx-s[1]) > registerTol {
			t.Errorf("got (%.4f, %.4f), want (%.4f, %.4f) ± %g", dy, dx, s[0], s[1], registerTol)
		}
	}
}

func TestRegisterErrors(t *testing.T) {
	t.Parallel()
	img := make([]complex128, 16)
	img[3] = 1
	cases := []struct {
		name        string
		ref, moving []complex128
		H, W        int
		opts        RegisterOptions
		want        string
	}{
		{"length", img, img[:15], 4, 4, RegisterOptions{}, "pixels"},
		{"too small", img[:4], img[:4], 1, 4, RegisterOptions{}, "too small"},
		{"taper", img, img, 4, 4, RegisterOptions{Taper: 0.7}, "taper"},
		{"upsample", img, img, 4, 4, RegisterOptions{Upsample: -2}, "upsample"},
		{"flat", make([]complex128, 16), make([]complex128, 16), 4, 4, RegisterOptions{}, "no structure"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := Register(c.ref, c.moving, c.H, c.W, c.opts)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got error %v, want one mentioning %q", err, c.want)
			}
		})
	}
}
