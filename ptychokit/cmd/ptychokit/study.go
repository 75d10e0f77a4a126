package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ptychokit/ptychokit/ptychokit/config"
	"github.com/ptychokit/ptychokit/ptychokit/study"
)

func init() {
	register("study", "train K seeds of one configuration and report the distribution of their scores", runStudy)
}

func runStudy(args []string) error {
	cfg := config.Defaults()
	fs := newFlags("study", "--data F.npz[,F2.npz] --seeds 1-10 --output_dir D [train flags]", fmt.Sprintf(`
No quality claim from one run: trains one PtychoPINN configuration (every
'train' flag, same names and defaults) once per seed in --seeds on each scan
in --data, reconstructs the scan with each model (as 'infer' does) and scores
it against the scan's ground truth (objectGuess) exactly as 'eval' does:
amplitude and phase SSIM, PSNR, MAE and FRC50. Prints a table of the runs
(seed, epochs, best epoch, final validation loss, SSIMs, FRC50, collapsed,
seconds) and, per scan, the minimum, median and maximum of the scores, with
rPIE's beside them when --rpie_iterations > 0. OUTPUT_DIR/study.json holds the
same as JSON.

Collapse: some seeds end on the initial plateau with a flat, featureless
object (amplitude SSIM ~0.4-0.6, phase SSIM ~0.2-0.3 on lines_N64). A run is
counted "collapsed" when the amplitude contrast of its reconstruction —
std/mean of |object| over the scored region, pixels the stitching left empty
excluded — is below %.0f%% of the truth's over the same region. The contrast is
the reconstruction's own, so no alignment can bias it, and a blurred but
trained object keeps most of it. Measured (H200, 20 seeds of the GPU example
below): trained runs kept 90-93%% of the truth's contrast, the 7 runs that
stopped on the plateau 0.5-14%%; a Gaussian blur of the truth by 4 px keeps 56%%.

Measured data without ground truth: --two_half trains two models per seed,
on the even and on the odd scan points, stitches both on the frame of the
whole scan and scores the pair by their two-half FRC (FRC50 and FRC 1/7,
fractions of Nyquist) over the even half's region, exactly as
'eval --two_half --reconstruction seedK/even/reconstruction.npz --truth
seedK/odd/reconstruction.npz' does; rPIE likewise. The collapse reference is
then rPIE's reconstruction (--rpie_iterations), else the file's objectGuess,
else runs are not judged. A half scan is sparse: PtychoPINN's own stitching
(infer --stitch keep, the central 20 px of each 64 px patch) left 7-12%% of
lines_N64's halves empty, which ruined their FRC (FRC50 0.02, rPIE's 0.76);
the default Gaussian window over the whole patch covers every scanned pixel.
The report warns when holes pass 1%%.

Unseen scans: with --test_data_file T every model (and rPIE) is scored on T,
a scan with ground truth it was not trained on, instead of on its own scan —
as PtychoPINN's paper scores its test objects; the network then has to
generalise, not only fit.

Each run has its own folder OUTPUT_DIR/<scan>/seed<k> (config.json,
history.csv, best/, reconstruction.npz, run.json; with --two_half, even/ and
odd/). Running the same command again reuses every finished run and resumes
an interrupted one, so a study can be stopped and continued, or extended
with more seeds. --jobs runs that many trainings at once in this process: on
a GPU one small-batch training leaves the device mostly idle (H200, the GPU
example below: ~13 s a run at --jobs 1; at --jobs 4, ten runs, three of them
stopped early, in 69 s). The first training runs alone, so that XLA compiles
and autotunes its kernels once.

Examples:
  # GPU: 10 seeds of PtychoPINN's default configuration at gridsize 2, 4 at a
  # time, rPIE beside them (about 80 s on an H200)
  ptychokit study --device gpu --data datasets/lines_N64.npz --seeds 1-10 --jobs 4 \
      --gridsize 2 --rpie_iterations 30 --output_dir out/study_gs2
  # CPU (about 10 minutes on 2 cores): 3 seeds of a small network, 8 epochs
  # (measured, bench/cpu/session5: none collapsed, amplitude SSIM 0.735-0.738)
  ptychokit study --data datasets/lines_N64.npz --seeds 1-3 --n_filters_scale 0.25 \
      --max_epochs 8 --n_images 128 --batch_size 8 --learning_rate 0.003 \
      --output_dir out/study_cpu`, 100*study.CollapseRatio))
	runFlags(fs, &cfg)
	dev := deviceFlag(fs)
	devs := devicesFlag(fs)
	deviceData := deviceDataFlag(fs)
	seeds := fs.String("seeds", "1-5", "training seeds, one run each: a list and/or ranges, e.g. 1-10 or 1,3,5 or 1-3,8")
	dataFiles := fs.String("data", "", "canonical NPZ scans to study, comma separated (default: --train_data_file)")
	jobs := fs.Int("jobs", 1, "runs trained at the same time in this process")
	rpieIterations := fs.Int("rpie_iterations", 0, "also reconstruct each scan once with rPIE, this many iterations, as the reference (0 = no)")
	twoHalf := fs.Bool("two_half", false, "no ground truth: per seed, models on the even and odd scan points, scored by their two-half FRC")
	keep := fs.Int("stitch_keep", 0, "side M of the central part of each patch that is stitched (as 'infer'; 0 = the whole patch the network predicts); raise it when the report says the stitching left holes")
	fs.Lookup("output_dir").Usage = "folder of the study (required): study.json and a folder per scan and seed; finished runs there are reused"
	fs.Lookup("train_data_file").Usage = "a scan to study when --data is not given"
	fs.Lookup("test_data_file").Usage = "score every run (and rPIE) on this scan with ground truth, which the models never saw (default: each on the scan it was trained on)"
	fs.Lookup("seed").Usage = "not used by study: --seeds sets each run's seed"
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("unexpected argument %q (flags start with --)", fs.Arg(0))
	case given["seed"]:
		return errors.New("--seed: study trains one run per seed of --seeds; give --seeds instead")
	case cfg.Data.OutputDir == "":
		return errors.New("--output_dir is required")
	}
	residentBytes, err := deviceData()
	if err != nil {
		return err
	}
	seedList, err := study.ParseSeeds(*seeds)
	if err != nil {
		return err
	}
	var scans []string
	for _, f := range strings.Split(*dataFiles, ",") {
		if f = strings.TrimSpace(f); f != "" {
			scans = append(scans, f)
		}
	}
	if len(scans) == 0 && cfg.Data.TrainDataFile != "" {
		scans = []string{cfg.Data.TrainDataFile}
	}
	if len(scans) == 0 {
		return errors.New("--data is required (or --train_data_file)")
	}
	for _, f := range scans {
		if _, err := os.Stat(f); err != nil {
			return fmt.Errorf("--data %s: %w", f, errors.Unwrap(err))
		}
	}
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("bad option: %s", flagNames(err.Error()))
	}
	backend, devices, err := openBackend(*dev, *devs)
	if err != nil {
		return err
	}
	outputDir := cfg.Data.OutputDir
	cfg.Data.OutputDir, cfg.Data.TrainDataFile = "", ""
	fmt.Printf("study: %d seeds × %d scans, %d at a time, into %s\n", len(seedList), len(scans), *jobs, outputDir)
	report, err := study.Run(study.Options{
		Config: cfg, Seeds: seedList, Data: scans, OutputDir: outputDir, Jobs: *jobs,
		RPIEIterations: *rpieIterations, TwoHalf: *twoHalf, StitchKeep: *keep,
		Backend: backend, Devices: devices, ResidentBytes: residentBytes,
		Progress: os.Stderr, TrainProgress: os.Stderr,
	})
	if err != nil {
		return err
	}
	fmt.Print(report.Table())
	fmt.Printf("wrote %s (%.1f s)\n", filepath.Join(outputDir, study.ReportFile), report.Seconds)
	return nil
}
