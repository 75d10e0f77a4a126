package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gomlx/gomlx/backends"

	"github.com/ptychokit/ptychokit/plots"
	"github.com/ptychokit/ptychokit/ptychokit/atomicfile"
	"github.com/ptychokit/ptychokit/ptychokit/data"
	"github.com/ptychokit/ptychokit/ptychokit/pinn"
	"github.com/ptychokit/ptychokit/ptychokit/stitch"
)

func init() {
	register("infer", "reconstruct an NPZ scan with a trained PtychoPINN model", runInfer)
}

func runInfer(args []string) error {
	fs := newFlags("infer", "--model_path D --test_data F --output_dir O [flags]", `
Loads a model trained by 'ptychokit train' (its config.json and best
checkpoint: inference uses exactly the options training used), predicts an
object patch for every diffraction pattern of the test file in one forward
pass each, and stitches the patches at their scan positions (sub-pixel) into
the full object: the weighted mean of the patches where they overlap.

--stitch picks the weights: gauss (the default) a Gaussian about each patch
centre, σ = N/12; probe the model's probe intensity |P|²; keep 1 over the
central --stitch_keep × --stitch_keep (PtychoPINN's stitching: --stitch keep,
20×20 at N = 64), which leaves holes between the squares of a sparse scan.

Writes to OUTPUT_DIR: reconstruction.npz with 'object' (complex64 [H, W]),
'probe' (complex64 [N, N], the model's), 'xcoords', 'ycoords' (patch centres
in the pixels of 'object'); stitch.json (the stitching used and the fraction
of the scanned region it covers); amplitude_phase.png; and, when the test file
holds the true object (objectGuess of a simulated scan), comparison.png.

Inference streams: each batch of groups is gathered on the host and uploaded
as it comes, so the device holds the network and one batch. --device_memory
SIZE (2GB, 512MiB, bytes) cuts --batch_size to the largest batch whose
forward pass fits (its input, output and the network's working set,
estimated from the graph), and says so; the object is the same to float32
rounding. A budget too small for one group is an error that says what one
needs.`)
	modelPath := fs.String("model_path", "", "output directory of 'ptychokit train' (required)")
	testData := fs.String("test_data", "", "canonical NPZ to reconstruct (required)")
	outputDir := fs.String("output_dir", "", "where to write reconstruction.npz and the PNGs (required)")
	nImages := new(int)
	groupsFlag(fs, nImages, "the `number` of groups to predict, sampled as in training (0 = every scan point)")
	batch := fs.Int("batch_size", 0, "groups per forward pass (0 = the training batch size on the CPU, at least 1024 on the GPU)")
	mode := fs.String("stitch", string(stitch.DefaultMode), "patch weights where patches overlap: "+modeNames())
	keep := fs.Int("stitch_keep", 0, "side of the central part of each patch that is stitched (0 = the whole patch the network predicts; with --stitch keep, PtychoPINN's 20 at N=64)")
	out := addOutputFlags(fs)
	dev := deviceFlag(fs)
	devs := devicesFlag(fs)
	deviceMemory := deviceMemoryFlag(fs, "cuts --batch_size to the largest batch whose forward pass fits (see above)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := out.check(); err != nil {
		return err
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("unexpected argument %q (flags start with --)", fs.Arg(0))
	case *modelPath == "":
		return errors.New("--model_path is required")
	case *testData == "":
		return errors.New("--test_data is required")
	case *outputDir == "":
		return errors.New("--output_dir is required")
	case *batch < 0:
		return fmt.Errorf("--batch_size %d: want 0 (the default) or a positive number of groups", *batch)
	case *keep < 0:
		return fmt.Errorf("--stitch_keep %d: want 0 (the default) or a positive side", *keep)
	}
	stitchMode, err := stitch.ParseMode(*mode)
	if err != nil {
		return fmt.Errorf("--stitch %q: want %s", *mode, modeNames())
	}
	backend, devices, err := openBackend(*dev, *devs)
	if err != nil {
		return err
	}
	return inferWith(backend, devices, deviceMemory.bytes, *modelPath, *testData, *outputDir,
		pinn.ReconstructOptions{NImages: *nImages, Stitch: stitchMode, Keep: *keep, BatchSize: *batch}, out)
}

// modeNames lists the stitching modes for --stitch's help.
func modeNames() string {
	var names []string
	for _, m := range stitch.Modes() {
		names = append(names, string(m))
	}
	return strings.Join(names, " | ")
}

// inferTo reconstructs testData with the model in modelDir into outputDir
// with the default stitching, batches split over `devices` devices.
func inferTo(backend backends.Backend, devices int, modelDir, testData, outputDir string, nImages, keep int) error {
	return inferWith(backend, devices, 0, modelDir, testData, outputDir, pinn.ReconstructOptions{NImages: nImages, Keep: keep}, nil)
}

// stitchFile is the record of the stitching beside reconstruction.npz.
const stitchFile = "stitch.json"

// inferWith reconstructs testData with the model in modelDir into outputDir,
// batches split over `devices` devices and bounded by deviceMemory bytes on
// each (0: no bound); out (nil: the defaults) says how the result is
// written.
func inferWith(backend backends.Backend, devices int, deviceMemory int64, modelDir, testData, outputDir string, opts pinn.ReconstructOptions, out *outputFlags) error {
	t0 := time.Now()
	model, err := pinn.Load(backend, modelDir)
	if err != nil {
		return err
	}
	if err := model.UseDevices(devices); err != nil {
		return err
	}
	if err := model.SetDeviceMemory(deviceMemory); err != nil {
		return err
	}
	ds, err := data.Load(testData, data.LoadOptions{RequireDiffraction: true, SkipPatches: true})
	if err != nil {
		return err
	}
	if note := pinn.GeometryNote(model, ds); note != "" {
		fmt.Fprintln(os.Stderr, note)
	}
	t1 := time.Now()
	rec, err := model.Reconstruct(ds, opts)
	if err != nil {
		return fmt.Errorf("%s: %w", testData, err)
	}
	t2 := time.Now()
	if deviceMemory > 0 {
		fmt.Println(model.LastMemory())
	}
	if err := os.MkdirAll(outputDir, 0o755); err != nil {
		return err
	}
	npz := filepath.Join(outputDir, "reconstruction.npz")
	var wopts data.WriteOptions
	if out != nil {
		wopts = out.options()
	}
	if err := rec.Write(npz, wopts); err != nil {
		return err
	}
	if out != nil {
		if err := out.writeProduct(rec.Reconstruction, "ptychokit infer (PtychoPINN)"); err != nil {
			return err
		}
	}
	record, err := json.MarshalIndent(struct {
		stitch.Options
		Coverage float64 `json:"scanned_region_covered"`
	}{rec.Stitch, rec.Coverage}, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(filepath.Join(outputDir, stitchFile), append(record, '\n')); err != nil {
		return err
	}
	t3 := time.Now()
	obj := rec.Object
	amp, phase := plots.AmpPhase(obj.Pix)
	fig, err := plots.ComplexImage(amp, phase, obj.H, obj.W, plots.ComplexOptions{Title: "PtychoPINN reconstruction", PhaseThreshold: 0.01})
	if err != nil {
		return fmt.Errorf("figure: %w", err)
	}
	if err := fig.SavePNG(filepath.Join(outputDir, "amplitude_phase.png"), 0, 0); err != nil {
		return err
	}
	wrote := "reconstruction.npz, " + stitchFile + ", amplitude_phase.png"
	if t := ds.Object; t != nil && t.H == obj.H && t.W == obj.W {
		cmp, err := plots.CompareComplex(plots.ComplexPanel{Title: "truth", Pix: t.Pix},
			[]plots.ComplexPanel{{Title: "PtychoPINN", Pix: obj.Pix}}, obj.H, obj.W, plots.ComparisonOptions{})
		if err == nil {
			if err := cmp.SavePNG(filepath.Join(outputDir, "comparison.png"), 0, 0); err != nil {
				return err
			}
			wrote += ", comparison.png"
		}
	}
	fmt.Fprintf(os.Stdout, "reconstructed %d patches of %s into a %d×%d object, stitched with %v (%.1f%% of the scanned region covered): %s in %s\n",
		rec.Patches, testData, obj.H, obj.W, rec.Stitch, 100*rec.Coverage, wrote, outputDir)
	predict := t2.Sub(t1).Seconds()
	fmt.Fprintf(os.Stdout, "time: model and scan loaded %.2f s, predicted and stitched %.2f s (%.0f patterns/s, compiling included), written %.2f s, figures %.2f s\n",
		t1.Sub(t0).Seconds(), predict, float64(rec.Patches)/predict, t3.Sub(t2).Seconds(), time.Since(t3).Seconds())
	if tm := model.LastTiming(); tm.Batches > 0 {
		fmt.Fprintf(os.Stdout, "prediction: %d batches of %d groups; first batch (compiles) %.2f s, the rest %.2f s on the device, %.2f s waiting for inputs\n",
			tm.Batches, tm.Size, tm.FirstBatch.Seconds(), (tm.Device - tm.FirstBatch).Seconds(), tm.InputWait.Seconds())
	}
	return nil
}
