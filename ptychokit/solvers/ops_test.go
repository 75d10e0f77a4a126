package solvers

import (
	"math"
	"math/cmplx"
	"math/rand/v2"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX graph code reads best with a dot import.
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/ptychokit/ptychokit/ptychokit/device"
)

// float32Tol is the agreement expected between float32 graph results and
// float64 references of O(1) values after O(N) accumulated roundings.
const float32Tol = 2e-5

// runGraph executes fn once on the pure-Go backend and returns its outputs as
// float32 slices.
func runGraph(t *testing.T, fn func([]*Node) []*Node, args ...any) [][]float32 {
	t.Helper()
	exec, err := NewExec(device.CPU(), fn)
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Exec(args...)
	if err != nil {
		t.Fatal(err)
	}
	res := make([][]float32, len(out))
	for i, o := range out {
		o.MustConstFlatData(func(flat any) { res[i] = append([]float32(nil), flat.([]float32)...) })
	}
	return res
}

func randomFloats(rng *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	return v
}

// centredDFT is the float64 reference of the forward model's far field:
// fftshift(FFT2(psi))/N, psi [N][N] → [ky][kx], by the direct double sum.
func centredDFT(psi [][]complex128) [][]complex128 {
	n := len(psi)
	out := make([][]complex128, n)
	for ky := range n {
		out[ky] = make([]complex128, n)
		for kx := range n {
			var s complex128
			for y := range n {
				for x := range n {
					phase := -2 * math.Pi * float64((ky-n/2)*y+(kx-n/2)*x) / float64(n)
					s += psi[y][x] * cmplx.Exp(complex(0, phase))
				}
			}
			out[ky][kx] = s / complex(float64(n), 0)
		}
	}
	return out
}

func TestFourierMatchesDirectDFT(t *testing.T) {
	t.Parallel()
	for _, n := range []int{4, 8, 16, 32, 36} {
		rng := rand.New(rand.NewPCG(uint64(n), 1))
		const batch = 2
		re, im := randomFloats(rng, batch*n*n), randomFloats(rng, batch*n*n)
		four := newFourier(n)
		out := runGraph(t, func(in []*Node) []*Node {
			far := four.forward(cfield{in[0], in[1]})
			back := four.inverse(far)
			return []*Node{far.re, far.im, back.re, back.im}
		}, tensors.FromFlatDataAndDimensions(re, batch, n, n), tensors.FromFlatDataAndDimensions(im, batch, n, n))
		for b := range batch {
			psi := make([][]complex128, n)
			for y := range n {
				psi[y] = make([]complex128, n)
				for x := range n {
					i := b*n*n + y*n + x
					psi[y][x] = complex(float64(re[i]), float64(im[i]))
				}
			}
			want := centredDFT(psi)
			for ky := range n {
				for kx := range n {
					i := b*n*n + kx*n + ky // transposed layout
					got := complex(float64(out[0][i]), float64(out[1][i]))
					if cmplx.Abs(got-want[ky][kx]) > float32Tol*float64(n) {
						t.Fatalf("N=%d batch %d (ky,kx)=(%d,%d): got %v, want %v", n, b, ky, kx, got, want[ky][kx])
					}
				}
			}
		}
		for i := range re {
			if math.Abs(float64(out[2][i]-re[i])) > float32Tol*float64(n) || math.Abs(float64(out[3][i]-im[i])) > float32Tol*float64(n) {
				t.Fatalf("N=%d: inverse(forward(x))[%d] = (%g, %g), want (%g, %g)", n, i, out[2][i], out[3][i], re[i], im[i])
			}
		}
	}
}

// TestWindowAdjoint checks ⟨E o, g⟩ = ⟨o, E* g⟩ for the patch cut E and its
// scatter, at sub-pixel positions, and E against a float64 bilinear reference.
func TestWindowAdjoint(t *testing.T) {
	t.Parallel()
	const n, h, w, batch = 8, 21, 19, 5
	rng := rand.New(rand.NewPCG(7, 7))
	object := randomFloats(rng, h*w)
	patches := randomFloats(rng, batch*n*n)
	xs, ys := make([]float32, batch), make([]float32, batch)
	for i := range batch {
		// Centres keep the (N+1)-wide windows inside the frame: x-N/2 ≥ 0, x-N/2+N+1 ≤ w.
		xs[i] = float32(n/2) + rng.Float32()*float32(w-n-1)
		ys[i] = float32(n/2) + rng.Float32()*float32(h-n-1)
	}
	xs[0], ys[0] = float32(n/2), float32(h-n/2-1) // integer corner cases
	out := runGraph(t, func(in []*Node) []*Node {
		win := newWindow(in[2], in[3], n, h, w)
		return []*Node{win.extract(in[0]), win.scatter(in[1])}
	}, tensors.FromFlatDataAndDimensions(object, h, w), tensors.FromFlatDataAndDimensions(patches, batch, n, n),
		tensors.FromFlatDataAndDimensions(xs, batch), tensors.FromFlatDataAndDimensions(ys, batch))
	extracted, scattered := out[0], out[1]

	for b := range batch {
		x0, y0 := math.Floor(float64(xs[b])), math.Floor(float64(ys[b]))
		fx, fy := float64(xs[b])-x0, float64(ys[b])-y0
		at := func(r, c int) float64 { return float64(object[r*w+c]) }
		for j := range n {
			for i := range n {
				r, c := int(y0)-n/2+j, int(x0)-n/2+i
				want := (1-fy)*((1-fx)*at(r, c)+fx*at(r, c+1)) + fy*((1-fx)*at(r+1, c)+fx*at(r+1, c+1))
				if got := float64(extracted[b*n*n+j*n+i]); math.Abs(got-want) > float32Tol {
					t.Fatalf("patch %d (%d,%d): got %g, want %g", b, j, i, got, want)
				}
			}
		}
	}
	var lhs, rhs float64
	for i := range patches {
		lhs += float64(extracted[i]) * float64(patches[i])
	}
	for i := range object {
		rhs += float64(object[i]) * float64(scattered[i])
	}
	if math.Abs(lhs-rhs) > float32Tol*math.Abs(lhs)+1e-3 {
		t.Fatalf("⟨E o, g⟩ = %g but ⟨o, E* g⟩ = %g", lhs, rhs)
	}
}
