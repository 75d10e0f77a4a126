package metrics

import (
	"math"
	"testing"
)

// ssimTol: float64 filtering in a different order from the reference.
const ssimTol = 1e-12

// referenceSSIM is a direct, unoptimised SSIM: for every window position it
// computes the weighted means, variances and covariance from their
// definitions (two-pass, centred) with the 2-D Gaussian window.
func referenceSSIM(x, y []float64, H, W int, L float64) (mssim, mcs float64) {
	const k, half = SSIMWindow, SSIMWindow / 2
	var w [k][k]float64
	var total float64
	for u := 0; u < k; u++ {
		for v := 0; v < k; v++ {
			du, dv := float64(u-half), float64(v-half)
			w[u][v] = math.Exp(-(du*du + dv*dv) / (2 * SSIMSigma * SSIMSigma))
			total += w[u][v]
		}
	}
	c1, c2 := (SSIMK1*L)*(SSIMK1*L), (SSIMK2*L)*(SSIMK2*L)
	n := 0
	for i := 0; i+k <= H; i++ {
		for j := 0; j+k <= W; j++ {
			var mx, my float64
			for u := 0; u < k; u++ {
				for v := 0; v < k; v++ {
					mx += w[u][v] / total * x[(i+u)*W+j+v]
					my += w[u][v] / total * y[(i+u)*W+j+v]
				}
			}
			var vx, vy, cxy float64
			for u := 0; u < k; u++ {
				for v := 0; v < k; v++ {
					dx, dy := x[(i+u)*W+j+v]-mx, y[(i+u)*W+j+v]-my
					vx += w[u][v] / total * dx * dx
					vy += w[u][v] / total * dy * dy
					cxy += w[u][v] / total * dx * dy
				}
			}
			cs := (2*cxy + c2) / (vx + vy + c2)
			mcs += cs
			mssim += (2*mx*my + c1) / (mx*mx + my*my + c1) * cs
			n++
		}
	}
	return mssim / float64(n), mcs / float64(n)
}

func TestSSIMMatchesDirectReference(t *testing.T) {
	t.Parallel()
	rng := newRNG(40)
	H, W := 23, 31
	x := randomReal(rng, H*W, 0, 1)
	y := make([]float64, H*W)
	for i := range y {
		y[i] = 0.8*x[i] + 0.3*rng.Float64()
	}
	got, err := SSIM(x, y, H, W, 1)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := referenceSSIM(x, y, H, W, 1)
	if math.Abs(got-want) > ssimTol {
		t.Errorf("SSIM %.15f, direct reference %.15f", got, want)
	}
}

// Analytic cases: SSIM from its definition on images whose window
// statistics are known in closed form.
func TestSSIMAnalytic(t *testing.T) {
	t.Parallel()
	const L = 2.0
	c1, c2 := (SSIMK1*L)*(SSIMK1*L), (SSIMK2*L)*(SSIMK2*L)

	t.Run("constants", func(t *testing.T) {
		// σ = 0 everywhere: SSIM = (2ab + C1)/(a² + b² + C1).
		H, W := 15, 20
		for _, ab := range [][2]float64{{0.5, 0.5}, {0.5, 0.8}, {-0.3, 1.1}} {
			x, y := make([]float64, H*W), make([]float64, H*W)
			for i := range x {
				x[i], y[i] = ab[0], ab[1]
			}
			got, _ := SSIM(x, y, H, W, L)
			want := (2*ab[0]*ab[1] + c1) / (ab[0]*ab[0] + ab[1]*ab[1] + c1)
			if math.Abs(got-want) > ssimTol {
				t.Errorf("constants %v: SSIM %g, want %g", ab, got, want)
			}
		}
	})

	t.Run("checkerboard", func(t *testing.T) {
		// x = (-1)^(row+col), y = a·x + b. Every window has E[x²] = 1 and
		// mean ±m, m = (Σ_u g_u·(-1)^u)² with g the 1-D window, the sign
		// alternating with the window's position; so σx² = 1 - m²,
		// σy² = a²σx², σxy = a·σx². A 30×30 image has 20×20 window
		// positions, half of each sign.
		var m float64
		for u, g := range ssimKernel {
			m += g * math.Pow(-1, float64(u))
		}
		m *= m
		H, W := 30, 30
		for _, ab := range [][2]float64{{1, 0}, {0.5, 0.2}, {-0.7, 1}} {
			a, b := ab[0], ab[1]
			x, y := make([]float64, H*W), make([]float64, H*W)
			for r := 0; r < H; r++ {
				for c := 0; c < W; c++ {
					x[r*W+c] = 1 - 2*float64((r+c)%2)
					y[r*W+c] = a*x[r*W+c] + b
				}
			}
			vx := 1 - m*m
			cs := (2*a*vx + c2) / ((1+a*a)*vx + c2)
			lum := func(mx float64) float64 {
				my := a*mx + b
				return (2*mx*my + c1) / (mx*mx + my*my + c1)
			}
			want := cs * (lum(m) + lum(-m)) / 2
			got, _ := SSIM(x, y, H, W, L)
			if math.Abs(got-want) > ssimTol {
				t.Errorf("y = %g·x + %g: SSIM %.15f, closed form %.15f", a, b, got, want)
			}
		}
	})
}

func TestSSIMIdenticalIsOne(t *testing.T) {
	t.Parallel()
	rng := newRNG(41)
	for _, size := range [][2]int{{11, 11}, {40, 64}, {200, 180}} {
		H, W := size[0], size[1]
		x := randomReal(rng, H*W, -1, 3)
		L := DataRange(x)
		s, err := SSIM(x, x, H, W, L)
		if err != nil {
			t.Fatal(err)
		}
		ms, err := MSSSIM(x, x, H, W, L)
		if err != nil {
			t.Fatal(err)
		}
		// 5 scales use the published weights, which sum to 1.0001.
		if math.Abs(s-1) > ssimTol || math.Abs(ms-1) > ssimTol {
			t.Errorf("%d×%d: SSIM %.15f, MS-SSIM %.15f, want 1", H, W, s, ms)
		}
	}
}

func TestMSSSIMScales(t *testing.T) {
	t.Parallel()
	cases := []struct{ H, W, want int }{
		{176, 176, 5}, {175, 500, 4}, {88, 88, 4}, {87, 90, 3}, {22, 30, 2}, {11, 11, 1}, {10, 300, 0},
	}
	for _, c := range cases {
		if got := MSSSIMScales(c.H, c.W); got != c.want {
			t.Errorf("MSSSIMScales(%d, %d) = %d, want %d", c.H, c.W, got, c.want)
		}
	}
}

func TestMSSSIMAgainstReference(t *testing.T) {
	t.Parallel()
	rng := newRNG(42)
	const L = 1.0
	for _, size := range [][2]int{{180, 176}, {50, 47}, {12, 15}} {
		H, W := size[0], size[1]
		x := randomReal(rng, H*W, 0, 1)
		y := make([]float64, H*W)
		for i := range y {
			y[i] = 0.9*x[i] + 0.2*rng.Float64()
		}
		got, err := MSSSIM(x, y, H, W, L)
		if err != nil {
			t.Fatal(err)
		}
		// Reference: direct SSIM at each scale, 2×2 means between scales,
		// weights renormalised only when fewer than 5 scales fit.
		scales := MSSSIMScales(H, W)
		weights := MSSSIMWeights[:scales]
		var total float64
		for _, w := range weights {
			total += w
		}
		if scales == 5 {
			total = 1
		}
		want := 1.0
		xs, ys, h, w := x, y, H, W
		for j := 0; j < scales; j++ {
			s, cs := referenceSSIM(xs, ys, h, w, L)
			if j == scales-1 {
				want *= math.Pow(s, weights[j]/total)
				break
			}
			want *= math.Pow(cs, weights[j]/total)
			down := func(img []float64) []float64 {
				out := make([]float64, (h/2)*(w/2))
				for r := 0; r < h/2; r++ {
					for c := 0; c < w/2; c++ {
						out[r*(w/2)+c] = (img[2*r*w+2*c] + img[2*r*w+2*c+1] + img[(2*r+1)*w+2*c] + img[(2*r+1)*w+2*c+1]) / 4
					}
				}
				return out
			}
			xs, ys, h, w = down(xs), down(ys), h/2, w/2
		}
		if math.Abs(got-want) > 1e-11 {
			t.Errorf("%d×%d (%d scales): MS-SSIM %.15f, reference %.15f", H, W, scales, got, want)
		}
	}
}

func TestSSIMErrors(t *testing.T) {
	t.Parallel()
	x := make([]float64, 100)
	cases := []struct {
		name string
		f    func() error
	}{
		{"small", func() error { _, err := SSIM(x, x, 10, 10, 1); return err }},
		{"length", func() error { _, err := SSIM(x, x[:99], 10, 10, 1); return err }},
		{"range", func() error { _, err := MSSSIM(x, x, 10, 10, 0); return err }},
		{"ms small", func() error { _, err := MSSSIM(x, x, 10, 10, 1); return err }},
	}
	for _, c := range cases {
		if c.f() == nil {
			t.Errorf("%s: want an error", c.name)
		}
	}
}
