// Package ptychokit is ptychographic reconstruction on GoMLX: a physics-informed
// network (PtychoPINN) and iterative solvers, from canonical NPZ scans to objects.
//
// This file is the one glossary of the project. Every package links here rather
// than restating it.
//
// # Axes, shapes and dtypes
//
//	N            side of a diffraction pattern and of a probe / object patch (even).
//	n            number of diffraction patterns (scan points) in a dataset.
//	diffraction  [n, N, N] float32, measured AMPLITUDE (sqrt of counts), centred:
//	             zero frequency at pixel (N/2, N/2).
//	probe        [N, N] complex (complex64 on disk in our files; complex128 read too).
//	object       [H, W] complex, H rows (y) by W columns (x).
//	xcoords      [n] float64, column of each patch CENTRE in object pixels.
//	ycoords      [n] float64, row of each patch centre in object pixels.
//	patch        the N×N window of the object seen at one scan point: for integer
//	             (x, y) it is object[y-N/2 : y+N/2, x-N/2 : x+N/2]; a fractional
//	             position shifts that window by the fraction.
//	gridsize g   neighbouring scan points predicted together, C = g² channels.
//
// Arrays are row-major, batch first: [batch, y, x] (and [batch, y, x, channel]
// inside networks). Inside graphs a complex field is a pair of float32 tensors
// (re, im) of equal shape, because GoMLX's pure-Go backend has no complex dtype.
// Float32 on the device; float64 only for metrics and reference checks.
//
// # Fourier conventions
//
// The forward DFT is un-normalised, F[k] = Σ_x f[x]·exp(-2πi k·x/N) per axis;
// the inverse carries 1/N per axis, so inverse(forward(f)) = f and Parseval reads
// Σ|F|² = N² Σ|f|² for an N×N field. The far-field amplitude of the forward model
// is
//
//	A = sqrt( fftshift(|FFT2(probe · patch)|²) / N² )
//
// which makes the map orthonormal: Σ A² = Σ |probe·patch|². Diffraction in memory
// and on disk is fftshifted (centred).
//
// # Packages
//
//	data      the canonical NPZ contract: read, validate, write; input scaling; groups
//	physics   complex fields on real pairs, DFT, forward model, probes, objects, simulation
//	nn        portable network layers (conv, pool, upsample, pad) for every backend
//	device    choosing the GoMLX backend: pure Go ("cpu") or XLA ("gpu")
//	metrics   image quality: SSIM, PSNR, FRC, phase alignment, registration
//	pinn      the PtychoPINN network, loss, training, checkpoints, inference
//	solvers   iterative reconstruction (ePIE, rPIE, LSQ-ML)
//	stitch    patches to a full object
package ptychokit
