// Package metrics measures how close a reconstructed object is to the truth:
// registration, phase and amplitude alignment, MAE, MSE, PSNR, SSIM, MS-SSIM
// and Fourier ring correlation (FRC). Everything here is plain float64 Go on
// the CPU; no GoMLX graphs.
//
// Shapes, axes and the Fourier convention are those of the glossary in package
// ptychokit: images are row-major [H, W], pixel (y, x) at index y*W+x, y the
// row and x the column; the forward DFT is un-normalised and the inverse
// carries 1/(H·W).
//
// # Conventions
//
//   - Building blocks take complex images as []complex128 and real images as
//     []float64, with their H and W; Complex128 converts a data.ComplexImage.
//   - A shift (dy, dx) in pixels means "moving(y, x) = ref(y-dy, x-dx)": the
//     content of moving sits dy rows lower and dx columns further right.
//   - PSNR uses the TRUE data range of the reference image, max−min of the
//     truth (not 255, which inflates PSNR of O(1) data by about 48 dB). When
//     the truth is constant (a pure phase object's amplitude) the range is
//     taken as max|truth| instead, and as 1 when that is 0 too; Scores records
//     the range used.
//   - SSIM follows Wang et al. (2004): an 11×11 Gaussian window with σ = 1.5,
//     K1 = 0.01, K2 = 0.03, population (not sample) covariances, averaged over
//     the positions where the whole window fits inside the image. MS-SSIM
//     follows Wang, Simoncelli and Bovik (2003) with 5 scales and weights
//     0.0448, 0.2856, 0.3001, 0.2363, 0.1333 (see MSSSIM for small images).
//   - FRC rings are one frequency bin wide, bin i at i/L cycles per pixel with
//     L = min(H, W); frequencies are reported in cycles per pixel, as a
//     fraction of Nyquist (0.5 cycles/px) and as a resolution (the full period,
//     1/frequency, in pixels: 2 px at Nyquist).
//
// Compare is the one entry point the command-line eval calls: it registers,
// aligns, crops, and scores amplitude and phase separately, returning a
// Report (JSON-ready; Report.Table prints it). HalfDatasetFRC is the
// two-half-dataset resolution estimate. The pieces (Register, FourierShift,
// MirrorShift, FitPhasePlane, AlignMeanPhase, AmplitudeScale, MAE, MSE,
// PSNR, SSIM, MSSSIM, FRC) are exported for notebooks; the region
// (data.Rect, data.ScanRegion, data.Crop) lives in package data.
package metrics
