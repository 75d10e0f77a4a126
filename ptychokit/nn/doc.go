// Package nn holds the portable network layers of ptychokit: 2-D convolution,
// 2×2 max-pooling, nearest ×2 upsampling, zero-padding, dense layers and the
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
//   - convolution: a patch gather (im2col, one Gather from the input flattened
//     to rows plus one zero row that stands for the padding) and one
//     DotGeneral, with a hand-written gradient: the kernel gradient is one
//     DotGeneral of the patches with the output gradient, and the input
//     gradient is the gather of the output gradient at the transposed
//     positions times the kernel (a "full" convolution), again one DotGeneral;
//   - max-pooling: reshape to [B, H/2, 2, W/2, 2, C] and ReduceMax; its
//     gradient goes to the window's maxima (shared equally between ties);
//   - upsampling: reshape, broadcast, reshape (on every backend: nearest
//     Interpolate's gradient is a scatter that runs the GPU out of memory at
//     batch ≥ 256);
//   - zero-padding: Concatenate with zeros (Pad has no gradient in GoMLX);
//   - matrix products (MatMul, Dense): DotGeneral with a gradient of two
//     DotGenerals.
//
// Where the backend has the native convolution and the ops its gradient needs
// (ConvGeneral and Reverse: the XLA backends), Conv2D uses GoMLX's Convolve.
// The choice is made from backends.Backend.Capabilities, never from the
// backend's name; ConvForm reports it. Max-pooling is portable on every
// backend: on the H200 it was faster than the native MaxPool (../shared
// FACTS.md: 10.0 against 11.3 ms a training step at batch 256).
//
// # Errors
//
// Shape mistakes inside graphs (wrong rank, odd sizes for MaxPool2, a kernel
// that does not match its input) are programmer errors: the functions panic
// with a message starting "ptychokit: ". Public entry points that build whole
// graphs for users turn those panics into errors.
package nn
