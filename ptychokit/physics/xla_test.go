package physics

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"

	"github.com/ptychokit/ptychokit/ptychokit/device"
)

var (
	xlaOnce    sync.Once
	xlaBackend backends.Backend
	xlaErr     error
)

// xla returns the XLA backend on a CUDA plugin, or skips the test: the
// parity tests run only where XLA is present (the GPU machine).
func xla(t testing.TB) backends.Backend {
	t.Helper()
	xlaOnce.Do(func() { xlaBackend, xlaErr = device.GPU() })
	if xlaErr != nil {
		t.Skipf("no XLA backend here, native-FFT parity not checked: %v", xlaErr)
	}
	if !HasNativeFFT(xlaBackend) {
		t.Skipf("XLA backend %s has no complex64 FFT", xlaBackend.Name())
	}
	return xlaBackend
}

// xlaMatMulTol is the agreement asked of the matrix DFT path run on XLA:
// XLA's default float32 dots on NVIDIA GPUs use TF32 (10-bit mantissa,
// rounding 2^-11 ≈ 5e-4 per operand); on an H200 the matrix path differed from
// the native FFT by 3e-4–8e-4. With both NVIDIA_TF32_OVERRIDE=0 and
// XLA_FLAGS=--xla_gpu_enable_triton_gemm=false set (either alone is not
// enough) it agreed to 6e-7. GoMLX v0.26.0 has no per-op precision setting,
// one reason DFTAuto takes the native FFT on XLA.
const xlaMatMulTol = 2e-3

// TestNativeFFTParity checks, on XLA, that the native-FFT path and the
// matrix path give the same DFT2, IDFT2, far-field intensity and gradients of
// a far-field loss, and that both match the float64 direct DFT.
func TestNativeFFTParity(t *testing.T) {
	b := xla(t)
	if HasNativeFFT(cpu()) {
		t.Errorf("the pure-Go backend now reports native FFT: revisit DFTAuto")
	}
	for _, n := range []int{16, 24, 64} {
		rng := rand.New(rand.NewPCG(20, uint64(n)))
		pr, pi := randArr(rng, n, n), randArr(rng, n, n)
		xr, xi := randArr(rng, 3, n, n), randArr(rng, 3, n, n)
		c := randArr(rng, 3, n, n)
		graphFn := func(m DFTMethod) func([]*Node) []*Node {
			return func(in []*Node) []*Node {
				probe, patches := NewField(in[0], in[1]), NewField(in[2], in[3])
				f := DFT2With(patches, m)
				inv := IDFT2With(patches, m)
				amp := FarFieldAmplitudeWith(probe, patches, m)
				loss := ReduceAllSum(Mul(amp, in[4]))
				return append([]*Node{f.Re, f.Im, inv.Re, inv.Im, FarFieldIntensityWith(probe, patches, m)},
					Gradient(loss, in[0], in[1], in[2], in[3])...)
			}
		}
		native := runOn(t, b, graphFn(DFTNative), pr, pi, xr, xi, c)
		matmulXLA := runOn(t, b, graphFn(DFTMatMul), pr, pi, xr, xi, c)
		matmulCPU := runOn(t, cpu(), graphFn(DFTMatMul), pr, pi, xr, xi, c)
		auto := runOn(t, b, graphFn(DFTAuto), pr, pi, xr, xi, c)
		wantRe, wantIm := directDFT2(xr, xi, -1)
		if e := relErr([2]arr{native[0], wantRe}, [2]arr{native[1], wantIm}); e > dftTol {
			t.Errorf("N=%d: native DFT2 vs direct: %.3g", n, e)
		}
		names := []string{"DFT2.Re", "DFT2.Im", "IDFT2.Re", "IDFT2.Im", "intensity", "∂probe.Re", "∂probe.Im", "∂patch.Re", "∂patch.Im"}
		worstXLAMatMul := 0.0
		for i, name := range names {
			for _, other := range []struct {
				label string
				got   arr
				tol   float64
			}{{"matmul on CPU", matmulCPU[i], dftTol}, {"auto on XLA", auto[i], dftTol}, {"matmul on XLA", matmulXLA[i], xlaMatMulTol}} {
				e := relErr([2]arr{other.got, native[i]})
				if e > other.tol {
					t.Errorf("N=%d %s: native vs %s relative difference %.3g > %g", n, name, other.label, e, other.tol)
				}
				if other.label == "matmul on XLA" {
					worstXLAMatMul = max(worstXLAMatMul, e)
				}
			}
		}
		t.Logf("N=%d: native vs matmul on XLA: worst relative difference %.3g (TF32 dots)", n, worstXLAMatMul)
	}
}

// BenchmarkFarFieldXLA times loss = Σ c·FarFieldAmplitude and its gradients
// on XLA for both DFT paths (skipped without XLA). Built here with
// go test -c -o .gpu/physics/physics.test ./ptychokit/physics/ and run on the
// GPU machine as
//
//	physics.test -test.run '^$' -test.bench XLA -test.benchtime 50x
//
// H200, N=64, inputs sent from the host each step, full-float32 dots
// (the two settings above): native 0.32/0.47/0.86 ms and matmul
// 0.42/0.57/1.16 ms at B = 16/256/1024.
func BenchmarkFarFieldXLA(b *testing.B) {
	be := xla(b)
	const n = 64
	for _, batch := range []int{16, 256, 1024} {
		rng := rand.New(rand.NewPCG(21, 0))
		inputs := []arr{randArr(rng, n, n), randArr(rng, n, n), randArr(rng, batch, n, n), randArr(rng, batch, n, n), randArr(rng, batch, n, n)}
		args := make([]any, len(inputs))
		for i, in := range inputs {
			args[i] = in.tensor()
		}
		for _, m := range []DFTMethod{DFTNative, DFTMatMul} {
			b.Run(fmt.Sprintf("%s/B=%d/N=%d", m, batch, n), func(b *testing.B) {
				exec := MustNewExec(be, func(in []*Node) []*Node {
					loss := ReduceAllSum(Mul(FarFieldAmplitudeWith(NewField(in[0], in[1]), NewField(in[2], in[3]), m), in[4]))
					return append([]*Node{loss}, Gradient(loss, in[0], in[1], in[2], in[3])...)
				})
				exec.MustExec(args...)
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					outs := exec.MustExec(args...)
					_ = outs[0].Value() // reading the loss waits for the step
					for _, o := range outs {
						o.FinalizeAll()
					}
				}
			})
		}
	}
}

// TestSimulateXLAParity: a noiseless simulation on XLA (native FFT) matches
// the pure-Go one (matrix DFT).
func TestSimulateXLAParity(t *testing.T) {
	b := xla(t)
	opts := simTestOptions()
	opts.Noiseless = true
	onCPU, err := Simulate(opts)
	if err != nil {
		t.Fatal(err)
	}
	opts.Backend = b
	onXLA, err := Simulate(opts)
	if err != nil {
		t.Fatal(err)
	}
	got, want := newArr(len(onXLA.Diffraction)), newArr(len(onCPU.Diffraction))
	for i := range got.v {
		got.v[i], want.v[i] = float64(onXLA.Diffraction[i]), float64(onCPU.Diffraction[i])
	}
	if e := relErr([2]arr{got, want}); e > dftTol {
		t.Errorf("noiseless diffraction, XLA vs CPU: relative difference %.3g > %g", e, dftTol)
	}
}
