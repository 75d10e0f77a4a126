package physics

import (
	"math"
	"math/rand/v2"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph"
)

// farFieldRef is the float64 reference of FarFieldIntensity by the direct DFT:
// fftshift(|DFT2(probe·patch)|²)/N² for patches [B, N, N], probe [N, N].
func farFieldRef(pr, pi, xr, xi arr) arr {
	n := pr.dims[0]
	er, ei := newArr(xr.dims...), newArr(xr.dims...)
	for i := range xr.v {
		p := i % (n * n)
		er.v[i] = pr.v[p]*xr.v[i] - pi.v[p]*xi.v[i]
		ei.v[i] = pr.v[p]*xi.v[i] + pi.v[p]*xr.v[i]
	}
	fr, fi := directDFT2(er, ei, -1)
	out := newArr(xr.dims...)
	for i := range out.v {
		out.v[i] = (fr.v[i]*fr.v[i] + fi.v[i]*fi.v[i]) / float64(n*n)
	}
	return shift2(out)
}

func TestFarFieldIntensityMatchesReference(t *testing.T) {
	for _, n := range []int{16, 24} {
		rng := rand.New(rand.NewPCG(4, uint64(n)))
		pr, pi := randArr(rng, n, n), randArr(rng, n, n)
		xr, xi := randArr(rng, 3, n, n), randArr(rng, 3, n, n)
		out := run(t, func(in []*Node) []*Node {
			probe, patches := NewField(in[0], in[1]), NewField(in[2], in[3])
			i := FarFieldIntensity(probe, patches)
			return []*Node{i, FarFieldAmplitude(probe, patches), ReduceSum(i, -1, -2), ReduceSum(MulProbe(probe, patches).Abs2(), -1, -2)}
		}, pr, pi, xr, xi)
		want := farFieldRef(pr, pi, xr, xi)
		if e := relErr([2]arr{out[0], want}); e > dftTol {
			t.Errorf("N=%d: intensity relative error %.3g > %g", n, e, dftTol)
		}
		amp := newArr(want.dims...)
		for i, v := range want.v {
			amp.v[i] = math.Sqrt(v)
		}
		if e := relErr([2]arr{out[1], amp}); e > dftTol {
			t.Errorf("N=%d: amplitude relative error %.3g > %g", n, e, dftTol)
		}
		// Energy conservation: Σ intensity = Σ|probe·patch|² per pattern.
		if e := relErr([2]arr{out[2], out[3]}); e > dftTol {
			t.Errorf("N=%d: Σ intensity vs Σ|ψ|² relative error %.3g", n, e)
		}
	}
}

// gradTol is the agreement asked of float32 graph gradients and float64
// central differences, relative to the largest gradient component: float32
// DFTs carry ~1e-6 relative error, the differences (h = 1e-5) ~1e-9.
const gradTol = 1e-4

// TestFarFieldGradients compares graph gradients of L = Σ c·A (A the far-field
// amplitude, c fixed random weights) and of L = Σ c·I with respect to patch
// and probe against central finite differences of the float64 reference.
func TestFarFieldGradients(t *testing.T) {
	const n, b = 12, 2
	rng := rand.New(rand.NewPCG(5, 0))
	pr, pi := randArr(rng, n, n), randArr(rng, n, n)
	xr, xi := randArr(rng, b, n, n), randArr(rng, b, n, n)
	c := randArr(rng, b, n, n)
	for _, amplitude := range []bool{false, true} {
		out := run(t, func(in []*Node) []*Node {
			probe, patches := NewField(in[0], in[1]), NewField(in[2], in[3])
			var y *Node
			if amplitude {
				y = FarFieldAmplitude(probe, patches)
			} else {
				y = FarFieldIntensity(probe, patches)
			}
			loss := ReduceAllSum(Mul(y, in[4]))
			return Gradient(loss, in[0], in[1], in[2], in[3])
		}, pr, pi, xr, xi, c)
		loss := func(params []arr) float64 {
			i := farFieldRef(params[0], params[1], params[2], params[3])
			s := 0.0
			for k, v := range i.v {
				if amplitude {
					v = math.Sqrt(v)
				}
				s += c.v[k] * v
			}
			return s
		}
		params := []arr{pr, pi, xr, xi}
		names := []string{"probe.Re", "probe.Im", "patch.Re", "patch.Im"}
		for p := range params {
			scale := 0.0
			for _, g := range out[p].v {
				scale = math.Max(scale, math.Abs(g))
			}
			for trial := 0; trial < 6; trial++ {
				k := rng.IntN(len(params[p].v))
				const h = 1e-5
				orig := params[p].v[k]
				params[p].v[k] = orig + h
				up := loss(params)
				params[p].v[k] = orig - h
				down := loss(params)
				params[p].v[k] = orig
				fd := (up - down) / (2 * h)
				if math.Abs(fd-out[p].v[k]) > gradTol*scale {
					t.Errorf("amplitude=%v: ∂L/∂%s[%d] = %g, finite difference %g (scale %g)", amplitude, names[p], k, out[p].v[k], fd, scale)
				}
			}
		}
	}
}

// TestFarFieldAmplitudeGradientAtZero: a zero patch gives zero intensity; the
// amplitude's gradient must be finite (zero) there, not NaN.
func TestFarFieldAmplitudeGradientAtZero(t *testing.T) {
	const n = 8
	rng := rand.New(rand.NewPCG(6, 0))
	pr, pi := randArr(rng, n, n), randArr(rng, n, n)
	zero := newArr(1, n, n)
	out := run(t, func(in []*Node) []*Node {
		a := FarFieldAmplitude(NewField(in[0], in[1]), NewField(in[2], in[3]))
		return Gradient(ReduceAllSum(a), in[2], in[3])
	}, pr, pi, zero, zero)
	for _, g := range out {
		for _, v := range g.v {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("gradient at zero intensity is %g", v)
			}
		}
	}
}

// TestSafeSqrtGradient checks the documented gradient 1/(2·max(√x, ε)).
func TestSafeSqrtGradient(t *testing.T) {
	x := arr{dims: []int{3}, v: []float64{0, 0.25, 4}}
	out := run(t, func(in []*Node) []*Node {
		return append([]*Node{SafeSqrt(in[0])}, Gradient(ReduceAllSum(SafeSqrt(in[0])), in[0])...)
	}, x)
	wantVal := []float64{0, 0.5, 2}
	wantGrad := []float64{1 / (2 * AmplitudeGradEpsilon), 1, 0.25}
	for i := range x.v {
		if out[0].v[i] != wantVal[i] || math.Abs(out[1].v[i]-wantGrad[i]) > 1e-6*wantGrad[i] {
			t.Errorf("SafeSqrt(%g) = %g, grad %g; want %g, %g", x.v[i], out[0].v[i], out[1].v[i], wantVal[i], wantGrad[i])
		}
	}
}
