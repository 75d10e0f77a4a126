// Package study measures a training configuration as a distribution over
// seeds rather than by one run: it trains K seeds of one configuration of
// PtychoPINN (package pinn) on one or more scans, reconstructs and scores
// every run, and reports the minimum, median and maximum of the scores and
// how many runs collapsed to a flat object.
//
// Scoring is that of 'ptychokit eval': with ground truth (the scan's
// objectGuess), metrics.Compare of the stitched object against it (amplitude
// and phase SSIM, PSNR, MAE, FRC50); for measured data (Options.TwoHalf),
// two models per seed, one on the even and one on the odd scan points,
// scored against each other by the two-half FRC (metrics.HalfDatasetFRC).
// An rPIE reconstruction of the same scan can be run beside the trainings as
// the reference.
//
// # Collapse
//
// Some seeds end with a featureless object: early stopping ended them on
// the initial flat-object plateau (7 of 20 seeds of PtychoPINN's defaults at
// gridsize 2 on datasets/lines_N64.npz, H200; amplitude SSIM 0.43–0.58,
// phase SSIM 0.22–0.29). A run is collapsed when the amplitude contrast of
// its reconstruction (std/mean of |object| over the scored region, holes of
// the stitching left out) is below CollapseRatio = 25 % of the truth's; see
// JudgeCollapse for why and for the measurements. With two halves, which
// assume no truth, the reference is rPIE's reconstruction of the same halves
// when one is run, else the scan's objectGuess, else the rule does not judge.
//
// # Concurrency
//
// Options.Jobs runs trainings in goroutines of this process on one backend,
// each with its own GoMLX context; the scans are loaded once and only read.
// A first training runs alone before the others (see Run).
//
// # Files
//
// Options.OutputDir/<scan>/seed<k>/ is a run's folder: the output of
// 'ptychokit train' (config.json, history.csv, checkpoints/, best/), the
// reconstruction (ReconstructionFile) and the scores (RunFile); with two
// halves, seed<k>/even/ and seed<k>/odd/ hold the two trainings.
// <scan>/rpie/ holds the rPIE reference, and ReportFile the whole study. A
// study run again over the same folder reuses every finished run.
package study
