// Package solvers is iterative ptychographic reconstruction on GoMLX graphs:
// ePIE, rPIE and an LSQ-ML style least-squares solver (Gaussian or Poisson
// noise), one algorithm a file, all behind one signature and a name → solver
// registry (Names) that the command line's --algo reads.
//
// Two levels of API: Reconstruct(ds, opts) runs a whole reconstruction for a
// script; New returns a stateful Solver whose Iterate(n) and Result()
// let a notebook watch it, and Options.Hooks run after every iteration.
//
// # Conventions
//
// Shapes, axes and the Fourier convention are those of package ptychokit (the
// glossary): the forward model is the orthonormal, centred far field
// A = sqrt(fftshift(|FFT2(probe·patch)|²)/N²). Data recorded against the
// un-normalised FFT (such as the Siemens star in shared/datasets) differ from
// it by a factor N in the probe; ProbeOptions.NormalizePower scales the
// starting probe to the data's mean pattern energy, which absorbs that.
//
// A mini-batch update is one compiled graph: it cuts the object patches of a
// whole batch of positions at their sub-pixel positions, propagates,
// corrects the amplitudes, and scatters the updates back with the exact
// adjoint of the cut. The physics is package physics': the cut and scatter
// are physics.PatchWindows (bilinear weights on (N+1)×(N+1) windows that the
// driver keeps inside the object frame), the propagation is the unitary pair
// physics.FarField / physics.InverseFarField (the DFT by matrix products on
// (re, im) pairs on the pure-Go backend, the native FFT on XLA). Each
// iteration visits every position once in a seeded random order, split into
// equal batches of at most Options.BatchSize (the last padded and masked), so
// a reconstruction compiles one graph. The object and probe stay on the backend between
// batches. The measured amplitudes go to the device once, or, when they do
// not fit Options.DeviceMemory beside an update's working set, stay in host
// memory and go up batch by batch, with the same result (memory.go).
//
// Beyond the object and probe, a reconstruction can refine the scan
// positions (PositionOptions.Correct, with an optional global affine
// constraint, affine.go) and model a partially coherent beam as several
// incoherent probe modes (ProbeOptions.Modes, modes.go); the probe tensor is
// [M, N, N] on the backend either way.
//
// Costs are normalised by Σd² over all patterns (see IterationRecord) and
// measured during the sweep, before each batch's update.
package solvers
