// Package benchkit times ptychokit's main computations on a GoMLX backend,
// for the command 'ptychokit bench' and notebooks, with the same code on the
// pure-Go backend and on XLA:
//
//   - PtychoPINN training steps (pinn.Forward + pinn.Loss + Adam, compiled
//     once, StepsPerCall steps unrolled in one graph) and inference (the
//     network forward to the object patches), on device-resident random
//     inputs of the right shapes and scales: patterns per second, and the
//     arithmetic rate of the convolutions;
//   - the far-field forward model and its gradient with each DFT method
//     (native FFT, DFT by matrix products) where the backend has it;
//   - iterations of an iterative solver on a dataset (the experimental
//     Siemens star): seconds per iteration and whether the cost decreases;
//
// and collects the results in a Report that is written as JSON and printed
// as a short table, with ratios to a peer's figures (bench/peers.py, PyTorch
// on the same device) where a peer report is given.
//
// # Conventions
//
// A "pattern" is one diffraction pattern: a training or inference batch of B
// groups at gridsize g holds B·g² patterns. Times are wall-clock seconds,
// measured after a warm-up that compiles the graph (its time is reported
// separately as CompileSeconds); the timed loop issues its calls back to back
// and waits once, at the end, for the last result, so the figures are
// throughputs with the inputs already on the device. FLOP counts are those of
// the convolutions only (2·k²·Cin·Cout per output pixel, the backward pass
// counted as twice the forward), a lower bound of the work done.
//
// Shapes and conventions of the data are those of package ptychokit's
// glossary. Errors from the backend come back as errors, never panics.
package benchkit
