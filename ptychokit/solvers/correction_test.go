package solvers

import (
	"math"
	"math/rand/v2"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:revive // GoMLX graph code reads best with a dot import.
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/ptychokit/ptychokit/ptychokit/physics"
)

// TestCorrectionIsNegativeGradient checks the exit-wave corrections χ of the
// noise models against central finite differences of their costs computed in
// float64 with the direct DFT: dL = -2·Re⟨χ, δ⟩ (Gaussian) and -4·Re⟨χ, δ⟩
// (Poisson, whose χ is half the negative gradient).
func TestCorrectionIsNegativeGradient(t *testing.T) {
	t.Parallel()
	const n, batches = 8, 2
	rng := rand.New(rand.NewPCG(11, 5))
	psiRe, psiIm := randomFloats(rng, batches*n*n), randomFloats(rng, batches*n*n)
	psi := toComplex(psiRe, psiIm, batches, n)
	// Measured amplitudes near the model's, so that Poisson's k/I stays below
	// its clip: |Ψ|·(1 + 0.3·u), u uniform in [-1, 1].
	measured := make([]float32, batches*n*n)
	for b := range batches {
		far := separableCentredDFT(psi[b])
		for ky := range n {
			for kx := range n {
				a := math.Hypot(real(far[ky][kx]), imag(far[ky][kx]))
				measured[b*n*n+ky*n+kx] = float32(a * (1 + 0.3*(2*rng.Float64()-1)))
			}
		}
	}
	for _, noise := range []NoiseModel{Gaussian, Poisson} {
		t.Run(string(noise), func(t *testing.T) {
			out := runGraph(t, func(in []*Node) []*Node {
				b := &batch{measured: in[2], mask: OnesLike(Reshape(ReduceSum(in[2], 1, 2), batches, 1, 1))}
				b.farField = physics.FarField(physics.NewField(in[0], in[1]))
				b.farFields = []physics.Field{b.farField}
				var factor *Node
				if noise == Poisson {
					_, factor = b.poissonCost()
				} else {
					_, factor = b.gaussianCost()
				}
				chi := b.exitWaveCorrection(b.farField.Scale(factor))
				return []*Node{chi.Re, chi.Im}
			}, tensors.FromFlatDataAndDimensions(psiRe, batches, n, n), tensors.FromFlatDataAndDimensions(psiIm, batches, n, n),
				tensors.FromFlatDataAndDimensions(measured, batches, n, n))
			factor := -2.0
			if noise == Poisson {
				factor = -4
			}
			for trial := range 3 {
				dRe, dIm := randomFloats(rng, batches*n*n), randomFloats(rng, batches*n*n)
				want := 0.0
				for i := range dRe {
					want += factor * (float64(out[0][i])*float64(dRe[i]) + float64(out[1][i])*float64(dIm[i]))
				}
				const eps = 1e-4
				plus := referenceCost(psiRe, psiIm, dRe, dIm, eps, measured, batches, n, noise)
				minus := referenceCost(psiRe, psiIm, dRe, dIm, -eps, measured, batches, n, noise)
				got := (plus - minus) / (2 * eps)
				// float32 χ against a float64 derivative: agreement to 1e-4 relative.
				if math.Abs(got-want) > 1e-4*math.Abs(want)+1e-4 {
					t.Errorf("trial %d: finite difference %.6g, -k·Re⟨χ,δ⟩ = %.6g", trial, got, want)
				}
			}
		})
	}
}

func toComplex(re, im []float32, batch, n int) [][][]complex128 {
	out := make([][][]complex128, batch)
	for b := range batch {
		out[b] = make([][]complex128, n)
		for y := range n {
			out[b][y] = make([]complex128, n)
			for x := range n {
				i := b*n*n + y*n + x
				out[b][y][x] = complex(float64(re[i]), float64(im[i]))
			}
		}
	}
	return out
}

// referenceCost is the noise model's cost at ψ + eps·δ in float64.
func referenceCost(psiRe, psiIm, dRe, dIm []float32, eps float64, measured []float32, batch, n int, noise NoiseModel) float64 {
	shifted := make([][][]complex128, batch)
	for b := range batch {
		shifted[b] = make([][]complex128, n)
		for y := range n {
			shifted[b][y] = make([]complex128, n)
			for x := range n {
				i := b*n*n + y*n + x
				shifted[b][y][x] = complex(float64(psiRe[i])+eps*float64(dRe[i]), float64(psiIm[i])+eps*float64(dIm[i]))
			}
		}
	}
	cost := 0.0
	for b := range batch {
		far := separableCentredDFT(shifted[b])
		for ky := range n {
			for kx := range n {
				intensity := real(far[ky][kx])*real(far[ky][kx]) + imag(far[ky][kx])*imag(far[ky][kx])
				d := float64(measured[b*n*n+ky*n+kx])
				if noise == Poisson {
					k := d * d
					cost += intensity - k - k*math.Log(intensity/k)
				} else {
					a := math.Sqrt(intensity) - d
					cost += a * a
				}
			}
		}
	}
	return cost
}
