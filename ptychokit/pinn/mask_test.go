package pinn

import (
	"math"
	"math/rand/v2"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/ptychokit/ptychokit/ptychokit/config"
	"github.com/ptychokit/ptychokit/ptychokit/data"
	"github.com/ptychokit/ptychokit/ptychokit/device"
)

// maskBatch is a tiny batch [2, 4, 4, 2] of predicted intensities and
// measured amplitudes, and a 4×4 mask with 5 pixels not measured, whose
// amplitudes are garbage (1e6, far from any prediction).
func maskBatch() (intensity, amplitude, mask []float32, dims []int) {
	const b, n, c = 2, 4, 2
	r := rand.New(rand.NewPCG(7, 8))
	mask = make([]float32, n*n)
	for i := range mask {
		mask[i] = 1
	}
	for _, i := range []int{0, 5, 6, 11, 15} {
		mask[i] = 0
	}
	intensity = make([]float32, b*n*n*c)
	amplitude = make([]float32, b*n*n*c)
	for i := range intensity {
		intensity[i] = float32(0.5 + 10*r.Float64())
		amplitude[i] = float32(math.Sqrt(math.Floor(12 * r.Float64()))) // includes zeros
		if mask[(i/c)%(n*n)] == 0 {
			amplitude[i] = 1e6
		}
	}
	return intensity, amplitude, mask, []int{b, n, n, c}
}

// TestMaskedLossReference: with a detector mask, each group's loss is
// nll_weight·(mean NLL) + mae_weight·(mean amplitude MAE) over the measured
// pixels only, against a float64 reference of the same sums; the gradient
// with respect to the predicted intensity is exactly 0 at the masked
// pixels (whatever they read) and nonzero elsewhere.
func TestMaskedLossReference(t *testing.T) {
	intensity, amplitude, mask, dims := maskBatch()
	cfg := config.Defaults()
	cfg.Training.NLLWeight, cfg.Training.MAEWeight = 1, 0.5
	b, n, c := dims[0], dims[1], dims[3]
	outs, err := execN(device.CPU(), func(l, k, m *Node) []*Node {
		losses := GroupLosses(cfg, Output{Intensity: l}, k, m, nil, nil)
		return []*Node{losses, Gradient(ReduceAllSum(losses), l)[0]}
	}, tensors.FromFlatDataAndDimensions(intensity, dims...), tensors.FromFlatDataAndDimensions(amplitude, dims...),
		tensors.FromFlatDataAndDimensions(mask, n, n))
	if err != nil {
		t.Fatal(err)
	}
	got := tensors.MustCopyFlatData[float32](outs[0])
	per := n * n * c
	for g := range b {
		var nll, mae, measured float64
		for i := range per {
			if mask[i/c] == 0 {
				continue
			}
			l, a := float64(intensity[g*per+i]), float64(amplitude[g*per+i])
			k := a * a
			term := l - k
			if k > 0 {
				term -= k * math.Log(l/k)
			}
			nll += term
			mae += math.Abs(math.Sqrt(l+logEpsilon) - a)
			measured++
		}
		want := (cfg.Training.NLLWeight*nll + cfg.Training.MAEWeight*mae) / measured
		if math.Abs(float64(got[g])-want) > float32Tol*math.Max(1, math.Abs(want)) {
			t.Errorf("group %d: masked loss %g, want %g", g, got[g], want)
		}
	}
	grad := tensors.MustCopyFlatData[float32](outs[1])
	for i, v := range grad {
		switch masked := mask[(i/c)%(n*n)] == 0; {
		case masked && v != 0:
			t.Errorf("gradient at masked element %d = %g, want exactly 0", i, v)
		case !masked && v == 0:
			t.Errorf("gradient at measured element %d is 0", i)
		}
	}
	// An all-ones mask is the unmasked loss.
	ones := make([]float32, n*n)
	for i := range ones {
		ones[i] = 1
	}
	outs, err = execN(device.CPU(), func(l, k, m *Node) []*Node {
		return []*Node{GroupLosses(cfg, Output{Intensity: l}, k, m, nil, nil), GroupLosses(cfg, Output{Intensity: l}, k, nil, nil, nil)}
	}, tensors.FromFlatDataAndDimensions(intensity, dims...), tensors.FromFlatDataAndDimensions(amplitude, dims...),
		tensors.FromFlatDataAndDimensions(ones, n, n))
	if err != nil {
		t.Fatal(err)
	}
	a, u := tensors.MustCopyFlatData[float32](outs[0]), tensors.MustCopyFlatData[float32](outs[1])
	for g := range a {
		if math.Abs(float64(a[g]-u[g])) > float32Tol*math.Max(1, math.Abs(float64(u[g]))) {
			t.Errorf("group %d: all-ones mask %g, no mask %g", g, a[g], u[g])
		}
	}
}

// deadPixelMask is an N×N mask with a central beam stop of radius 3 and 5 %
// dead pixels (seeded), as simulate --dead_pixels 0.05 --beam_stop 3.
func deadPixelMask(n int) []float32 {
	r := rand.New(rand.NewPCG(11, 12))
	mask := make([]float32, n*n)
	for y := range n {
		for x := range n {
			dx, dy := float64(x-n/2), float64(y-n/2)
			if dx*dx+dy*dy > 9 && r.Float64() >= 0.05 {
				mask[y*n+x] = 1
			}
		}
	}
	return mask
}

// TestMaskedTrainingIgnoresMaskedData: a short training on a scan with dead
// pixels and a beam stop ends with a finite loss, and the same weights and
// loss history when its masked pixels read huge garbage instead; with
// ignore_mask the garbage changes them.
func TestMaskedTrainingIgnoresMaskedData(t *testing.T) {
	clean := synthDataset(64, 4, 6, 1, 3)
	clean.Mask = deadPixelMask(64)
	garbage := *clean
	garbage.Diffraction = append([]float32(nil), clean.Diffraction...)
	for i := range garbage.Diffraction {
		if clean.Mask[i%len(clean.Mask)] == 0 {
			garbage.Diffraction[i] = 1e4
		}
	}
	run := func(ds *data.Dataset, ignore bool) (map[string][]float32, []EpochStats) {
		t.Helper()
		cfg := tinyConfig(t.TempDir(), 1)
		cfg.Data.IgnoreMask = ignore
		res, err := TrainOn(device.CPU(), cfg, ds, TrainOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return allVariables(t, cfg.Data.OutputDir), res.History
	}
	wClean, hClean := run(clean, false)
	wGarbage, hGarbage := run(&garbage, false)
	wIgnored, hIgnored := run(&garbage, true)
	for i, h := range hClean {
		if math.IsNaN(h.TrainLoss) || math.IsInf(h.TrainLoss, 0) || math.IsNaN(h.ValLoss) {
			t.Fatalf("epoch %d: loss %g, validation %g: want finite", h.Epoch, h.TrainLoss, h.ValLoss)
		}
		if h.TrainLoss != hGarbage[i].TrainLoss || h.ValLoss != hGarbage[i].ValLoss {
			t.Errorf("epoch %d: loss %g/%g on the clean scan, %g/%g with garbage under the mask", h.Epoch, h.TrainLoss, h.ValLoss, hGarbage[i].TrainLoss, hGarbage[i].ValLoss)
		}
	}
	differs := func(a, b map[string][]float32) bool {
		for name, va := range a {
			for i := range va {
				if va[i] != b[name][i] {
					return true
				}
			}
		}
		return false
	}
	if len(wClean) == 0 || differs(wClean, wGarbage) {
		t.Error("the weights trained with garbage under the mask differ from those of the clean scan")
	}
	if !differs(wClean, wIgnored) || hIgnored[len(hIgnored)-1].TrainLoss == hClean[len(hClean)-1].TrainLoss {
		t.Error("with ignore_mask the garbage changed nothing")
	}
	t.Logf("final loss: clean %g, garbage under the mask %g, garbage with ignore_mask %g",
		hClean[len(hClean)-1].TrainLoss, hGarbage[len(hGarbage)-1].TrainLoss, hIgnored[len(hIgnored)-1].TrainLoss)
}
