package physics

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/ptychokit/ptychokit/ptychokit/data"
	"github.com/ptychokit/ptychokit/ptychokit/device"
)

// DefaultSimBatchSize is the number of patterns per graph call when
// SimOptions.BatchSize is 0.
const DefaultSimBatchSize = 64

// SimOptions describes a simulated scan.
type SimOptions struct {
	// Object is the ground-truth object [H, W]; Probe the [N, N] probe (N even).
	Object, Probe *data.ComplexImage
	// X, Y are the patch centres (column, row) in object pixels.
	X, Y []float64
	// NPhotons is the mean, over patterns, of the expected total counts of a
	// pattern. Must be positive unless Noiseless.
	NPhotons float64
	// Seed seeds the Poisson noise.
	Seed int64
	// Backend runs the forward model; nil means device.CPU().
	Backend backends.Backend
	// BatchSize is the number of patterns per graph call (0: DefaultSimBatchSize).
	BatchSize int
	// Noiseless skips the noise: Diffraction is FarFieldAmplitude exactly.
	Noiseless bool
}

// Validate reports what is wrong with the options, if anything.
func (o *SimOptions) Validate() error {
	switch {
	case o.Object == nil || o.Probe == nil:
		return errors.New("simulate: object and probe are required")
	case o.Object.H <= 0 || o.Object.W <= 0 || len(o.Object.Pix) != o.Object.H*o.Object.W:
		return fmt.Errorf("simulate: object %d×%d has %d pixels", o.Object.H, o.Object.W, len(o.Object.Pix))
	case o.Probe.H != o.Probe.W || o.Probe.H <= 0 || o.Probe.H%2 != 0 || len(o.Probe.Pix) != o.Probe.H*o.Probe.W:
		return fmt.Errorf("simulate: probe must be N×N with N even and N² pixels, got %d×%d with %d", o.Probe.H, o.Probe.W, len(o.Probe.Pix))
	case len(o.X) == 0 || len(o.X) != len(o.Y):
		return fmt.Errorf("simulate: need equal, non-zero numbers of x and y centres, got %d and %d", len(o.X), len(o.Y))
	case !o.Noiseless && !(o.NPhotons > 0 && !math.IsInf(o.NPhotons, 0)):
		return fmt.Errorf("simulate: nphotons %g must be positive and finite", o.NPhotons)
	case o.BatchSize < 0:
		return fmt.Errorf("simulate: batch size %d < 0", o.BatchSize)
	}
	for i := range o.X {
		if math.IsNaN(o.X[i]) || math.IsNaN(o.Y[i]) || math.IsInf(o.X[i], 0) || math.IsInf(o.Y[i], 0) {
			return fmt.Errorf("simulate: centre %d (%g, %g) is not finite", i, o.X[i], o.Y[i])
		}
	}
	return nil
}

// Simulate runs a ptychographic scan: at each centre the object patch
// (ExtractPatches) times the probe gives the exit wave, whose far-field
// intensity I = FarFieldIntensity is computed in batches on the backend.
// The intensities are scaled by s = NPhotons / mean_over_patterns(Σ I) into
// expected counts λ = s·I, and counts k ~ Poisson(λ) are drawn (exact, for
// every λ: gonum's Poisson sampler, a direct method below λ = 10 and
// Hörmann's PTRS rejection above, from a PCG source seeded by Seed).
//
// The stored diffraction is sqrt(k/s): Poisson-noised amplitudes in the
// units of FarFieldAmplitude of the true object and probe, so that
// diffraction² ≈ FarFieldIntensity and a model is compared with it directly;
// s·diffraction² are the integer counts. Nothing else is recorded.
//
// The returned dataset holds Diffraction [n, N, N], the Probe, the Object
// (ground truth), X/YCoords, ScanIndex (all 0) and Y, the true object patches
// [n, N, N] (without the probe). Results are bit-identical for equal options
// on the same backend.
func Simulate(opts SimOptions) (ds *data.Dataset, err error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	backend := opts.Backend
	if backend == nil {
		backend = device.CPU()
	}
	batch := opts.BatchSize
	if batch == 0 {
		batch = DefaultSimBatchSize
	}
	n, count := opts.Probe.H, len(opts.X)
	batch = min(batch, count)

	defer func() {
		if r := recover(); r != nil {
			ds, err = nil, fmt.Errorf("simulate: forward model on %s: %v", backend.Name(), r)
		}
	}()
	exec, err := NewExec(backend, func(in []*Node) []*Node {
		object, probe := NewField(in[0], in[1]), NewField(in[2], in[3])
		patches := ExtractPatches(object, in[4], in[5], n)
		return []*Node{FarFieldIntensity(probe, patches), patches.Re, patches.Im}
	})
	if err != nil {
		return nil, fmt.Errorf("simulate: %w", err)
	}
	// Batches run side by side, one per core on the CPU (the pure-Go
	// backend runs a batch of this size mostly on one core), two on an
	// accelerator so that copying one batch back overlaps computing the
	// next. Each batch's numbers do not depend on which worker ran it.
	workers := 2
	if device.IsCPU(backend) {
		workers = runtime.GOMAXPROCS(0)
	}
	numBatches := (count + batch - 1) / batch
	workers = max(1, min(workers, numBatches))
	// The intensities become the diffraction in place: one n×N×N float32
	// array, not two.
	diffraction := make([]float32, count*n*n)
	truth := make([]complex64, count*n*n)
	errs := make([]error, numBatches)
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each worker has its own input tensors: a tensor is not safe to
			// hand to two executions at once (its device copy is cached on
			// first use).
			objReT, objImT := ImageTensors(opts.Object)
			prReT, prImT := ImageTensors(opts.Probe)
			images := []*tensors.Tensor{objReT, objImT, prReT, prImT}
			for b := range next {
				errs[b] = simulateBatch(exec, b*batch, batch, count, n, opts, images, diffraction, truth)
			}
		}()
	}
	for b := range numBatches {
		next <- b
	}
	close(next)
	wg.Wait()
	for b, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("simulate: patterns %d–%d: %w", b*batch, min((b+1)*batch, count)-1, err)
		}
	}

	if opts.Noiseless {
		parallelPatterns(count, func(p int) {
			for i := p * n * n; i < (p+1)*n*n; i++ {
				diffraction[i] = float32(math.Sqrt(math.Max(float64(diffraction[i]), 0)))
			}
		})
	} else {
		// Per-pattern sums, added in pattern order: the same total for any
		// number of cores.
		sums := make([]float64, count)
		parallelPatterns(count, func(p int) {
			t := 0.0
			for _, v := range diffraction[p*n*n : (p+1)*n*n] {
				t += float64(v)
			}
			sums[p] = t
		})
		total := 0.0
		for _, t := range sums {
			total += t
		}
		if !(total > 0) {
			return nil, fmt.Errorf("simulate: the far field has no intensity (total %g): is the probe or the object zero where scanned?", total)
		}
		scale := opts.NPhotons / (total / float64(count))
		// Each pattern draws its counts from its own PCG stream, seeded by
		// Seed and the pattern's index: the patterns are drawn on every
		// core, and the file is the same whatever the number of cores.
		parallelPatterns(count, func(p int) {
			src := rand.NewPCG(uint64(opts.Seed), poissonStream+uint64(p))
			for i := p * n * n; i < (p+1)*n*n; i++ {
				lambda := scale * math.Max(float64(diffraction[i]), 0)
				if lambda == 0 {
					diffraction[i] = 0
					continue
				}
				k := distuv.Poisson{Lambda: lambda, Src: src}.Rand()
				diffraction[i] = float32(math.Sqrt(k / scale))
			}
		})
	}

	scanIndex := make([]int64, count)
	return &data.Dataset{
		N:           n,
		Count:       count,
		Diffraction: diffraction,
		Probe:       cloneImage(opts.Probe),
		Object:      cloneImage(opts.Object),
		XCoords:     append([]float64(nil), opts.X...),
		YCoords:     append([]float64(nil), opts.Y...),
		ScanIndex:   scanIndex,
		Y:           truth,
	}, nil
}

func cloneImage(img *data.ComplexImage) *data.ComplexImage {
	return &data.ComplexImage{H: img.H, W: img.W, Pix: append([]complex64(nil), img.Pix...)}
}

// CountScale recovers the photon scale s of a simulated dataset — counts =
// s·diffraction² — from the NPhotons it was made with:
// s ≈ nphotons / mean_over_patterns(Σ diffraction²). Because E[counts] = s·I,
// the estimate has relative error ~1/√(total counts) against the scale
// Simulate used. diffraction is [count, N, N].
func CountScale(diffraction []float32, count int, nphotons float64) (float64, error) {
	if count <= 0 || len(diffraction)%count != 0 {
		return 0, fmt.Errorf("count scale: %d values do not make %d patterns", len(diffraction), count)
	}
	total := 0.0
	for _, a := range diffraction {
		total += float64(a) * float64(a)
	}
	if !(total > 0) {
		return 0, errors.New("count scale: diffraction is all zero")
	}
	return nphotons / (total / float64(count)), nil
}

// poissonStream is the PCG stream of pattern 0's noise ("poisson"); pattern
// p draws from stream poissonStream + p.
const poissonStream = 0x706f6973736f6e

// simulateBatch runs the forward model on the batch of patterns from start
// and stores its intensities and true patches. Every call has the full
// batch (the last padded by repeating its final centre), so the graph
// compiles once.
func simulateBatch(exec *Exec, start, batch, count, n int, opts SimOptions, images []*tensors.Tensor, intensity []float32, truth []complex64) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("forward model: %v", r)
		}
	}()
	xs, ys := make([]float32, batch), make([]float32, batch)
	for i := range xs {
		k := min(start+i, count-1)
		xs[i], ys[i] = float32(opts.X[k]), float32(opts.Y[k])
	}
	outs, err := exec.Exec(images[0], images[1], images[2], images[3],
		tensors.FromFlatDataAndDimensions(xs, batch), tensors.FromFlatDataAndDimensions(ys, batch))
	if err != nil {
		return err
	}
	valid := min(batch, count-start) * n * n
	inten := tensors.MustCopyFlatData[float32](outs[0])
	re := tensors.MustCopyFlatData[float32](outs[1])
	im := tensors.MustCopyFlatData[float32](outs[2])
	for _, o := range outs {
		o.FinalizeAll()
	}
	copy(intensity[start*n*n:], inten[:valid])
	dst := truth[start*n*n : start*n*n+valid]
	for i := range dst {
		dst[i] = complex(re[i], im[i])
	}
	return nil
}

// parallelPatterns calls do(p) for every pattern p < count, on every core.
func parallelPatterns(count int, do func(p int)) {
	workers := max(1, min(runtime.GOMAXPROCS(0), count))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := w; p < count; p += workers {
				do(p)
			}
		}()
	}
	wg.Wait()
}
