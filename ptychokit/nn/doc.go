// Package nn holds the portable network layers of ptychokit: 2-D convolution,
// 2×2 max-pooling, nearest ×2 upsampling, zero-padding, dense layers,
// spectral (Fourier-operator) convolutions, instance normalisation and the
// activations PtychoPINN needs, written once for every GoMLX backend.
//
// # Conventions
//
// Images are NHWC float32: [batch, y, x, channel] (see package ptychokit's
// glossary). Layers with weights take a *context.Context and create their
// variables in it the way GoMLX's own layers do: "weights" and "biases", in
// the scope the caller chose with ctx.In(scope), initialised by the context's
// default initializer (He for kernels, zeros for biases).
//
// Convolution uses "same" padding as GoMLX's PadSame: (k-1)/2 zeros before and
// k/2 after each spatial axis, so the output side is ceil(side/stride).
// Kernels are [k, k, Cin, Cout].
//
// # Two forms of each layer
//
// GoMLX's pure-Go backend (SimpleGo) runs convolutions forward but has no
// gradient for Conv or MaxPool, no Pad, and its default gradient of a matrix
// product materialises an [M, N, K] intermediate. On such a backend the layers
// use a portable form built only from ops that are fast there:
//
//   - convolution: im2col and one DotGeneral, with a hand-written gradient.
//     At stride 1 (all PtychoPINN needs) the k×k patches are cut per image,
//     channels-first, [B, k, k, C, H, W], from the zero-padded input by two
//     rounds of Slice + Concatenate (columns, then rows); at other strides
//     they are gathered ([B, Ho, Wo, k, k, C], one Gather from the input's
//     rows plus one zero row standing for the padding). The kernel gradient
//     is one DotGeneral of the patches with the output gradient; the input
//     gradient is the same patch cut of the output gradient at the
//     transposed positions (a "full" convolution), times the kernel: one more
//     DotGeneral. The patches are kept for the backward pass: the largest
//     intermediate of a layer is k² times its input (9× for 3×3);
//   - max-pooling: reshape to [B, H/2, 2, W/2, 2, C] and ReduceMax; its
//     gradient goes to the window's maxima (shared equally between ties);
//   - upsampling: reshape, broadcast, reshape (on every backend: nearest
//     Interpolate's gradient is a scatter that runs the GPU out of memory at
//     batch ≥ 256);
//   - zero-padding: Concatenate with zeros (Pad has no gradient in GoMLX);
//   - matrix products (MatMul, Dense): DotGeneral with a gradient of two
//     DotGenerals;
//   - spectral convolutions (SpectralConv2D, FactorizedSpectralConv2D, see
//     spectral.go): products with DFT matrices truncated to the kept modes,
//     on every backend. They need no FFT, no complex dtype and no slicing,
//     and the truncated transforms are small: at N = 64, width 32 and 12
//     modes the 2-D layer's products are a third of the FLOPs of the 3×3
//     convolution beside it in a block, so an FFT could save little.
//
// Where the backend has the native convolution and the ops its gradient needs
// (ConvGeneral and Reverse: the XLA backends), Conv2D uses GoMLX's Convolve,
// except for even kernel sizes, whose native input gradient is wrong in
// GoMLX v0.26.0. The choice is made from backends.Backend.Capabilities, never
// from the backend's name; ConvForm reports it. Max-pooling is portable on
// every backend: on the H200 it was faster than the native MaxPool
// (../shared/FACTS.md: 10.0 against 11.3 ms a training step at batch 256).
//
// Hand-written gradients are attached with graph.IdentityWithCustomGradient
// (see WithGradient in custom.go): GoMLX still builds its own gradient nodes
// for the forward ops, but nothing consumes them and no backend runs them.
//
// # The pure-Go backend
//
// The benchmarks (bench_test.go) time one training step, forward and
// gradient. GoMLX v0.26.0's SimpleGo deadlocks on such graphs when it runs
// ops in parallel (its default when one graph executes): build it with
// simplego.New("ops_sequential"), as the tests here do.
//
// # Errors
//
// Shape mistakes inside graphs (wrong rank, odd sizes for MaxPool2, a kernel
// that does not match its input) are programmer errors: the functions panic
// with a message starting "ptychokit: ". Public entry points that build whole
// graphs for users turn those panics into errors.
package nn
