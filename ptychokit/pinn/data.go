package pinn

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"

	"github.com/ptychokit/ptychokit/ptychokit/config"
	"github.com/ptychokit/ptychokit/ptychokit/data"
)

// Groups is a dataset arranged for the network: G groups of C patterns, on
// the host as float32, ready to be cut into batches.
type Groups struct {
	N, C, Count int
	// Counts is [Count, N, N, C]: diffraction amplitudes in sqrt(counts),
	// s·InputScale·diffraction (see PhysicsScale).
	Counts []float32
	// Offsets is [Count, C, 2]: (dx, dy) of each pattern from its group's
	// centre, object pixels.
	Offsets []float32
	// TrueRe, TrueIm are the ground-truth patches [Count, N, N, C] (from the
	// dataset's Y) for the supervised model; nil otherwise.
	TrueRe, TrueIm []float32
	// Grouping says which scan points each group holds.
	Grouping *data.Grouping
	// InputScale is the factor data.InputScale gave for this dataset.
	InputScale float64
	// CanvasPad is the margin the overlap merge needs: ceil(max |offset|) + 1.
	CanvasPad int
	// Mask is the detector mask [N·N] the run honours (DetectorMask): 1
	// where the detector measured, 0 where not; nil: every pixel. The
	// network's input reads 0 at its pixels of 0, and the loss gives them
	// no weight.
	Mask []float32

	// src and scale make the network's input of a group on demand (gather)
	// where Counts is not built: inference streams a scan through the
	// network without a second copy of its diffraction.
	src   []float32
	scale float32
}

// MakeGroups groups nImages groups of a dataset's scan points (data.Groups,
// or data.SequentialGroups with sequential_sampling, with the run's
// gridsize, neighbor_count and seed; nImages ≤ 0: as many groups as scan
// points, which at gridsize 1 is every point in order) and scales its
// diffraction for the network. needTruth asks for the true patches (the
// supervised model); it is an error when the dataset has no Y, and when
// nphotons is still 0 ("from the data": PrepareTraining resolves it).
func MakeGroups(ds *data.Dataset, cfg config.Run, nImages int, needTruth bool) (*Groups, error) {
	return makeGroups(ds, cfg, nImages, needTruth, true)
}

// makeGroups is MakeGroups; without materialize, Counts stays nil and
// gather scales each group's diffraction from ds when it is asked for.
func makeGroups(ds *data.Dataset, cfg config.Run, nImages int, needTruth, materialize bool) (*Groups, error) {
	m := cfg.Model
	n, c := m.N, m.Channels()
	name := ds.Path
	if name == "" {
		name = "dataset"
	}
	if ds.N != n {
		return nil, fmt.Errorf("%s: patterns are %d×%d but the model has N = %d", name, ds.N, ds.N, n)
	}
	if ds.Diffraction == nil || ds.Count == 0 {
		return nil, fmt.Errorf("%s: no diffraction patterns", name)
	}
	if needTruth && ds.Y == nil {
		return nil, fmt.Errorf("%s: the supervised model needs the ground-truth patches 'Y', which this file lacks", name)
	}
	if !(cfg.Training.NPhotons > 0) {
		return nil, fmt.Errorf("nphotons = %g: 0 means \"from the data\", which training resolves (pinn.PrepareTraining); a trained model carries its value", cfg.Training.NPhotons)
	}
	if nImages <= 0 {
		nImages = ds.Count
	}
	group := data.Groups
	if cfg.Data.SequentialSampling {
		group = data.SequentialGroups
	}
	grouping, err := group(ds.XCoords, ds.YCoords, m.Gridsize, cfg.Data.NeighborCount, nImages, cfg.Training.Seed)
	if err != nil {
		return nil, fmt.Errorf("%s: grouping: %w", name, err)
	}
	mask := DetectorMask(ds, cfg)
	diffraction := ds.Diffraction
	if mask != nil && maskedNonzero(ds.Diffraction, mask) {
		// What a masked pixel reads must not reach the network, through
		// the input or its scale.
		diffraction = applyMask(ds.Diffraction, mask)
	}
	inputScale := data.InputScale(diffraction, n)
	if !(inputScale > 0) || math.IsInf(inputScale, 0) {
		return nil, fmt.Errorf("%s: diffraction has no energy (input scale %g)", name, inputScale)
	}
	scale := float32(inputScale * PhysicsScale(cfg.Training.NPhotons, n))
	count := len(grouping.Index)
	gr := &Groups{N: n, C: c, Count: count, Grouping: grouping, InputScale: inputScale,
		Offsets: make([]float32, count*c*2), Mask: mask, src: diffraction, scale: scale}
	if materialize {
		gr.Counts = make([]float32, count*n*n*c)
	}
	if needTruth {
		gr.TrueRe = make([]float32, count*n*n*c)
		gr.TrueIm = make([]float32, count*n*n*c)
	}
	maxOffset := 0.0
	for gi, members := range grouping.Index {
		if len(members) != c {
			return nil, fmt.Errorf("%s: group %d has %d members, want gridsize² = %d", name, gi, len(members), c)
		}
		if materialize {
			gr.scaleInto(members, gr.Counts[gi*n*n*c:(gi+1)*n*n*c])
		}
		for ch, p := range members {
			if needTruth {
				y := ds.Y[p*n*n : (p+1)*n*n]
				for i, v := range y {
					gr.TrueRe[(gi*n*n+i)*c+ch] = real(v)
					gr.TrueIm[(gi*n*n+i)*c+ch] = imag(v)
				}
			}
			dx, dy := 0.0, 0.0
			if c > 1 {
				dx, dy = grouping.OffsetX[gi][ch], grouping.OffsetY[gi][ch]
			}
			gr.Offsets[(gi*c+ch)*2] = float32(dx)
			gr.Offsets[(gi*c+ch)*2+1] = float32(dy)
			maxOffset = max(maxOffset, math.Abs(dx), math.Abs(dy))
		}
	}
	gr.CanvasPad = int(math.Ceil(maxOffset)) + 1
	return gr, nil
}

// split returns the group indices for training and validation: a seeded
// permutation, the last ⌈fraction·G⌉ (at least 1 when fraction > 0 and G ≥ 2)
// held out.
func split(count int, fraction float64, seed int64) (trainIdx, valIdx []int) {
	perm := rand.New(rand.NewPCG(uint64(seed), 0x5eed5eed)).Perm(count)
	nVal := int(math.Ceil(fraction * float64(count)))
	if fraction > 0 && nVal == 0 && count >= 2 {
		nVal = 1
	}
	if nVal >= count {
		nVal = count - 1
	}
	return perm[:count-nVal], perm[count-nVal:]
}

// epochOrder is the shuffled order of epoch e, derived from (seed, e) alone so
// that a run resumed after epoch k sees the same batches as one that never
// stopped.
func epochOrder(idx []int, seed int64, epoch int) []int {
	order := append([]int(nil), idx...)
	r := rand.New(rand.NewPCG(uint64(seed), uint64(epoch)+1))
	r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	return order
}

// batches is a pass over some groups in a fixed order, cut into batches
// (next); feeder.pass (feed.go) turns it into the dataset a pass trains on. Every batch
// has the same size (size): a short last batch is padded by repeating its
// last group, and the last label is the groups' weights [B] — 1 for a group
// of the data, 0 for padding — so the loss is the mean over the real groups
// (WeightedMean) and one compiled step serves every batch. The labels are
// the true patches (re, im) for the supervised model, then the weights.
//
// With perCall k > 1, next hands out k batches at once (k·size() groups, the
// last call of a pass fewer), for k training steps in one compiled call
// (newTrainer); only the last batch of a pass can hold padding.
type batches struct {
	name      string
	g         *Groups
	order     []int
	batchSize int
	perCall   int // batches handed out together by next (0: one)
	devices   int // the batch splits over this many devices (0: one)
	pos       int
	truth     bool
}

func (b *batches) Name() string { return b.name }
func (b *batches) Reset()       { b.pos = 0 }

// size is the number of groups of every batch: batchSize, or, when all the
// groups are fewer, their number rounded up to a multiple of the devices.
func (b *batches) size() int {
	if len(b.order) >= b.batchSize {
		return b.batchSize
	}
	d := max(b.devices, 1)
	return (len(b.order) + d - 1) / d * d
}

// steps is the number of calls of a pass: its batches, perCall at a time.
func (b *batches) steps() int {
	n := (len(b.order) + b.batchSize - 1) / b.batchSize
	k := max(b.perCall, 1)
	return (n + k - 1) / k
}

// next returns the groups of the next batch, padded to size() by repeating
// its last group, and their weights (1 for a group of the data, 0 for
// padding); io.EOF after the last batch.
func (b *batches) next() (idx []int, weights []float32, err error) {
	if b.pos >= len(b.order) {
		return nil, nil, io.EOF
	}
	k := max(b.perCall, 1)
	size := b.size()
	if n := (len(b.order) - b.pos + size - 1) / size; k > 1 && n > 1 {
		// min(k, batches left) batches; only the last can be short.
		size *= min(k, n)
	}
	end := min(b.pos+size, len(b.order))
	idx = b.order[b.pos:end]
	b.pos = end
	weights = make([]float32, size)
	for i := range idx {
		weights[i] = 1
	}
	if len(idx) < size {
		padded := make([]int, size)
		copy(padded, idx)
		for i := len(idx); i < size; i++ {
			padded[i] = idx[len(idx)-1]
		}
		idx = padded
	}
	return idx, weights, nil
}

// gather copies the groups idx into tensors [B, N, N, C] and [B, C, 2].
func (g *Groups) gather(idx []int) (counts, offsets *tensors.Tensor) {
	n, c := g.N, g.C
	counts = tensors.FromShape(shapes.Make(dtypes.Float32, len(idx), n, n, c))
	offsets = tensors.FromShape(shapes.Make(dtypes.Float32, len(idx), c, 2))
	tensors.MustMutableFlatData(counts, func(cs []float32) {
		tensors.MustMutableFlatData(offsets, func(os []float32) { g.gatherInto(idx, cs, os) })
	})
	return counts, offsets
}

// gatherInto copies the groups idx into cs [B, N, N, C] and os [B, C, 2].
func (g *Groups) gatherInto(idx []int, cs, os []float32) {
	per, po := g.N*g.N*g.C, g.C*2
	for b, gi := range idx {
		if g.Counts != nil {
			copy(cs[b*per:(b+1)*per], g.Counts[gi*per:(gi+1)*per])
		} else {
			g.scaleInto(g.Grouping.Index[gi], cs[b*per:(b+1)*per])
		}
		copy(os[b*po:(b+1)*po], g.Offsets[gi*po:(gi+1)*po])
	}
}

// scaleInto writes the network input of the group of scan points members,
// the scaled diffraction [N, N, C] (channel c the pattern of members[c]),
// into dst.
func (g *Groups) scaleInto(members []int, dst []float32) {
	n, c, scale := g.N, g.C, g.scale
	for ch, p := range members {
		src := g.src[p*n*n : (p+1)*n*n]
		if c == 1 {
			for i, v := range src {
				dst[i] = v * scale
			}
			continue
		}
		for i, v := range src {
			dst[i*c+ch] = v * scale
		}
	}
}

// gatherTruthInto copies the true patches of the groups idx into rs and is.
func (g *Groups) gatherTruthInto(idx []int, rs, is []float32) {
	per := g.N * g.N * g.C
	for b, gi := range idx {
		copy(rs[b*per:(b+1)*per], g.TrueRe[gi*per:(gi+1)*per])
		copy(is[b*per:(b+1)*per], g.TrueIm[gi*per:(gi+1)*per])
	}
}

// maskedNonzero reports whether any pattern of diffraction ([P, N·N]) is
// nonzero at a pixel of mask 0.
func maskedNonzero(diffraction, mask []float32) bool {
	for p := 0; p+len(mask) <= len(diffraction); p += len(mask) {
		for i, m := range mask {
			if m == 0 && diffraction[p+i] != 0 {
				return true
			}
		}
	}
	return false
}

// applyMask returns a copy of diffraction ([P, N·N]) that reads 0 at the
// pixels of mask 0.
func applyMask(diffraction, mask []float32) []float32 {
	out := make([]float32, len(diffraction))
	for i, v := range diffraction {
		out[i] = v * mask[i%len(mask)]
	}
	return out
}
