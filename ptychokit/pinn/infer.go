package pinn

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph" //nolint:staticcheck // GoMLX's graph idiom.
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/context/checkpoints"

	"github.com/ptychokit/ptychokit/ptychokit/config"
	"github.com/ptychokit/ptychokit/ptychokit/data"
	"github.com/ptychokit/ptychokit/ptychokit/device"
	"github.com/ptychokit/ptychokit/ptychokit/internal/oom"
	"github.com/ptychokit/ptychokit/ptychokit/metrics"
	"github.com/ptychokit/ptychokit/ptychokit/stitch"
)

// Model is a trained model loaded from an output directory.
type Model struct {
	// Config is the configuration it was trained with.
	Config config.Run
	// Checkpoint is the folder its weights came from (best/ or checkpoints/).
	Checkpoint string

	backend backends.Backend
	ctx     *context.Context
	mesh    *device.Mesh // nil: one device (see UseDevices)
}

// Load reads a trained model from an output directory written by Train:
// config.json, then the best checkpoint (best/), or the latest
// (checkpoints/) when there is no best. A configuration of another format
// version, a checkpoint whose embedded configuration disagrees with
// config.json, or an unreadable (e.g. truncated) checkpoint is an error that
// names the file; Load never panics.
func Load(backend backends.Backend, dir string) (m *Model, err error) {
	defer recoverInto(&err, "load model "+dir)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("--model_path %s: not a directory written by 'ptychokit train'", dir)
	}
	cfg, err := config.Load(filepath.Join(dir, config.FileName))
	if err != nil {
		return nil, err
	}
	ckptDir := modelCheckpointDir(dir)
	if ckptDir == "" {
		return nil, fmt.Errorf("%s: no checkpoint in %s/ or %s/", dir, BestDir, CheckpointDir)
	}
	ctx := context.New()
	if _, err := checkpoints.Load(ctx).Dir(ckptDir).Immediate().Done(); err != nil {
		return nil, fmt.Errorf("%s: unreadable checkpoint (corrupted or not written by ptychokit): %v", ckptDir, err)
	}
	if err := checkCheckpointConfig(ctx, cfg, ckptDir); err != nil {
		return nil, err
	}
	for _, name := range []string{VarProbeRe, VarProbeIm} {
		v := ctx.In(ScopePhysics).GetVariable(name)
		if v == nil || !v.Shape().Equal(shapesOf(cfg.Model.N)) {
			return nil, fmt.Errorf("%s: checkpoint lacks the probe variable %s/%s of %d×%d", ckptDir, ScopePhysics, name, cfg.Model.N, cfg.Model.N)
		}
	}
	return &Model{Config: cfg, Checkpoint: ckptDir, backend: backend, ctx: ctx}, nil
}

// modelCheckpointDir is the folder of a model directory whose checkpoint
// inference reads: best/, else checkpoints/; "" when neither holds one.
func modelCheckpointDir(dir string) string {
	for _, sub := range []string{BestDir, CheckpointDir} {
		if hasCheckpoint(filepath.Join(dir, sub)) {
			return filepath.Join(dir, sub)
		}
	}
	return ""
}

func hasCheckpoint(dir string) bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "checkpoint-") && strings.HasSuffix(e.Name(), checkpoints.JsonNameSuffix) {
			return true
		}
	}
	return false
}

// Probe returns the model's probe, [N, N], in its own normalisation
// (Σ|probe|² = 4·(N/2)², see InitProbe; trained when probe_trainable).
func (m *Model) Probe() *data.ComplexImage {
	n := m.Config.Model.N
	pctx := m.ctx.In(ScopePhysics)
	re := tensors.MustCopyFlatData[float32](pctx.GetVariable(VarProbeRe).MustValue())
	im := tensors.MustCopyFlatData[float32](pctx.GetVariable(VarProbeIm).MustValue())
	out := &data.ComplexImage{H: n, W: n, Pix: make([]complex64, n*n)}
	for i := range out.Pix {
		out.Pix[i] = complex(re[i], im[i])
	}
	return out
}

// Prediction is the network's output for the groups of a dataset.
type Prediction struct {
	Groups *Groups
	// Patches is [Count·C, N, N]: the object patch of every pattern of every
	// group, group-major; patch g·C+c belongs to scan point
	// Groups.Grouping.Index[g][c].
	Patches []complex64
	// X, Y are the centres of the patches (the scan points' coordinates).
	X, Y []float64
}

// Predict runs the network on nImages groups of ds (0: every scan point,
// see data.Groups), batchSize groups at a time (0: the training batch size).
func (m *Model) Predict(ds *data.Dataset, nImages, batchSize int) (p *Prediction, err error) {
	defer func() { err = oom.Explain(err, batchSize) }()
	defer recoverInto(&err, "predict")
	cfg := m.Config
	groups, err := MakeGroups(ds, cfg, nImages, false)
	if err != nil {
		return nil, err
	}
	if batchSize <= 0 {
		batchSize = cfg.Training.BatchSize
	}
	pad := groups.CanvasPad
	exec, err := context.NewExec(m.backend, m.ctx.Checked(false), func(ctx *context.Context, counts, offsets *Node) (*Node, *Node) {
		o := Forward(ctx, cfg.Model, cfg.Training.NPhotons, counts, offsets, pad)
		return o.Re, o.Im
	})
	if err != nil {
		return nil, err
	}
	defer exec.Finalize()
	m.shardExec(exec)
	n, c := cfg.Model.N, cfg.Model.Channels()
	p = &Prediction{Groups: groups, Patches: make([]complex64, groups.Count*c*n*n)}
	// Every batch has the same size — a short last one repeats its last group
	// and the copies are thrown away — so one compiled graph serves them all.
	size := min(batchSize, groups.Count)
	for start := 0; start < groups.Count; start += batchSize {
		idx := make([]int, 0, size)
		for i := start; i < min(start+batchSize, groups.Count); i++ {
			idx = append(idx, i)
		}
		rows := slices.Clone(idx)
		for len(rows) < size {
			rows = append(rows, idx[len(idx)-1])
		}
		counts, offsets := groups.gather(rows)
		outs, err := m.predictBatch(exec, counts, offsets)
		if err != nil {
			return nil, err
		}
		re := tensors.MustCopyFlatData[float32](outs[0])
		im := tensors.MustCopyFlatData[float32](outs[1])
		for b, gi := range idx {
			for ch := range c {
				dst := p.Patches[(gi*c+ch)*n*n : (gi*c+ch+1)*n*n]
				for i := range dst {
					src := (b*n*n+i)*c + ch // [B, N, N, C]
					dst[i] = complex(re[src], im[src])
				}
			}
		}
	}
	for _, members := range groups.Grouping.Index {
		for _, pt := range members {
			p.X = append(p.X, ds.XCoords[pt])
			p.Y = append(p.Y, ds.YCoords[pt])
		}
	}
	return p, nil
}

// ReconstructOptions tune Reconstruct.
type ReconstructOptions struct {
	// NImages is the number of groups to predict (0: every scan point).
	NImages int
	// Stitch is how the patches are weighted where they overlap (see
	// package stitch; "": stitch.DefaultMode). stitch.Probe weights them by
	// the model's probe.
	Stitch stitch.Mode
	// Keep is the side of the central part of each patch that is stitched.
	// 0: with stitch.Keep PtychoPINN's 20 at N = 64, scaled with N; with
	// the windows the part the network predicts, the whole patch with
	// probe_big and the central N/2×N/2 without.
	Keep int
	// BatchSize of the forward passes (0: the training batch size).
	BatchSize int
}

// Reconstruction is a stitched object with what goes beside it in the
// reconstruction NPZ.
type Reconstruction struct {
	// Object is the stitched object [H, W].
	Object *data.ComplexImage
	// Probe is the model's probe.
	Probe *data.ComplexImage
	// XCoords, YCoords are the dataset's scan positions in Object's frame.
	XCoords, YCoords []float64
	// Prediction holds the patches that were stitched.
	Prediction *Prediction
	// Stitch is how they were stitched, defaults filled in.
	Stitch stitch.Options
	// Weights is the summed stitching weight of every pixel of Object,
	// [H, W]; pixels at or below Stitch.MinWeight are not covered (0).
	Weights []float64
	// Coverage is the fraction of the scanned region (metrics.ScanRegion of
	// XCoords, YCoords) that the patches cover.
	Coverage float64
}

// Reconstruct predicts the patches of ds and stitches them into the full
// object. The frame is the dataset's objectGuess (same H, W, coordinates
// unchanged) when it has one that holds every patch, so the result compares
// pixel for pixel with the ground truth of a simulated file; otherwise the
// smallest canvas that holds every patch (stitch.Canvas), coordinates moved
// into it.
func (m *Model) Reconstruct(ds *data.Dataset, opts ReconstructOptions) (*Reconstruction, error) {
	n := m.Config.Model.N
	so, err := m.stitchOptions(opts)
	if err != nil {
		return nil, err
	}
	pred, err := m.Predict(ds, opts.NImages, opts.BatchSize)
	if err != nil {
		return nil, err
	}
	h, w, offX, offY := 0, 0, 0.0, 0.0
	if o := ds.Object; o != nil && fitsIn(ds.XCoords, ds.YCoords, n, o.H, o.W) {
		h, w = o.H, o.W
	} else {
		h, w, offX, offY = stitch.Canvas(ds.XCoords, ds.YCoords, n)
	}
	x := make([]float64, len(pred.X))
	y := make([]float64, len(pred.Y))
	for i := range x {
		x[i], y[i] = pred.X[i]+offX, pred.Y[i]+offY
	}
	acc, err := stitch.NewAccumulator(h, w, n, so)
	if err != nil {
		return nil, err
	}
	if err := acc.Add(pred.Patches, x, y); err != nil {
		return nil, fmt.Errorf("stitch: %w", err)
	}
	r := &Reconstruction{Object: acc.Image(), Probe: m.Probe(), Prediction: pred,
		Stitch: acc.Options(), Weights: acc.Weights()}
	for i := range ds.XCoords {
		r.XCoords = append(r.XCoords, ds.XCoords[i]+offX)
		r.YCoords = append(r.YCoords, ds.YCoords[i]+offY)
	}
	region, err := metrics.ScanRegion(r.XCoords, r.YCoords, 0, h, w)
	if err != nil {
		return nil, err
	}
	r.Coverage = acc.CoverageIn(region)
	return r, nil
}

// stitchOptions turns opts into the stitching options for this model's
// patches: the mode's default part of the patch, the model's probe for
// stitch.Probe.
func (m *Model) stitchOptions(opts ReconstructOptions) (stitch.Options, error) {
	n := m.Config.Model.N
	so := stitch.Options{Mode: opts.Stitch, Keep: opts.Keep}
	if so.Mode == "" {
		so.Mode = stitch.DefaultMode
	}
	if _, err := stitch.ParseMode(string(so.Mode)); err != nil {
		return so, err
	}
	switch {
	case opts.Keep < 0 || opts.Keep > n:
		return so, fmt.Errorf("--stitch_keep %d: want 0 (the default) to N = %d", opts.Keep, n)
	case opts.Keep > 0:
	case so.Mode == stitch.Keep:
		so.Keep = stitch.DefaultKeep * n / 64
	case !m.Config.Model.ProbeBig && m.Config.Model.PadObject:
		// Without probe_big the border ring is zero padding, not a
		// prediction.
		so.Keep = n / 2
	}
	if so.Mode == stitch.Probe {
		so.Probe = m.Probe().Pix
	}
	return so, nil
}

// fitsIn reports whether every N×N window (one more pixel for a fractional
// centre) lies inside an h×w image.
func fitsIn(x, y []float64, n, h, w int) bool {
	for i := range x {
		x0, y0 := math.Floor(x[i])-float64(n/2), math.Floor(y[i])-float64(n/2)
		if x0 < 0 || y0 < 0 || x0+float64(n)+1 > float64(w) || y0+float64(n)+1 > float64(h) {
			return false
		}
	}
	return len(x) > 0
}

// Write saves the reconstruction NPZ: object (complex64 [H, W]), probe
// (complex64 [N, N]), xcoords and ycoords (float64 [n], object pixels, the
// frame of object). The file is written to a temporary name and renamed.
func (r *Reconstruction) Write(path string) error {
	if r.Object == nil || r.Probe == nil {
		return errors.New("write reconstruction: empty reconstruction")
	}
	return data.WriteReconstruction(path, &data.Reconstruction{Object: r.Object, Probe: r.Probe, XCoords: r.XCoords, YCoords: r.YCoords})
}

// GeometryRatio is how far apart (as a ratio either way) a new scan's step
// and the training scan's may be, and GeometrySpread how far their spreads
// (data.NeighbourSteps), before GeometryNote speaks.
const (
	GeometryRatio  = 1.5
	GeometrySpread = 0.25
)

// GeometryNote is a warning when a model of gridsize ≥ 2 is given a scan
// laid out unlike its training scan: points spaced more than GeometryRatio
// apart either way, or placed more or less regularly (spreads of the
// nearest-neighbour distances more than GeometrySpread apart; config
// Data.TrainScanStep and TrainScanSpread against data.NeighbourSteps of ds).
// Empty otherwise, and for models that recorded no step. The network learns
// the layout of the groups it was trained on: measured on the H200
// (bench/h200/session6), ten paper-protocol models trained on a 4-px raster
// (spread 0) scored 0.963 median amplitude SSIM on a new object scanned
// alike and 0.787 on random positions of the same mean step (4.0 px, spread
// ~0.5); at gridsize 1 the same test gave 0.936 and 0.918.
func GeometryNote(m *Model, ds *data.Dataset) string {
	cfg := m.Config
	trained, trainedSpread := cfg.Data.TrainScanStep, cfg.Data.TrainScanSpread
	step, spread := data.NeighbourSteps(ds.XCoords, ds.YCoords)
	if cfg.Model.Gridsize < 2 || !(trained > 0) || !(step > 0) {
		return ""
	}
	if step <= GeometryRatio*trained && trained <= GeometryRatio*step && math.Abs(spread-trainedSpread) <= GeometrySpread {
		return ""
	}
	return fmt.Sprintf("warning: %s: scan points %.3g px apart (mean nearest neighbour, spread %.2f), the model's training scan %.3g px (spread %.2f): a gridsize-%d model learns the layout of its groups and does not carry over (measured: 0.96 amplitude SSIM on a new object on the training's 4-px raster, 0.79 on random points of the same mean step); train on scans laid out like this one, or at --gridsize 1",
		ds.Path, step, spread, trained, trainedSpread, cfg.Model.Gridsize)
}
