package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ptychokit/ptychokit/plots"
	"github.com/ptychokit/ptychokit/ptychokit/atomicfile"
	"github.com/ptychokit/ptychokit/ptychokit/data"
	"github.com/ptychokit/ptychokit/ptychokit/metrics"
)

func init() {
	register("eval", "score a reconstruction against the truth (SSIM, PSNR, FRC…), or two halves against each other", runEval)
}

// Names of the files eval writes in --output_dir.
const (
	metricsFile = "metrics.json"
	frcPNG      = "frc.png"
)

func runEval(args []string) error {
	fs := newFlags("eval", "--reconstruction REC.npz --truth TRUTH.npz [flags]", `
Scores a reconstructed object against the true one: the reconstruction is
registered to the truth (sub-pixel), its phase plane removed and its amplitude
matched, then amplitude and phase are scored separately (MAE, MSE, PSNR with
the truth's own data range, SSIM, MS-SSIM) and the Fourier ring correlation of
the complex fields gives the resolution (FRC50 and FRC 1/7, as fractions of
Nyquist and as periods in pixels). Scores are taken over the scanned region
(the reconstruction's xcoords/ycoords) shrunk by --crop_margin.

REC.npz is what 'reconstruct' or 'infer' wrote (key 'object'; 'objectGuess' is
read too); TRUTH.npz a simulated scan ('objectGuess') or another
reconstruction. With --two_half, TRUTH.npz is a reconstruction from the other
half of the scan (see 'reconstruct --subset'): only the FRC is computed, the
two-half resolution estimate for data without ground truth.

Prints a table and, with --output_dir, writes metrics.json and frc.png.

Example:
  ptychokit eval --reconstruction out/star_even/reconstruction.npz \
      --truth out/star_odd/reconstruction.npz --two_half --output_dir out/star_frc`)
	recPath := fs.String("reconstruction", "", "NPZ with the reconstructed 'object' (required)")
	truthPath := fs.String("truth", "", "NPZ with the true object 'objectGuess' (or an 'object') (required)")
	outputDir := fs.String("output_dir", "", "folder for metrics.json and frc.png (optional)")
	twoHalf := fs.Bool("two_half", false, "--truth is a reconstruction from the other half of the scan: FRC only")
	margin := fs.Float64("crop_margin", 0, "pixels to drop on every side of the scanned region")
	noRegister := fs.Bool("no_register", false, "trust that the two images are already aligned")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case *recPath == "":
		return fmt.Errorf("--reconstruction is required")
	case *truthPath == "":
		return fmt.Errorf("--truth is required")
	case *margin < 0:
		return fmt.Errorf("--crop_margin %g: want ≥ 0", *margin)
	case fs.NArg() > 0:
		return fmt.Errorf("unexpected argument %q (flags only; see --help)", fs.Arg(0))
	}
	rec, scanX, scanY, err := readObject(*recPath, "object", "objectGuess")
	if err != nil {
		return err
	}
	truth, _, _, err := readObject(*truthPath, "objectGuess", "object")
	if err != nil {
		return err
	}
	if rec.H != truth.H || rec.W != truth.W {
		h, w := min(rec.H, truth.H), min(rec.W, truth.W)
		fmt.Printf("note: %s is %d×%d and %s %d×%d; comparing their common top-left %d×%d\n",
			*recPath, rec.H, rec.W, *truthPath, truth.H, truth.W, h, w)
		rec, truth = rec.TopLeft(h, w), truth.TopLeft(h, w)
	}
	opts := metrics.CompareOptions{ScanX: scanX, ScanY: scanY, CropMargin: *margin, SkipRegistration: *noRegister}

	var result any
	var curve plots.Series
	if *twoHalf {
		frc, shift, err := metrics.HalfDatasetFRC(rec, truth, opts)
		if err != nil {
			return fmt.Errorf("two-half FRC of %s and %s: %w", *recPath, *truthPath, err)
		}
		c50, c17 := frc.Crossing(metrics.FRCHalf), frc.Crossing(1.0/7)
		fmt.Printf("two-half FRC of %s and %s\n", *recPath, *truthPath)
		fmt.Printf("  shift (dy, dx)     %.2f, %.2f px\n", shift[0], shift[1])
		fmt.Printf("  FRC50              %.3f of Nyquist (period %.2f px)%s\n", c50.Nyquist, c50.ResolutionPx, notCrossed(c50))
		fmt.Printf("  FRC 1/7            %.3f of Nyquist (period %.2f px)%s\n", c17.Nyquist, c17.ResolutionPx, notCrossed(c17))
		result = map[string]any{"frc": frc, "shift_yx": shift, "frc50": c50, "frc17": c17}
		curve = plots.Series{Name: "two halves", X: frc.Freq, Y: frc.Value}
	} else {
		report, err := metrics.Compare(rec, truth, opts)
		if err != nil {
			return fmt.Errorf("compare %s with %s: %w", *recPath, *truthPath, err)
		}
		fmt.Print(report.Table())
		result = report
		curve = plots.Series{Name: "reconstruction vs truth", X: report.FRCFreq, Y: report.FRC}
	}
	if *outputDir == "" {
		return nil
	}
	if err := os.MkdirAll(*outputDir, 0o755); err != nil {
		return fmt.Errorf("--output_dir: %w", err)
	}
	js, err := json.MarshalIndent(result, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(filepath.Join(*outputDir, metricsFile), append(js, '\n')); err != nil {
		return err
	}
	fig, err := plots.FRC([]plots.Series{curve}, plots.CurveOptions{Title: "Fourier ring correlation"})
	if err == nil {
		err = saveSolverPNG(fig, filepath.Join(*outputDir, frcPNG))
	}
	if err != nil {
		return fmt.Errorf("%s: %w", frcPNG, err)
	}
	fmt.Printf("wrote %s and %s\n", filepath.Join(*outputDir, metricsFile), filepath.Join(*outputDir, frcPNG))
	return nil
}

func notCrossed(c metrics.Crossing) string {
	if c.Crossed {
		return ""
	}
	return " (never crossed: reported at Nyquist)"
}

// readObject reads the first of keys that path holds as a complex [H, W]
// image, and xcoords/ycoords when present. A reconstruction file (the first
// key present is "object") and a ptychodus product are read by
// data.ReadReconstruction: the object and its positions.
func readObject(path string, keys ...string) (img *data.ComplexImage, xs, ys []float64, err error) {
	entries, err := data.ReadArrays(path)
	if err != nil {
		return nil, nil, nil, err
	}
	key := ""
	for _, k := range keys {
		if _, ok := entries[k]; ok {
			key = k
			break
		}
	}
	if data.IsProduct(entries) || key == "object" {
		r, err := data.ReadReconstruction(path)
		if err != nil {
			return nil, nil, nil, err
		}
		return r.Object, r.XCoords, r.YCoords, nil
	}
	if key == "" {
		return nil, nil, nil, fmt.Errorf("%s: none of the keys %s", path, strings.Join(quoteAll(keys), ", "))
	}
	if img, err = entries[key].Image(); err != nil {
		return nil, nil, nil, fmt.Errorf("%s: key %q: %w", path, key, err)
	}
	xs, _ = entries["xcoords"].Value.([]float64)
	ys, _ = entries["ycoords"].Value.([]float64)
	if len(xs) != len(ys) {
		xs, ys = nil, nil
	}
	return img, xs, ys, nil
}

func quoteAll(keys []string) []string {
	q := make([]string, len(keys))
	for i, k := range keys {
		q[i] = fmt.Sprintf("%q", k)
	}
	return q
}
