package main

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gomlx/gomlx/backends"

	"github.com/ptychokit/ptychokit/ptychokit/benchkit"
	"github.com/ptychokit/ptychokit/ptychokit/config"
	"github.com/ptychokit/ptychokit/ptychokit/data"
	"github.com/ptychokit/ptychokit/ptychokit/device"
	"github.com/ptychokit/ptychokit/ptychokit/solvers"
)

func init() {
	register("bench", "time PtychoPINN training and inference, the far field and a solver on a device; JSON and a table", runBench)
}

// defaultStar is the experimental Siemens star beside the checkout.
const defaultStar = "../shared/datasets/siemens_star_tike.npz"

// Default case lists ("N x gridsize x batch [x steps per call]").
const (
	casesFull     = "64x1x16,64x1x16x4,64x1x256,64x1x1024,64x2x16,64x2x16x4,64x2x256,64x2x1024,128x1x16,128x1x256,128x2x16,128x2x128"
	casesQuickGPU = "64x1x16,64x2x16,64x1x1024"
	casesQuickCPU = "64x1x2,64x2x1"
	casesFullCPU  = "64x1x16,64x2x16"
)

func runBench(args []string) error {
	fs := newFlags("bench", "[--quick] [--device cpu|gpu|auto] [--output_file bench.json] [flags]", `
Times, on one device, what ptychokit spends its time on, and writes a JSON
report (--output_file) and a short table:

  PtychoPINN   training patterns/s (forward, Poisson loss, gradients and Adam,
               compiled once, on inputs already on the device) and inference
               patterns/s (network forward to the object patches), for each
               case N x gridsize x batch [x steps unrolled per call]; the
               rate of the convolutions in TFLOP/s (3 × forward FLOPs);
  far field    forward and backward of the far-field amplitude for each DFT
               method the device has (native FFT on XLA, matrix products);
  solver       seconds per iteration (median after the first, which
               compiles) of --algo on --data (the experimental Siemens star)
               for each --solver_batches, and whether the cost decreases.

--io times a scan end to end instead, for each --io_patterns: simulate a grf
scan of N×N patterns (as 'ptychokit simulate --object grf' does), write it
(stored; --compress deflates), load it back (every key, and as reconstruct
does, without Y), set up and iterate the solver (--algo), write the result,
and run PtychoPINN inference as 'ptychokit infer' does (an untrained
network: the time does not depend on the weights) on a scan of as many
--io_infer_N patterns; a table of seconds against the number of patterns.

--peers reads reports of bench/peers.py (PyTorch timing the same
computations on the same device) and adds the ratios (above 1: ptychokit is
faster). --quick is a small run: a minute or two on the pure-Go backend.

Examples:
  ptychokit bench --quick --device cpu --output_file out/bench.json
  python3 bench/peers.py --star STAR.npz > peers.json
  ptychokit bench --device gpu --data STAR.npz --peers peers.json --output_file bench.json
  ptychokit bench --io --device gpu --io_patterns 1024,4096,16384,65536 --io_infer_gridsize 2 --output_file io.json`)
	dev := deviceFlag(fs)
	quick := fs.Bool("quick", false, "a small run (fewer cases, calls and iterations)")
	outputFile := fs.String("output_file", "bench.json", "JSON report, written after every case (empty: none)")
	dataPath := fs.String("data", defaultStar, "scan NPZ for the solver timings; empty skips them")
	peers := fs.String("peers", "", "comma-separated JSON reports of bench/peers.py to compare with")
	cases := fs.String("cases", "", "PtychoPINN cases NxGxB[xK], comma-separated (default: by device and --quick)")
	nfs := fs.Float64("n_filters_scale", 2, "network width (PtychoPINN's 2: filters 64-128-256 at N=64)")
	precision := fs.String("precision", config.PrecisionFloat32, "the network's arithmetic, comma-separated to time each: float32 | bf16 (see train --precision)")
	trainCalls := fs.Int("train_calls", 0, "timed training calls a case (0: about 16384 patterns' worth, 10..200)")
	inferCalls := fs.Int("infer_calls", 0, "timed inference calls a case (0: as --train_calls)")
	dft := fs.Bool("dft", true, "time the far field with each DFT method")
	algo := fs.String("algo", "rpie", "solver: "+strings.Join(solvers.Names(), " | "))
	solverBatches := fs.String("solver_batches", "", "comma-separated solver batch sizes (default 32, and 128 off --quick)")
	solverIterations := fs.Int("solver_iterations", 0, "solver iterations a case, the first compiling (0: 3 quick, 12 full)")
	seed := fs.Int64("seed", 1, "seed of the random inputs and weights")
	ioMode := fs.Bool("io", false, "time a scan end to end instead (simulate, write, load, solver iterations, write the result) for each --io_patterns")
	ioPatterns := fs.String("io_patterns", "", "with --io: comma-separated pattern counts (default 1024,4096,16384 on a GPU, 256,1024 on the CPU)")
	ioN := fs.Int("io_N", 128, "with --io: pattern side N")
	ioIterations := fs.Int("io_iterations", 3, "with --io: solver iterations, the first compiling")
	ioBatch := fs.Int("io_batch_size", 0, "with --io: solver batch size (0: the solver's default)")
	ioDir := fs.String("io_dir", os.TempDir(), "with --io: folder for the scan files while they are timed")
	ioInfer := fs.Int("io_infer_gridsize", -1, "with --io: also time PtychoPINN inference (predict, stitch, write) of an untrained network of this gridsize, 1 or 2; 0 skips it (-1: 1 on a GPU, 0 on the CPU)")
	ioInferN := fs.Int("io_infer_N", 64, "with --io: the network's N, 64 or 128; unless it is --io_N, inference runs on its own scan of as many patterns of that size")
	ioInferBatch := fs.Int("io_infer_batch_size", 0, "with --io: inference batch size (0: infer's default)")
	ioCompress := compressFlag(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (flags only; see --help)", fs.Arg(0))
	}
	if !(*nfs > 0) {
		return fmt.Errorf("--n_filters_scale %g: want > 0", *nfs)
	}
	if *trainCalls < 0 || *inferCalls < 0 || *solverIterations < 0 {
		return errors.New("--train_calls, --infer_calls and --solver_iterations must be ≥ 0")
	}
	if !slices.Contains(solvers.Names(), *algo) {
		return fmt.Errorf("--algo %q: want one of %s", *algo, strings.Join(solvers.Names(), ", "))
	}
	var peerReports []benchkit.Peer
	if *peers != "" {
		for _, p := range strings.Split(*peers, ",") {
			r, err := benchkit.ReadPeer(strings.TrimSpace(p))
			if err != nil {
				return err
			}
			peerReports = append(peerReports, r)
		}
	}
	backend, _, err := openBackend(*dev, "1")
	if err != nil {
		return err
	}
	onCPU := device.IsCPU(backend)

	caseList := *cases
	if caseList == "" {
		switch {
		case *quick && onCPU:
			caseList = casesQuickCPU
		case *quick:
			caseList = casesQuickGPU
		case onCPU:
			caseList = casesFullCPU
		default:
			caseList = casesFull
		}
	}
	pinnCases, err := parseCases(caseList, *nfs, *precision)
	if err != nil {
		return err
	}
	batches := *solverBatches
	if batches == "" {
		batches = "32"
		if !*quick {
			batches = "32,128"
		}
	}
	solverBatchSizes, err := parseInts("--solver_batches", batches)
	if err != nil {
		return err
	}
	iterations := *solverIterations
	if iterations == 0 {
		iterations = 12
		if *quick {
			iterations = 3
		}
	}
	var ds *data.Dataset
	var notes []string
	if *dataPath != "" && !*ioMode {
		ds, err = data.Load(*dataPath, data.LoadOptions{RequireDiffraction: true})
		switch {
		case err == nil:
		case *dataPath == defaultStar && errors.Is(err, os.ErrNotExist):
			notes = append(notes, fmt.Sprintf("solver not timed: %s not found (give --data)", defaultStar))
			ds = nil
		default:
			return err
		}
	}

	report := &benchkit.Report{Tool: "ptychokit bench", Device: device.Describe(backend),
		Started: time.Now().UTC().Format(time.RFC3339), Quick: *quick, Environment: benchkit.Environment(),
		Notes: notes, Peers: peerReports}
	if *ioMode {
		list := *ioPatterns
		if list == "" {
			list = "1024,4096,16384"
			if onCPU {
				list = "256,1024"
			}
		}
		counts, err := parseInts("--io_patterns", list)
		if err != nil {
			return err
		}
		if *ioN < 4 || *ioN%2 != 0 {
			return fmt.Errorf("--io_N %d: want an even size ≥ 4", *ioN)
		}
		infer := *ioInfer
		if infer < 0 {
			infer = 1
			if onCPU {
				infer = 0
			}
		}
		if infer > 2 {
			return fmt.Errorf("--io_infer_gridsize %d: want 0 (skip), 1 or 2", infer)
		}
		if infer > 0 && *ioInferN != 64 && *ioInferN != 128 {
			return fmt.Errorf("--io_infer_N %d: the network takes 64 or 128", *ioInferN)
		}
		return benchIO(report, backend, counts, benchkit.IOCase{N: *ioN, Dir: *ioDir, Compress: *ioCompress,
			Algorithm: *algo, BatchSize: *ioBatch, Iterations: *ioIterations, Seed: *seed,
			InferGridsize: infer, InferN: *ioInferN, InferBatch: *ioInferBatch}, *outputFile)
	}
	if !onCPU && device.Env().TF32Override != "0" {
		report.Notes = append(report.Notes, "XLA may compute float32 matrix products and convolutions in TF32 on this GPU (NVIDIA_TF32_OVERRIDE=0 forbids it)")
	}
	save := func() error {
		report.Compare()
		if *outputFile == "" {
			return nil
		}
		return report.WriteJSON(*outputFile)
	}

	for _, c := range pinnCases {
		tc, ic := callsFor(c, *trainCalls, *inferCalls, *quick, onCPU)
		fmt.Printf("PtychoPINN %s: ", c)
		res, err := benchkit.RunPINN(backend, c, benchkit.PINNOptions{TrainCalls: tc, InferCalls: ic, Warmup: 2, Seed: *seed})
		if err != nil {
			fmt.Printf("failed: %s\n", oneLine(err.Error()))
		} else {
			fmt.Printf("train %.0f patterns/s (%.3f ms a step, %.2f conv TFLOP/s), infer %.0f patterns/s, compiled in %.1f s\n",
				res.TrainPatternsPerSecond, 1e3*res.TrainStepSeconds, res.TrainTFLOPs, res.InferPatternsPerSecond,
				res.TrainCompileSeconds+res.InferCompileSeconds)
		}
		report.PINN = append(report.PINN, res)
		if err := save(); err != nil {
			return err
		}
	}
	if *dft {
		for _, dc := range dftCases(backend, *quick, onCPU) {
			calls := 50
			if onCPU {
				calls = 2
			}
			res, err := benchkit.RunDFT(backend, dc, 2, calls, *seed)
			if err != nil {
				fmt.Printf("far field %s N=%d B=%d: failed: %s\n", dc.Method, dc.N, dc.Batch, oneLine(err.Error()))
			} else {
				fmt.Printf("far field %s N=%d B=%d: %.3f ms forward+backward, %.0f patterns/s\n", dc.Method, dc.N, dc.Batch, 1e3*res.Seconds, res.PatternsPerSecond)
			}
			report.DFT = append(report.DFT, res)
		}
		if err := save(); err != nil {
			return err
		}
	}
	if ds != nil {
		for _, b := range solverBatchSizes {
			c := benchkit.SolverCase{Algorithm: *algo, BatchSize: b, Iterations: iterations}
			res, err := benchkit.RunSolver(backend, ds, c)
			if err != nil {
				fmt.Printf("solver %s batch %d: failed: %s\n", *algo, b, oneLine(err.Error()))
			} else {
				fmt.Printf("solver %s batch %d on %s: %.2f ms an iteration (first %.2f s), cost %.4g → %.4g\n", *algo, b, *dataPath,
					1e3*res.IterationSeconds, res.FirstIterationSeconds, res.Costs[0], res.Costs[len(res.Costs)-1])
			}
			report.Solver = append(report.Solver, res)
			if err := save(); err != nil {
				return err
			}
		}
	}
	if err := save(); err != nil {
		return err
	}
	fmt.Println()
	if err := report.WriteTable(os.Stdout); err != nil {
		return err
	}
	if *outputFile != "" {
		fmt.Printf("wrote %s\n", *outputFile)
	}
	return nil
}

// parseCases reads "NxGxB[xK],…".
func parseCases(list string, nfs float64, precisions string) ([]benchkit.PINNCase, error) {
	var out []benchkit.PINNCase
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		parts := strings.Split(item, "x")
		if len(parts) != 3 && len(parts) != 4 {
			return nil, fmt.Errorf("--cases %q: want N x gridsize x batch [x steps per call], e.g. 64x2x16", item)
		}
		v := make([]int, 4)
		v[3] = 1
		for i, p := range parts {
			n, err := strconv.Atoi(p)
			if err != nil || n < 1 {
				return nil, fmt.Errorf("--cases %q: %q is not a positive integer", item, p)
			}
			v[i] = n
		}
		for _, p := range strings.Split(precisions, ",") {
			c := benchkit.PINNCase{N: v[0], Gridsize: v[1], Batch: v[2], StepsPerCall: v[3], NFiltersScale: nfs, Precision: strings.TrimSpace(p)}
			if err := c.Model().Validate(); err != nil {
				return nil, fmt.Errorf("--cases %q, --precision %q: %w", item, p, err)
			}
			out = append(out, c)
		}
	}
	return out, nil
}

func parseInts(flagName, list string) ([]int, error) {
	var out []int
	for _, p := range strings.Split(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%s %q: %q is not a positive integer", flagName, list, p)
		}
		out = append(out, n)
	}
	return out, nil
}

// callsFor chooses the timed calls of a case: about 16384 patterns' worth
// of calls on an accelerator (between 10 and 200), 2 on the CPU (1 quick).
func callsFor(c benchkit.PINNCase, train, infer int, quick, onCPU bool) (int, int) {
	if train == 0 {
		switch {
		case onCPU && quick:
			train = 1
		case onCPU:
			train = 2
		case quick:
			train = 10
		default:
			train = min(max(16384/(c.Batch*c.Gridsize*c.Gridsize*max(c.StepsPerCall, 1)), 10), 200)
		}
	}
	if infer == 0 {
		infer = train
	}
	return train, infer
}

// dftCases are the far-field timings: both sizes at a large batch, and both
// methods where the backend has a native FFT.
func dftCases(b backends.Backend, quick, onCPU bool) []benchkit.DFTCase {
	sizes, batch := []int{64, 128}, 1024
	switch {
	case onCPU && quick:
		sizes, batch = []int{64}, 16
	case onCPU:
		batch = 16
	case quick:
		sizes = []int{64}
	}
	var out []benchkit.DFTCase
	for _, n := range sizes {
		for _, m := range benchkit.DFTMethods(b) {
			out = append(out, benchkit.DFTCase{N: n, Batch: batch, Method: m})
		}
	}
	return out
}

// benchIO runs the --io cases, one per pattern count, saving the report after each.
func benchIO(report *benchkit.Report, backend backends.Backend, counts []int, c benchkit.IOCase, outputFile string) error {
	for _, n := range counts {
		c.Patterns = n
		fmt.Printf("io %d patterns of %d²: ", n, c.N)
		res, err := benchkit.RunIO(backend, c)
		if err != nil {
			fmt.Printf("failed: %s\n", oneLine(err.Error()))
		} else {
			fmt.Printf("simulate %.2f s, write %.2f s (%.0f MB/s), load %.2f s (all keys %.0f MB/s), setup %.2f s, %.4f s an iteration, result %.2f s",
				res.SimulateSeconds, res.WriteSeconds, res.WriteMBps, res.LoadSeconds, res.LoadAllMBps, res.SolverSetupSeconds,
				res.IterationSeconds, res.ResultSeconds)
			if res.InferGridsize > 0 {
				fmt.Printf(", infer gs%d N=%d %.2f s (%.0f patterns/s, batch %d), its write %.2f s",
					res.InferGridsize, res.InferN, res.InferSeconds, res.InferPatternsPerSecond, res.InferBatch, res.InferWriteSeconds)
			}
			fmt.Println()
		}
		report.IO = append(report.IO, res)
		if outputFile != "" {
			if err := report.WriteJSON(outputFile); err != nil {
				return err
			}
		}
	}
	fmt.Println()
	if err := report.WriteTable(os.Stdout); err != nil {
		return err
	}
	if outputFile != "" {
		fmt.Printf("wrote %s\n", outputFile)
	}
	return nil
}
