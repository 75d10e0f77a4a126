// Package physics is ptychography's forward model on GoMLX graphs: complex
// fields as pairs of real tensors, the 2-D DFT, far-field intensity and
// amplitude, sub-pixel translation, patch extraction and its adjoint — and,
// on the CPU in plain Go, probes, objects, scan positions and the simulator
// that turns them into a canonical dataset.
//
// Shapes, axis order, the patch convention and the Fourier conventions are
// those of the glossary in package ptychokit; this package implements them
// and states here only what it adds.
//
// # Complex fields
//
// GoMLX's pure-Go backend has no complex dtype, so a complex field is a Field:
// two float32 nodes (Re, Im) of equal shape. Operators act on the last two
// axes [..., N, N]; leading axes are batch. Binary operators need equal shapes
// (GoMLX does not broadcast implicitly); MulProbe broadcasts an [N, N] probe.
//
// # Fourier transforms
//
// DFT2 is un-normalised, IDFT2 carries 1/N², so IDFT2(DFT2(f)) = f and
// Σ|DFT2(f)|² = N² Σ|f|² (Parseval). The adjoint of DFT2 is N²·IDFT2.
// On the pure-Go backend the transform is two products with precomputed N×N
// DFT matrices (built in float64, stored as float32) whose gradients are
// given explicitly as the products with the transposed matrices, because
// GoMLX's default matmul gradient materialises an [M, N, K] tensor there.
// On a backend with native complex64 FFT (XLA) DFTNative uses two 1-D FFTs
// with a transpose between (GoMLX v0.26.0's 2-D FFT gradient is wrong). The
// default, DFTAuto, takes the native FFT where the backend has one and the
// matrix path elsewhere (the pure-Go backend). Both agree to 1e-5 relative
// (TestNativeFFTParity, run on an H200); on XLA-GPU the matrix path itself
// is limited by TF32 dots, see xla_test.go.
//
// FarFieldIntensity is fftshift(|DFT2(probe·patch)|²)/N² (on the matrix path
// the shift and the 1/N per axis are folded into the DFT matrices), so
// Σ intensity = Σ|probe·patch|².
// FarField is the complex field behind it, fftshift(DFT2(ψ))/N, and
// InverseFarField its inverse and adjoint (the iterative solvers' propagator
// pair).
// FarFieldAmplitude is its square root; its gradient uses 1/(2·max(A, ε)) in
// place of 1/(2A) (ε = AmplitudeGradEpsilon), which is exact wherever A > ε
// and finite at zero intensity, where the chain rule then gives zero.
//
// # Sampling: Translate, ExtractPatches, ScatterPatches
//
// All three are bilinear interpolation with zero fill outside the image: the
// integer part of a position selects pixels by Gather, the fractional part
// weights the four neighbours. The weights are differentiable, so gradients
// flow to the field and to the positions (piecewise linear: at integer
// positions the gradient is the one-sided one from above). ScatterPatches is
// the exact adjoint of ExtractPatches: ⟨Extract(O), P⟩ = ⟨O, Scatter(P)⟩.
//
// Translate shifts image content by (+dx, +dy) pixels: out(y, x) = in(y-dy, x-dx).
//
// PatchWindows is the same cut and scatter for callers that do it many
// times per graph at positions inside the object and take no gradient
// through it (the solvers): whole-window gathers instead of per-pixel ones.
//
// # CPU side
//
// Probes (DiskProbe), objects (LinesObject, GRFObject, ImageObject), scan
// positions (RasterPositions, RandomPositions) and Simulate are plain Go and
// deterministic for a seed; Simulate runs the graph forward model above on
// the backend it is given and writes Poisson-noised diffraction amplitudes in
// the units of FarFieldAmplitude (see Simulate).
//
// # Cost
//
// Measured on the 2-core development machine (pure-Go backend), B = 16,
// N = 64: FarFieldAmplitude forward 10 ms, forward and backward 21 ms (with
// GoMLX's default matmul gradient: 284 ms) — BenchmarkFarFieldForwardBackward.
// ExtractPatches forward and backward on a 256² object: ~25–50 ms, dominated
// by the backend's per-element Gather and ScatterSum — BenchmarkSampling;
// at B = 64, N = 128 on a 500² object, cut + scatter took 422 ms per pixel
// against 117 ms with PatchWindows — BenchmarkPatchWindows. FarField then
// InverseFarField, B = 64: 100 ms at N = 64, 515 ms at N = 128 (the
// solvers' former two-stage Cooley–Tukey matmul DFT: 184 and 664 ms; its
// small-K products run slowly on this backend).
// On an H200 through XLA, forward and backward of B = 1024 patterns took
// 0.86 ms with the native FFT — BenchmarkFarFieldXLA.
//
// Panics, always prefixed "ptychokit: ", mean a programmer error (mismatched
// shapes inside a graph, N ≤ 0); data problems come back as errors.
package physics
