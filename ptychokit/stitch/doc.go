// Package stitch assembles object patches into one object: each patch is
// placed at its scan position with sub-pixel accuracy, weighted by a window,
// and the stitched object is the weighted mean Σ w·patch / Σ w.
//
// Conventions are the glossary's (package ptychokit): patches are
// [B, N, N] row-major, positions are patch CENTRES in object pixels, x the
// column and y the row, and for integer (x, y) patch pixel (i, j) lands on
// object pixel (y-N/2+i, x-N/2+j); a fractional position moves it by the
// fraction.
//
// # Weights
//
// Every mode reads the central Keep×Keep part of a patch (Options.Keep, 0:
// all of it) and weights its pixels by a window that peaks at 1:
//
//   - Gauss (the default): exp(-d²/2σ²) at a distance d from the patch
//     centre (pixel (N/2, N/2), where the probe is centred), σ = N/12 unless
//     set: the rms width of the default disk probe's intensity. The network's
//     prediction is best where the probe is bright, so the centre dominates
//     wherever patches overlap, while the weak tails still fill the gaps
//     between sparse scan points.
//   - Probe: the probe's intensity |P|², normalised to peak 1. For exit
//     waves ψ = P·O this is iterative ptychography's object estimate
//     Σ P*·ψ / Σ|P|². Nothing is covered where the probe is dark.
//   - Keep: 1 over the part, PtychoPINN's stitching (Keep = DefaultKeep = 20
//     at N = 64). On a random scan the gaps between the 20×20 squares are
//     holes in the object.
//
// Pixels whose summed weight is at most Options.MinWeight (DefaultMinWeight)
// are not covered and are left 0; Coverage, CoverageIn and Weights say which
// those are.
//
// # Measurements behind the default
//
// The patches predicted by the model kept in datasets/models/lines_N64_gs2
// (gridsize 2, probe_big), stitched in each mode and scored with
// metrics.Compare over the scanned region (coverage: the fraction of that
// region covered; SSIM amplitude / phase; FRC50 as a fraction of Nyquist):
//
//	                    lines_N64.npz (256 points,      sparse random scan (128
//	                    its training scan)              points over 190², new object)
//	keep 20             98.9%  0.892 / 0.796  0.420     70.2%  0.093 / 0.376  0.011
//	keep 32             100%   0.878 / 0.746  0.477     95.7%  0.486 / 0.337  0.021
//	gauss σ = N/12      100%   0.921 / 0.801  0.548     100%   0.540 / 0.328  0.036
//	probe |P|²          100%   0.922 / 0.803  0.535     90.8%  0.444 / 0.366  0.016
//
// Gauss scores as well as the probe's intensity where the scan is dense and
// covers everything where it is sparse (the holes' zeros raise the phase
// SSIM of flat regions, not the amplitude SSIM or the FRC). On
// lines_N64.npz σ from 4 to 6 px scores within 0.006 of the best; wider
// windows give the patches' unreliable rims weight (σ = 12: 0.845 / 0.690). Keep 20's
// square edges cost resolution even where it covers: FRC50 0.420 against
// 0.548.
//
// # Sub-pixel placement
//
// A patch at a fractional position is resampled onto the object grid by
// bilinear interpolation: object pixel (r, c) takes the patch's value at
// patch coordinates (r - y + N/2, c - x + N/2), interpolated from the four
// read samples around it, and the window's weight there, interpolated the
// same way. Only object pixels whose four samples all lie in the part that
// is read are written, so at a fractional position a patch covers
// (M-1)×(M-1) pixels rather than M×M (M = Keep). At integer positions this
// is plain placement (exact). A written pixel is a mean, with positive
// weights, of linear interpolations, so for a smooth object its error is at
// most that of one: 1/8 of the largest second derivative along each axis,
// summed (pixel units).
// Bilinear interpolation was chosen over a Fourier shift of each patch
// because it is local (no ringing from the patch edges, no wrap-around),
// exact at integer positions and cheap; over splatting each patch pixel onto
// its four neighbours because splatting leaves the rim of every patch as a
// one-sided estimate, which in an overlapped scan lands in the middle of the
// object (on the smooth test object: max error 0.0146 away from the
// coverage edge and 0.12 on it, against 0.0036 everywhere here).
package stitch
