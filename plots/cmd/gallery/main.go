// Command gallery renders every figure type of package plots as PNG from one
// canonical dataset, read through ptychokit/data:
//
//	go run ./plots/cmd/gallery -data datasets/lines_N64.npz -out out/gallery
//
// Figures of the dataset itself: object (cropped to the scanned region),
// probe, diffraction patterns, scan positions. Figures that need a
// reconstruction or a training run (loss, solver cost, FRC, comparison) are
// drawn from clearly labelled illustrative inputs: synthetic curves, and the
// ground truth against itself plus seeded noise. A file with no diffraction
// (simulation input) gets a few patterns simulated from its object and probe;
// a file whose object is flat (an initial guess, not ground truth) gets a
// simulated 'lines' object for the illustrative comparison.
//
// For each PNG it prints the name, the size in bytes and the render time.
package main

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/ptychokit/ptychokit/plots"
	"github.com/ptychokit/ptychokit/ptychokit/data"
	"github.com/ptychokit/ptychokit/ptychokit/physics"
)

func main() {
	dataPath := flag.String("data", "datasets/lines_N64.npz", "canonical NPZ dataset")
	outDir := flag.String("out", "out/gallery", "directory for the PNGs (created)")
	width := flag.Int("width", 0, "PNG width in pixels (0: each figure's natural size at 100 dpi)")
	svg := flag.Bool("svg", false, "also write each figure as SVG")
	intensity := flag.Bool("intensity", false, "the file's diffraction is intensity: take its square root (legacy diff3d)")
	flag.Parse()
	if err := run(*dataPath, *outDir, *width, *svg, *intensity); err != nil {
		fmt.Fprintln(os.Stderr, "gallery:", err)
		os.Exit(1)
	}
}

// figure is one named figure to write.
type figure struct {
	name  string
	build func() (*plots.Figure, error)
}

func run(dataPath, outDir string, width int, svg, intensity bool) error {
	ds, err := data.Load(dataPath, data.LoadOptions{Intensity: intensity})
	if err != nil {
		return err
	}
	for _, w := range ds.Warnings {
		fmt.Printf("warning: %s: %s\n", dataPath, w)
	}
	fmt.Printf("%s: %d patterns of %d×%d", dataPath, ds.Count, ds.N, ds.N)
	if ds.Object != nil {
		fmt.Printf(", object %d×%d", ds.Object.H, ds.Object.W)
	}
	fmt.Println()
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", outDir, err)
	}
	base := filepath.Base(dataPath)

	figures := []figure{
		{"object", func() (*plots.Figure, error) { return objectFigure(ds, base) }},
		{"probe", func() (*plots.Figure, error) { return probeFigure(ds, base) }},
		{"diffraction", func() (*plots.Figure, error) { return diffractionFigure(ds, base) }},
		{"scan", func() (*plots.Figure, error) { return scanFigure(ds, base) }},
		{"loss", lossFigure},
		{"cost", costFigure},
		{"frc", frcFigure},
		{"comparison", func() (*plots.Figure, error) { return comparisonFigure(ds) }},
	}
	for _, f := range figures {
		start := time.Now()
		fig, err := f.build()
		if err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
		path := filepath.Join(outDir, f.name+".png")
		if err := fig.SavePNG(path, width, 0); err != nil {
			return err
		}
		elapsed := time.Since(start)
		st, err := os.Stat(path)
		if err != nil {
			return err
		}
		fmt.Printf("%-16s %8d bytes  %6.0f ms\n", f.name+".png", st.Size(), elapsed.Seconds()*1000)
		if svg {
			if err := fig.SaveSVG(filepath.Join(outDir, f.name+".svg"), width, 0); err != nil {
				return err
			}
		}
	}
	return nil
}

func objectFigure(ds *data.Dataset, base string) (*plots.Figure, error) {
	if ds.Object == nil {
		return nil, fmt.Errorf("%s has no objectGuess", ds.Path)
	}
	amp, phase := plots.AmpPhase(ds.Object.Pix)
	opts := plots.ComplexOptions{Title: "object · " + base, AmplitudeTitle: "object amplitude", PhaseTitle: "object phase"}
	if len(ds.XCoords) > 0 {
		region, err := data.ScanRegion(ds.XCoords, ds.YCoords, -float64(ds.N)/2, ds.Object.H, ds.Object.W)
		if err != nil {
			return nil, err
		}
		opts.Crop = &region
		opts.Title += " (scanned region)"
	}
	return plots.ComplexImage(amp, phase, ds.Object.H, ds.Object.W, opts)
}

func probeFigure(ds *data.Dataset, base string) (*plots.Figure, error) {
	if ds.Probe == nil {
		return nil, fmt.Errorf("%s has no probeGuess", ds.Path)
	}
	amp, phase := plots.AmpPhase(ds.Probe.Pix)
	return plots.ComplexImage(amp, phase, ds.Probe.H, ds.Probe.W, plots.ComplexOptions{
		Title: "probe · " + base, AmplitudeTitle: "probe amplitude", PhaseTitle: "probe phase (grey: amplitude < 1% of max)",
		PhaseThreshold: 0.01})
}

// simulatedPatterns is how many patterns the gallery simulates for a file
// without diffraction: enough for the figure, quick on the pure-Go backend.
const simulatedPatterns = 8

func diffractionFigure(ds *data.Dataset, base string) (*plots.Figure, error) {
	if ds.Diffraction != nil {
		return plots.Diffraction(ds.Diffraction, ds.Count, ds.N, plots.DiffractionOptions{
			Title: fmt.Sprintf("diffraction · %s (%d of %d patterns, log scale)", base, min(4, ds.Count), ds.Count)})
	}
	if ds.Object == nil || ds.Probe == nil || len(ds.XCoords) == 0 {
		return nil, fmt.Errorf("%s has no diffraction, and no object, probe and positions to simulate some from", ds.Path)
	}
	k := min(simulatedPatterns, len(ds.XCoords))
	sim, err := physics.Simulate(physics.SimOptions{
		Object: ds.Object, Probe: ds.Probe, X: ds.XCoords[:k], Y: ds.YCoords[:k], NPhotons: 1e9, Seed: 1})
	if err != nil {
		return nil, err
	}
	return plots.Diffraction(sim.Diffraction, sim.Count, sim.N, plots.DiffractionOptions{
		Title: fmt.Sprintf("diffraction simulated from %s's object and probe (first %d positions, 1e9 photons, log scale)", base, k)})
}

func scanFigure(ds *data.Dataset, base string) (*plots.Figure, error) {
	opts := plots.ScanOptions{
		Title: fmt.Sprintf("scan positions · %s\n%d points coloured by scan order; circles hold 90%% of the probe's energy",
			base, len(ds.XCoords)),
		ColorByIndex: true,
	}
	if ds.Object != nil {
		opts.ObjectWidth, opts.ObjectHeight = ds.Object.W, ds.Object.H
		amp, _ := plots.AmpPhase(ds.Object.Pix)
		if lo, hi := extent(amp); hi > lo {
			opts.Background = amp
		}
	}
	if ds.Probe != nil {
		opts.ProbeRadius = energyRadius(ds.Probe, 0.9)
	}
	return plots.ScanPositions(ds.XCoords, ds.YCoords, opts)
}

// energyRadius returns the radius round the probe's centre of intensity that
// holds the fraction frac of Σ|probe|²: a footprint for the overlap picture.
func energyRadius(p *data.ComplexImage, frac float64) float64 {
	var total, cx, cy float64
	for i, z := range p.Pix {
		e := real(z)*real(z) + imag(z)*imag(z)
		total += float64(e)
		cx += float64(e) * float64(i%p.W)
		cy += float64(e) * float64(i/p.W)
	}
	if total == 0 {
		return 0
	}
	cx, cy = cx/total, cy/total
	// Bin the energy by radius, one bin per half pixel, and walk outwards.
	nb := 2 * (p.H + p.W)
	bins := make([]float64, nb)
	for i, z := range p.Pix {
		r := math.Hypot(float64(i%p.W)+0.5-cx-0.5, float64(i/p.W)+0.5-cy-0.5)
		bins[min(nb-1, int(2*r))] += float64(real(z)*real(z) + imag(z)*imag(z))
	}
	var acc float64
	for b, e := range bins {
		acc += e
		if acc >= frac*total {
			return float64(b+1) / 2
		}
	}
	return float64(nb) / 2
}

func extent(v []float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, x := range v {
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	return lo, hi
}

func lossFigure() (*plots.Figure, error) {
	const epochs = 30
	train := make([]float64, epochs)
	val := make([]float64, epochs)
	rng := rand.New(rand.NewPCG(7, 1))
	for i := range train {
		e := float64(i)
		train[i] = 0.02 + 0.5*math.Exp(-e/5)
		val[i] = 0.03 + 0.5*math.Exp(-e/6) + 0.004*rng.Float64()
	}
	return plots.LossCurves(train, val, "loss per epoch (illustrative: synthetic curves)")
}

func costFigure() (*plots.Figure, error) {
	const iters = 200
	var series []plots.Series
	for k, rate := range []float64{30, 60} {
		y := make([]float64, iters)
		for i := range y {
			y[i] = 1e-3 + math.Exp(-float64(i)/rate)
		}
		series = append(series, plots.Series{Name: []string{"ePIE", "rPIE"}[k] + " (synthetic)", Y: y})
	}
	return plots.Curves(series, plots.CurveOptions{
		Title: "solver cost per iteration (illustrative: synthetic curves)", XLabel: "iteration", YLabel: "cost", LogY: true})
}

func frcFigure() (*plots.Figure, error) {
	const n = 64
	var series []plots.Series
	for k, cutoff := range []float64{0.22, 0.32} {
		x := make([]float64, n)
		y := make([]float64, n)
		for i := range x {
			x[i] = 0.5 * float64(i) / float64(n-1)
			y[i] = 1 / (1 + math.Pow(x[i]/cutoff, 4))
		}
		series = append(series, plots.Series{Name: []string{"run A", "run B"}[k] + " (synthetic)", X: x, Y: y})
	}
	return plots.FRC(series, plots.CurveOptions{Title: "Fourier ring correlation (illustrative: synthetic curves)"})
}

// comparisonFigure compares the ground truth with itself plus seeded complex
// Gaussian noise and with a blurred copy: illustrative inputs, not
// reconstructions. A flat object (an initial guess) is replaced by a
// simulated 'lines' object of the same size.
func comparisonFigure(ds *data.Dataset) (*plots.Figure, error) {
	truth := ds.Object
	label := "ground truth"
	if truth != nil {
		amp, phase := plots.AmpPhase(truth.Pix)
		if lo, hi := extent(amp); hi-lo < 1e-6 {
			if plo, phi := extent(phase); phi-plo < 1e-6 {
				truth = nil // flat: an initial guess, nothing to compare
			}
		}
	}
	if truth == nil {
		h, w := 128, 128
		if ds.Object != nil {
			h, w = min(ds.Object.H, 256), min(ds.Object.W, 256)
		}
		truth = physics.LinesObject(h, w, 1)
		label = "simulated lines"
	}
	rng := rand.New(rand.NewPCG(1, 2))
	const sigma = 0.05 // noise per component, relative to |object| ≤ 1
	noisy := make([]complex64, len(truth.Pix))
	for i, z := range truth.Pix {
		noisy[i] = z + complex64(complex(sigma*rng.NormFloat64(), sigma*rng.NormFloat64()))
	}
	blurred := boxBlur(truth, 2)
	return plots.CompareComplex(
		plots.ComplexPanel{Title: label, Pix: truth.Pix},
		[]plots.ComplexPanel{{Title: "truth + noise", Pix: noisy}, {Title: "truth, blurred", Pix: blurred}},
		truth.H, truth.W, plots.ComparisonOptions{Title: "comparison (illustrative: truth vs truth + 5% noise and blurred truth)"})
}

// boxBlur averages each pixel with its (2r+1)² neighbours (clipped at edges).
func boxBlur(img *data.ComplexImage, r int) []complex64 {
	out := make([]complex64, len(img.Pix))
	for y := 0; y < img.H; y++ {
		for x := 0; x < img.W; x++ {
			var s complex128
			var n int
			for dy := -r; dy <= r; dy++ {
				for dx := -r; dx <= r; dx++ {
					yy, xx := y+dy, x+dx
					if yy >= 0 && yy < img.H && xx >= 0 && xx < img.W {
						s += complex128(img.Pix[yy*img.W+xx])
						n++
					}
				}
			}
			out[y*img.W+x] = complex64(s / complex(float64(n), 0))
		}
	}
	return out
}
