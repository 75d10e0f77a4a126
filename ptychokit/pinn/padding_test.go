package pinn

import (
	"errors"
	"io"
	"math"
	"slices"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/ptychokit/ptychokit/ptychokit/device"
)

// TestBatchesPadWithZeroWeights: every batch has the same size; a short one
// repeats its last group, and the weights label marks data 1 and padding 0.
func TestBatchesPadWithZeroWeights(t *testing.T) {
	ds := synthDataset(64, 4, 6, 1, 3)
	cfg := tinyConfig(t.TempDir(), 1)
	groups, err := MakeGroups(ds, cfg, 11, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		order          []int
		batch, devices int
		wantSize       int
		wantWeights    [][]float32
	}{
		{[]int{10, 3, 7, 0, 5, 1, 9, 2, 8, 4, 6}, 4, 0, 4, [][]float32{{1, 1, 1, 1}, {1, 1, 1, 1}, {1, 1, 1, 0}}},
		{[]int{4, 2, 9}, 8, 0, 3, [][]float32{{1, 1, 1}}},    // fewer groups than a batch: no padding
		{[]int{4, 2, 9}, 8, 2, 4, [][]float32{{1, 1, 1, 0}}}, // … but whole shares for two devices
		{[]int{4, 2, 9, 1, 0, 5}, 6, 2, 6, [][]float32{{1, 1, 1, 1, 1, 1}}},
	} {
		b := &batches{g: groups, order: tc.order, batchSize: tc.batch, devices: tc.devices}
		var got [][]float32
		pos := 0
		for {
			in, lab, err := plainBatch(b)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if d := in[0].Shape().Dimensions[0]; d != tc.wantSize {
				t.Fatalf("order %v batch %d: a batch of %d, want %d", tc.order, tc.batch, d, tc.wantSize)
			}
			w := tensors.MustCopyFlatData[float32](lab[len(lab)-1])
			got = append(got, w)
			// Each row is the group of the order (or, for padding, the last real one).
			counts := tensors.MustCopyFlatData[float32](in[0])
			per := len(counts) / tc.wantSize
			for i := range tc.wantSize {
				gi := tc.order[min(pos+i, pos+int(sum(w))-1)]
				want, _ := groups.gather([]int{gi})
				if !slices.Equal(counts[i*per:(i+1)*per], tensors.MustCopyFlatData[float32](want)) {
					t.Fatalf("order %v: batch row %d is not group %d", tc.order, i, gi)
				}
			}
			pos += int(sum(w))
		}
		if !slices.EqualFunc(got, tc.wantWeights, slices.Equal[[]float32]) {
			t.Errorf("order %v batch %d devices %d: weights %v, want %v", tc.order, tc.batch, tc.devices, got, tc.wantWeights)
		}
	}
}

func sum(v []float32) float32 {
	var s float32
	for _, x := range v {
		s += x
	}
	return s
}

// TestPaddedBatchLossAndGradient: the weighted loss of a batch padded with
// groups of weight 0 equals the loss of the short batch, and so do the
// gradients of every trainable variable — the padding changes nothing in
// training.
func TestPaddedBatchLossAndGradient(t *testing.T) {
	cfg, groups, ctx := untrainedGS2(t, 5)
	backend := device.CPU()
	lossAndGrads := func(idx []int, weights []float32) []*tensors.Tensor {
		counts, offsets := groups.gather(idx)
		exec := context.MustNewExec(backend, ctx.Checked(false), func(ctx *context.Context, c, o, w *Node) []*Node {
			out := Forward(ctx, cfg.Model, cfg.Training.NPhotons, c, o, groups.CanvasPad)
			var loss *Node
			if weights == nil {
				loss = Loss(cfg, out, c, nil, nil, nil)
			} else {
				loss = WeightedMean(GroupLosses(cfg, out, c, nil, nil, nil), w)
			}
			var vars []*Node
			for v := range ctx.IterVariables() {
				if v.Trainable {
					vars = append(vars, v.ValueGraph(c.Graph()))
				}
			}
			return append([]*Node{loss}, Gradient(loss, vars...)...)
		})
		if weights == nil {
			weights = make([]float32, len(idx))
		}
		return exec.MustExec(counts, offsets, tensors.FromFlatDataAndDimensions(weights, len(weights)))
	}
	short := lossAndGrads([]int{3, 1, 4}, nil)
	padded := lossAndGrads([]int{3, 1, 4, 4, 4}, []float32{1, 1, 1, 0, 0})
	if len(short) != len(padded) || len(short) < 10 {
		t.Fatalf("%d outputs short, %d padded", len(short), len(padded))
	}
	for i := range short {
		a, b := tensors.MustCopyFlatData[float32](short[i]), tensors.MustCopyFlatData[float32](padded[i])
		scale := 0.0
		for _, v := range a {
			scale = math.Max(scale, math.Abs(float64(v)))
		}
		for j := range a {
			if math.Abs(float64(a[j]-b[j])) > 1e-5*scale+1e-12 {
				t.Fatalf("output %d (0: the loss, then gradients) [%d]: short batch %g, padded %g", i, j, a[j], b[j])
			}
		}
	}
}
