package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ptychokit/ptychokit/plots"
	"github.com/ptychokit/ptychokit/ptychokit/atomicfile"
	"github.com/ptychokit/ptychokit/ptychokit/config"
	"github.com/ptychokit/ptychokit/ptychokit/data"
	"github.com/ptychokit/ptychokit/ptychokit/internal/oom"
	"github.com/ptychokit/ptychokit/ptychokit/internal/progress"
	"github.com/ptychokit/ptychokit/ptychokit/solvers"
)

func init() {
	register("reconstruct", "reconstruct an object and probe with an iterative solver (ePIE, rPIE, LSQ-ML)", runReconstruct)
}

// Names of the files reconstruct writes in --output_dir.
const (
	reconstructionFile = "reconstruction.npz"
	historyFile        = "history.csv"
	objectPNG          = "object.png"
	probePNG           = "probe.png"
	costPNG            = "cost.png"
	summaryFile        = "summary.json"
)

func runReconstruct(args []string) error {
	fs := newFlags("reconstruct", "--data SCAN.npz --output_dir DIR [flags]", `
Reconstructs the object (and, unless --probe_refine=false, the probe) from a
scan's diffraction amplitudes with an iterative solver, starting from the
scan's probeGuess and a flat object:

  epie   extended PIE: steps α, β (default 1) on mini-batches of positions
  rpie   regularised PIE: α, β weigh the regularisation (default 0.1)
  lsqml  least-squares maximum likelihood: exact step lengths per mini-batch,
         Gaussian (amplitude) or Poisson (counts) noise model (--noise)

Each iteration visits every scan position once, in shuffled mini-batches of at
most --batch_size positions computed together as one compiled graph. The cost
printed after each iteration is the misfit to the data divided by the data's
total energy (0 = perfect fit). The probe is first scaled to the data's mean
pattern energy (--normalize_probe), which also absorbs a probe given for the
un-normalised FFT.

Writes to --output_dir: reconstruction.npz (object, probe, xcoords, ycoords —
the layout of 'ptychokit infer'; stored, --compress deflates it), object.png (amplitude and phase over the
scanned region), probe.png, cost.png, history.csv (iteration,cost,seconds)
summary.json and flags.json (every flag's effective value: give it back
with --config to repeat the run).

--config FILE reads flags from a JSON or YAML file (keys are flag names, e.g.
{"algo": "rpie", "iterations": 100, "probe_modes": 3}); flags on the command
line override it.

--product FILE also writes the result as a ptychodus NPZ product (object,
probe, positions in metres, the cost of every iteration), given
--pixel_size_m and --energy_ev, which a canonical scan does not record.

--device_memory SIZE (2GB, 512MiB, bytes) bounds what the reconstruction
keeps on each device. By default every diffraction pattern goes to the
device once. When they do not fit the budget beside the working set of a
batch (estimated from the update's graph), they stay in host memory and each
batch's patterns are uploaded as the batch comes, the next while the device
works the current one: the same result, for a scan larger than the device.
The line "diffraction streamed from host memory: ..." says so. A budget too
small even for that is an error that names the largest --batch_size that
fits. With --device cpu the device's memory is the host's: streamed, the
patterns are held once instead of twice.

For a two-half resolution estimate, reconstruct --subset even and --subset odd
into two folders and compare them with 'ptychokit eval --two_half'.

Example:
  ptychokit reconstruct --algo rpie --data ../shared/datasets/siemens_star_tike.npz \
      --iterations 30 --output_dir out/star`)
	algo := fs.String("algo", "rpie", "solver: "+strings.Join(solvers.Names(), " | "))
	dataPath := fs.String("data", "", "scan NPZ with diffraction, probeGuess, xcoords, ycoords (required)")
	iterations := fs.Int("iterations", 30, "passes over all scan positions")
	outputDir := fs.String("output_dir", "", "folder for the outputs, created if missing (required)")
	dev := deviceFlag(fs)
	devs := devicesFlag(fs)
	deviceMemory := deviceMemoryFlag(fs, "the diffraction is streamed from host memory, batch by batch, when it does not fit beside a batch's working set (see above)")
	batchSize := fs.Int("batch_size", solvers.DefaultBatchSize, "most scan positions updated together")
	seed := fs.Int64("seed", 1, "seed of the shuffle of positions into batches")
	alpha := fs.Float64("alpha", 0, "object step α (0 = the algorithm's default; see above)")
	beta := fs.Float64("beta", 0, "probe step β (0 = the algorithm's default)")
	noise := fs.String("noise", string(solvers.Gaussian), "lsqml noise model: gaussian | poisson")
	probeRefine := fs.Bool("probe_refine", true, "refine the probe as well as the object")
	probeStart := fs.Int("probe_start", 1, "first iteration (from 0) that updates the probe")
	normalizeProbe := fs.Bool("normalize_probe", true, "scale the starting probe to the data's mean pattern energy")
	integer := fs.Bool("integer_positions", false, "round positions to whole pixels (default: sub-pixel)")
	subset := fs.String("subset", "all", "scan points to use: all | even | odd (halves for a two-half FRC)")
	intensity := fs.Bool("intensity", false, "the file's diffraction holds intensities: take their square root")
	correct := fs.Bool("position_correction", false, "refine the scan positions as the reconstruction runs (sub-pixel; the refined positions are written with the result)")
	correctStart := fs.Int("position_start", 5, "first iteration (from 0) that moves positions, once the object has formed")
	correctMax := fs.Float64("position_max_step", solvers.DefaultPositionMaxStep, "most a position moves per update, pixels")
	affine := fs.Float64("position_affine", 0, "with --position_correction: constrain the positions to a global affine map (scale, rotation, shear, offset) of the given ones, fitted after every iteration; each position moves this fraction (0 off, up to 1) of the way to its mapped given position")
	probeModes := fs.Int("probe_modes", 1, "incoherent probe modes (mixed states, epie and rpie): the extra ones start as weak copies of the probe, all are orthogonalised every iteration; the result's probe is then M×N×N")
	ignoreMask := fs.Bool("ignore_mask", false, "treat every detector pixel as measured, even those the file's 'mask' marks as not")
	initFrom := fs.String("init_from", "", "continue an earlier reconstruction: start from the object, probe and positions of its RESULT.npz (the reconstruction.npz reconstruct writes, or a ptychodus product; same scan and --subset) instead of a flat object and the probeGuess")
	out := addOutputFlags(fs)
	configFile := configFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := applyConfig(fs, *configFile); err != nil {
		return err
	}
	switch {
	case *dataPath == "":
		return fmt.Errorf("--data is required")
	case *outputDir == "":
		return fmt.Errorf("--output_dir is required")
	case *iterations < 1:
		return fmt.Errorf("--iterations %d: want ≥ 1", *iterations)
	case *batchSize < 1:
		return fmt.Errorf("--batch_size %d: want ≥ 1", *batchSize)
	case fs.NArg() > 0:
		return fmt.Errorf("unexpected argument %q (flags only; see --help)", fs.Arg(0))
	case !slices.Contains(solvers.Names(), *algo):
		return fmt.Errorf("--algo %q: want one of %s", *algo, strings.Join(solvers.Names(), ", "))
	}
	if err := out.check(); err != nil {
		return err
	}

	// Before anything slow: a folder in use is refused at once.
	lock, err := lockOutputDir(*outputDir, "reconstruct")
	if err != nil {
		return err
	}
	defer lock.Release()
	ds, err := data.Load(*dataPath, data.LoadOptions{RequireDiffraction: true, Intensity: *intensity, SkipPatches: true})
	if err != nil {
		return err
	}
	ds, err = scanSubset(ds, *subset)
	if err != nil {
		return err
	}
	backend, devices, err := openBackend(*dev, *devs)
	if err != nil {
		return err
	}
	fmt.Printf("data: %s: %d patterns of %d×%d (subset %s)\n", *dataPath, ds.Count, ds.N, ds.N, *subset)
	for _, w := range ds.Warnings {
		fmt.Printf("note: %s\n", w)
	}

	opts := solvers.Options{
		Algorithm:    *algo,
		Iterations:   *iterations,
		BatchSize:    *batchSize,
		Seed:         *seed,
		Noise:        solvers.NoiseModel(*noise),
		Backend:      backend,
		Devices:      devices,
		DeviceMemory: deviceMemory.bytes,
		Object:       solvers.ObjectOptions{Step: *alpha},
		Probe: solvers.ProbeOptions{Refine: *probeRefine, Step: *beta, StartIteration: *probeStart,
			NormalizePower: *normalizeProbe, Modes: *probeModes},
		Positions: solvers.PositionOptions{Integer: *integer, Correct: *correct, StartIteration: *correctStart, MaxStep: *correctMax,
			Affine: *affine},
		IgnoreMask: *ignoreMask,
		Hooks:      []solvers.Hook{progressBar(os.Stdout, *iterations)},
	}
	if *initFrom != "" {
		if ds, err = continueFrom(ds, *initFrom, &opts); err != nil {
			return err
		}
		fmt.Printf("continuing from %s\n", *initFrom)
	}
	if err := opts.Validate(); err != nil {
		return fmt.Errorf("flags: %w", err)
	}
	if err := os.MkdirAll(*outputDir, 0o755); err != nil {
		return fmt.Errorf("--output_dir: %w", err)
	}
	rec, err := solvers.New(ds, opts)
	if err != nil {
		return err
	}
	used := rec.Options()
	if deviceMemory.bytes > 0 {
		fmt.Println(rec.Memory())
	}
	fmt.Printf("solver: %s, %d iterations, batches of ≤ %d, α=%g β=%g, probe refine %v",
		*algo, *iterations, used.BatchSize, used.Object.Step, used.Probe.Step, *probeRefine)
	if *algo == "lsqml" {
		fmt.Printf(", noise %s", used.Noise)
	}
	fmt.Println()
	if err := rec.Iterate(*iterations); err != nil {
		return oom.Explain(err, used.BatchSize)
	}
	res, err := rec.Result()
	if err != nil {
		return err
	}
	for _, w := range res.Warnings {
		fmt.Printf("note: %s\n", w)
	}
	if len(res.ProbeModes) > 1 {
		fmt.Printf("probe mode powers %s\n", formatPowers(res.ModePowers))
	}
	if *affine > 0 {
		fmt.Printf("positions: affine map from the given to the refined ones %v\n", res.Affine)
	}
	if err := writeReconstruction(*outputDir, res, ds, rec.Memory(), out); err != nil {
		return err
	}
	if err := config.WriteFlags(*outputDir, fs, "config"); err != nil {
		return err
	}
	h := res.History
	total := 0.0
	for _, r := range h {
		total += r.Seconds
	}
	fmt.Printf("cost %.4g → %.4g in %d iterations, %.1f s (%.3g ms/iteration after the first)\n",
		h[0].Cost, h[len(h)-1].Cost, len(h), total, 1e3*secondsPerIteration(h))
	fmt.Printf("wrote %s\n", filepath.Join(*outputDir, reconstructionFile))
	return nil
}

// continueFrom sets opts to start from the result in path (object, probe,
// positions, as writeReconstruction writes them) and returns ds with the
// result's positions, which are in the result's frame. The probe is taken
// as it is (it is already at the data's scale).
func continueFrom(ds *data.Dataset, path string, opts *solvers.Options) (*data.Dataset, error) {
	res, err := data.ReadReconstruction(path)
	if err != nil {
		return nil, fmt.Errorf("--init_from: %w", err)
	}
	switch {
	case res.Probe == nil || res.Probe.H != ds.N || res.Probe.W != ds.N:
		return nil, fmt.Errorf("--init_from %s: key \"probe\": want the %d×%d probe of a reconstruction of these patterns", path, ds.N, ds.N)
	case len(res.XCoords) != ds.Count:
		return nil, fmt.Errorf("--init_from %s: key \"xcoords\": %d positions, want %d, one per pattern of this scan (same --subset)", path, len(res.XCoords), ds.Count)
	}
	d := *ds
	d.XCoords, d.YCoords = res.XCoords, res.YCoords
	opts.Object.Initial = res.Object
	opts.Probe.Initial = res.Probe
	if len(res.ProbeModes) == opts.Probe.Modes {
		opts.Probe.InitialModes = res.ProbeModes
	}
	opts.Probe.NormalizePower = false
	return &d, nil
}

// formatPowers prints shares of power as percentages.
func formatPowers(p []float64) string {
	s := make([]string, len(p))
	for i, v := range p {
		s[i] = fmt.Sprintf("%.1f%%", 100*v)
	}
	return strings.Join(s, ", ")
}

// scanSubset keeps every scan point (all), or the even- or odd-numbered ones:
// two disjoint, interleaved halves of the scan for a two-half FRC.
func scanSubset(ds *data.Dataset, subset string) (*data.Dataset, error) {
	switch subset {
	case "all", "":
		return ds, nil
	case "even", "odd":
		half, err := ds.Half(subset == "odd")
		if err != nil {
			return nil, fmt.Errorf("--subset %s: %w", subset, err)
		}
		return half, nil
	}
	return nil, fmt.Errorf("--subset %q: want all, even or odd", subset)
}

// progressBar prints one line per iteration (progress.Line, the style of
// training's): the bar, the count, the cost, and the time.
func progressBar(w io.Writer, total int) solvers.Hook {
	line := progress.Line{W: w, Total: total}
	return func(_ *solvers.Solver, it solvers.IterationRecord) error {
		line.Draw(it.Iteration, fmt.Sprintf("cost %.4e", it.Cost), fmt.Sprintf("%.2f s", it.Seconds))
		return nil
	}
}

// secondsPerIteration is the mean wall time of the iterations after the
// first (which includes compiling), or the first's when there is one.
func secondsPerIteration(h []solvers.IterationRecord) float64 {
	if len(h) == 1 {
		return h[0].Seconds
	}
	s := 0.0
	for _, r := range h[1:] {
		s += r.Seconds
	}
	return s / float64(len(h)-1)
}

// writeReconstruction writes the NPZ, history.csv, summary.json and figures.
func writeReconstruction(dir string, res *solvers.Result, ds *data.Dataset, memory solvers.MemoryPlan, out *outputFlags) error {
	obj, prb := res.Object, res.Probe
	if err := res.Write(filepath.Join(dir, reconstructionFile), out.options()); err != nil {
		return fmt.Errorf("write %s: %w", reconstructionFile, err)
	}
	if err := out.writeProduct(res.Reconstruction, "ptychokit reconstruct --algo "+res.Algorithm); err != nil {
		return err
	}

	var csv bytes.Buffer
	csv.WriteString("iteration,cost,seconds\n")
	for _, r := range res.History {
		fmt.Fprintf(&csv, "%d,%.8g,%.4f\n", r.Iteration, r.Cost, r.Seconds)
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, historyFile), csv.Bytes()); err != nil {
		return err
	}

	summary := map[string]any{
		"algorithm":             res.Algorithm,
		"data":                  ds.Path,
		"patterns":              ds.Count,
		"N":                     ds.N,
		"iterations":            len(res.History),
		"cost_start":            res.History[0].Cost,
		"cost_end":              res.History[len(res.History)-1].Cost,
		"seconds_per_iteration": secondsPerIteration(res.History),
		"probe_scale":           res.ProbeScale,
		"probe_mode_powers":     res.ModePowers,
		"position_affine":       res.Affine,
		"object_shape":          []int{obj.H, obj.W},
		"warnings":              res.Warnings,
		"device_memory":         memory.Budget,
		"diffraction_streamed":  memory.Streamed,
	}
	js, err := json.MarshalIndent(summary, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, summaryFile), append(js, '\n')); err != nil {
		return err
	}

	region, err := data.ScanRegion(res.XCoords, res.YCoords, -float64(ds.N)/4, obj.H, obj.W)
	if err != nil {
		return fmt.Errorf("%s: %w", objectPNG, err)
	}
	amp, phase := plots.AmpPhase(obj.Pix)
	fig, err := plots.ComplexImage(amp, phase, obj.H, obj.W, plots.ComplexOptions{
		Title: fmt.Sprintf("%s, %d iterations", res.Algorithm, len(res.History)), Crop: &region})
	if err == nil {
		err = saveSolverPNG(fig, filepath.Join(dir, objectPNG))
	}
	if err != nil {
		return fmt.Errorf("%s: %w", objectPNG, err)
	}
	amp, phase = plots.AmpPhase(prb.Pix)
	fig, err = plots.ComplexImage(amp, phase, prb.H, prb.W, plots.ComplexOptions{Title: "probe"})
	if err == nil {
		err = saveSolverPNG(fig, filepath.Join(dir, probePNG))
	}
	if err != nil {
		return fmt.Errorf("%s: %w", probePNG, err)
	}
	fig, err = plots.Curves([]plots.Series{{Name: res.Algorithm, Y: res.Costs}},
		plots.CurveOptions{Title: "cost per iteration", XLabel: "iteration", YLabel: "cost / Σd²", LogY: allCostsPositive(res.Costs)})
	if err == nil {
		err = saveSolverPNG(fig, filepath.Join(dir, costPNG))
	}
	if err != nil {
		return fmt.Errorf("%s: %w", costPNG, err)
	}
	return nil
}

func allCostsPositive(v []float64) bool {
	for _, x := range v {
		if !(x > 0) {
			return false
		}
	}
	return true
}

func saveSolverPNG(fig *plots.Figure, path string) error {
	w, h := fig.Size()
	return fig.SavePNG(path, w, h)
}

// configFlag defines --config, the file of flag values train and
// reconstruct read (config.ApplyFlagFile).
func configFlag(fs *flag.FlagSet) *string {
	return fs.String("config", "", "read flags from this JSON or YAML file (keys: flag names; one level of sections allowed, as PtychoPINN's model: {...}); flags on the command line override it")
}

// applyConfig applies the --config file, if any, under the command line.
func applyConfig(fs *flag.FlagSet, path string) error {
	if path == "" {
		return nil
	}
	return config.ApplyFlagFile(fs, path, "config")
}
