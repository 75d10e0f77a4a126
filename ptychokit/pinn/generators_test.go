package pinn

import (
	"fmt"
	"math"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/ptychokit/ptychokit/ptychokit/config"
	"github.com/ptychokit/ptychokit/ptychokit/device"
)

// tinyOperator makes cfg a small Fourier-operator generator of arch: width
// 4, 4 modes, 1 block, 1 refiner — every layer of the architecture, cheap.
func tinyOperator(cfg config.Run, arch string) config.Run {
	cfg.Model.Architecture = arch
	cfg.Model.FNOWidth, cfg.Model.FNOModes, cfg.Model.FNOBlocks, cfg.Model.FNOCNNBlocks = 4, 4, 1, 1
	return cfg
}

// Every architecture maps a batch of groups to patches and intensities of
// the shapes the physics and the loss expect, at gridsize 1 and 2, with its
// variables in its own scopes.
func TestGeneratorShapes(t *testing.T) {
	ds := synthDataset(64, 3, 5, 9, 3)
	for _, arch := range config.Architectures {
		for _, gs := range []int{1, 2} {
			t.Run(fmt.Sprintf("%s_gs%d", arch, gs), func(t *testing.T) {
				cfg := tinyOperator(tinyConfig(t.TempDir(), gs), arch)
				groups, err := MakeGroups(ds, cfg, 3, false)
				if err != nil {
					t.Fatal(err)
				}
				ctx := context.New()
				ctx.SetRNGStateFromSeed(4)
				if err := InitModel(ctx, cfg.Model, cfg.Training.NPhotons, ds.Probe.Pix, groups); err != nil {
					t.Fatal(err)
				}
				counts, offsets := groups.gather([]int{0, 1, 2})
				exec := context.MustNewExec(device.CPU(), ctx.Checked(false), func(ctx *context.Context, c, o *Node) []*Node {
					out := Forward(ctx, cfg.Model, cfg.Training.NPhotons, c, o, groups.CanvasPad)
					return []*Node{out.Re, out.Im, out.Intensity}
				})
				outs := exec.MustExec(counts, offsets)
				want := fmt.Sprint([]int{3, 64, 64, gs * gs})
				for i, name := range []string{"re", "im", "intensity"} {
					if got := fmt.Sprint(outs[i].Shape().Dimensions); got != want {
						t.Errorf("%s: %s, want %s", name, got, want)
					}
					for _, v := range tensors.MustCopyFlatData[float32](outs[i]) {
						if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
							t.Fatalf("%s: non-finite value", name)
						}
					}
				}
				var energy float64
				for _, v := range tensors.MustCopyFlatData[float32](outs[2]) {
					energy += float64(v)
				}
				if !(energy > 0) {
					t.Errorf("predicted intensity sums to %g", energy)
				}
				scopes := map[string]int{}
				for v := range ctx.IterVariables() {
					scopes[strings.SplitN(strings.TrimPrefix(v.Scope(), "/"), "/", 2)[0]]++
				}
				if arch == config.ArchCNN {
					if scopes[ScopeEncoder] == 0 || scopes[ScopeGenerator] != 0 {
						t.Errorf("cnn variables by scope %v: want the encoder's, no generator's", scopes)
					}
				} else if scopes[ScopeGenerator] == 0 || scopes[ScopeEncoder] != 0 || scopes[ScopeAmplitude] != 0 {
					t.Errorf("%s variables by scope %v: want the generator's only", arch, scopes)
				}
			})
		}
	}
}

// With pad_object and without probe_big an operator's patch is zero outside
// the central N/2×N/2, as the CNN's zero padding makes it.
func TestGeneratorPadObject(t *testing.T) {
	ds := synthDataset(64, 3, 5, 9, 3)
	cfg := tinyOperator(tinyConfig(t.TempDir(), 1), config.ArchFFNO)
	cfg.Model.ProbeBig = false
	groups, err := MakeGroups(ds, cfg, 2, false)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.New()
	if err := InitModel(ctx, cfg.Model, cfg.Training.NPhotons, ds.Probe.Pix, groups); err != nil {
		t.Fatal(err)
	}
	counts, offsets := groups.gather([]int{0, 1})
	out := context.MustNewExec(device.CPU(), ctx.Checked(false), func(ctx *context.Context, c, o *Node) *Node {
		return Forward(ctx, cfg.Model, cfg.Training.NPhotons, c, o, groups.CanvasPad).Re
	}).MustExec(counts, offsets)[0]
	re := tensors.MustCopyFlatData[float32](out)
	for b := range 2 {
		for y := range 64 {
			for x := range 64 {
				v := re[(b*64+y)*64+x]
				inside := y >= 16 && y < 48 && x >= 16 && x < 48
				if !inside && v != 0 {
					t.Fatalf("group %d (%d, %d), outside the centre: %g, want 0", b, y, x, v)
				}
				if inside && v == 0 {
					t.Fatalf("group %d (%d, %d), inside the centre: 0", b, y, x)
				}
			}
		}
	}
}

// The gradient of the whole PINN loss through each Fourier generator (its
// spectral layers, the overlap merge, the physics) matches central
// differences for the output biases of both heads, at gridsize 2.
func TestGeneratorLossGradient(t *testing.T) {
	ds := synthDataset(64, 3, 5, 9, 3)
	backend := device.CPU()
	for _, arch := range []string{config.ArchFNO, config.ArchFFNO, config.ArchFNOVanilla} {
		t.Run(arch, func(t *testing.T) {
			cfg := tinyOperator(tinyConfig(t.TempDir(), 2), arch)
			groups, err := MakeGroups(ds, cfg, 2, false)
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.New()
			ctx.SetRNGStateFromSeed(3)
			if err := InitModel(ctx, cfg.Model, cfg.Training.NPhotons, ds.Probe.Pix, groups); err != nil {
				t.Fatal(err)
			}
			counts, offsets := groups.gather([]int{0, 1})
			lossOf := func(ctx *context.Context, c, o *Node) *Node {
				return Loss(cfg, Forward(ctx, cfg.Model, cfg.Training.NPhotons, c, o, groups.CanvasPad), c, nil, nil, nil)
			}
			// Build the graph once so that the variables exist.
			lossExec := context.MustNewExec(backend, ctx.Checked(false), lossOf)
			lossExec.MustExec(counts, offsets)
			for _, head := range []string{"out_amplitude", "out_phase"} {
				scope := "/" + ScopeGenerator + "/" + head
				gradExec := context.MustNewExec(backend, ctx.Checked(false), func(ctx *context.Context, c, o *Node) []*Node {
					loss := lossOf(ctx, c, o)
					v := ctx.InAbsPath(scope).GetVariable("biases")
					return []*Node{loss, Gradient(loss, v.ValueGraph(c.Graph()))[0]}
				})
				grad := tensors.MustCopyFlatData[float32](gradExec.MustExec(counts, offsets)[1])
				v := ctx.InAbsPath(scope).GetVariable("biases")
				base := tensors.MustCopyFlatData[float32](v.MustValue())
				maxGrad := 0.0
				for _, g := range grad {
					maxGrad = math.Max(maxGrad, math.Abs(float64(g)))
				}
				if maxGrad == 0 {
					t.Fatalf("%s: zero gradient", scope)
				}
				const eps = 1e-2
				for i := range base {
					eval := func(d float32) float64 {
						p := append([]float32(nil), base...)
						p[i] += d
						v.MustSetValue(tensors.FromFlatDataAndDimensions(p, len(p)))
						return float64(tensors.ToScalar[float32](lossExec.MustExec(counts, offsets)[0]))
					}
					fd := (eval(eps) - eval(-eps)) / (2 * eps)
					v.MustSetValue(tensors.FromFlatDataAndDimensions(base, len(base)))
					if math.Abs(fd-float64(grad[i])) > gradRelTol*maxGrad {
						t.Errorf("%s biases[%d]: gradient %g, finite difference %g", scope, i, grad[i], fd)
					}
				}
			}
		})
	}
}

// Each Fourier generator trains, is saved, and loads back: config.json names
// its architecture, inference reads every variable from the checkpoint
// (none is created afresh), two loads predict the same patches, and a
// fine-tune copies the generator's weights.
func TestGeneratorsSaveLoad(t *testing.T) {
	ds := synthDataset(64, 4, 6, 2, 3)
	for _, arch := range []string{config.ArchFNO, config.ArchFFNO, config.ArchFNOVanilla} {
		t.Run(arch, func(t *testing.T) {
			dir := t.TempDir()
			cfg := tinyOperator(tinyConfig(dir, 2), arch)
			cfg.Training.NEpochs = 1
			cfg.Data.NImages = 8
			if _, err := TrainOn(device.CPU(), cfg, ds, TrainOptions{}); err != nil {
				t.Fatal(err)
			}
			saved, err := config.Load(dir)
			if err != nil || saved.Model.Architecture != arch || saved.Model.FNOWidth != 4 {
				t.Fatalf("config.json: %v, %+v", err, saved.Model)
			}
			predict := func() []complex64 {
				m, err := Load(device.CPU(), dir)
				if err != nil {
					t.Fatal(err)
				}
				before := 0
				for range m.ctx.IterVariables() {
					before++
				}
				p, err := m.Predict(ds, 4, 4)
				if err != nil {
					t.Fatal(err)
				}
				after := 0
				for v := range m.ctx.IterVariables() {
					after++
					if strings.HasPrefix(v.Scope(), "/"+ScopeEncoder) {
						t.Errorf("%s: a CNN variable %s", arch, v.ScopeAndName())
					}
				}
				if after != before {
					t.Errorf("inference created %d variables the checkpoint lacks", after-before)
				}
				return p.Patches
			}
			a, b := predict(), predict()
			for i := range a {
				if a[i] != b[i] {
					t.Fatalf("patch value %d: %v, then %v", i, a[i], b[i])
				}
			}
			ctx := context.New()
			if err := initFrom(ctx, cfg, dir); err != nil {
				t.Fatal(err)
			}
			copied := 0
			for v := range ctx.IterVariables() {
				if strings.HasPrefix(v.Scope(), "/"+ScopeGenerator) {
					copied++
				}
			}
			if copied == 0 {
				t.Errorf("--init_from copied no generator variable")
			}
			other := cfg
			other.Model.FNOModes = 3
			if err := initFrom(context.New(), other, dir); err == nil || !strings.Contains(err.Error(), "fno_modes") {
				t.Errorf("fine-tune of another width of operator: %v", err)
			}
		})
	}
}
