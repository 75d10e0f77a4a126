// Package plots draws the figures ptychographers judge a reconstruction by,
// with gonum/plot: complex images (amplitude and phase side by side),
// diffraction patterns on a log scale, scan positions with the probe
// footprint, training and solver curves, FRC curves with their thresholds,
// and comparison grids (ground truth, reconstructions, error).
//
// Every view takes plain arrays and returns a *Figure, which writes PNG or
// SVG to an io.Writer or (atomically) to a file, so a notebook and the
// command line show the same picture. The package imports nothing from
// ptychokit: it sits below it (see the layering in package ptychokit's doc).
//
// # Views
//
//	ComplexImage    amplitude and phase side by side, colour bars, optional crop
//	Diffraction     one or a grid of patterns, log10(I + ε) or log10(A + ε)
//	ScanPositions   positions over the object, probe footprints, scan order
//	Curves          several series, optional log y (LossCurves: per epoch)
//	FRC             FRC curves with the 0.5 and 1/7 thresholds
//	Comparison      rows of named images on shared ranges, plus an error image
//	                (CompareComplex: amplitude and phase rows from complex images)
//
// # Conventions
//
// Images are row-major float64 slices with their height h and width w given
// beside them: pixel (row y, column x) is pix[y*w+x]; row 0 is drawn at the
// top, as in every image viewer and in numpy's imshow. Axes are in pixels:
// x is the column, y the row (growing downwards), so a scan position
// (xcoords[i], ycoords[i]) of a dataset lands on the object pixel it names.
// One image pixel is always drawn square.
//
// Colour maps (see colormap.go):
//
//   - Amplitude: a viridis-like, perceptually uniform map built with
//     moreland.NewLuminance from viridis' control colours.
//   - Phase: a cyclic hue wheel (palette.HSVA, hue = (φ+π)/2π), so that
//     −π and +π get the same colour; phase is always shown on [−π, π].
//     gonum/plot has no cyclic map; this is the smallest one built from its
//     pieces.
//   - Error: moreland.SmoothBlueRed, diverging, symmetric about zero.
//
// Image pixels are coloured through a 1024-entry table sampled from the
// colour map, values outside the colour range are clamped to its ends, and
// the coloured image is drawn with nearest-neighbour resampling to the
// output's pixel grid (crisp pixels, no seams). This pre-coloured image
// (Raster, in effect plotter.NewImage of an image.RGBA) was measured against
// plotter.HeatMap for a 512×512 image to an 800×800 PNG (BenchmarkImage512,
// 2 shared cores): about 0.3 s against 0.6 s for the rasterised heat map
// and 1.7 s for the vector one, with 10 MB allocated against 320–390 MB. Input that is NaN or ±Inf is
// rejected with an error naming the array and the pixel; nothing in this
// package panics on data.
package plots
