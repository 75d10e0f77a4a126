package pinn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/ptychokit/ptychokit/ptychokit/config"
	"github.com/ptychokit/ptychokit/ptychokit/data"
	"github.com/ptychokit/ptychokit/ptychokit/device"
	"github.com/ptychokit/ptychokit/ptychokit/physics"
)

// float32Tol is the tolerance of single-precision graph results against
// float64 references for O(1) quantities.
const float32Tol = 1e-4

func TestPoissonNLLAndGradient(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const n = 32
	lambda := make([]float32, n)
	counts := make([]float32, n)
	for i := range lambda {
		lambda[i] = float32(0.5 + 10*r.Float64())
		counts[i] = float32(math.Floor(12 * r.Float64())) // includes zeros
	}
	backend := device.CPU()
	outs, err := execN(backend, func(l, k *Node) []*Node {
		loss := PoissonNLL(l, k)
		return []*Node{loss, Gradient(loss, l)[0]}
	}, tensors.FromFlatDataAndDimensions(lambda, n), tensors.FromFlatDataAndDimensions(counts, n))
	if err != nil {
		t.Fatal(err)
	}
	var want float64
	for i := range lambda {
		l, k := float64(lambda[i]), float64(counts[i])
		term := l - k
		if k > 0 {
			term -= k * math.Log(l/k)
		}
		want += term / n
	}
	got := tensors.ToScalar[float32](outs[0])
	if math.Abs(float64(got)-want) > float32Tol*math.Max(1, math.Abs(want)) {
		t.Errorf("PoissonNLL = %g, want %g", got, want)
	}
	grad := tensors.MustCopyFlatData[float32](outs[1])
	for i := range grad {
		// d/dλ of (λ − k log λ)/n is (1 − k/λ)/n: the NLL's own gradient.
		w := (1 - float64(counts[i])/float64(lambda[i])) / n
		if math.Abs(float64(grad[i])-w) > float32Tol/n*10 {
			t.Fatalf("gradient[%d] = %g, want %g", i, grad[i], w)
		}
	}
}

// TestPlacementIsTranslate checks the bilinear placement matrices against
// physics.Translate of the zero-padded patch (an independent implementation
// by Gather), for fractional offsets, and that cutting back out is exact for
// whole-pixel offsets.
func TestPlacementIsTranslate(t *testing.T) {
	const n, pad = 8, 3
	side := n + 2*pad
	r := rand.New(rand.NewPCG(3, 4))
	patch := make([]float32, n*n)
	for i := range patch {
		patch[i] = float32(r.NormFloat64())
	}
	offsets := []float32{1.25, -0.5, -2, 1} // two channels: (dx, dy)
	backend := device.CPU()
	outs, err := execN(backend, func(p, off *Node) []*Node {
		py, px := placementMatrices(Reshape(off, 1, 2, 2), n, pad)
		pp := BroadcastToDims(Reshape(p, 1, 1, n, n), 1, 2, n, n)
		placed := matMul(matMul(py, pp), Transpose(px, 2, 3))
		back := matMul(matMul(Transpose(py, 2, 3), placed), px)
		// Reference: zero-pad by concatenation, then physics.Translate.
		g := p.Graph()
		zr := Zeros(g, shapeOf(dtypes.Float32, n, pad))
		wide := Concatenate([]*Node{zr, p, zr}, 1)
		zc := Zeros(g, shapeOf(dtypes.Float32, pad, side))
		padded := Concatenate([]*Node{zc, wide, zc}, 0)
		two := BroadcastToDims(Reshape(padded, 1, side, side), 2, side, side)
		dx := Reshape(Slice(Reshape(off, 2, 2), AxisRange(), AxisElem(0)), 2)
		dy := Reshape(Slice(Reshape(off, 2, 2), AxisRange(), AxisElem(1)), 2)
		ref := physics.Translate(physics.Field{Re: two, Im: ZerosLike(two)}, dx, dy).Re
		return []*Node{Reshape(placed, 2, side, side), ref, Reshape(back, 2, n, n)}
	}, tensors.FromFlatDataAndDimensions(patch, n, n), tensors.FromFlatDataAndDimensions(offsets, 2, 2))
	if err != nil {
		t.Fatal(err)
	}
	got := tensors.MustCopyFlatData[float32](outs[0])
	want := tensors.MustCopyFlatData[float32](outs[1])
	for i := range got {
		if math.Abs(float64(got[i]-want[i])) > float32Tol {
			t.Fatalf("placement[%d] = %g, physics.Translate gives %g", i, got[i], want[i])
		}
	}
	back := tensors.MustCopyFlatData[float32](outs[2])
	for i := range n * n { // channel 1 has whole-pixel offsets: exact round trip
		if math.Abs(float64(back[n*n+i]-patch[i])) > float32Tol {
			t.Fatalf("cut(place(patch))[%d] = %g, want %g", i, back[n*n+i], patch[i])
		}
	}
}

// TestMergeKeepsConsistentPatches: patches cut from one object at whole-pixel
// offsets already agree in their overlaps, so the overlap average returns
// each of them unchanged (to the 1e-3 epsilon) — and the border ring is not
// amplified (the PtychoPINN bug divided it by 1e-3 alone).
func TestMergeKeepsConsistentPatches(t *testing.T) {
	const n, c, pad = 16, 4, 4
	r := rand.New(rand.NewPCG(5, 6))
	big := 40
	obj := make([]float64, big*big)
	for i := range obj {
		obj[i] = r.Float64()
	}
	offs := [][2]int{{-2, -2}, {2, -2}, {-2, 2}, {2, 2}}
	patches := make([]float32, c*n*n)
	offsets := make([]float32, c*2)
	for ch, o := range offs {
		offsets[ch*2], offsets[ch*2+1] = float32(o[0]), float32(o[1])
		for y := range n {
			for x := range n {
				patches[(ch*n+y)*n+x] = float32(obj[(big/2-n/2+o[1]+y)*big+big/2-n/2+o[0]+x])
			}
		}
	}
	outs, err := execN(device.CPU(), func(p, off *Node) []*Node {
		re := Reshape(p, 1, c, n, n)
		support := Ones(p.Graph(), shapeOf(dtypes.Float32, n, n))
		mr, _ := mergeGroups(re, ZerosLike(re), support, Reshape(off, 1, c, 2), pad)
		return []*Node{mr}
	}, tensors.FromFlatDataAndDimensions(patches, c, n, n), tensors.FromFlatDataAndDimensions(offsets, c, 2))
	if err != nil {
		t.Fatal(err)
	}
	got := tensors.MustCopyFlatData[float32](outs[0])
	for i := range got {
		if math.Abs(float64(got[i]-patches[i])) > 2e-3 { // 1e-3/(1+1e-3) relative, values ≤ 1
			t.Fatalf("merged[%d] = %g, want %g", i, got[i], patches[i])
		}
	}
}

func tinyConfig(dir string, gridsize int) config.Run {
	cfg := config.Defaults()
	cfg.Model.NFiltersScale = 0.125 // filters 4-8-16: fast, still the full architecture
	cfg.Model.Gridsize = gridsize
	// The synthetic scans are noise-free (no photon count of their own),
	// and the graph tests call MakeGroups and Forward without training.
	cfg.Training.NPhotons = config.DefaultNPhotons
	cfg.Training.BatchSize = 4
	cfg.Training.NEpochs = 2
	cfg.Training.ValidationSplit = 0.2
	cfg.Data.NImages = 12
	cfg.Data.OutputDir = dir
	return cfg
}

func allVariables(t *testing.T, dir string) map[string][]float32 {
	t.Helper()
	m, err := Load(device.CPU(), dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]float32{}
	for v := range m.ctx.IterVariables() {
		// GoMLX's loss metrics keep per-trainer variables (named with a
		// uuid) that do not influence training.
		if v.Shape().DType == dtypes.Float32 && !strings.Contains(v.ParameterName(), "/metrics/") {
			out[v.ParameterName()] = tensors.MustCopyFlatData[float32](v.MustValue())
		}
	}
	return out
}

// TestResumeIsExact: a run stopped after epoch 1 and resumed ends with the
// same weights (and history) as a run straight through, with the same seed.
func TestResumeIsExact(t *testing.T) {
	ds := synthDataset(64, 4, 6, 1, 3)
	straight := t.TempDir()
	resumed := t.TempDir()
	cfg := tinyConfig(straight, 2)
	cfg.Training.EarlyStopPatience = 0
	cfg.Training.LRPatience = 1 // exercise the schedule's state across the stop
	if _, err := TrainOn(device.CPU(), cfg, ds, TrainOptions{}); err != nil {
		t.Fatal(err)
	}
	cfg.Data.OutputDir = resumed
	first, err := TrainOn(device.CPU(), cfg, ds, TrainOptions{StopAfter: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(first.History) != 1 {
		t.Fatalf("StopAfter 1 ran %d epochs", len(first.History))
	}
	second, err := TrainOn(device.CPU(), cfg, ds, TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if second.ResumedFrom != 1 || len(second.History) != 2 {
		t.Fatalf("resume: from %d with %d history rows, want from 1 with 2", second.ResumedFrom, len(second.History))
	}
	a, b := allVariables(t, straight), allVariables(t, resumed)
	if len(a) == 0 || len(a) != len(b) {
		t.Fatalf("variables: %d straight vs %d resumed", len(a), len(b))
	}
	for name, va := range a {
		vb := b[name]
		for i := range va {
			if va[i] != vb[i] {
				t.Fatalf("%s[%d]: straight %g, resumed %g", name, i, va[i], vb[i])
			}
		}
	}
	ha, err := ReadHistory(filepath.Join(straight, HistoryFile))
	if err != nil {
		t.Fatal(err)
	}
	hb, _ := ReadHistory(filepath.Join(resumed, HistoryFile))
	for i := range ha {
		if ha[i].TrainLoss != hb[i].TrainLoss || ha[i].LR != hb[i].LR {
			t.Fatalf("history row %d: %+v vs %+v", i, ha[i], hb[i])
		}
	}
	// A different model in the same directory is refused, naming the option.
	other := cfg
	other.Model.ProbeBig = false
	if _, err := TrainOn(device.CPU(), other, ds, TrainOptions{}); err == nil || !strings.Contains(err.Error(), "probe_big") {
		t.Fatalf("training another model into the directory: %v", err)
	}
}

func TestTrainLoadReconstruct(t *testing.T) {
	ds := synthDataset(64, 4, 6, 2, 3)
	dir := t.TempDir()
	cfg := tinyConfig(dir, 1)
	res, err := TrainOn(device.CPU(), cfg, ds, TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.History) != 2 || !(res.History[1].TrainLoss < res.History[0].TrainLoss) {
		t.Errorf("history %+v: want 2 epochs, loss decreasing", res.History)
	}
	m, err := Load(device.CPU(), dir)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := m.Reconstruct(ds, ReconstructOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rec.Object.H != ds.Object.H || rec.Object.W != ds.Object.W {
		t.Fatalf("object %d×%d, want the ground truth's frame %d×%d", rec.Object.H, rec.Object.W, ds.Object.H, ds.Object.W)
	}
	// The costs are the training losses of history.csv, as written.
	if len(rec.Costs) != len(res.History) {
		t.Errorf("costs %v, want the %d training losses", rec.Costs, len(res.History))
	}
	for i, c := range rec.Costs {
		if math.Abs(c-res.History[i].TrainLoss) > 1e-6*math.Abs(c) {
			t.Errorf("cost %d = %v, history's training loss %v", i, c, res.History[i].TrainLoss)
		}
	}
	var energy float64
	for _, v := range rec.Object.Pix {
		if math.IsNaN(float64(real(v))) || math.IsInf(float64(real(v)), 0) {
			t.Fatal("non-finite object pixel")
		}
		energy += float64(real(v)*real(v) + imag(v)*imag(v))
	}
	if energy == 0 {
		t.Fatal("object is all zeros")
	}
	path := filepath.Join(dir, "rec.npz")
	if err := rec.Write(path, data.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	arrays, err := data.ReadArrays(path)
	if err != nil {
		t.Fatal(err)
	}
	for key, shape := range map[string][]int{"object": {ds.Object.H, ds.Object.W}, "probe": {64, 64}, "xcoords": {ds.Count}, "ycoords": {ds.Count}, "costs": {len(res.History)}} {
		e, ok := arrays[key]
		if !ok || len(e.Shape) != len(shape) || e.Shape[0] != shape[0] {
			t.Errorf("key %s: %+v, want shape %v", key, e.Shape, shape)
		}
	}
}

// TestLoadErrors: bad model directories give errors that say what is wrong,
// never panics.
func TestLoadErrors(t *testing.T) {
	ds := synthDataset(64, 3, 6, 3, 3)
	dir := t.TempDir()
	cfg := tinyConfig(dir, 1)
	cfg.Training.NEpochs = 1
	cfg.Data.NImages = 8
	if _, err := TrainOn(device.CPU(), cfg, ds, TrainOptions{}); err != nil {
		t.Fatal(err)
	}
	copyDir := func(t *testing.T) string {
		dst := t.TempDir()
		filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
			rel, _ := filepath.Rel(dir, p)
			if d.IsDir() {
				return os.MkdirAll(filepath.Join(dst, rel), 0o755)
			}
			b, _ := os.ReadFile(p)
			return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
		})
		return dst
	}
	cases := []struct {
		name    string
		breakIt func(d string)
		want    string
	}{
		{"version", func(d string) {
			p := filepath.Join(d, config.FileName)
			b, _ := os.ReadFile(p)
			os.WriteFile(p, []byte(strings.Replace(string(b), fmt.Sprintf(`"format_version": %d`, config.FormatVersion), `"format_version": 0`, 1)), 0o644)
		}, "format_version 0"},
		{"truncated", func(d string) {
			for _, sub := range []string{BestDir, CheckpointDir} {
				files, _ := filepath.Glob(filepath.Join(d, sub, "*.bin"))
				for _, f := range files {
					b, _ := os.ReadFile(f)
					os.WriteFile(f, b[:len(b)/2], 0o644)
				}
			}
		}, "unreadable checkpoint"},
		{"garbage json", func(d string) {
			files, _ := filepath.Glob(filepath.Join(d, BestDir, "*.json"))
			for _, f := range files {
				os.WriteFile(f, []byte("{not json"), 0o644)
			}
		}, "unreadable checkpoint"},
		{"other model", func(d string) {
			c := cfg
			c.Model.ProbeBig = false
			c.Save(d)
		}, "different model"},
		{"no checkpoint", func(d string) {
			os.RemoveAll(filepath.Join(d, BestDir))
			os.RemoveAll(filepath.Join(d, CheckpointDir))
		}, "no checkpoint"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := copyDir(t)
			c.breakIt(d)
			_, err := Load(device.CPU(), d)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Load = %v, want an error containing %q", err, c.want)
			}
		})
	}
	if _, err := Load(device.CPU(), filepath.Join(dir, "missing")); err == nil {
		t.Fatal("Load of a missing directory: no error")
	}
}

// TestSupervisedBaseline: the same network trained on the true patches Y
// (the PtychoNN-style baseline) learns, and refuses data without Y.
func TestSupervisedBaseline(t *testing.T) {
	ds := synthDataset(64, 3, 6, 4, 3)
	cfg := tinyConfig(t.TempDir(), 1)
	cfg.Model.ModelType = config.ModelSupervised
	cfg.Training.RealspaceMAEWeight = 1
	cfg.Training.NEpochs = 3
	cfg.Training.LearningRate = 3e-3
	cfg.Data.NImages = 9
	res, err := TrainOn(device.CPU(), cfg, ds, TrainOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if h := res.History; !(h[len(h)-1].TrainLoss < h[0].TrainLoss) {
		t.Errorf("supervised loss did not fall: %+v", h)
	}
	ds.Y = nil
	cfg.Data.OutputDir = t.TempDir()
	if _, err := TrainOn(device.CPU(), cfg, ds, TrainOptions{}); err == nil || !strings.Contains(err.Error(), "'Y'") {
		t.Fatalf("supervised training without Y: %v", err)
	}
}
