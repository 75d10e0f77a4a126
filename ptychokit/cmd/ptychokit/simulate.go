package main

import (
	"fmt"
	"image"
	_ "image/jpeg" // --object accepts JPEG images too
	_ "image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ptychokit/ptychokit/ptychokit/data"
	"github.com/ptychokit/ptychokit/ptychokit/physics"
)

func init() {
	register("simulate", "simulate a Poisson-noisy scan from an object, a probe and positions", runSimulate)
}

func runSimulate(args []string) error {
	fs := newFlags("simulate", "--output_file OUT.npz [flags]", `
Simulates a ptychography scan and writes it as a canonical NPZ with its ground
truth: at each scan position the object patch is multiplied by the probe, taken
to the far field (|FFT2|², centred), scaled so that a pattern holds --nphotons
counts on average, drawn as Poisson counts and stored as amplitudes. The file
holds 'diffraction', 'probeGuess', 'objectGuess' (the true object), 'xcoords',
'ycoords', 'scan_index' and the true patches 'Y'. Same seed, same file.

Object:    lines (random blurred line segments), grf (Gaussian random field),
           an image (PNG/JPEG, grey level → amplitude and phase), or an NPZ with
           objectGuess (e.g. ../shared/datasets/run1084_object_probe.npz).
Probe:     disk (soft-edged disk, ~N/3 across) or an NPZ with probeGuess.
Positions: random, raster, or the xcoords/ycoords of an NPZ.

Example:
  ptychokit simulate --object lines --N 64 --n_images 512 --output_file lines.npz`)
	objectFlag := fs.String("object", "lines", "object: lines | grf | IMAGE.png | FILE.npz (objectGuess)")
	probeFlag := fs.String("probe", "disk", "probe: disk | FILE.npz (probeGuess)")
	positionsFlag := fs.String("positions", "random", "scan positions: random | raster | FILE.npz (xcoords, ycoords)")
	nImages := fs.Int("n_images", 512, "number of diffraction patterns (with FILE.npz positions: the first n_images, 0 = all)")
	n := fs.Int("N", 64, "pattern size in pixels (even); with --probe FILE.npz it must match the probe")
	nphotons := fs.Float64("nphotons", 1e9, "mean photon count per diffraction pattern")
	seed := fs.Int64("seed", 1, "random seed for the object, positions and Poisson noise")
	objectSize := fs.Int("object_size", 0, "side of a built-in (lines, grf) object in pixels (0 = 4·N)")
	step := fs.Float64("step", 0, "raster step in pixels (0 = N/4)")
	probeDiameter := fs.Float64("probe_diameter", 0, "soft-disk probe diameter in pixels (0 = default for N)")
	positionError := fs.Float64("position_error", 0, "stage error: the file's xcoords/ycoords are the true positions plus uniform noise in ±this many pixels (seeded); the true ones are kept as xcoords_true, ycoords_true (for position correction)")
	positionScale := fs.Float64("position_scale", 1, "stage calibration error: the file's xcoords/ycoords are the true positions scaled by this factor about the scan's centre (before --position_error); the true ones are kept as xcoords_true, ycoords_true")
	modePowers := fs.String("mode_powers", "", "a partially coherent beam: the shares of power of its incoherent probe modes, e.g. 0.7,0.2,0.1 (the probe and copies shifted by --mode_shift px, orthogonalised; the modes are kept as probe_modes_true, the first as probeGuess)")
	modeShift := fs.Int("mode_shift", 2, "shift in pixels between the probe copies that make the modes of --mode_powers")
	deadPixels := fs.Float64("dead_pixels", 0, "fraction of detector pixels that are dead (read 0; seeded), recorded in the file's 'mask'")
	beamStop := fs.Float64("beam_stop", 0, "radius in pixels of a central beam stop (its pixels read 0), recorded in 'mask'")
	saveY := fs.Bool("save_Y", true, "store the true patches 'Y' (n×N×N complex64; doubles the file size)")
	output := fs.String("output_file", "", "where to write the canonical NPZ (required)")
	compress := compressFlag(fs)
	dev := deviceFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *output == "" {
		return fmt.Errorf("--output_file is required")
	}
	if *n < 4 || *n%2 != 0 {
		return fmt.Errorf("--N %d: want an even size ≥ 4", *n)
	}
	if *nphotons <= 0 {
		return fmt.Errorf("--nphotons %g: want > 0", *nphotons)
	}
	if *nImages < 0 {
		return fmt.Errorf("--n_images %d: want ≥ 0", *nImages)
	}
	if math.IsNaN(*deadPixels) || *deadPixels < 0 || *deadPixels >= 1 {
		return fmt.Errorf("--dead_pixels %g: want a fraction in [0, 1)", *deadPixels)
	}
	if math.IsNaN(*beamStop) || *beamStop < 0 || *beamStop >= float64(*n)/2 {
		return fmt.Errorf("--beam_stop %g: want a radius from 0 to below N/2 = %d pixels", *beamStop, *n/2)
	}
	if math.IsNaN(*positionError) || *positionError < 0 || *positionError > float64(*n)/4 {
		return fmt.Errorf("--position_error %g: want 0 to N/4 = %g pixels", *positionError, float64(*n)/4)
	}
	if !(*positionScale >= 0.9 && *positionScale <= 1.1) {
		return fmt.Errorf("--position_scale %g: want 0.9 to 1.1", *positionScale)
	}
	start := time.Now()

	object, err := loadObject(*objectFlag, *objectSize, *n, *seed)
	if err != nil {
		return err
	}
	probe, err := loadProbe(*probeFlag, *n, *probeDiameter)
	if err != nil {
		return err
	}
	x, y, err := loadPositions(*positionsFlag, object, *n, *nImages, *step, *seed)
	if err != nil {
		return err
	}
	backend, _, err := openBackend(*dev, "1")
	if err != nil {
		return err
	}
	fmt.Printf("simulating %d patterns of %d×%d from a %d×%d object, nphotons %.3g, seed %d\n",
		len(x), *n, *n, object.H, object.W, *nphotons, *seed)
	simOpts := physics.SimOptions{
		Object: object, Probe: probe, X: x, Y: y,
		NPhotons: *nphotons, Seed: *seed, Backend: backend,
	}
	var modes []data.Entry
	var ds *data.Dataset
	if *modePowers == "" {
		ds, err = physics.Simulate(simOpts)
	} else {
		ds, modes, err = simulateModes(simOpts, *modePowers, *modeShift)
	}
	if err != nil {
		return err
	}
	if !*saveY {
		ds.Y = nil
	}
	if *deadPixels > 0 || *beamStop > 0 {
		applyDetectorMask(ds, *deadPixels, *beamStop, *seed)
	}
	var truth []data.Entry
	note := ""
	if *positionError > 0 || *positionScale != 1 {
		ds, truth = withPositionError(ds, *positionError, *positionScale, *seed)
		note = fmt.Sprintf(", positions scaled by %g and off by up to ±%g px", *positionScale, *positionError)
	}
	if err := data.WriteWith(*output, ds, data.WriteOptions{Compress: *compress}, append(truth, modes...)...); err != nil {
		return err
	}
	fmt.Printf("wrote %s (%d patterns%s, %.1fs)\n", *output, ds.Count, note, time.Since(start).Seconds())
	return nil
}

// simulateModes simulates a partially coherent scan whose probe modes have
// the shares of power in the comma-separated list powers, and returns the
// modes as the entry probe_modes_true [M, N, N].
func simulateModes(opts physics.SimOptions, powers string, shift int) (*data.Dataset, []data.Entry, error) {
	var shares []float64
	for _, f := range strings.Split(powers, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil {
			return nil, nil, fmt.Errorf("--mode_powers %q: %q is not a number", powers, f)
		}
		shares = append(shares, v)
	}
	modes, err := physics.PartiallyCoherentModes(opts.Probe, shares, shift)
	if err != nil {
		return nil, nil, fmt.Errorf("--mode_powers %s: %w", powers, err)
	}
	ds, err := physics.SimulateModes(opts, modes)
	if err != nil {
		return nil, nil, err
	}
	n := opts.Probe.H
	pix := make([]complex64, 0, len(modes)*n*n)
	for _, m := range modes {
		pix = append(pix, m.Pix...)
	}
	return ds, []data.Entry{{Name: "probe_modes_true", Shape: []int{len(modes), n, n}, Value: pix}}, nil
}

// applyDetectorMask blanks a fraction dead of the detector pixels (seeded)
// and a central disk of radius stop in every pattern, and records them in
// ds.Mask.
func applyDetectorMask(ds *data.Dataset, dead, stop float64, seed int64) {
	n := ds.N
	rng := rand.New(rand.NewPCG(uint64(seed), 0x6d61736b)) // "mask"
	ds.Mask = make([]float32, n*n)
	for y := range n {
		for x := range n {
			blocked := math.Hypot(float64(y-n/2), float64(x-n/2)) < stop || rng.Float64() < dead
			if !blocked {
				ds.Mask[y*n+x] = 1
			}
		}
	}
	for p := range ds.Count {
		for i, m := range ds.Mask {
			if m == 0 {
				ds.Diffraction[p*n*n+i] = 0
			}
		}
	}
}

// withPositionError returns ds with its positions scaled by scale about
// their mean and then off by uniform noise in ±e pixels (what the stage
// reported), and the true ones as the entries xcoords_true and ycoords_true.
func withPositionError(ds *data.Dataset, e, scale float64, seed int64) (*data.Dataset, []data.Entry) {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x706f736572)) // "poser"
	trueX, trueY := ds.XCoords, ds.YCoords
	var cx, cy float64
	for i := range trueX {
		cx += trueX[i] / float64(len(trueX))
		cy += trueY[i] / float64(len(trueY))
	}
	d := *ds
	d.XCoords, d.YCoords = make([]float64, len(trueX)), make([]float64, len(trueY))
	for i := range trueX {
		d.XCoords[i] = cx + scale*(trueX[i]-cx) + e*(2*rng.Float64()-1)
		d.YCoords[i] = cy + scale*(trueY[i]-cy) + e*(2*rng.Float64()-1)
	}
	return &d, []data.Entry{
		{Name: "xcoords_true", Shape: []int{len(trueX)}, Value: trueX},
		{Name: "ycoords_true", Shape: []int{len(trueY)}, Value: trueY}}
}

func isNPZ(s string) bool { return strings.EqualFold(filepath.Ext(s), ".npz") }

func loadObject(spec string, size, n int, seed int64) (*data.ComplexImage, error) {
	if size == 0 {
		size = 4 * n
	}
	if size < n {
		return nil, fmt.Errorf("--object_size %d: want ≥ N (%d)", size, n)
	}
	switch {
	case spec == "lines":
		return physics.LinesObject(size, size, seed), nil
	case spec == "grf":
		return physics.GRFObject(size, size, float64(n)/16, seed), nil
	case isNPZ(spec):
		ds, err := data.Load(spec, data.LoadOptions{})
		if err != nil {
			return nil, fmt.Errorf("--object: %w", err)
		}
		if ds.Object == nil {
			return nil, fmt.Errorf("--object %s: the file has no objectGuess", spec)
		}
		return ds.Object, nil
	default:
		f, err := os.Open(spec)
		if err != nil {
			return nil, fmt.Errorf("--object %q: not lines, grf or an .npz, and not a readable image: %w", spec, err)
		}
		defer f.Close()
		img, _, err := image.Decode(f)
		if err != nil {
			return nil, fmt.Errorf("--object %s: %w", spec, err)
		}
		return physics.ImageObject(img, 1.0), nil
	}
}

func loadProbe(spec string, n int, diameter float64) (*data.ComplexImage, error) {
	switch {
	case spec == "disk":
		if diameter == 0 {
			diameter = physics.DefaultProbeDiameter(n)
		}
		return physics.DiskProbe(n, diameter), nil
	case isNPZ(spec):
		ds, err := data.Load(spec, data.LoadOptions{})
		if err != nil {
			return nil, fmt.Errorf("--probe: %w", err)
		}
		if ds.Probe == nil {
			return nil, fmt.Errorf("--probe %s: the file has no probeGuess", spec)
		}
		if ds.Probe.H != n || ds.Probe.W != n {
			return nil, fmt.Errorf("--probe %s: probeGuess is %d×%d but --N is %d (pass --N %d)", spec, ds.Probe.H, ds.Probe.W, n, ds.Probe.H)
		}
		return ds.Probe, nil
	default:
		return nil, fmt.Errorf("--probe %q: want disk or FILE.npz", spec)
	}
}

func loadPositions(spec string, object *data.ComplexImage, n, count int, step float64, seed int64) (x, y []float64, err error) {
	switch {
	case spec == "random":
		if count == 0 {
			return nil, nil, fmt.Errorf("--n_images 0: random positions need a count")
		}
		x, y = physics.RandomPositions(object.H, object.W, n, count, seed)
	case spec == "raster":
		if step == 0 {
			step = float64(n) / 4
		}
		if step <= 0 {
			return nil, nil, fmt.Errorf("--step %g: want > 0", step)
		}
		x, y = physics.RasterPositions(object.H, object.W, n, step)
	case isNPZ(spec):
		ds, err := data.Load(spec, data.LoadOptions{})
		if err != nil {
			return nil, nil, fmt.Errorf("--positions: %w", err)
		}
		x, y = ds.XCoords, ds.YCoords
	default:
		return nil, nil, fmt.Errorf("--positions %q: want random, raster or FILE.npz", spec)
	}
	if count > 0 && count < len(x) {
		x, y = x[:count], y[:count]
	}
	for i := range x {
		if x[i]-float64(n)/2 < 0 || y[i]-float64(n)/2 < 0 || x[i]+float64(n)/2 > float64(object.W) || y[i]+float64(n)/2 > float64(object.H) {
			return nil, nil, fmt.Errorf("--positions %s: position %d (x %.1f, y %.1f) puts the %d×%d patch outside the %d×%d object",
				spec, i, x[i], y[i], n, n, object.H, object.W)
		}
	}
	return x, y, nil
}
