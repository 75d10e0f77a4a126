package benchkit

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"time"

	"github.com/gomlx/gomlx/backends"

	"github.com/ptychokit/ptychokit/ptychokit/config"
	"github.com/ptychokit/ptychokit/ptychokit/data"
	"github.com/ptychokit/ptychokit/ptychokit/physics"
	"github.com/ptychokit/ptychokit/ptychokit/pinn"
	"github.com/ptychokit/ptychokit/ptychokit/solvers"
)

// IOCase is one end-to-end timing of a scan of Patterns patterns of N×N:
// simulate it, write it, load it back as reconstruct does, iterate a solver
// on it and write the result. The scan is what `ptychokit simulate --object
// grf --N N --n_images Patterns` makes (a Gaussian-random-field object of
// side 4N, the soft-disk probe, random positions, 10⁹ photons), with its
// true patches Y.
type IOCase struct {
	Patterns, N int
	// Dir holds the scan file while the case runs (removed after).
	Dir string
	// Compress deflates the scan file (--compress).
	Compress bool
	// Algorithm, BatchSize and Iterations set the solver (Iterations ≥ 2:
	// the first compiles).
	Algorithm  string
	BatchSize  int
	Iterations int
	Seed       int64
	// InferGridsize, when 1 or 2, also runs PtychoPINN inference — an
	// untrained network of PtychoPINN's defaults at InferN (64 or 128; 0:
	// N) and that gridsize, predicting and stitching every scan point as
	// `ptychokit infer` does, and writing the stitched object — on the
	// scan, or, when InferN is not N, on a scan of as many InferN×InferN
	// patterns made, written and loaded the same way (not counted in the
	// other columns); 0 skips it. InferBatch is the inference batch (0:
	// pinn.DefaultInferBatch).
	InferGridsize, InferN, InferBatch int
}

// IOResult is what RunIO measured; seconds are wall time, MB are 10⁶ bytes.
type IOResult struct {
	Patterns      int     `json:"patterns"`
	N             int     `json:"N"`
	Compressed    bool    `json:"compressed"`
	DiffractionMB float64 `json:"diffraction_mb"` // n·N²·4 bytes
	FileMB        float64 `json:"file_mb"`
	// SimulateSeconds is physics.Simulate: forward model and noise.
	SimulateSeconds float64 `json:"simulate_s"`
	// WriteSeconds is data.WriteWith of the whole scan (diffraction, Y,
	// object, probe, positions), fsync included.
	WriteSeconds float64 `json:"write_s"`
	WriteMBps    float64 `json:"write_mb_per_s"` // file MB / WriteSeconds
	// LoadSeconds is data.Load as reconstruct calls it (Y left unread);
	// LoadAllSeconds loads every key, Y included, as inspect does.
	LoadSeconds    float64 `json:"load_s"`
	LoadAllSeconds float64 `json:"load_all_s"`
	LoadAllMBps    float64 `json:"load_all_mb_per_s"` // file MB / LoadAllSeconds
	// SolverSetupSeconds is solvers.New (initial object, frames, upload).
	SolverSetupSeconds float64 `json:"solver_setup_s"`
	// FirstIterationSeconds includes compiling; IterationSeconds is the
	// median of the later ones.
	FirstIterationSeconds float64 `json:"first_iteration_s"`
	IterationSeconds      float64 `json:"iteration_s"`
	Algorithm             string  `json:"algorithm"`
	BatchSize             int     `json:"batch_size"`
	Iterations            int     `json:"iterations"`
	// ResultSeconds is Result plus writing reconstruction.npz.
	ResultSeconds float64 `json:"result_s"`
	// InferSeconds is pinn's Model.Reconstruct on the loaded scan (groups,
	// forward passes, compiling included as in `infer`, stitching);
	// InferPatternsPerSecond counts scan points; InferWriteSeconds writes
	// the stitched object. Zero without InferGridsize.
	InferGridsize          int     `json:"infer_gridsize,omitempty"`
	InferN                 int     `json:"infer_N,omitempty"`
	InferBatch             int     `json:"infer_batch,omitempty"`
	InferSeconds           float64 `json:"infer_s,omitempty"`
	InferPatternsPerSecond float64 `json:"infer_patterns_per_s,omitempty"`
	InferWriteSeconds      float64 `json:"infer_write_s,omitempty"`
	Error                  string  `json:"error,omitempty"`
}

// RunIO runs one case on backend.
func RunIO(backend backends.Backend, c IOCase) (res IOResult, err error) {
	res = IOResult{Patterns: c.Patterns, N: c.N, Compressed: c.Compress, Algorithm: c.Algorithm, BatchSize: c.BatchSize,
		DiffractionMB: float64(c.Patterns) * float64(c.N*c.N) * 4 / 1e6}
	defer func() {
		if err != nil {
			res.Error = err.Error()
		}
	}()
	if c.Patterns < 1 || c.N < 4 || c.N%2 != 0 {
		return res, fmt.Errorf("io case %d patterns of %d×%d: want ≥ 1 pattern and an even N ≥ 4", c.Patterns, c.N, c.N)
	}
	start := time.Now()
	ds, err := simulateIO(backend, c.Patterns, c.N, c.Seed)
	if err != nil {
		return res, err
	}
	res.SimulateSeconds = time.Since(start).Seconds()

	path := filepath.Join(c.Dir, fmt.Sprintf("io_%d_N%d.npz", c.Patterns, c.N))
	defer os.Remove(path)
	start = time.Now()
	if err := data.WriteWith(path, ds, data.WriteOptions{Compress: c.Compress}); err != nil {
		return res, err
	}
	res.WriteSeconds = time.Since(start).Seconds()
	st, err := os.Stat(path)
	if err != nil {
		return res, err
	}
	res.FileMB = float64(st.Size()) / 1e6
	res.WriteMBps = res.FileMB / res.WriteSeconds
	ds = nil // what was simulated is not kept while loading

	start = time.Now()
	if _, err := data.Load(path, data.LoadOptions{RequireDiffraction: true}); err != nil {
		return res, err
	}
	res.LoadAllSeconds = time.Since(start).Seconds()
	res.LoadAllMBps = res.FileMB / res.LoadAllSeconds
	start = time.Now()
	scan, err := data.Load(path, data.LoadOptions{RequireDiffraction: true, SkipPatches: true})
	if err != nil {
		return res, err
	}
	res.LoadSeconds = time.Since(start).Seconds()

	opts := solvers.DefaultOptions(c.Algorithm)
	opts.Backend = backend
	if c.BatchSize > 0 {
		opts.BatchSize = c.BatchSize
	}
	res.BatchSize = opts.BatchSize
	opts.Iterations = max(c.Iterations, 2)
	if err := opts.Validate(); err != nil {
		return res, fmt.Errorf("solver %s: %w", c.Algorithm, err)
	}
	start = time.Now()
	rec, err := solvers.New(scan, opts)
	if err != nil {
		return res, err
	}
	res.SolverSetupSeconds = time.Since(start).Seconds()
	if err := rec.Iterate(opts.Iterations); err != nil {
		return res, err
	}
	h := rec.History()
	res.Iterations = len(h)
	res.FirstIterationSeconds = h[0].Seconds
	res.IterationSeconds = medianLater(h)
	start = time.Now()
	result, err := rec.Result()
	if err != nil {
		return res, err
	}
	out := filepath.Join(c.Dir, fmt.Sprintf("io_%d_N%d_reconstruction.npz", c.Patterns, c.N))
	defer os.Remove(out)
	if err := result.Write(out, data.WriteOptions{Compress: c.Compress}); err != nil {
		return res, err
	}
	res.ResultSeconds = time.Since(start).Seconds()
	rec, result = nil, nil
	runtime.GC() // the solver's device buffers go before the network's come
	if c.InferGridsize > 0 {
		if err := runIOInfer(backend, c, scan, &res); err != nil {
			return res, fmt.Errorf("infer: %w", err)
		}
	}
	return res, nil
}

// ioPhotons is the photons a pattern of the cases' scans holds (simulate's default).
const ioPhotons = 1e9

// simulateIO is the case's scan: what `ptychokit simulate --object grf`
// makes, n patterns of N×N.
func simulateIO(backend backends.Backend, n, N int, seed int64) (*data.Dataset, error) {
	side := 4 * N
	object := physics.GRFObject(side, side, float64(N)/16, seed)
	probe := physics.DiskProbe(N, physics.DefaultProbeDiameter(N))
	x, y := physics.RandomPositions(side, side, N, n, seed)
	return physics.Simulate(physics.SimOptions{Object: object, Probe: probe, X: x, Y: y, NPhotons: ioPhotons, Seed: seed, Backend: backend})
}

// runIOInfer times PtychoPINN inference (IOCase.InferGridsize) of the
// loaded scan, or of one of InferN×InferN patterns.
func runIOInfer(backend backends.Backend, c IOCase, scan *data.Dataset, res *IOResult) error {
	cfg := config.Defaults()
	res.InferN = c.InferN
	if res.InferN == 0 {
		res.InferN = c.N
	}
	cfg.Model.N, cfg.Model.Gridsize = res.InferN, c.InferGridsize
	cfg.Training.NPhotons = ioPhotons
	// Standardising the input (the default) is one elementwise op a batch
	// and needs statistics of training groups that an untrained network
	// has not got.
	cfg.Model.InputTransform = "none"
	if err := cfg.Validate(); err != nil {
		return err
	}
	if res.InferN != c.N {
		ds, err := simulateIO(backend, c.Patterns, res.InferN, c.Seed)
		if err != nil {
			return err
		}
		ds.Y = nil // as simulate --save_Y=false
		path := filepath.Join(c.Dir, fmt.Sprintf("io_%d_N%d.npz", c.Patterns, res.InferN))
		defer os.Remove(path)
		if err := data.WriteWith(path, ds, data.WriteOptions{Compress: c.Compress}); err != nil {
			return err
		}
		ds = nil
		if scan, err = data.Load(path, data.LoadOptions{RequireDiffraction: true, SkipPatches: true}); err != nil {
			return err
		}
	}
	ctx, err := NewPINNContext(cfg, c.Seed)
	if err != nil {
		return err
	}
	m := pinn.NewModel(backend, cfg, ctx)
	res.InferGridsize = c.InferGridsize
	res.InferBatch = c.InferBatch
	if res.InferBatch <= 0 {
		res.InferBatch = pinn.DefaultInferBatch(backend, cfg)
	}
	start := time.Now()
	rec, err := m.Reconstruct(scan, pinn.ReconstructOptions{BatchSize: res.InferBatch})
	if err != nil {
		return err
	}
	res.InferSeconds = time.Since(start).Seconds()
	res.InferPatternsPerSecond = float64(scan.Count) / res.InferSeconds
	out := filepath.Join(c.Dir, fmt.Sprintf("io_%d_N%d_pinn.npz", c.Patterns, res.InferN))
	defer os.Remove(out)
	start = time.Now()
	if err := rec.Write(out, data.WriteOptions{Compress: c.Compress}); err != nil {
		return err
	}
	res.InferWriteSeconds = time.Since(start).Seconds()
	return nil
}

// medianLater is the median time of the iterations after the first.
func medianLater(h []solvers.IterationRecord) float64 {
	if len(h) < 2 {
		return h[0].Seconds
	}
	var later []float64
	for _, r := range h[1:] {
		later = append(later, r.Seconds)
	}
	slices.Sort(later)
	return later[len(later)/2]
}
