package study

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/gomlx/gomlx/backends"

	"github.com/ptychokit/ptychokit/ptychokit/atomicfile"
	"github.com/ptychokit/ptychokit/ptychokit/config"
	"github.com/ptychokit/ptychokit/ptychokit/data"
	"github.com/ptychokit/ptychokit/ptychokit/device"
	"github.com/ptychokit/ptychokit/ptychokit/metrics"
	"github.com/ptychokit/ptychokit/ptychokit/pinn"
	"github.com/ptychokit/ptychokit/ptychokit/solvers"
	"github.com/ptychokit/ptychokit/ptychokit/stitch"
)

// Names of the files a study writes.
const (
	// ReportFile is the study's report in Options.OutputDir (Report as JSON).
	ReportFile = "study.json"
	// RunFile is a finished run's result in its own folder (RunResult as
	// JSON); a folder holding it is reused, not retrained.
	RunFile = "run.json"
	// ReconstructionFile is the object a run reconstructed, in the layout of
	// 'ptychokit infer' and 'ptychokit reconstruct' (object, probe, xcoords,
	// ycoords), so that 'ptychokit eval' can score it again.
	ReconstructionFile = "reconstruction.npz"
	// RPIEDir is the folder of the rPIE reference of a scan.
	RPIEDir = "rpie"
)

// Options configure a study.
type Options struct {
	// Config is the training configuration of every run. Run sets, per run,
	// its seed (Training.Seed), its scan (Data.TrainDataFile) and its folder
	// (Data.OutputDir). With Data.TestDataFile empty each run is scored on
	// the scan it was trained on; else every run, and rPIE, is scored on that
	// scan (with ground truth), which the models never saw — as PtychoPINN's
	// paper scores its test objects.
	Config config.Run
	// Seeds are the runs' training seeds, one run (two with TwoHalf) each.
	Seeds []int64
	// Data are the canonical NPZ scans; every seed is trained on each.
	Data []string
	// OutputDir receives ReportFile and one folder per scan, named after the
	// file (its base name without .npz), holding a folder per seed
	// (seed<k>) and RPIEDir.
	OutputDir string
	// Jobs is the number of runs trained at the same time in this process
	// (≥ 1): a small-batch run leaves a GPU mostly idle.
	Jobs int
	// RPIEIterations > 0 also reconstructs every scan once with rPIE
	// (solvers, "rpie", that many iterations, the defaults of 'ptychokit
	// reconstruct'), scored the same way: the reference beside the runs.
	RPIEIterations int
	// TwoHalf is for scans without ground truth: every seed trains one model
	// on the even and one on the odd scan points (data.Dataset.Half); both
	// are stitched on the frame of the whole scan and scored against each
	// other by the two-half FRC (metrics.HalfDatasetFRC). rPIE likewise.
	TwoHalf bool
	// Backend computes everything (nil: the pure-Go backend); Devices splits
	// every batch over that many of its devices (pinn.TrainOptions.Devices);
	// ResidentBytes is pinn.TrainOptions.ResidentBytes.
	Backend       backends.Backend
	Devices       int
	ResidentBytes int64
	// StitchKeep is the side of the central part of each predicted patch
	// that is stitched (pinn.ReconstructOptions.Keep; 0: the whole patch the
	// network predicts). A small part on a sparse scan — a half scan
	// especially — leaves holes between the kept parts (RunResult.Uncovered).
	StitchKeep int
	// Progress receives one line per finished run; nil is silent.
	Progress io.Writer
	// TrainProgress receives the progress of each training and rPIE
	// reconstruction: as is with Jobs = 1; with more jobs only complete
	// lines (the per-epoch summaries, not the redrawn bar), each prefixed by
	// its run's name. Nil is silent.
	TrainProgress io.Writer
}

// Mode names, as Report.Mode spells them.
const (
	ModeTruth   = "truth"    // scored against the scan's objectGuess
	ModeTwoHalf = "two_half" // two halves scored against each other
)

// Run trains every seed on every scan (Jobs at a time), scores each run,
// summarizes the distribution per scan, and writes ReportFile (a temporary
// file renamed into place). Finished run folders (holding RunFile of the same
// configuration) are reused; an interrupted training resumes from its last
// checkpoint (pinn.TrainOn). The first failing run stops the study: runs in
// flight end after their current epoch and the error names the run. With
// Jobs > 1 the first training runs alone before the others start (runAll).
func Run(opts Options) (*Report, error) {
	start := time.Now()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	if opts.Backend == nil {
		opts.Backend = device.CPU()
	}
	scans, err := loadScans(opts)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(opts.OutputDir, 0o755); err != nil {
		return nil, fmt.Errorf("--output_dir: %w", err)
	}

	var tasks []*task
	for _, sc := range scans {
		if opts.RPIEIterations > 0 {
			tasks = append(tasks, &task{scan: sc, rpie: true, name: sc.name + " rpie", dir: filepath.Join(opts.OutputDir, sc.name, RPIEDir)})
		}
		for _, seed := range opts.Seeds {
			tasks = append(tasks, &task{scan: sc, seed: seed, name: fmt.Sprintf("%s seed%d", sc.name, seed),
				dir: filepath.Join(opts.OutputDir, sc.name, fmt.Sprintf("seed%d", seed))})
		}
	}
	r := &runner{opts: opts, total: len(tasks)}
	if err := r.runAll(tasks); err != nil {
		return nil, err
	}

	mode := ModeTruth
	if opts.TwoHalf {
		mode = ModeTwoHalf
	}
	report := &Report{Mode: mode, Seeds: opts.Seeds, Config: opts.Config, Jobs: opts.Jobs, RPIEIterations: opts.RPIEIterations}
	report.Config.Training.Seed = 0
	report.Config.Data.TrainDataFile, report.Config.Data.OutputDir = "", opts.OutputDir
	for _, sc := range scans {
		s := ScanReport{Data: sc.path, Name: sc.name, Test: opts.Config.Data.TestDataFile}
		for _, t := range tasks {
			if t.scan != sc {
				continue
			}
			if t.rpie {
				s.RPIE = t.result
			} else {
				s.Runs = append(s.Runs, *t.result)
			}
		}
		if opts.TwoHalf {
			s.judgeHalves(sc.guessContrast)
		}
		s.Summary = summarize(mode, s.Runs)
		report.Scans = append(report.Scans, s)
	}
	report.Seconds = time.Since(start).Seconds()
	js, err := json.MarshalIndent(report, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("study report: %w", err)
	}
	if err := atomicfile.WriteFile(filepath.Join(opts.OutputDir, ReportFile), append(js, '\n')); err != nil {
		return nil, err
	}
	return report, nil
}

func (o *Options) validate() error {
	switch {
	case len(o.Seeds) == 0:
		return errors.New("--seeds: no seeds")
	case len(o.Data) == 0:
		return errors.New("--data: no scan")
	case o.OutputDir == "":
		return errors.New("--output_dir is required")
	case o.Jobs < 1:
		return fmt.Errorf("--jobs %d: want ≥ 1", o.Jobs)
	case o.StitchKeep < 0:
		return fmt.Errorf("--stitch_keep %d: want ≥ 0 (0 = the whole patch the network predicts)", o.StitchKeep)
	case o.RPIEIterations < 0:
		return fmt.Errorf("--rpie_iterations %d: want ≥ 0 (0 = no rPIE reference)", o.RPIEIterations)
	case o.Config.Data.TestDataFile != "" && o.TwoHalf:
		return errors.New("--test_data_file: not with --two_half (the halves are scored against each other)")
	}
	seen := map[int64]bool{}
	for _, s := range o.Seeds {
		if seen[s] {
			return fmt.Errorf("--seeds: seed %d appears twice", s)
		}
		seen[s] = true
	}
	return o.Config.Validate()
}

// scan is one --data file, loaded once and shared (read-only) by its runs.
type scan struct {
	path, name string
	ds         *data.Dataset
	// halves are the even and odd scan points moved into the frame of the
	// whole scan (TwoHalf only); region is the region of the even half's
	// positions in it, over which the halves are scored.
	halves [2]*data.Dataset
	region data.Rect
	// guessContrast is the amplitude contrast of the objectGuess over the
	// same region (TwoHalf with an objectGuess that covers it; else 0).
	guessContrast float64
	// trainHalves are the halves the networks train on: halves, with the
	// probe refined on the whole scan when it is a file of initial guesses
	// (refineProbe); the rPIE reference starts from the file's probeGuess.
	trainHalves [2]*data.Dataset
	// test is the scan every run of this scan is scored on
	// (Data.TestDataFile; nil: the scan itself). It is shared by all scans.
	test *data.Dataset
}

// scored is the scan the runs of sc are reconstructed and scored on.
func (sc *scan) scored() *data.Dataset {
	if sc.test != nil {
		return sc.test
	}
	return sc.ds
}

func loadScans(opts Options) ([]*scan, error) {
	var scans []*scan
	var test *data.Dataset
	if path := opts.Config.Data.TestDataFile; path != "" {
		ds, err := data.Load(path, data.LoadOptions{RequireDiffraction: true})
		if err != nil {
			return nil, err
		}
		switch {
		case ds.N != opts.Config.Model.N:
			return nil, fmt.Errorf("--test_data_file %s: patterns are %d×%d but --N is %d", path, ds.N, ds.N, opts.Config.Model.N)
		case ds.Object == nil:
			return nil, fmt.Errorf("--test_data_file %s: no objectGuess (ground truth) to score against", path)
		}
		test = ds
	}
	byName := map[string]string{}
	for _, path := range opts.Data {
		name := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
		if other, dup := byName[name]; dup && filepath.Clean(other) == filepath.Clean(path) {
			return nil, fmt.Errorf("--data: %s given twice", path)
		} else if dup {
			return nil, fmt.Errorf("--data: %s and %s would share the folder %s: rename one", other, path, name)
		}
		byName[name] = path
		ds, err := data.Load(path, data.LoadOptions{RequireDiffraction: true})
		if err != nil {
			return nil, err
		}
		if ds.N != opts.Config.Model.N {
			return nil, fmt.Errorf("%s: patterns are %d×%d but --N is %d", path, ds.N, ds.N, opts.Config.Model.N)
		}
		sc := &scan{path: path, name: name, ds: ds, test: test}
		switch {
		case opts.TwoHalf:
			if err := sc.split(); err != nil {
				return nil, err
			}
			if err := sc.refineProbe(opts); err != nil {
				return nil, err
			}
		case ds.Object == nil && test == nil:
			return nil, fmt.Errorf("%s: no objectGuess (ground truth) to score against; for measured data use --two_half", path)
		}
		scans = append(scans, sc)
	}
	return scans, nil
}

// split prepares the two halves of a scan on one frame: the canvas of the
// whole scan (stitch.Canvas), given to each half as a blank objectGuess of
// that size with its coordinates moved into it. pinn.Reconstruct and the
// solvers then stitch both halves on exactly this frame (they take the
// objectGuess's size as the frame, never its content), so the two-half FRC
// compares the same pixels. The canvas gets one more row and column than
// stitch.Canvas, because Reconstruct accepts a frame only when it has room
// for a fractional position's extra pixel at every position.
//
// The halves are scored over the region of the even half's positions, the
// region 'ptychokit eval --two_half' takes when given the even half's
// reconstruction first, so that eval reproduces the study's numbers from
// the files.
func (sc *scan) split() error {
	ds := sc.ds
	h, w, offX, offY := stitch.Canvas(ds.XCoords, ds.YCoords, ds.N)
	if h == 0 {
		return fmt.Errorf("%s: no usable scan positions", sc.path)
	}
	h, w = h+1, w+1
	for i, odd := range []bool{false, true} {
		half, err := ds.Half(odd)
		if err != nil {
			return err
		}
		for j := range half.XCoords {
			half.XCoords[j] += offX
			half.YCoords[j] += offY
		}
		half.Object = &data.ComplexImage{H: h, W: w, Pix: make([]complex64, h*w)}
		sc.halves[i] = half
	}
	even := sc.halves[0]
	region, err := data.ScanRegion(even.XCoords, even.YCoords, 0, h, w)
	if err != nil {
		return fmt.Errorf("%s: %w", sc.path, err)
	}
	sc.region = region
	if ds.Object != nil {
		// An objectGuess that does not cover the region is no reference.
		inGuess := data.Rect{Y0: region.Y0 - int(offY), X0: region.X0 - int(offX), Y1: region.Y1 - int(offY), X1: region.X1 - int(offX)}
		sc.guessContrast, _ = AmplitudeContrast(ds.Object, inGuess)
	}
	return nil
}

// refineProbe sets the halves the networks train on. With probe "auto" and
// a file of initial guesses (pinn.GuessFile) the probe is refined once, by
// rPIE on the whole scan (pinn.RefinedProbe, as 'ptychokit train' does on a
// whole scan; the halves' blank frames hide the guess from training), and
// both halves' networks train with it; it is written to
// OutputDir/<scan>/probe_refined.npz and read back when the study is run
// again.
func (sc *scan) refineProbe(opts Options) error {
	sc.trainHalves = sc.halves
	if opts.Config.Data.Probe != config.ProbeAuto || !pinn.GuessFile(sc.ds) {
		return nil
	}
	p, err := pinn.RefinedProbe(opts.Backend, sc.ds, filepath.Join(opts.OutputDir, sc.name, pinn.RefinedProbeFile), opts.Progress)
	if err != nil {
		return err
	}
	for i, h := range sc.halves {
		d := *h
		d.Probe = p
		sc.trainHalves[i] = &d
	}
	return nil
}

// task is one run (a seed, or the rPIE reference) of one scan.
type task struct {
	scan      *scan
	rpie      bool
	seed      int64
	name, dir string
	result    *RunResult
}

// runner executes tasks Jobs at a time and stops them all at the first error.
type runner struct {
	opts  Options
	total int

	mu       sync.Mutex // guards done, failed and the lines on Progress
	done     int
	failed   error
	progress sync.Mutex // serialises whole lines on TrainProgress
}

// errStopped ends a run in flight after another one failed.
var errStopped = errors.New("stopped: another run of the study failed")

func (r *runner) stopped() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.failed != nil {
		return errStopped
	}
	return nil
}

// runAll runs the tasks. With several jobs the first training runs alone
// before the others start: XLA compiles and autotunes the training graphs
// then, once, and keeps what it learnt in its autotuning cache
// (device.AutotuneCacheDir) for the runs after it. Measured on an H200 with
// the default network at --jobs 4 and a cold cache: started together, the
// first four runs took 145 s each (15 s for one alone) and ten runs 182 s;
// with the first alone (26 s), ten runs — seven of full length — took 69 s.
func (r *runner) runAll(tasks []*task) error {
	if r.opts.Jobs > 1 {
		for i, t := range tasks {
			if !t.rpie {
				r.finish(t)
				tasks = append(tasks[:i:i], tasks[i+1:]...)
				break
			}
		}
	}
	next := make(chan *task)
	var wg sync.WaitGroup
	for range min(r.opts.Jobs, len(tasks)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range next {
				r.finish(t)
			}
		}()
	}
	for _, t := range tasks {
		if r.stopped() != nil {
			break
		}
		next <- t
	}
	close(next)
	wg.Wait()
	return r.failed
}

// finish runs t and records its result or the study's first error.
func (r *runner) finish(t *task) {
	if r.stopped() != nil {
		return
	}
	res, err := r.run(t)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		if r.failed == nil {
			r.failed = fmt.Errorf("%s: %w", t.name, err)
		}
		return
	}
	t.result = res
	r.done++
	if r.opts.Progress != nil {
		fmt.Fprintf(r.opts.Progress, "[%d/%d] %s\n", r.done, r.total, res.progressLine(t.name))
	}
}

// trainProgress is where the progress of task t goes (see
// Options.TrainProgress).
func (r *runner) trainProgress(name string) io.Writer {
	w := r.opts.TrainProgress
	if w == nil || r.opts.Jobs == 1 {
		return w
	}
	return &prefixLines{w: w, mu: &r.progress, prefix: "[" + name + "] "}
}

// run executes one task, or reuses its finished folder.
func (r *runner) run(t *task) (*RunResult, error) {
	start := time.Now()
	key := r.runKey(t)
	if prev, ok := readRun(filepath.Join(t.dir, RunFile), key); ok {
		prev.Reused, prev.Dir = true, t.dir // the study's folder may have moved
		return prev, nil
	}
	res := &RunResult{Name: filepath.Base(t.dir), Seed: t.seed, Dir: t.dir, Key: key}
	var err error
	switch {
	case t.rpie && r.opts.TwoHalf:
		err = r.rpieHalves(t, res)
	case t.rpie:
		err = r.rpieTruth(t, res)
	case r.opts.TwoHalf:
		err = r.pinnHalves(t, res)
	default:
		err = r.pinnTruth(t, res)
	}
	if err != nil {
		return nil, err
	}
	res.Seconds = time.Since(start).Seconds()
	js, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("run result: %w", err)
	}
	if err := atomicfile.WriteFile(filepath.Join(t.dir, RunFile), append(js, '\n')); err != nil {
		return nil, err
	}
	return res, nil
}

// runKey is what a finished folder must have been made with to be reused:
// the mode, the scan (absolute path) and the training configuration of the
// run, or rPIE's iterations.
func (r *runner) runKey(t *task) RunKey {
	abs := absPath(t.scan.path)
	k := RunKey{Mode: ModeTruth, Data: abs, StitchKeep: r.opts.StitchKeep}
	if r.opts.TwoHalf {
		k.Mode = ModeTwoHalf
	}
	if t.rpie {
		k.RPIEIterations, k.StitchKeep = r.opts.RPIEIterations, 0
		if t.scan.test != nil {
			k.Data = absPath(t.scan.test.Path)
		}
		return k
	}
	cfg := r.runConfig(t, "")
	cfg.Data.OutputDir, cfg.Data.TrainDataFile = "", ""
	k.Config = &cfg
	return k
}

func absPath(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return path
}

// runConfig is the training configuration of task t, writing into dir.
func (r *runner) runConfig(t *task, dir string) config.Run {
	cfg := r.opts.Config
	cfg.Training.Seed = t.seed
	cfg.Data.TrainDataFile = t.scan.path
	cfg.Data.OutputDir = dir
	return cfg
}

func readRun(path string, key RunKey) (*RunResult, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, false
	}
	var res RunResult
	if err := json.Unmarshal(b, &res); err != nil || !res.Key.equal(key) {
		return nil, false
	}
	return &res, true
}

// train trains (or resumes) one model of task t into dir on ds and
// reconstructs scored with its best weights.
func (r *runner) train(t *task, dir, label string, ds, scored *data.Dataset) (TrainingSummary, *pinn.Reconstruction, error) {
	cfg := r.runConfig(t, dir)
	name := t.name
	if label != "" {
		name += " " + label
	}
	progress := r.trainProgress(name)
	tr, err := pinn.TrainOn(r.opts.Backend, cfg, ds, pinn.TrainOptions{
		Progress: progress, Devices: r.opts.Devices, ResidentBytes: r.opts.ResidentBytes,
		OnEpoch: func([]pinn.EpochStats) error { return r.stopped() },
	})
	if err != nil {
		return TrainingSummary{}, nil, err
	}
	sum := TrainingSummary{Half: label, Epochs: len(tr.History), BestEpoch: tr.BestEpoch, StoppedEarly: tr.StoppedEarly}
	if n := len(tr.History); n > 0 && !math.IsNaN(tr.History[n-1].ValLoss) {
		v := tr.History[n-1].ValLoss
		sum.FinalValLoss = &v
	}
	model, err := pinn.Load(r.opts.Backend, dir)
	if err != nil {
		return sum, nil, err
	}
	if err := model.UseDevices(r.opts.Devices); err != nil {
		return sum, nil, err
	}
	rec, err := model.Reconstruct(scored, pinn.ReconstructOptions{Keep: r.opts.StitchKeep})
	if err != nil {
		return sum, nil, fmt.Errorf("%s: %w", scored.Path, err)
	}
	if err := rec.Write(filepath.Join(dir, ReconstructionFile), data.WriteOptions{}); err != nil {
		return sum, nil, err
	}
	return sum, rec, nil
}

func (r *runner) pinnTruth(t *task, res *RunResult) error {
	sum, rec, err := r.train(t, t.dir, "", t.scan.ds, t.scan.scored())
	if err != nil {
		return err
	}
	res.Training = []TrainingSummary{sum}
	return res.scoreTruth(rec.Object, rec.XCoords, rec.YCoords, t.scan.scored().Object)
}

func (r *runner) pinnHalves(t *task, res *RunResult) error {
	var objects [2]*data.ComplexImage
	for i, label := range halfNames {
		sum, rec, err := r.train(t, filepath.Join(t.dir, label), label, t.scan.trainHalves[i], t.scan.trainHalves[i])
		if err != nil {
			return err
		}
		res.Training = append(res.Training, sum)
		objects[i] = rec.Object
	}
	return res.scoreHalves(t.scan, objects)
}

var halfNames = [2]string{"even", "odd"}

// rpieOptions are the defaults of 'ptychokit reconstruct --algo rpie' with
// RPIEIterations iterations.
func (r *runner) rpieOptions(name string) solvers.Options {
	o := solvers.DefaultOptions("rpie")
	o.Iterations = r.opts.RPIEIterations
	o.Seed = 1
	o.Backend, o.Devices = r.opts.Backend, r.opts.Devices
	progress := r.trainProgress(name)
	o.Hooks = []solvers.Hook{func(_ *solvers.Solver, it solvers.IterationRecord) error {
		if progress != nil {
			fmt.Fprintf(progress, "rpie iteration %d/%d cost %.4e %.2f s\n", it.Iteration, o.Iterations, it.Cost, it.Seconds)
		}
		return r.stopped()
	}}
	return o
}

// rpie reconstructs ds into dir and writes ReconstructionFile.
func (r *runner) rpie(name, dir string, ds *data.Dataset) (*solvers.Result, error) {
	res, err := solvers.Reconstruct(ds, r.rpieOptions(name))
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return res, res.Write(filepath.Join(dir, ReconstructionFile), data.WriteOptions{})
}

func (r *runner) rpieTruth(t *task, res *RunResult) error {
	rec, err := r.rpie(t.name, t.dir, t.scan.scored())
	if err != nil {
		return err
	}
	res.Iterations = len(rec.History)
	return res.scoreTruth(rec.Object, rec.XCoords, rec.YCoords, t.scan.scored().Object)
}

func (r *runner) rpieHalves(t *task, res *RunResult) error {
	var objects [2]*data.ComplexImage
	for i, label := range halfNames {
		rec, err := r.rpie(t.name+" "+label, filepath.Join(t.dir, label), t.scan.halves[i])
		if err != nil {
			return err
		}
		res.Iterations = len(rec.History)
		objects[i] = rec.Object
	}
	return res.scoreHalves(t.scan, objects)
}

// scoreTruth scores rec against the truth exactly as 'ptychokit eval
// --reconstruction R --truth T' does with R written from rec, xs, ys: images
// of different sizes are compared over their common top-left part, the
// scores taken over the region of the scan positions (metrics.Compare); then
// the collapse rule is applied over the same region.
func (res *RunResult) scoreTruth(rec *data.ComplexImage, xs, ys []float64, truth *data.ComplexImage) error {
	if rec.H != truth.H || rec.W != truth.W {
		h, w := min(rec.H, truth.H), min(rec.W, truth.W)
		rec, truth = rec.TopLeft(h, w), truth.TopLeft(h, w)
	}
	report, err := metrics.Compare(rec, truth, metrics.CompareOptions{ScanX: xs, ScanY: ys})
	if err != nil {
		return fmt.Errorf("compare with the truth: %w", err)
	}
	res.Amplitude, res.Phase = &report.Amplitude, &report.Phase
	res.FRC50, res.FRC17 = report.FRC50, report.FRC17
	res.Shift = report.Shift
	if res.Contrast, err = AmplitudeContrast(rec, report.Region); err != nil {
		return err
	}
	if res.Uncovered, err = Uncovered(rec, report.Region); err != nil {
		return err
	}
	reference, err := AmplitudeContrast(truth, report.Region)
	if err != nil {
		return err
	}
	res.judge(reference, "the truth's")
	return nil
}

// scoreHalves scores the two halves' reconstructions (on the scan's common
// frame) by their two-half FRC over the even half's region, as 'ptychokit
// eval --two_half' does; the contrast of the flatter half is kept for the
// collapse rule (judged once every run is done, judgeHalves).
func (res *RunResult) scoreHalves(sc *scan, objects [2]*data.ComplexImage) error {
	a, b := objects[0], objects[1]
	for i, o := range objects {
		if f := sc.halves[i].Object; o.H != f.H || o.W != f.W {
			return fmt.Errorf("the %s half was stitched on a %d×%d frame, not the scan's %d×%d", halfNames[i], o.H, o.W, f.H, f.W)
		}
	}
	even := sc.halves[0]
	curve, shift, err := metrics.HalfDatasetFRC(a, b, metrics.CompareOptions{ScanX: even.XCoords, ScanY: even.YCoords})
	if err != nil {
		return fmt.Errorf("two-half FRC: %w", err)
	}
	res.FRC50 = curve.Crossing(metrics.FRCHalf).Nyquist
	res.FRC17 = curve.Crossing(metrics.FRCOneSeventh).Nyquist
	res.Shift = shift
	res.Contrast = math.Inf(1)
	for _, o := range objects {
		c, err := AmplitudeContrast(o, sc.region)
		if err != nil {
			return err
		}
		u, err := Uncovered(o, sc.region)
		if err != nil {
			return err
		}
		res.Contrast, res.Uncovered = math.Min(res.Contrast, c), math.Max(res.Uncovered, u)
	}
	return nil
}

// judge applies the collapse rule to res.Contrast against a reference
// contrast, recording why when it cannot.
func (res *RunResult) judge(reference float64, what string) {
	c, err := judge(res.Contrast, reference)
	if err != nil {
		res.Collapse, res.CollapseNote = nil, err.Error()
		return
	}
	res.Collapse, res.CollapseNote = &c, "amplitude contrast against "+what
}
